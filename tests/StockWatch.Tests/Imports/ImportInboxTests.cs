using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core.Imports;
using StockWatch.Hosting;
using StockWatch.Testing;

namespace StockWatch.Tests.Imports;

public sealed class ImportInboxTests : IDisposable
{
    private readonly TempFolder _data = new();
    private readonly ServiceProvider _services;
    private readonly ImportInbox _inbox;
    private readonly CancellationToken _cancel = TestContext.Current.CancellationToken;

    public ImportInboxTests()
    {
        _services = Composed.Services(_data.Path);
        _inbox = ImportInbox.Create(_services, _data.Path)!;
    }

    public void Dispose()
    {
        _services.Dispose();
        _data.Dispose();
    }

    private ImportJobs Jobs => _services.GetRequiredService<ImportJobs>();

    private long Scalar(string sql) => TestStore.ScalarIn(Path.Combine(_data.Path, "stockwatch.db"), sql);

    private async Task Drop(string name, string content)
    {
        Directory.CreateDirectory(_inbox.Folder);
        await File.WriteAllTextAsync(Path.Combine(_inbox.Folder, name), content, _cancel);
    }

    /// <summary>Two looks (a file is taken when unchanged between them), the queued jobs run, one more look to move the files on.</summary>
    private async Task ImportDropped()
    {
        await _inbox.ScanAsync(_cancel);
        await _inbox.ScanAsync(_cancel);
        while (await Jobs.RunNextAsync(_cancel))
        {
        }

        await _inbox.ScanAsync(_cancel);
    }

    private JsonElement Result(string path) => JsonDocument.Parse(File.ReadAllText(path + ".result.json")).RootElement;

    [Fact]
    public async Task DroppedFile_IsImportedAndMovedToProcessedWithItsResultAndErrors()
    {
        await Drop("stock.csv", "product_id,product_name,stock_count\nA1,Apple,5\nB2,Bread,-3\nC3,Cheese,7\n");

        await ImportDropped();

        var moved = Path.Combine(_inbox.Processed, "stock.csv");
        File.Exists(moved).Should().BeTrue();
        File.Exists(Path.Combine(_inbox.Folder, "stock.csv")).Should().BeFalse();
        Directory.EnumerateFiles(_inbox.Processing).Should().BeEmpty();
        var result = Result(moved);
        result.GetProperty("status").GetString().Should().Be("done");
        result.GetProperty("source").GetString().Should().Be("inbox/stock.csv");
        result.GetProperty("summary").GetProperty("accepted").GetInt64().Should().Be(2);
        result.GetProperty("summary").GetProperty("rejected").GetInt64().Should().Be(1);
        File.ReadAllLines(moved + ".errors.csv").Should().HaveCount(2).And.Contain(line => line.StartsWith("3,stock_count,-3,", StringComparison.Ordinal));
        Scalar("SELECT COUNT(*) FROM products").Should().Be(2);
    }

    [Fact]
    public async Task UnreadableFile_IsMovedToFailedWithTheReason()
    {
        await Drop("empty.csv", "");

        await ImportDropped();

        var moved = Path.Combine(_inbox.Failed, "empty.csv");
        File.Exists(moved).Should().BeTrue();
        Result(moved).GetProperty("status").GetString().Should().Be("failed");
        Result(moved).GetProperty("error").GetString().Should().Contain("empty");
        File.Exists(moved + ".errors.csv").Should().BeFalse();
    }

    [Fact]
    public async Task FileStillBeingWritten_OrNamedAsTemporary_IsLeftAlone()
    {
        await Drop("growing.csv", "product_id,product_name,stock_count\nA1,Apple,1\n");
        await Drop("copying.csv.part", "product_id,stock_count\nB1,1\n");
        await Drop(".hidden.csv", "product_id,stock_count\nC1,1\n");
        await _inbox.ScanAsync(_cancel);
        await File.AppendAllTextAsync(Path.Combine(_inbox.Folder, "growing.csv"), "A2,Apricot,2\n", _cancel);

        await _inbox.ScanAsync(_cancel);

        Directory.EnumerateFiles(_inbox.Processing).Should().BeEmpty("the file changed since the last look");
        await ImportDropped();
        Scalar("SELECT COUNT(*) FROM products").Should().Be(2, "growing.csv alone is imported, once, as a whole");
        Scalar("SELECT COUNT(*) FROM products WHERE product_id IN ('A1', 'A2')").Should().Be(2);
        File.Exists(Path.Combine(_inbox.Folder, "copying.csv.part")).Should().BeTrue();
        File.Exists(Path.Combine(_inbox.Folder, ".hidden.csv")).Should().BeTrue();
    }

