using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using StockWatch.Core.Telemetry;

namespace StockWatch.Lambda;

/// <summary>
/// StockWatch's measurements (<see cref="Instruments"/>) as CloudWatch Embedded Metric Format lines, namespace
/// <c>StockWatch</c>, with the names <c>/metrics</c> gives them (<c>stockwatch_alerts_total</c>,
/// <c>stockwatch_processor_duration_seconds</c>…). Each function's invocation is measured (invocations, errors,
/// duration, tagged with the function) and its measurements written at its end, one JSON line per set of tags, on the
/// function's standard output, which Lambda sends to CloudWatch Logs. The metrics have no dimensions, so the stack stays
/// within CloudWatch's free 10 custom metrics (6 here); the tags (<c>processor</c>, <c>type</c>, <c>outcome</c>,
/// <c>channel</c>) are properties of the line, for CloudWatch Logs Insights. One per process: a listener sees every
/// measurement of the process.
/// </summary>
public sealed class EmfMetrics : IDisposable
{
    public const string Namespace = "StockWatch";

    /// <summary>EMF's most values of one metric in one line.</summary>
    private const int MaxValues = 100;

    private readonly MeterListener _listener = new();
    private readonly TextWriter _output;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    public EmfMetrics(TextWriter output, TimeProvider time)
    {
        _output = output;
        _time = time;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Instruments.MeterName && instrument is Counter<long> or Histogram<double>)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Runs one invocation of the function, counts and times it (an error when it throws), then writes the lines.</summary>
    public async Task<T> MeasureAsync<T>(string function, Func<Task<T>> invocation)
    {
        var processor = Instruments.Tag("processor", function);
        var started = Stopwatch.GetTimestamp();
        Instruments.ProcessorInvocations.Add(1, processor);
        try
        {
            return await invocation();
        }
        catch
        {
            Instruments.ProcessorErrors.Add(1, processor);
            throw;
        }
        finally
        {
            Instruments.ProcessorDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, processor);
            Flush();
        }
    }

    /// <summary>Writes what was measured since the last flush: one line per set of tags.</summary>
    public void Flush()
    {
        List<Pending> lines;
        lock (_lock)
        {
            lines = [.. _pending.Values];
            _pending.Clear();
        }

        var timestamp = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var line in lines)
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteStartObject("_aws");
                json.WriteNumber("Timestamp", timestamp);
                json.WriteStartArray("CloudWatchMetrics");
                json.WriteStartObject();
                json.WriteString("Namespace", Namespace);
                json.WriteStartArray("Dimensions");
                json.WriteStartArray();
                json.WriteEndArray();
                json.WriteEndArray();
                json.WriteStartArray("Metrics");
                foreach (var (name, metric) in line.Metrics)
                {
                    json.WriteStartObject();
                    json.WriteString("Name", name);
                    json.WriteString("Unit", metric.Unit);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
                foreach (var (key, value) in line.Tags)
                {
                    json.WriteString(key, value);
                }

                foreach (var (name, metric) in line.Metrics)
                {
                    if (metric.Sum)
                    {
                        json.WriteNumber(name, metric.Values.Sum());
                    }
                    else
                    {
                        json.WriteStartArray(name);
                        metric.Values.Take(MaxValues).ToList().ForEach(json.WriteNumberValue);
                        json.WriteEndArray();
                    }
                }

                json.WriteEndObject();
            }

            _output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        }

        _output.Flush();
    }

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // The names /metrics gives: counters end in _total (Prometheus), histograms keep their unit suffix.
        var counter = instrument is Counter<long>;
        var name = counter ? $"stockwatch_{instrument.Name}_total" : $"stockwatch_{instrument.Name}";
        var unit = counter ? "Count" : instrument.Unit == "s" ? "Seconds" : "None";
        List<KeyValuePair<string, string>> pairs = [];
        foreach (var tag in tags)
        {
            pairs.Add(KeyValuePair.Create(tag.Key, tag.Value?.ToString() ?? string.Empty));
        }

        pairs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        var key = string.Join('\u001f', pairs.Select(pair => $"{pair.Key}={pair.Value}"));
        lock (_lock)
        {
            if (!_pending.TryGetValue(key, out var line))
            {
                _pending[key] = line = new Pending(pairs, new Dictionary<string, Metric>(StringComparer.Ordinal));
            }

            if (!line.Metrics.TryGetValue(name, out var metric))
            {
                line.Metrics[name] = metric = new Metric(unit, counter, []);
            }

            metric.Values.Add(value);
        }
    }

    private sealed record Pending(List<KeyValuePair<string, string>> Tags, Dictionary<string, Metric> Metrics);

    private sealed record Metric(string Unit, bool Sum, List<double> Values);
}
