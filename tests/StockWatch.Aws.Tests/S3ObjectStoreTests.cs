using System.Security.Cryptography;
using Amazon.S3;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Core;
using StockWatch.Core.Storage;

namespace StockWatch.Aws.Tests;

/// <summary>The object store port on S3 (fauxqs), each test with a bucket of its own.</summary>
public sealed class S3ObjectStoreTests
{
    [Fact]
    public async Task PutOpenListDelete_AsTheFolderStoreDoes_WithAnS3Location()
    {
        var (store, _, bucket) = await CreateAsync();
        var key = ObjectKey.Parse("reports/weekly/2026-11-26/report.json");
        await store.PutAsync(key, new MemoryStream("{\"a\":1}"u8.ToArray()), TestContext.Current.CancellationToken);
        await store.PutAsync(ObjectKey.Parse("reports/weekly/2026-11-19/report.json"), new MemoryStream("{}"u8.ToArray()), TestContext.Current.CancellationToken);
        await store.PutAsync(ObjectKey.Parse("uploads/other.csv"), new MemoryStream("x"u8.ToArray()), TestContext.Current.CancellationToken);

        using (var reader = new StreamReader(store.Open(key)!))
        {
            (await reader.ReadToEndAsync(TestContext.Current.CancellationToken)).Should().Be("{\"a\":1}");
        }

        store.Open(ObjectKey.Parse("reports/none.json")).Should().BeNull();
        store.List("reports/").Select(o => o.Key.Value).Should().Equal("reports/weekly/2026-11-19/report.json", "reports/weekly/2026-11-26/report.json");
        store.List("reports/")[1].Size.Should().Be(7);
        store.LocationOf(key).Should().Be(new Uri($"s3://{bucket}/reports/weekly/2026-11-26/report.json"));
        store.Delete(key).Should().BeTrue();
        store.Delete(key).Should().BeFalse();
        store.Open(key).Should().BeNull();
    }

    [Fact]
    public async Task PutAsync_ALargeStreamThatCannotSeek_GoesUpInParts_AndComesBackTheSame()
    {
        var (store, _, _) = await CreateAsync();
        var content = RandomNumberGenerator.GetBytes(40 * 1024 * 1024);
        var key = ObjectKey.Parse("uploads/large.csv");

        await store.PutAsync(key, new ForwardOnly(new MemoryStream(content)), TestContext.Current.CancellationToken);

        await using var read = store.Open(key)!;
        SHA256.HashData(read).Should().Equal(SHA256.HashData(content));
    }

    [Fact]
    public async Task PresignedUrl_DownloadsTheObject_OverPlainHttp()
    {
        var (store, _, _) = await CreateAsync();
        var key = ObjectKey.Parse("reports/weekly/2026-11-26/report.html");
        await store.PutAsync(key, new MemoryStream("<!DOCTYPE html><p>report</p>"u8.ToArray()), TestContext.Current.CancellationToken);

        var url = store.PresignedUrl(key, TimeSpan.FromDays(6), TimeProvider.System.GetUtcNow());

        url.Query.Should().Contain("X-Amz-Signature=");
        // The SDK counts the lifetime from its own clock, read a moment later: 6 days, give or take a few seconds.
        var expires = System.Web.HttpUtility.ParseQueryString(url.Query)["X-Amz-Expires"];
        long.Parse(expires!, System.Globalization.CultureInfo.InvariantCulture).Should().BeInRange(518_400 - 5, 518_400 + 5);
        using var http = new HttpClient();
        (await http.GetStringAsync(url, TestContext.Current.CancellationToken)).Should().Be("<!DOCTYPE html><p>report</p>");
    }

    [Fact]
    public void Keys_ThatWouldLeaveTheStore_CannotBeMade() =>
        FluentActions.Invoking(() => ObjectKey.Parse("reports/../../etc/passwd")).Should().Throw<StockWatchException>();

    private static async Task<(S3ObjectStore Store, IAmazonS3 S3, string Bucket)> CreateAsync()
    {
        await using var aws = await AwsStack.CreateAsync();
        var s3 = aws.Services.GetRequiredService<IAmazonS3>();
        var bucket = $"t{Guid.NewGuid():N}"[..20];
        await s3.PutBucketAsync(bucket, TestContext.Current.CancellationToken);
        return (new S3ObjectStore(s3, Microsoft.Extensions.Options.Options.Create(new AwsOptions { Bucket = bucket })), s3, bucket);
    }

    /// <summary>A stream that can only be read forwards, as a request body or a pipe is.</summary>
    private sealed class ForwardOnly(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
