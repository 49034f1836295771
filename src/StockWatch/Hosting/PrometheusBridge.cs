using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;
using StockWatch.Core.Telemetry;

namespace StockWatch.Hosting;

/// <summary>
/// Publishes StockWatch's measurements (<see cref="Instruments"/>, on the BCL's Meter) as prometheus-net metrics,
/// which <c>/metrics</c> exposes in the Prometheus text format: counters as counters (<c>_total</c>), histograms as
/// histograms, observable gauges read at each scrape. One listener per process. (prometheus-net's own meter adapter
/// publishes counters as gauges of their last value, which is not what a Prometheus counter means.)
/// </summary>
public static class PrometheusBridge
{
    private static readonly Lock Gate = new();
    private static MeterListener? _listener;

    public static void Start()
    {
        lock (Gate)
        {
            if (_listener is not null)
            {
                return;
            }

            // prometheus-net's own meter adapter would publish the same instruments again, as gauges.
            Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressMeters = true });
            var listener = new MeterListener
            {
                InstrumentPublished = (instrument, l) =>
                {
                    if (instrument.Meter.Name == Instruments.MeterName)
                    {
                        l.EnableMeasurementEvents(instrument);
                    }
                },
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
            listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
            listener.Start();
            Metrics.DefaultRegistry.AddBeforeCollectCallback(listener.RecordObservableInstruments);
            _listener = listener;
        }
    }

    private static readonly ConcurrentDictionary<Instrument, Func<string[], Action<double>>> Sinks = new();

    private static void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var names = new string[tags.Length];
        var values = new string[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            (names[i], values[i]) = (tags[i].Key, tags[i].Value?.ToString() ?? string.Empty);
        }

        Sinks.GetOrAdd(instrument, _ => Sink(instrument, names))(values)(value);
    }

    /// <summary>The prometheus-net metric for an instrument (its label names fixed by its first measurement).</summary>
    private static Func<string[], Action<double>> Sink(Instrument instrument, string[] labels)
    {
        var name = $"stockwatch_{instrument.Name}";
        var help = instrument.Description ?? instrument.Name;
        switch (instrument)
        {
            case Counter<long> or Counter<double>:
                var counter = Metrics.CreateCounter($"{name}_total", help, labels);
                return values => value => counter.WithLabels(values).Inc(value);
            case Histogram<long> or Histogram<double>:
                var histogram = Metrics.CreateHistogram(name, help, new HistogramConfiguration
                {
                    LabelNames = labels,
                    Buckets = Histogram.ExponentialBuckets(0.001, 4, 10),
                });
                return values => value => histogram.WithLabels(values).Observe(value);
            default:
                var gauge = Metrics.CreateGauge(name, help, labels);
                return values => value => gauge.WithLabels(values).Set(value);
        }
    }
}
