using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using StockWatch.Core.Storage;

namespace StockWatch.Aws;

/// <summary>
/// The object store port on S3 (the bucket <c>StockWatch:Aws:Bucket</c>). A put reads its stream in parts of 8 MiB:
/// one part is one <c>PutObject</c>, more are a multipart upload (aborted if anything fails), so a large upload is held
/// in memory one part at a time, whatever stream it comes from (a request body cannot seek); every object with SSE-S3
/// (<c>AES256</c>). S3 makes an object visible only once it is whole. <see cref="Open"/> streams the object from S3.
/// Locations are <c>s3://BUCKET/KEY</c>. The sync members wait on the SDK's async calls, as the DynamoDB store's do.
/// </summary>
public sealed class S3ObjectStore(IAmazonS3 s3, IOptions<AwsOptions> options) : IObjectStore
{
    /// <summary>
    /// The size of one part: S3's parts are 5 MiB to 5 GiB, at most 10,000 of them, so objects up to 80 GiB; fauxqs takes
    /// bodies up to 11 MiB.
    /// </summary>
    public const int PartSize = 8 * 1024 * 1024;

    private readonly string _bucket = options.Value.Bucket;

    public string Bucket => _bucket;

    public async Task PutAsync(ObjectKey key, Stream content, CancellationToken cancellationToken) =>
        await PutAsync(key, content, new Dictionary<string, string>(), cancellationToken);

    /// <summary>Puts the object with user metadata (<c>x-amz-meta-NAME</c>, US-ASCII, 2 KB in all).</summary>
    /// <returns>The object's ETag and version id (null in a bucket without versioning).</returns>
    public async Task<(string ETag, string? VersionId)> PutAsync(ObjectKey key, Stream content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var buffer = new byte[PartSize];
        var length = await content.ReadAtLeastAsync(buffer, PartSize, throwOnEndOfStream: false, cancellationToken);
        if (length < PartSize)
        {
            var request = new PutObjectRequest
            {
                BucketName = _bucket,
                Key = key.Value,
                InputStream = new MemoryStream(buffer, 0, length),
                ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256,
            };
            foreach (var (name, value) in metadata)
            {
                request.Metadata[name] = value;
            }

            var put = await s3.PutObjectAsync(request, cancellationToken);
            return (put.ETag, VersionOf(put.VersionId));
        }

        var initiate = new InitiateMultipartUploadRequest
        {
            BucketName = _bucket,
            Key = key.Value,
            ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256,
        };
        foreach (var (name, value) in metadata)
        {
            initiate.Metadata[name] = value;
        }

        var upload = await s3.InitiateMultipartUploadAsync(initiate, cancellationToken);
        try
        {
            List<PartETag> parts = [];
            while (length > 0)
            {
                var part = await s3.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _bucket,
                    Key = key.Value,
                    UploadId = upload.UploadId,
                    PartNumber = parts.Count + 1,
                    InputStream = new MemoryStream(buffer, 0, length),
                }, cancellationToken);
                parts.Add(new PartETag(parts.Count + 1, part.ETag));
                length = await content.ReadAtLeastAsync(buffer, PartSize, throwOnEndOfStream: false, cancellationToken);
            }

            var completed = await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _bucket,
                Key = key.Value,
                UploadId = upload.UploadId,
                PartETags = parts,
            }, cancellationToken);
            return (completed.ETag, VersionOf(completed.VersionId));
        }
        catch
        {
            await s3.AbortMultipartUploadAsync(_bucket, key.Value, upload.UploadId, CancellationToken.None);
            throw;
        }
    }

    /// <summary>S3 answers <c>null</c> (the text) for the version of an object in a bucket that never had versioning.</summary>
    public static string? VersionOf(string? versionId) => versionId is { Length: > 0 } and not "null" ? versionId : null;

    public Stream? Open(ObjectKey key)
    {
        try
        {
            return s3.GetObjectAsync(_bucket, key.Value).GetAwaiter().GetResult().ResponseStream;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public IReadOnlyList<ObjectInfo> List(string prefix)
    {
        List<ObjectInfo> objects = [];
        string? token = null;
        do
        {
            var page = s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, Prefix = prefix, ContinuationToken = token }).GetAwaiter().GetResult();
            objects.AddRange((page.S3Objects ?? []).Select(o => new ObjectInfo(ObjectKey.Parse(o.Key), o.Size ?? 0, o.LastModified is { } at ? new DateTimeOffset(at.ToUniversalTime()) : DateTimeOffset.MinValue)));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return [.. objects.OrderBy(o => o.Key.Value, StringComparer.Ordinal)];
    }

    public bool Delete(ObjectKey key)
    {
        try
        {
            s3.GetObjectMetadataAsync(_bucket, key.Value).GetAwaiter().GetResult();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }

        s3.DeleteObjectAsync(_bucket, key.Value).GetAwaiter().GetResult();
        return true;
    }

    public Uri LocationOf(ObjectKey key) => new($"s3://{_bucket}/{key.Value}");

    /// <summary>
    /// A presigned HTTPS GET of the object, valid for <paramref name="lifetime"/> (SigV4 allows at most 7 days; the SDK signs
    /// a longer one with SigV2), for
    /// links in messages. Against an emulator the link is on its endpoint.
    /// </summary>
    public Uri PresignedUrl(ObjectKey key, TimeSpan lifetime, DateTimeOffset now) => new(s3.GetPreSignedURL(new GetPreSignedUrlRequest
    {
        BucketName = _bucket,
        Key = key.Value,
        Verb = HttpVerb.GET,
        Expires = now.Add(lifetime).UtcDateTime,
        Protocol = AwsServices.S3Endpoint?.Scheme == Uri.UriSchemeHttp ? Protocol.HTTP : Protocol.HTTPS,
    }));
}
