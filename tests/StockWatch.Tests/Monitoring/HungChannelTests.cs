using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using StockWatch.Core.Catalog;
using StockWatch.Core.Notifications;
using StockWatch.Core.Stream;
using StockWatch.Hosting;
using StockWatch.Testing;

namespace StockWatch.Tests.Monitoring;

/// <summary>serve's delivery worker with a channel that never answers: the other channels are served all the same.</summary>
public sealed class HungChannelTests : IDisposable
{
    private readonly TempFolder _data = new();
    private readonly RecordingChannel _up = new("up");
    private readonly Hung _hung = new();
    private readonly ServiceProvider _services;
    private readonly CancellationToken _cancel = TestContext.Current.CancellationToken;

    public HungChannelTests() => _services = Composed.Services(_data.Path,
        new Dictionary<string, string?> { ["StockWatch:Delivery:Timeout"] = "00:10:00" },
        services =>
        {
            services.AddSingleton<IAlertChannel>(_hung);
            services.AddSingleton<IAlertChannel>(_up);
        });

    public void Dispose()
    {
        _services.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task ChannelThatNeverAnswers_HoldsUpNoOtherChannel()
    {
        using var worker = new DeliveryWorker(_services.GetRequiredService<Deliveries>(), _services.GetRequiredService<ChannelSet>(),
            _services.GetRequiredService<IChangeStream>(), TimeProvider.System, NullLogger<DeliveryWorker>.Instance);
        await worker.StartAsync(_cancel);
        try
        {
            foreach (var (id, expected) in new[] { ("H-1", 2), ("H-2", 4) })
            {
                await _services.GetRequiredService<SetProduct>().HandleAsync(new SetProductRequest(ProductId.Parse(id)) { Name = id, Stock = 1 }, "test");
                await _services.GetRequiredService<StreamProcessor>().DrainAsync(_cancel);
                await _services.GetRequiredService<Notifier>().PlanAsync(_cancel);

                await Eventually.Until(() => Task.FromResult(_up.Messages.Count), count => count == expected,
                    "the up channel gets each alert while the hung one has not answered its first (its timeout is 10 minutes)", _cancel);
            }

            _hung.Started.Should().BePositive("the hung channel was tried, and is still waiting");
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    private sealed class Hung : IAlertChannel
    {
        private int _started;

        public int Started => Volatile.Read(ref _started);

        public string Name => "hung";

        public ChannelFilter Filter => ChannelFilter.All;

        public async Task SendAsync(string deliveryId, Announcement message, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _started);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }
}
