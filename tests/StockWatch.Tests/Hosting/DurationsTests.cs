using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StockWatch.Core.Alerts;
using StockWatch.Hosting;

namespace StockWatch.Tests.Hosting;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("24:00:00", 24 * 60)]
    [InlineData("00:15:00", 15)]
    [InlineData("36:30:00", 36 * 60 + 30)]
    [InlineData("1.00:00:00", 24 * 60)]
    [InlineData("2.12:00:00", 60 * 60)]
    public void ReminderCooldown_AsWritten_MeansWhatAPersonMeans(string text, int minutes)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["StockWatch:Alerts:ReminderCooldown"] = text,
        }).Build();
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddOptions<AlertOptions>().BindSection(AlertOptions.Section).Services
            .BuildServiceProvider();

        services.GetRequiredService<IOptions<AlertOptions>>().Value.ReminderCooldown.Should().Be(TimeSpan.FromMinutes(minutes));
    }
}
