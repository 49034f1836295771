using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StockWatch.Core.Imports;
using StockWatch.Core.Reports;
using StockWatch.Lambda;
using StockWatch.Lambda.Events;
using StockWatch.Lambda.Local;
using StockWatch.Testing;

namespace StockWatch.Aws.Tests;

/// <summary>local-run: its usage, its settings, its S3 notifications, its EventBridge schedule (on a fake clock).</summary>
public sealed class LocalRunTests
{
    [Fact]
    public async Task TheSchedule_FiresAtEachOccurrence_WithAScheduledEventOfThatTime_AndAtStartWhenAsked_AtItsLatestOccurrence()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 19, 16, 59, 0, TimeSpan.Zero));
        var fired = System.Threading.Channels.Channel.CreateUnbounded<DateTimeOffset>();
        using var stop = new CancellationTokenSource();
        var reports = ReportSchedule.Parse("0 17 * * THU");
        var schedule = LocalCommands.FireScheduleAsync("weekly-report", input =>
        {
            fired.Writer.TryWrite(ScheduledEvent.Read(input, "weekly-report").Time);
            return Task.FromResult<Stream>(new MemoryStream("{}"u8.ToArray()));
        }, reports.Next, atStart: reports.Latest, time, stop.Token);

        // --schedule-now: the week that has ended (last Thursday 17:00), not a period ending now; each start asks for the same.
        (await fired.Reader.ReadAsync(TestContext.Current.CancellationToken)).Should().Be(new DateTimeOffset(2026, 11, 12, 17, 0, 0, TimeSpan.Zero));
        fired.Reader.TryRead(out _).Should().BeFalse();
        time.Advance(TimeSpan.FromMinutes(1));
        (await fired.Reader.ReadAsync(TestContext.Current.CancellationToken)).Should().Be(new DateTimeOffset(2026, 11, 19, 17, 0, 0, TimeSpan.Zero));
        time.Advance(TimeSpan.FromDays(7));
        (await fired.Reader.ReadAsync(TestContext.Current.CancellationToken)).Should().Be(new DateTimeOffset(2026, 11, 26, 17, 0, 0, TimeSpan.Zero));

        await stop.CancelAsync();
        await FluentActions.Awaiting(() => schedule).Should().ThrowAsync<OperationCanceledException>();
    }

    [Theory]
    [InlineData("Bucket", "", "StockWatch:Aws:Bucket must be an S3 bucket name")]
    [InlineData("ProductsTable", "", "StockWatch:Aws:ProductsTable must be a DynamoDB table name")]
    [InlineData("ImportQueueUrl", "notaurl", "StockWatch:Aws:ImportQueueUrl must be an SQS queue URL")]
    public async Task LocalRun_WithABadAwsSetting_ExitsTwoAtStart_NamingIt(string setting, string value, string message)
    {
        using var state = new TempFolder();
        await using var run = LocalRun.Start(new Dictionary<string, string> { [$"StockWatch__Aws__{setting}"] = value, ["STOCKWATCH_AWS_LOCAL_STATE"] = state.Path });

        (await run.ExitCodeAsync()).Should().Be(2, run.Output);
        run.Output.Should().Contain(message);
    }

    [Fact]
    public async Task LocalRunStoppedOrKilled_AndStartedAgain_DeliversEachAlertOnce_GoingOnWhereItsStreamsWere()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var sns = Sns.FromEnvironment();
        var topic = await sns.CreateTopicAsync($"alerts-{Guid.NewGuid():N}", cancel);
        await using var queue = await ImportQueue.CreateAsync();
        await using var aws = await AwsStack.CreateAsync(topicArn: topic);
        var subscriber = await Subscribers.SubscribeQueueAsync(aws.Sqs, sns, topic, filterPolicy: null);
        using var state = new TempFolder();
        var environment = AwsOptions.Prefixed(aws.Prefix).ToDictionary(setting => setting.Key.Replace(":", "__"), setting => setting.Value!);
        environment["StockWatch__Aws__TopicArn"] = topic;
        environment["StockWatch__Aws__ImportQueueUrl"] = queue.Url;
        environment["STOCKWATCH_AWS_LOCAL_STATE"] = state.Path;
        Directory.CreateDirectory(Path.Combine(state.Path, "positions"));

        await using var first = LocalRun.Start(environment);
        aws.Create("10001");
        (await AlertedProductsAsync(aws, subscriber, until: "10001")).Should().Equal(["10001"], first.Output);
        await first.TerminateAsync();

        await using var second = LocalRun.Start(environment);
        aws.Create("10002");
        (await AlertedProductsAsync(aws, subscriber, until: "10002")).Should().Equal(["10002"], "the alert delivered before the stop is not delivered again");
        // At least once: a kill between a batch and its position replays that batch; once kept, it is done with.
        await PositionsKeptAsync(new StreamPositions(Path.Combine(state.Path, "positions")), await AwsTables.StreamArnAsync(aws.Dynamo, aws.Names.AlertsTable, TestContext.Current.CancellationToken));
        await second.DisposeAsync();

        await using var third = LocalRun.Start(environment);
        aws.Create("10003");
        (await AlertedProductsAsync(aws, subscriber, until: "10003")).Should().Equal(["10003"], "the alerts delivered before the kill -9 are not delivered again");
    }

    /// <summary>Waits (on the folder's changes, within a minute) until the kept positions of the stream are at the last record of each of its shards.</summary>
    [Fact]
    public void AStreamPositionsFileThatIsNotJson_IsRefusedNamingTheFile_AndHowToStartAfresh()
    {
        using var state = new TempFolder();
        var positions = new StreamPositions(state.Path);
        const string Arn = "arn:aws:dynamodb:ddblocal:000000000000:table/Alerts/stream/2026-12-07T00:00:00.000";
        positions.Write(Arn, new Dictionary<string, string> { ["shard-1"] = "42" });
        var file = Directory.GetFiles(state.Path).Single();
        positions.Read(Arn).Should().Equal(new Dictionary<string, string> { ["shard-1"] = "42" });

        File.WriteAllText(file, "{\"shard-1\": ");

        FluentActions.Invoking(() => positions.Read(Arn)).Should().Throw<InvalidOperationException>()
            .WithMessage($"{file} is not a JSON object of shard ids and sequence numbers*delete it to read the stream from TRIM_HORIZON.");
    }

    private static async Task PositionsKeptAsync(StreamPositions positions, string streamArn)
    {
        using var streams = DynamoStreams.FromEnvironment();
        Dictionary<string, string> last = [];
        foreach (var shard in await streams.ShardsAsync(streamArn, TestContext.Current.CancellationToken))
        {
            var cancel = TestContext.Current.CancellationToken;
            var page = await streams.RecordsAsync(await streams.ShardIteratorAsync(streamArn, shard.ShardId, "TRIM_HORIZON", cancellationToken: cancel), 1000, cancel);
            if (page.Records.Count > 0)
            {
                last[shard.ShardId] = (string)page.Records[^1]!["dynamodb"]!["SequenceNumber"]!;
            }
        }

        var changed = System.Threading.Channels.Channel.CreateUnbounded<bool>();
        using var watcher = new FileSystemWatcher(positions.Folder) { EnableRaisingEvents = true };
        watcher.Renamed += (_, _) => changed.Writer.TryWrite(true);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(1));
        while (!last.All(shard => positions.Read(streamArn).GetValueOrDefault(shard.Key) == shard.Value))
        {
            await changed.Reader.ReadAsync(deadline.Token);
        }
    }

    /// <summary>
    /// The products of the alerts the subscriber received (in order) until one of <paramref name="until"/>, and any right
    /// after it. Waits up to three minutes: the alert goes through two streams, two functions, SNS and SQS on emulators
    /// that share the machine with the other test projects (one minute was not always enough at a load of 18).
    /// </summary>
    private static async Task<List<string>> AlertedProductsAsync(AwsStack aws, string subscriber, string until)
    {
        List<string> products = [];
        var deadline = DateTimeOffset.UtcNow.AddMinutes(3);
        while (DateTimeOffset.UtcNow < deadline)
        {
            var page = await aws.Sqs.ReceiveMessageAsync(new Amazon.SQS.Model.ReceiveMessageRequest
            {
                QueueUrl = subscriber,
                MaxNumberOfMessages = 10,
                WaitTimeSeconds = products.Contains(until) ? 0 : 1,
            }, TestContext.Current.CancellationToken);
            if ((page.Messages ?? []).Count == 0 && products.Contains(until))
            {
                return products;
            }

            foreach (var message in page.Messages ?? [])
            {
                products.AddRange(System.Text.Json.Nodes.JsonNode.Parse(message.Body)!["alerts"]!.AsArray().Select(alert => (string)alert!["product_id"]!));
                await aws.Sqs.DeleteMessageAsync(subscriber, message.ReceiptHandle, TestContext.Current.CancellationToken);
            }
        }

        return products;
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("")]
    [InlineData("local-run --poll-seconds soon")]
    [InlineData("invoke import")]
    public async Task BadUsage_ExitsTwo(string args) =>
        (await LocalCommands.RunAsync(args.Split(' ', StringSplitOptions.RemoveEmptyEntries))).Should().Be(2, "ADR 0005: 2 is bad usage");

    [Theory]
    [InlineData("Bucket", "", "StockWatch:Aws:Bucket must be an S3 bucket name")]
    [InlineData("ProductsTable", "", "StockWatch:Aws:ProductsTable must be a DynamoDB table name")]
    [InlineData("ImportsTable", "", "StockWatch:Aws:ImportsTable must be a DynamoDB table name")]
    [InlineData("ImportBudget", "5 minutes", "StockWatch:Aws:ImportBudget is a duration written hours:minutes:seconds, such as 00:05:00.")]
    [InlineData("ImportBudget", "00:00:00", "StockWatch:Aws:ImportBudget must be a positive duration such as 00:04:00")]
    [InlineData("ImportCheckpointEvery", "-00:00:01", "StockWatch:Aws:ImportCheckpointEvery must be a positive duration such as 00:00:30")]
    public void TheFunctionsAndLocalRun_RefuseABadAwsSettingAtStart_NamingIt(string setting, string value, string message)
    {
        // What local-run, local-setup, invoke and every function compose first (local-run exits 2 on it).
        var settings = new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create($"StockWatch:Aws:{setting}", (string?)value)]).Build();
        FluentActions.Invoking(() => LambdaServices.Build(settings)).Should().Throw<OptionsValidationException>().Which.Message.Should().Contain(message);
    }

    [Fact]
    public async Task LocalRunStartedAgain_TellsOnlyOfTheUploadsNotImportedYet()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var queue = await ImportQueue.CreateAsync();
        await using var aws = await AwsStack.CreateAsync(settings: new Dictionary<string, string?> { ["StockWatch:Aws:ImportQueueUrl"] = queue.Url });
        var s3 = aws.Services.GetRequiredService<IAmazonS3>();
        async Task Upload(string key, string csv = "product_id,product_name,stock_count,product_price\n85123A,Heart,12,2.55\n") =>
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = aws.Names.Bucket, Key = key, ContentBody = csv }, cancel);
        S3Notifications Started() => new(s3, aws.Sqs, aws.Services.GetRequiredService<DynamoImports>(), aws.Names.Bucket, queue.Url, aws.Time);
        await Upload("uploads/imported.csv");
        await Upload("uploads/failed.csv", csv: "");
        (await Started().SendNewAsync(cancel)).Should().Be(2);
        await new SqsEventSourceMapping(Import.Name, Functions.Create(Import.Name, aws.Services), aws.Sqs, queue.Url).DrainAsync(cancel);
        await Upload("uploads/new.csv");

        (await Started().SendNewAsync(cancel)).Should().Be(1, "the imported upload and the failed one are done with");

        var told = (await aws.Sqs.ReceiveMessageAsync(queue.Url, cancel)).Messages.Should().ContainSingle().Which.Body;
        JsonDocument.Parse(told).RootElement.GetProperty("Records")[0].GetProperty("s3").GetProperty("object").GetProperty("key").GetString().Should().Be("uploads/new.csv");
    }
}

