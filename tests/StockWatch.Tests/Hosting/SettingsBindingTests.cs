using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StockWatch.Api;
using StockWatch.Core.Alerts;
using StockWatch.Core.Imports;
using StockWatch.Core.Monitoring;
using StockWatch.Core.Notifications;
using StockWatch.Core.Reports;
using StockWatch.Core;
using StockWatch.Hosting;
using StockWatch.Testing;

namespace StockWatch.Tests.Hosting;

/// <summary>Settings as people write them, and every setting given in the wrong shape or type, to a real <c>serve</c>.</summary>
public sealed class SettingsBindingTests : IDisposable
{
    /// <summary>Every options class <c>stockwatch</c> binds from its own section (the channels are a list of <see cref="ChannelOptions"/>).</summary>
    private static readonly (Type Options, string Section)[] Sections =
    [
        (typeof(AlertOptions), AlertOptions.Section),
        (typeof(ApiOptions), ApiOptions.Section),
        (typeof(ReportOptions), ReportOptions.Section),
        (typeof(AlarmOptions), AlarmOptions.Section),
        (typeof(DeliveryOptions), DeliveryOptions.Section),
        (typeof(ImportOptions), ImportOptions.Section),
    ];

    private const string Channel = $"{ChannelsOptions.Section}:0";

