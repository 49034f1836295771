using System.Net;
using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using StockWatch.Aws;
using StockWatch.Core;
using StockWatch.Core.Imports;

namespace StockWatch.Lambda.Local;

/// <summary>
/// The S3 event notification the bucket's <c>NotificationConfiguration</c> sends to the import queue on AWS, which the
/// emulator does not send: the body of an <c>ObjectCreated:Put</c> record as S3 writes it (version 2.1, the key
/// URL-encoded), and a watcher that sends one for each object under <c>uploads/</c> ending in <c>.csv</c> it has not
/// told of yet (by key and ETag) whose import is not finished: an upload whose <c>Imports</c> item (the import id
/// follows from bucket, key and version or ETag) is done or failed is not told of again when local-run starts anew.
/// </summary>
public sealed class S3Notifications(IAmazonS3 s3, IAmazonSQS sqs, DynamoImports imports, string bucket, string queueUrl, TimeProvider time)
{
    private readonly HashSet<string> _told = [];

    /// <summary>The body S3 sends for an object created.</summary>
    public static string ObjectCreated(string bucket, string key, long size, string etag, string? versionId, DateTimeOffset at)
    {
        var s3Object = new JsonObject
        {
            ["key"] = WebUtility.UrlEncode(key).Replace("%2F", "/", StringComparison.Ordinal),
            ["size"] = size,
            ["eTag"] = etag.Trim('"'),
            ["sequencer"] = at.ToUnixTimeMilliseconds().ToString("X16", System.Globalization.CultureInfo.InvariantCulture),
        };
        if (S3ObjectStore.VersionOf(versionId) is { } version)
        {
            s3Object["versionId"] = version;
        }

        return new JsonObject
        {
            ["Records"] = new JsonArray(new JsonObject
            {
                ["eventVersion"] = "2.1",
                ["eventSource"] = "aws:s3",
                ["awsRegion"] = Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1",
                ["eventTime"] = Timestamp.Format(at),
                ["eventName"] = "ObjectCreated:Put",
                ["userIdentity"] = new JsonObject { ["principalId"] = "local" },
                ["requestParameters"] = new JsonObject { ["sourceIPAddress"] = "127.0.0.1" },
                ["responseElements"] = new JsonObject(),
                ["s3"] = new JsonObject
                {
                    ["s3SchemaVersion"] = "1.0",
                    ["configurationId"] = "uploads",
                    ["bucket"] = new JsonObject { ["name"] = bucket, ["ownerIdentity"] = new JsonObject { ["principalId"] = "local" }, ["arn"] = $"arn:aws:s3:::{bucket}" },
                    ["object"] = s3Object,
                },
            }),
        }.ToJsonString();
    }

    /// <summary>Sends a notification for each upload not told of yet and not imported; returns how many were sent.</summary>
    public async Task<int> SendNewAsync(CancellationToken cancellationToken)
    {
        var sent = 0;
        string? token = null;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = S3Imports.UploadsPrefix, ContinuationToken = token }, cancellationToken);
            foreach (var upload in page.S3Objects ?? [])
            {
                if (upload.Key.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && _told.Add($"{upload.Key}\n{upload.ETag}"))
                {
                    var head = await s3.GetObjectMetadataAsync(bucket, upload.Key, cancellationToken);
                    var version = S3ObjectStore.VersionOf(head.VersionId);
                    if (await imports.FindAsync(S3Imports.IdOf(bucket, upload.Key, version, upload.ETag), cancellationToken) is { Status: ImportStatus.Done or ImportStatus.Failed })
                    {
                        continue;
                    }

                    await sqs.SendMessageAsync(queueUrl, ObjectCreated(bucket, upload.Key, upload.Size ?? 0, upload.ETag, head.VersionId, time.GetUtcNow()), cancellationToken);
                    sent++;
                }
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return sent;
    }
}