    [Fact]
    public async Task SameNameDroppedTwice_BothKeptInProcessed_AndTheSecondChangesNothing()
    {
        const string content = "product_id,product_name,stock_count\nA1,Apple,4\n";
        await Drop("daily.csv", content);
        await ImportDropped();
        await Drop("daily.csv", content);
        await ImportDropped();

        var files = Directory.EnumerateFiles(_inbox.Processed, "daily*.csv").Select(Path.GetFileName).ToList();
        files.Should().HaveCount(2).And.Contain("daily.csv");
        var second = files.Single(f => f != "daily.csv")!;
        Result(Path.Combine(_inbox.Processed, second)).GetProperty("summary").GetProperty("unchanged").GetInt64().Should().Be(1);
        Scalar("SELECT COUNT(*) FROM changes").Should().Be(1);
    }

    [Fact]
    public async Task FileTakenButNotQueued_BeforeACrash_IsQueuedUnderItsIdAtTheNextLook()
    {
        Directory.CreateDirectory(_inbox.Processing);
        await File.WriteAllTextAsync(Path.Combine(_inbox.Processing, "imp-0123456789abcdef.late.csv"), "product_id,product_name,stock_count\nL1,Lime,9\n", _cancel);

        await ImportDropped();

        File.Exists(Path.Combine(_inbox.Processed, "late.csv")).Should().BeTrue();
        _services.GetRequiredService<IImportLedger>().Find("imp-0123456789abcdef")!.Status.Should().Be(ImportStatus.Done);
        Scalar("SELECT stock_count FROM products WHERE product_id = 'L1'").Should().Be(9);
    }

    [Fact]
    public async Task SymbolicLinks_ToASecretOrToDevZero_AreMovedToFailedUnread()
    {
        var secret = Path.Combine(_data.Path, "secret.txt");
        await File.WriteAllTextAsync(secret, "product_id,product_name,stock_count\nS1,TOP-SECRET-VALUE,x\n", _cancel);
        Mono.Unix.Native.Syscall.chmod(secret, Mono.Unix.Native.FilePermissions.S_IRUSR | Mono.Unix.Native.FilePermissions.S_IWUSR).Should().Be(0);
        await Drop("fine.csv", "product_id,product_name,stock_count\nF1,Fig,3\n");
        File.CreateSymbolicLink(Path.Combine(_inbox.Folder, "secret.csv"), secret);
        File.CreateSymbolicLink(Path.Combine(_inbox.Folder, "zero.csv"), "/dev/zero");

        await ImportDropped().WaitAsync(TimeSpan.FromSeconds(30), _cancel);

        foreach (var name in new[] { "secret.csv", "zero.csv" })
        {
            var moved = Path.Combine(_inbox.Failed, name);
            new FileInfo(moved).LinkTarget.Should().NotBeNull("the link itself is moved, not what it points to");
            Result(moved).GetProperty("status").GetString().Should().Be("failed");
            Result(moved).GetProperty("error").GetString().Should().Contain("symbolic link");
        }

        Scalar("SELECT COUNT(*) FROM products").Should().Be(1, "fine.csv alone is imported");
        Directory.EnumerateFiles(Path.Combine(_data.Path, "objects"), "*", SearchOption.AllDirectories)
            .Should().NotContain(path => File.ReadAllText(path).Contains("TOP-SECRET-VALUE"));
        Directory.EnumerateFiles(Path.Combine(_data.Path, "objects", ".staging")).Should().BeEmpty();
    }