    private readonly TempFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData("24:00:00", 24 * 60)]
    [InlineData("00:15:00", 15)]
    [InlineData("36:30:00", 36 * 60 + 30)]
    [InlineData("1.00:00:00", 24 * 60)]
    [InlineData("2.12:00:00", 60 * 60)]
    public void ReminderCooldown_AsWritten_MeansWhatAPersonMeans(string text, int minutes)
    {
        using var services = Services(new Dictionary<string, string?> { ["StockWatch:Alerts:ReminderCooldown"] = text });

        services.GetRequiredService<IOptions<AlertOptions>>().Value.ReminderCooldown.Should().Be(TimeSpan.FromMinutes(minutes));
    }

    [Fact]
    public void Sections_AreEveryOptionsClassBoundFromConfiguration()
    {
        var withSection = new[] { typeof(AlertOptions).Assembly, typeof(ApiOptions).Assembly }.SelectMany(assembly => assembly.GetTypes())
            .Where(type => type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true });

        withSection.Should().BeEquivalentTo([.. Sections.Select(s => s.Options), typeof(ChannelsOptions)]);
    }

    [Theory]
    [InlineData("""{ "StockWatch": { "Channels": [ { "Name": "owner", "Type": "log", "To": [ "a@example.com", "b@example.com" ], "AlertTypes": [ "LOW_STOCK" ] } ], "Imports": { "InboxDateFormats": [ "MMM d, yyyy" ] } } }""")]
    [InlineData("""{ "StockWatch": { "Channels": [ { "Name": "owner", "Type": "log", "To": "a@example.com, b@example.com", "AlertTypes": "LOW_STOCK" } ], "Imports": { "InboxDateFormats": "MMM d yyyy" } } }""")]
    public async Task Lists_AsListsOrSeparatedByCommas_AreRead(string json)
    {
        await File.WriteAllTextAsync(Path.Combine(_data.Path, "stockwatch.json"), json, TestContext.Current.CancellationToken);
        var configuration = new ConfigurationBuilder();
        configuration.AddStockWatchConfiguration(_data.Path);
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration.Build()).AddLogging()
            .AddStockWatch(_data.Path, server: false).BuildServiceProvider();

        var channel = services.GetRequiredService<IOptions<ChannelsOptions>>().Value.Channels.Should().ContainSingle().Subject;
        channel.To.Should().Equal("a@example.com", "b@example.com");
        channel.AlertTypes.Should().Equal("LOW_STOCK");
        services.GetRequiredService<IOptions<ImportOptions>>().Value.InboxDateFormats.Should().ContainSingle().Which.Should().StartWith("MMM d");
    }

    [Fact]
    public async Task Serve_RecipientsAsAListInEnvironmentVariables_Starts()
    {
        var port = StockWatchProcess.FreePort();
        using var serve = StockWatchProcess.Start(_data.Path, Environment(new Dictionary<string, string>
        {
            [$"{Channel}:Name"] = "owner",
            [$"{Channel}:Type"] = "email",
            [$"{Channel}:Host"] = "127.0.0.1",
            [$"{Channel}:From"] = "stock@example.com",
            [$"{Channel}:To:0"] = "x@y.test",
            [$"{Channel}:To:1"] = "z@y.test",
        }), "serve", "--urls", $"http://127.0.0.1:{port}");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        await Eventually.Until(async () =>
        {
            serve.Process.HasExited.Should().BeFalse(serve.Error);
            try
            {
                return (await client.GetAsync("/health", TestContext.Current.CancellationToken)).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false; // not listening yet
            }
        }, healthy => healthy, "serve starts with a list of recipients", TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Serve_EverySettingAsAListOrSection_StopsNamingEachOne()
    {
        Dictionary<string, string> settings = [];
        List<string> expected = [];
        foreach (var (path, type) in Settings())
        {
            var given = ListItems(type) is null ? $"{path}:0" : $"{path}:0:Item";
            settings[given] = "1";
            expected.Add(ListItems(type) is null
                ? $"{path} must be one value, not a list or section (got {given})."
                : $"{path} must be a list of values, not of sections (got {given}).");
        }

        settings[$"{ChannelsOptions.Section}:1"] = "owner";
        expected.Add($"{ChannelsOptions.Section}:1 must be a section of settings (");
        settings[$"{AlertOptions.Section}:LeadTimeDay"] = "3";
        expected.Add($"{AlertOptions.Section}:LeadTimeDay is not a setting; {AlertOptions.Section} has DefaultLowStockThreshold, ReminderCooldown, LeadTimeDays, ForecastWindowDays.");

        await ServeStops(settings, expected);
    }

    [Fact]
    public async Task Serve_EverySectionAsOneValue_StopsNamingEachOne()
    {
        Dictionary<string, string> settings = new() { [ChannelsOptions.Section] = "owner" };
        List<string> expected = [$"{ChannelsOptions.Section} must be a list of channels ({ChannelsOptions.Section}:0:Name, …), not one value (got \"owner\")."];
        foreach (var (_, section) in Sections)
        {
            settings[section] = "on";
            expected.Add($"{section} must be a section of settings (");
        }

        await ServeStops(settings, expected);
    }

    [Fact]
    public async Task Serve_EverySettingOfTheWrongType_StopsNamingEachOne()
    {
        Dictionary<string, string> settings = [];
        List<string> expected = [];
        foreach (var (path, type) in Settings().Where(s => s.Type != typeof(string) && ListItems(s.Type) is null))
        {
            var value = type == typeof(bool) ? "maybe" : type == typeof(TimeSpan) ? "soon" : "many";
            settings[path] = value;
            expected.Add($"Failed to convert configuration value '{value}' at '{path}'");
        }

        expected.Should().HaveCountGreaterThan(15, "every number, duration and switch is given a word");
        await ServeStops(settings, expected);
    }

    private async Task ServeStops(Dictionary<string, string> settings, List<string> expected)
    {
        var result = await StockWatchProcess.RunAsync(_data.Path, Environment(settings), "serve", "--urls", "http://127.0.0.1:0");

        result.ExitCode.Should().Be(2, result.Error);
        result.Error.Should().StartWith("Invalid configuration: ").And.NotContain(" at StockWatch");
        foreach (var failure in expected)
        {
            result.Error.Should().Contain(failure);
        }
    }

    /// <summary>Every setting's path and type: each section's, and the first channel's.</summary>
    private static IEnumerable<(string Path, Type Type)> Settings() =>
        Sections.Append((Options: typeof(ChannelOptions), Section: Channel)).SelectMany(section => section.Options.GetProperties()
            .Where(property => property.CanWrite)
            .Select(property => ($"{section.Section}:{property.Name}", property.PropertyType)));

    private static Type? ListItems(Type type) =>
        type.IsArray ? type.GetElementType() : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? type.GetGenericArguments()[0] : null;

    /// <summary>Settings as environment variables (<c>StockWatch__Alerts__LeadTimeDays</c>).</summary>
    private static Dictionary<string, string> Environment(Dictionary<string, string> settings) =>
        settings.ToDictionary(setting => setting.Key.Replace(":", "__", StringComparison.Ordinal), setting => setting.Value);

    private static ServiceProvider Services(Dictionary<string, string?> settings) => new ServiceCollection()
        .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
        .AddOptions<AlertOptions>().BindSection(AlertOptions.Section).Services
        .BuildServiceProvider();
}
