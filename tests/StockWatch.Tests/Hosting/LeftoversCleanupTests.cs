using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core.Imports;
using StockWatch.Testing;

namespace StockWatch.Tests.Hosting;

public sealed class LeftoversCleanupTests : IDisposable
{
    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Serve_Start_RemovesOldPartialObjectsAndUploadsWithoutAnImport_AndKeepsTheRest()
    {
        var cancel = TestContext.Current.CancellationToken;
        string owned;
        using (var services = Composed.Services(_data.Path))
        {
            await using var upload = new MemoryStream("product_id,product_name,stock_count\nP1,One,1\n"u8.ToArray());
            owned = await services.GetRequiredService<ImportJobs>().EnqueueAsync(upload, new ImportSettings(), "owned.csv", cancel);
        }

        var objects = Path.Combine(_data.Path, "objects");
        var longAgo = DateTime.UtcNow - StockWatch.Hosting.LeftoversCleanup.Grace - TimeSpan.FromMinutes(5);
        var ownedUpload = Path.Combine(objects, "uploads", $"{owned}.csv");
        File.SetLastWriteTimeUtc(ownedUpload, longAgo);
        var oldStaged = Leave(Path.Combine(objects, ".staging", "0f3a"), longAgo);
        var youngStaged = Leave(Path.Combine(objects, ".staging", "9c1b"), DateTime.UtcNow);
        var oldOrphan = Leave(Path.Combine(objects, "uploads", "imp-0000000000000000.csv"), longAgo);
        var youngOrphan = Leave(Path.Combine(objects, "uploads", "imp-1111111111111111.csv"), DateTime.UtcNow);

        using var serve = StockWatchProcess.Start(_data.Path, "serve", "--urls", "http://127.0.0.1:0");
        await serve.WaitForOutputAsync("Removed 1 partial objects and 1 uploads without an import", cancel);

        File.Exists(oldStaged).Should().BeFalse();
        File.Exists(oldOrphan).Should().BeFalse();
        File.Exists(youngStaged).Should().BeTrue("a writer may still be at work on it");
        File.Exists(youngOrphan).Should().BeTrue("it may be being queued now");
        File.Exists(ownedUpload).Should().BeTrue("its import owns it");
        TestStore.ScalarIn(Path.Combine(_data.Path, "stockwatch.db"), $"SELECT COUNT(*) FROM imports WHERE import_id = '{owned}' AND status = 'done'").Should().Be(1,
            "the uploads are looked at once the queued import has run");
    }

    private static string Leave(string path, DateTime lastWrite)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "product_id,stock_count\nP1,");
        File.SetLastWriteTimeUtc(path, lastWrite);
        return path;
    }
}