    [Fact]
    public async Task Fifo_IsMovedToFailed_WithoutBlockingTheFilesBesideIt()
    {
        await Drop("fine.csv", "product_id,product_name,stock_count\nF1,Fig,3\n");
        Mono.Unix.Native.Syscall.mkfifo(Path.Combine(_inbox.Folder, "pipe.csv"), Mono.Unix.Native.FilePermissions.ACCESSPERMS).Should().Be(0);
        Directory.CreateDirectory(_inbox.Processing);
        Mono.Unix.Native.Syscall.mkfifo(Path.Combine(_inbox.Processing, "imp-0123456789abcdef.left.csv"), Mono.Unix.Native.FilePermissions.ACCESSPERMS)
            .Should().Be(0, "a FIFO taken before a restart");

        await ImportDropped().WaitAsync(TimeSpan.FromSeconds(30), _cancel);

        Result(Path.Combine(_inbox.Failed, "pipe.csv")).GetProperty("error").GetString().Should().Contain("named pipe (FIFO)");
        Result(Path.Combine(_inbox.Failed, "left.csv")).GetProperty("error").GetString().Should().Contain("named pipe (FIFO)");
        File.Exists(Path.Combine(_inbox.Processed, "fine.csv")).Should().BeTrue();
        Scalar("SELECT COUNT(*) FROM products").Should().Be(1);
    }

    [Fact]
    public async Task NameThatIsNotUtf8_IsImportedUnderItsReadableName_AndTheOthersToo()
    {
        await Drop("fine.csv", "product_id,product_name,stock_count\nF1,Fig,3\n");
        // Mono.Unix writes "\0" followed by a char as that one raw byte: the name holds the byte 0xFF, not UTF-8.
        using (var stream = new Mono.Unix.UnixFileInfo(Path.Combine(_inbox.Folder, "bad\0\u00ff.csv")).Create())
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes("product_id,product_name,stock_count\nB1,Banana,4\n");
            stream.Write(bytes, 0, bytes.Length);
        }

        await ImportDropped();

        File.Exists(Path.Combine(_inbox.Processed, "bad\uFFFD.csv")).Should().BeTrue();
        File.Exists(Path.Combine(_inbox.Processed, "fine.csv")).Should().BeTrue();
        Scalar("SELECT COUNT(*) FROM products").Should().Be(2);
    }

    [Fact]
    public async Task FileOverMaxUploadBytes_IsMovedToFailed_AndNothingStaysInStaging()
    {
        using var services = Composed.Services(_data.Path, new Dictionary<string, string?> { ["StockWatch:Imports:MaxUploadBytes"] = "1024" });
        var inbox = ImportInbox.Create(services, _data.Path)!;
        await Drop("big.csv", "product_id,product_name,stock_count\n" + string.Concat(Enumerable.Range(0, 100).Select(i => $"B{i},Big,{i}\n")));
        await Drop("small.csv", "product_id,product_name,stock_count\nS1,Small,1\n");

        await inbox.ScanAsync(_cancel);
        await inbox.ScanAsync(_cancel);

        Result(Path.Combine(inbox.Failed, "big.csv")).GetProperty("error").GetString().Should().Contain("larger than StockWatch:Imports:MaxUploadBytes (1024 bytes)");
        Directory.EnumerateFiles(Path.Combine(_data.Path, "objects", ".staging")).Should().BeEmpty();
        Directory.EnumerateFiles(inbox.Processing).Should().ContainSingle(path => path.EndsWith(".small.csv", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serve_ImportsAFileDroppedInItsInbox()
    {
        var environment = new Dictionary<string, string> { ["StockWatch__Imports__InboxScanInterval"] = "00:00:00.05" };
        using var serve = StockWatchProcess.Start(_data.Path, environment, "serve", "--urls", "http://127.0.0.1:0");
        Directory.CreateDirectory(_inbox.Processed);
        using var watcher = new Files.Watcher(_inbox.Processed);
        await Drop("products.csv.tmp", "product_id,product_name,stock_count\nP1,Pear,10\nP2,Plum,0\n");
        File.Move(Path.Combine(_inbox.Folder, "products.csv.tmp"), Path.Combine(_inbox.Folder, "products.csv"));

        await watcher.Created("products.csv").WaitAsync(TimeSpan.FromSeconds(30), _cancel);

        Scalar("SELECT SUM(stock_count) FROM products").Should().Be(10);
        Result(Path.Combine(_inbox.Processed, "products.csv")).GetProperty("summary").GetProperty("accepted").GetInt64().Should().Be(2);
        serve.Output.Should().Contain("Inbox file products.csv");
    }
}
