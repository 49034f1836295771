using Amazon.S3;
using Amazon.S3.Model;

namespace StockWatch.Aws;

/// <summary>
/// One S3 object as a read-only seekable stream: reads stream one ranged <c>GetObject</c> from the position on, a seek
/// starts another at the new position, so a large object is never held in memory and a reader can go back to its start
/// (the import's encoding sample and content id) or on to a checkpoint's byte offset. Pinned to the version (or, in
/// an unversioned bucket, the ETag) it was opened at: an object replaced meanwhile fails the read (412) instead of
/// mixing two files.
/// </summary>
public sealed class S3ReadStream : Stream
{
    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _key;
    private readonly string? _versionId;
    private readonly string? _etag;
    private Stream? _body;
    private long _position;

    private S3ReadStream(IAmazonS3 s3, string bucket, string key, string? versionId, string? etag, long length)
    {
        (_s3, _bucket, _key, _versionId, _etag) = (s3, bucket, key, versionId, etag);
        Length = length;
    }

    /// <summary>Opens the object (its metadata read once: length, ETag, user metadata).</summary>
    /// <param name="versionId">The version to read; the latest when null.</param>
    /// <param name="etag">The ETag the object must still have (an unversioned bucket); any when null.</param>
    /// <returns>The stream and the object's user metadata (names without <c>x-amz-meta-</c>).</returns>
    /// <exception cref="AmazonS3Exception">No such object (404), or no longer that ETag (412).</exception>
    public static async Task<(S3ReadStream Stream, IReadOnlyDictionary<string, string> Metadata)> OpenAsync(
        IAmazonS3 s3, string bucket, string key, string? versionId, string? etag, CancellationToken cancellationToken)
    {
        var head = await s3.GetObjectMetadataAsync(new GetObjectMetadataRequest
        {
            BucketName = bucket, Key = key, VersionId = versionId, EtagToMatch = etag is null ? null : Quoted(etag),
        }, cancellationToken);
        var metadata = head.Metadata.Keys.ToDictionary(name => name.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase) ? name[11..] : name,
            name => head.Metadata[name], StringComparer.OrdinalIgnoreCase);
        return (new S3ReadStream(s3, bucket, key, versionId, etag ?? head.ETag?.Trim('"'), head.ContentLength), metadata);
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length { get; }

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position >= Length || buffer.IsEmpty)
        {
            return 0;
        }

        _body ??= Body();
        var read = _body.Read(buffer);
        _position += read;
        return read;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => Length + offset,
        };
        if (target < 0)
        {
            throw new IOException("A position before the object's start.");
        }

        if (target != _position)
        {
            _body?.Dispose();
            _body = null;
            _position = target;
        }

        return _position;
    }

    private Stream Body() => _s3.GetObjectAsync(new GetObjectRequest
    {
        BucketName = _bucket,
        Key = _key,
        VersionId = _versionId,
        EtagToMatch = _versionId is null && _etag is not null ? Quoted(_etag) : null,
        ByteRange = new ByteRange(_position, Length - 1),
    }).GetAwaiter().GetResult().ResponseStream;

    private static string Quoted(string etag) => $"\"{etag.Trim('"')}\"";

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _body?.Dispose();
        }

        base.Dispose(disposing);
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
