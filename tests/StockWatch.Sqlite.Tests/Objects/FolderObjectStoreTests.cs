using System.Text;
using StockWatch.Core;
using StockWatch.Core.Storage;
using StockWatch.Sqlite.Objects;
using StockWatch.Testing;

namespace StockWatch.Sqlite.Tests.Objects;

public sealed class FolderObjectStoreTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FolderObjectStore _store;

    public FolderObjectStoreTests() => _store = new FolderObjectStore(Path.Combine(_folder.Path, "objects"));

    public void Dispose() => _folder.Dispose();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private Task Put(string key, string text) => _store.PutAsync(ObjectKey.Parse(key), new MemoryStream(Encoding.UTF8.GetBytes(text)), Cancel);

    private string? Read(string key)
    {
        using var stream = _store.Open(ObjectKey.Parse(key));
        return stream is null ? null : new StreamReader(stream).ReadToEnd();
    }

    [Fact]
    public async Task PutThenOpen_RoundTripsAndReplaces()
    {
        await Put("uploads/2026/a.csv", "first");
        await Put("uploads/2026/a.csv", "second");

        Read("uploads/2026/a.csv").Should().Be("second");
        Read("uploads/2026/missing.csv").Should().BeNull();
    }

    [Fact]
    public async Task List_ByPrefix_InKeyOrderWithSizes()
    {
        await Put("uploads/b.csv", "bb");
        await Put("uploads/a.csv", "a");
        await Put("imports/x.json", "{}");

        _store.List("uploads/").Select(o => (o.Key.Value, o.Size)).Should().Equal(("uploads/a.csv", 1L), ("uploads/b.csv", 2L));
    }

    [Fact]
    public async Task Delete_RemovesOnlyThatObject()
    {
        await Put("uploads/a.csv", "a");
        await Put("uploads/b.csv", "b");

        _store.Delete(ObjectKey.Parse("uploads/a.csv")).Should().BeTrue();
        _store.Delete(ObjectKey.Parse("uploads/a.csv")).Should().BeFalse();

        _store.List("").Select(o => o.Key.Value).Should().Equal("uploads/b.csv");
    }

    [Theory]
    [InlineData("../outside.csv")]
    [InlineData("uploads/../../outside.csv")]
    [InlineData("/etc/passwd")]
    [InlineData("uploads//a.csv")]
    [InlineData("uploads/./a.csv")]
    [InlineData("uploads\\..\\a.csv")]
    [InlineData("C:a.csv")]
    [InlineData("uploads/%2e%2e/a.csv")]
    [InlineData("uploads/a b.csv")]
    [InlineData("uploads/ä.csv")]
    [InlineData("")]
    public void ObjectKey_ThatCouldEscapeOrIsAmbiguous_IsRefused(string key) =>
        FluentActions.Invoking(() => ObjectKey.Parse(key)).Should().Throw<StockWatchException>().Where(e => e.Field == "key");

    [Fact]
    public async Task Put_ReaderDuringAReplace_SeesTheOldOrTheNewObjectWhole()
    {
        var a = new string('a', 4 << 20);
        await Put("reports/r.html", a);

        var writing = _store.PutAsync(ObjectKey.Parse("reports/r.html"), new TrickleStream(Encoding.UTF8.GetBytes(new string('b', 4 << 20))), Cancel);
        List<string> seen = [];
        while (!writing.IsCompleted)
        {
            seen.Add(Read("reports/r.html")!);
        }

        await writing;
        seen.Add(Read("reports/r.html")!);
        seen.Should().AllSatisfy(text => text.Should().Match(t => t == a || t == new string('b', 4 << 20), "never a mix, never a prefix"));
        seen[^1][0].Should().Be('b');
    }

    [Fact]
    public async Task Put_SourceFailsHalfWay_KeepsTheOldObjectAndLeavesNothingBehind()
    {
        await Put("uploads/a.csv", "old");

        var act = () => _store.PutAsync(ObjectKey.Parse("uploads/a.csv"), new FailingStream(), Cancel);

        await act.Should().ThrowAsync<IOException>();
        Read("uploads/a.csv").Should().Be("old");
        Directory.EnumerateFiles(Path.Combine(_folder.Path, "objects", ".staging")).Should().BeEmpty();
    }

    /// <summary>Hands out its bytes a little at a time, yielding between reads, so a put takes a while.</summary>
    private sealed class TrickleStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            return await base.ReadAsync(buffer[..Math.Min(buffer.Length, 64 * 1024)], cancellationToken);
        }
    }

    private sealed class FailingStream : MemoryStream
    {
        private int _reads;

        public FailingStream() : base(new byte[1 << 20]) { }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ++_reads > 2 ? throw new IOException("the upload was cut off") : base.ReadAsync(buffer[..Math.Min(buffer.Length, 1024)], cancellationToken);
    }
}