/// <summary>
/// <c>local-run</c> as a child process, the test's environment on top of this process's (the emulators' settings);
/// disposing it kills it (<c>kill -9</c>).
/// </summary>
public sealed class LocalRun : IAsyncDisposable
{
    private readonly System.Diagnostics.Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private LocalRun(System.Diagnostics.Process process) => _process = process;

    /// <summary>What it printed so far, standard output and error.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static LocalRun Start(IReadOnlyDictionary<string, string> environment)
    {
        // Run with this assembly's dependencies: the test output holds StockWatch.Lambda.dll but not its own deps.json's graph.
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", [
            "exec", "--depsfile", Path.Combine(AppContext.BaseDirectory, "StockWatch.Aws.Tests.deps.json"),
            "--runtimeconfig", Path.Combine(AppContext.BaseDirectory, "StockWatch.Aws.Tests.runtimeconfig.json"),
            Path.Combine(AppContext.BaseDirectory, "StockWatch.Lambda.dll"), "local-run", "--poll-seconds", "0.2"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var run = new LocalRun(System.Diagnostics.Process.Start(start)!);
        void Append(object sender, System.Diagnostics.DataReceivedEventArgs line)
        {
            lock (run._output)
            {
                run._output.AppendLine(line.Data);
            }
        }

        run._process.OutputDataReceived += Append;
        run._process.ErrorDataReceived += Append;
        run._process.BeginOutputReadLine();
        run._process.BeginErrorReadLine();
        return run;
    }

    /// <summary>Its exit code, once it has exited (within two minutes).</summary>
    public async Task<int> ExitCodeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await _process.WaitForExitAsync(timeout.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Stops it as a service manager would (SIGTERM) and checks that it exited 0.</summary>
    public async Task TerminateAsync()
    {
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        (await ExitCodeAsync()).Should().Be(0, Output);
        _process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Already terminated and disposed.
        }

        _process.Dispose();
    }
}
