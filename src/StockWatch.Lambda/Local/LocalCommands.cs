using System.CommandLine;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StockWatch.Aws;
using StockWatch.Core.Reports;
using StockWatch.Lambda.Events;

namespace StockWatch.Lambda.Local;

/// <summary>
/// The functions on one machine, as <c>sam local invoke</c> and Lambda's event source mappings would run them:
/// <c>invoke FUNCTION --event FILE</c>, <c>local-setup</c>, <c>local-run</c>. Resources go by the names the
/// configuration gives (the template's defaults), endpoints by the standard AWS settings that
/// <c>deploy/aws/local/start.sh</c> prints. Exit codes: 0 done, 2 bad usage, event or configuration, 1 an AWS error.
/// </summary>
public static class LocalCommands
{
    /// <summary>The import function's queue mapping, as the template declares it; its queue's name on the emulator is its logical id.</summary>
    public static MappingDeclaration ImportMapping => StackTemplate.Deployed.Mappings.Single(mapping => mapping.Type == "SQS" && mapping.Function == nameof(Import));

    /// <summary>
    /// Creates a queue the template declares, by its logical id, with its attributes and redrive policy (the dead-letter
    /// queue made first), unless it exists; returns its URL.
    /// </summary>
    public static async Task<string> EnsureQueueAsync(IAmazonSQS sqs, string logicalId, CancellationToken cancellationToken)
    {
        try
        {
            return (await sqs.GetQueueUrlAsync(logicalId, cancellationToken)).QueueUrl;
        }
        catch (QueueDoesNotExistException)
        {
        }

        var declared = StackTemplate.Deployed.Queues.SingleOrDefault(queue => queue.LogicalId == logicalId)
            ?? throw new InvalidOperationException($"The template declares no queue {logicalId}.");
        var attributes = new Dictionary<string, string>(declared.Attributes);
        if (declared.DeadLetterQueue is { } deadLetters)
        {
            var arn = (await sqs.GetQueueAttributesAsync(await EnsureQueueAsync(sqs, deadLetters, cancellationToken), ["QueueArn"], cancellationToken)).QueueARN;
            attributes["RedrivePolicy"] = $"{{\"deadLetterTargetArn\":\"{arn}\",\"maxReceiveCount\":\"{declared.MaxReceiveCount}\"}}";
        }

        return (await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = logicalId, Attributes = attributes }, cancellationToken)).QueueUrl;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var eventOption = new Option<FileInfo>("--event") { Description = "The event: a JSON file, as Lambda would deliver it.", Required = true };
        var functionArgument = new Argument<string>("function") { Description = $"The function: {string.Join(", ", Functions.Names)}." };
        var invoke = new Command("invoke", "Invokes a function once with an event and prints its response.") { functionArgument, eventOption };
        invoke.SetAction((parse, cancellationToken) => Guarded(() => InvokeAsync(parse.GetValue(functionArgument)!, parse.GetValue(eventOption)!)));
        var setup = new Command("local-setup", "Creates the tables and queues as deploy/aws/template.yaml declares them, the bucket and the topic, on the emulators (what exists is kept).");
        setup.SetAction((_, cancellationToken) => Guarded(() => SetupAsync(cancellationToken)));
        var pollOption = new Option<double>("--poll-seconds") { Description = "Seconds between polls of a drained stream.", DefaultValueFactory = _ => 1 };
        var scheduleNowOption = new Option<bool>("--schedule-now")
        {
            Description = $"Fire {WeeklyReport.Name} once at start with its schedule's latest time at or before now (the last week ended: a report "
                + $"already made is returned as stored), and {ReminderSweep.Name} now.",
        };
        var run = new Command("local-run", "Plays Lambda's event source mappings, S3's notifications and the EventBridge schedule: polls the streams and the "
            + $"import queue and invokes the functions, tells {Import.Name} of new uploads under uploads/, fires {WeeklyReport.Name} on "
            + $"StockWatch:Reports:Schedule (UTC) and {ReminderSweep.Name} every hour (the template's rate(1 hour)), until stopped.") { pollOption, scheduleNowOption };
        run.SetAction((parse, cancellationToken) => Guarded(() => RunMappingsAsync(TimeSpan.FromSeconds(parse.GetValue(pollOption)), parse.GetValue(scheduleNowOption), cancellationToken)));
        var root = new RootCommand("StockWatch's AWS functions, run locally against the emulators (deploy/aws/local/start.sh).") { invoke, setup, run };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // ADR 0005: bad usage exits 2 (System.CommandLine's own answer is 1), one error and where to read the usage.
            await Console.Error.WriteLineAsync($"{parse.Errors[0].Message} Run it with --help for usage.");
            return 2;
        }

        return await parse.InvokeAsync();
    }

    private static async Task<int> Guarded(Func<Task<int>> command)
    {
        try
        {
            return await command();
        }
        catch (Exception e) when (e is InvalidEventException or ArgumentException or OptionsValidationException or FileNotFoundException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }
        catch (Exception e) when (e is AmazonServiceException or AwsApiException or HttpRequestException)
        {
            await Console.Error.WriteLineAsync($"AWS answered with an error: {e.Message}");
            return 1;
        }
        catch (AmazonClientException e)
        {
            // No credentials or no region: the SDK's settings, before any call.
            await Console.Error.WriteLineAsync($"{e.Message} Set the AWS credentials and region (deploy/aws/local/start.sh prints them for the emulators).");
            return 2;
        }
    }

    /// <summary>
    /// The functions' services from the environment, as Lambda composes them (every setting checked first, before any
    /// AWS call); the import queue, when no setting names it, is the emulator's queue of the template's name (if
    /// <c>local-setup</c> made it).
    /// </summary>
    /// <exception cref="OptionsValidationException">A setting is invalid; the message names it.</exception>
    private static async Task<IServiceProvider> ComposeAsync(CancellationToken cancellationToken)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var services = LambdaServices.Build(configuration);
        if (services.GetRequiredService<IOptions<AwsOptions>>().Value.ImportQueueUrl is not null)
        {
            return services;
        }

        try
        {
            var url = (await services.GetRequiredService<IAmazonSQS>().GetQueueUrlAsync(ImportMapping.Source, cancellationToken)).QueueUrl;
            return LambdaServices.Build(new ConfigurationBuilder().AddConfiguration(configuration)
                .AddInMemoryCollection([KeyValuePair.Create($"{AwsOptions.Section}:{nameof(AwsOptions.ImportQueueUrl)}", (string?)url)]).Build());
        }
        catch (Exception e) when (e is QueueDoesNotExistException or AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            // No such queue, or no SQS to ask: an import then never pauses (its follow-up would have nowhere to go).
            return services;
        }
    }

    private static async Task<int> InvokeAsync(string function, FileInfo file)
    {
        var handler = Functions.Create(function, await ComposeAsync(CancellationToken.None));
        if (!file.Exists)
        {
            throw new FileNotFoundException($"There is no event file {file.FullName}.");
        }

        await using var input = file.OpenRead();
        await using var response = await handler(input);
        using var reader = new StreamReader(response);
        Console.WriteLine(await reader.ReadToEndAsync());
        return 0;
    }

    private static async Task<int> SetupAsync(CancellationToken cancellationToken)
    {
        var services = await ComposeAsync(cancellationToken);
        var names = services.GetRequiredService<IOptions<AwsOptions>>().Value;
        var created = await AwsTables.CreateAsync(services.GetRequiredService<IAmazonDynamoDB>(), names, TimeProvider.System, cancellationToken);
        Console.WriteLine(created.Count == 0 ? "Tables: all there already." : $"Tables created: {string.Join(", ", created)}.");
        if (names.TopicArn is { } topic)
        {
            using var sns = Sns.FromEnvironment();
            Console.WriteLine($"Topic: {await sns.CreateTopicAsync(topic[(topic.LastIndexOf(':') + 1)..], cancellationToken)}");
        }

        var s3 = services.GetRequiredService<IAmazonS3>();
        var buckets = (await s3.ListBucketsAsync(cancellationToken)).Buckets ?? [];
        if (!buckets.Any(bucket => bucket.BucketName == names.Bucket))
        {
            await s3.PutBucketAsync(names.Bucket, cancellationToken);
        }

        Console.WriteLine($"Bucket: {names.Bucket}");
        var sqs = services.GetRequiredService<IAmazonSQS>();
        foreach (var queue in StackTemplate.Deployed.Queues)
        {
            Console.WriteLine($"Queue {queue.LogicalId}: {await EnsureQueueAsync(sqs, queue.LogicalId, cancellationToken)}");
        }

        return 0;
    }

    private static async Task<int> RunMappingsAsync(TimeSpan poll, bool scheduleNow, CancellationToken interrupted)
    {
        // Ctrl+C (System.CommandLine's token) or SIGTERM, as a service manager stops it: the batches under way finish, then it exits 0.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(interrupted);
        using var terminated = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            stopping.Cancel();
        });
        var cancellationToken = stopping.Token;
        var services = await ComposeAsync(cancellationToken);
        var names = services.GetRequiredService<IOptions<AwsOptions>>().Value;
        var importQueue = names.ImportQueueUrl
            ?? throw new InvalidOperationException($"There is no import queue: run local-setup, or set StockWatch__Aws__ImportQueueUrl.");
        var positions = StreamPositions.FromEnvironment();
        var mappings = await CreateMappingsAsync(services, names, cancellationToken, retryDelay: TimeSpan.FromSeconds(1), positions);
        var schedule = ReportSchedule.Parse(services.GetRequiredService<IOptions<ReportOptions>>().Value.Schedule);
        var time = services.GetRequiredService<TimeProvider>();
        Console.WriteLine($"Delivering the {names.ProductsTable} stream to {ProductChanges.Name}, the {names.AlertsTable} stream to {AlertCreated.Name}, "
            + $"uploads to s3://{names.Bucket}/{S3Imports.UploadsPrefix} and the import queue to {Import.Name}, firing {WeeklyReport.Name} on its schedule and {ReminderSweep.Name} hourly; "
            + $"the streams' positions are kept in {positions.Folder}; Ctrl+C stops.");
        try
        {
            await Task.WhenAll([
                .. mappings.Select(mapping => mapping.RunAsync(poll, cancellationToken)),
                DeliverImportsAsync(services, importQueue, poll, cancellationToken),
                FireScheduleAsync(WeeklyReport.Name, Functions.Create(WeeklyReport.Name, services), schedule.Next, scheduleNow ? schedule.Latest : null, time, cancellationToken),
                FireScheduleAsync(ReminderSweep.Name, Functions.Create(ReminderSweep.Name, services), at => at + Core.Alerts.ReminderSweep.Interval,
                    scheduleNow ? now => now : null, time, cancellationToken)]);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        return 0;
    }

    /// <summary>
    /// The import side of the deployed stack, until cancelled: S3's notification of each new upload under
    /// <c>uploads/</c> (which the emulator does not send) put on the import queue, and the queue delivered to
    /// <c>Import</c> one message at a time (the template's batch size), a failed message coming back after
    /// <paramref name="poll"/>. An AWS error is printed and the next round tries again.
    /// </summary>
    public static async Task DeliverImportsAsync(IServiceProvider services, string queueUrl, TimeSpan poll, CancellationToken cancellationToken)
    {
        var sqs = services.GetRequiredService<IAmazonSQS>();
        var time = services.GetRequiredService<TimeProvider>();
        var notifications = new S3Notifications(services.GetRequiredService<IAmazonS3>(), sqs, services.GetRequiredService<DynamoImports>(),
            services.GetRequiredService<IOptions<AwsOptions>>().Value.Bucket, queueUrl, time);
        var mapping = new SqsEventSourceMapping(Import.Name, Functions.Create(Import.Name, services), sqs, queueUrl, ImportMapping.BatchSize, retryDelay: poll);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await notifications.SendNewAsync(cancellationToken);
                await mapping.DrainAsync(cancellationToken);
            }
            catch (Exception e) when (e is AmazonServiceException or HttpRequestException)
            {
                await Console.Error.WriteLineAsync($"{Import.Name}: the import queue could not be delivered this round: {e.Message}");
            }

            await Task.Delay(poll, time, cancellationToken);
        }
    }

    /// <summary>
    /// EventBridge's rule: invokes the function with a scheduled event (the sample's shape, <c>time</c> the scheduled
    /// time) at each occurrence of the schedule, and once at start when asked. A failed invocation is printed, and the
    /// schedule goes on, as the rule's next occurrence would.
    /// </summary>
    /// <param name="function">The function's name, for the rule's ARN and what is printed.</param>
    /// <param name="next">The schedule: its next occurrence after a time (<see cref="ReportSchedule.Next"/>, or an hour later for <c>rate(1 hour)</c>).</param>
    /// <param name="atStart">
    /// The scheduled time to fire once at start, from now (<see cref="ReportSchedule.Latest"/>: the occurrence that has
    /// passed, so every start asks for the same report; now, for the reminder sweep); none, or null from it: not fired at start.
    /// </param>
    public static async Task FireScheduleAsync(
        string function, Handler handler, Func<DateTimeOffset, DateTimeOffset?> next, Func<DateTimeOffset, DateTimeOffset?>? atStart, TimeProvider time, CancellationToken cancellationToken)
    {
        for (var at = atStart?.Invoke(time.GetUtcNow()) ?? next(time.GetUtcNow()); at is { } due; at = next(due))
        {
            if (due > time.GetUtcNow())
            {
                await Task.Delay(due - time.GetUtcNow(), time, cancellationToken);
            }

            var scheduled = new DateTimeOffset(due.Ticks - due.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
            var input = new MemoryStream(System.Text.Encoding.UTF8.GetBytes($$"""
                {"version":"0","id":"{{Guid.NewGuid()}}","detail-type":"Scheduled Event","source":"aws.events","account":"000000000000",
                 "time":"{{scheduled:yyyy-MM-dd'T'HH:mm:ss'Z'}}","region":"us-east-1","resources":["arn:aws:events:us-east-1:000000000000:rule/{{function}}"],"detail":{ } }
                """));
            try
            {
                await using var response = await handler(input);
                Console.WriteLine($"{function} at {scheduled:yyyy-MM-dd'T'HH:mm:ss'Z'}: {await new StreamReader(response).ReadToEndAsync(cancellationToken)}");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await Console.Error.WriteLineAsync($"{function} at {scheduled:yyyy-MM-dd'T'HH:mm:ss'Z'} failed: {e.Message}");
            }
        }
    }

    /// <summary>
    /// The stream mappings of the deployed stack as the template declares them (Products → product-changes, Alerts →
    /// alert-created: batch size, retries, maximum record age, bisection, event filter, on-failure queue), on the tables
    /// the settings name.
    /// </summary>
    /// <param name="retryDelay">The wait before a failed batch is retried (Lambda's backoff; none in tests).</param>
    /// <param name="positions">Where the mappings keep their positions across processes; none: in memory (a new mapping reads from TRIM_HORIZON).</param>
    public static async Task<IReadOnlyList<StreamEventSourceMapping>> CreateMappingsAsync(
        IServiceProvider services, AwsOptions names, CancellationToken cancellationToken, TimeSpan retryDelay = default, StreamPositions? positions = null)
    {
        var dynamo = services.GetRequiredService<IAmazonDynamoDB>();
        var sqs = services.GetRequiredService<IAmazonSQS>();
        var time = services.GetRequiredService<TimeProvider>();
        List<StreamEventSourceMapping> mappings = [];
        foreach (var declared in StackTemplate.Deployed.Mappings.Where(mapping => mapping.Type == "DynamoDB"))
        {
            var function = Functions.NameOf(declared.Function);
            var table = names.TableNamed(declared.Source) ?? throw new InvalidOperationException($"The template's stream of {declared.Source} is of no table StockWatch names.");
            var onFailure = declared.OnFailureQueue is { } queue ? await EnsureQueueAsync(sqs, queue, cancellationToken) : null;
            mappings.Add(new StreamEventSourceMapping(function, Functions.Create(function, services), await AwsTables.StreamArnAsync(dynamo, table, cancellationToken),
                DynamoStreams.FromEnvironment(), sqs, MappingOptions.From(declared, retryDelay, onFailure), time, positions));
        }

        return mappings;
    }
}
