using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core.Imports;
using StockWatch.Core.Queues;
using StockWatch.Core.Storage;
using StockWatch.Testing;

namespace StockWatch.Tests.Imports;

public sealed class ImportJobsTests : IDisposable
{
    private readonly TempFolder _data = new();
    private readonly ServiceProvider _services;
    private readonly CancellationToken _cancel = TestContext.Current.CancellationToken;

    private readonly List<ImportStatus?> _statusWhenErrorsStored = [];

    public ImportJobsTests() => _services = Composed.Services(_data.Path, configure: services =>
        services.AddSingleton<IObjectStore>(provider => new WatchedStore(
            new Sqlite.Objects.FolderObjectStore(Path.Combine(_data.Path, "objects")), provider.GetRequiredService<IImportLedger>(), _statusWhenErrorsStored)));

    public void Dispose()
    {
        _services.Dispose();
        _data.Dispose();
    }

    private T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    [Fact]
    public async Task JobSentButNotRecorded_BeforeACrash_IsRecordedAndRunOnce()
    {
        // EnqueueAsync stores the upload and sends the job, and the crash comes before the ledger hears of it.
        const string importId = "imp-00000000000000aa";
        await Get<IObjectStore>().PutAsync(ImportJobs.UploadKey(importId), new MemoryStream("product_id,product_name,stock_count\nK1,Kiwi,3\n"u8.ToArray()), _cancel);
        await Get<IWorkQueue>().SendAsync(ImportJobs.Queue, JsonSerializer.Serialize(new ImportJob(importId, "kiwi.csv", new ImportSettings()), ImportSummary.Json));

        (await Get<ImportJobs>().RunNextAsync(_cancel)).Should().BeTrue();

        var record = Get<IImportLedger>().Find(importId)!;
        (record.Status, record.Source, record.Summary!.Accepted).Should().Be((ImportStatus.Done, "kiwi.csv", 1L));
        (await Get<ImportJobs>().RunNextAsync(_cancel)).Should().BeFalse("the job was deleted once done");
    }

    [Fact]
    public async Task SameImportQueuedTwice_IsAppliedOnce()
    {
        var upload = Encoding.UTF8.GetBytes("product_id,product_name,stock_count\nK1,Kiwi,3\n");
        var jobs = Get<ImportJobs>();
        var first = await jobs.EnqueueAsync(new MemoryStream(upload), new ImportSettings(), "a.csv", _cancel);
        await jobs.EnqueueAsync(new MemoryStream(upload), new ImportSettings(), "a.csv", _cancel, first);

        while (await jobs.RunNextAsync(_cancel))
        {
        }

        TestStore.ScalarIn(Path.Combine(_data.Path, "stockwatch.db"), "SELECT COUNT(*) FROM changes").Should().Be(1);
        TestStore.ScalarIn(Path.Combine(_data.Path, "stockwatch.db"), "SELECT COUNT(*) FROM imports").Should().Be(1);
        Get<IWorkQueue>().Stats(ImportJobs.Queue).Should().Be(new QueueStats(0, 0, null));
    }

    [Fact]
    public async Task ErrorsCsv_IsStoredBeforeTheImportIsSeenDone()
    {
        var jobs = Get<ImportJobs>();
        var id = await jobs.EnqueueAsync(new MemoryStream("product_id,product_name,stock_count\nK1,Kiwi,3\nK2,Kale,x\n"u8.ToArray()), new ImportSettings(), "k.csv", _cancel);

        (await jobs.RunNextAsync(_cancel)).Should().BeTrue();

        _statusWhenErrorsStored.Should().Equal([ImportStatus.Running], "a client that sees the import done must find its errors.csv");
        Get<IImportLedger>().Find(id)!.Status.Should().Be(ImportStatus.Done);
    }

    /// <summary>An object store that notes the import's status in the ledger at the moment its errors.csv is stored.</summary>
    private sealed class WatchedStore(IObjectStore inner, IImportLedger ledger, List<ImportStatus?> seen) : IObjectStore
    {
        public Task PutAsync(ObjectKey key, System.IO.Stream content, CancellationToken cancellationToken)
        {
            if (key.Value.EndsWith("/errors.csv", StringComparison.Ordinal))
            {
                seen.Add(ledger.Find(key.Value.Split('/')[1])?.Status);
            }

            return inner.PutAsync(key, content, cancellationToken);
        }

        public System.IO.Stream? Open(ObjectKey key) => inner.Open(key);

        public IReadOnlyList<ObjectInfo> List(string prefix) => inner.List(prefix);

        public bool Delete(ObjectKey key) => inner.Delete(key);

        public Uri LocationOf(ObjectKey key) => inner.LocationOf(key);
    }
}
