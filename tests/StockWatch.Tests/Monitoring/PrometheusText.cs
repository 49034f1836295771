using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace StockWatch.Tests.Monitoring;

/// <summary>
/// A strict parser of the Prometheus text exposition format (0.0.4): <c># HELP</c>, <c># TYPE</c> and sample lines
/// <c>name{label="value",…} value [timestamp]</c> with escaped label values. A line it cannot read fails the test.
/// </summary>
public sealed partial class PrometheusText
{
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

    public static PrometheusText Parse(string text)
    {
        var parsed = new PrometheusText();
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4);
                if (parts is ["#", "TYPE", var name, var type])
                {
                    Name().IsMatch(name).Should().BeTrue($"line {number}: {name} is a metric name");
                    type.Should().BeOneOf(["counter", "gauge", "histogram", "summary", "untyped"], $"line {number}");
                    parsed._types.TryAdd(name, type).Should().BeTrue($"line {number}: {name} has one TYPE");
                }

                continue;
            }

            parsed._samples.Add(Sample(line, number));
        }

        return parsed;
    }

    public string? TypeOf(string name) => _types.GetValueOrDefault(name);

    /// <summary>The value of the one sample of <paramref name="name"/> with exactly these labels; null when absent.</summary>
    public double? Value(string name, params (string Label, string Value)[] labels) =>
        _samples.Where(s => s.Name == name && s.Labels.Count == labels.Length && labels.All(l => s.Labels.GetValueOrDefault(l.Label) == l.Value))
            .Select(s => (double?)s.Value).SingleOrDefault();

    private static (string, Dictionary<string, string>, double) Sample(string line, int number)
    {
        var at = 0;
        var name = Name().Match(line);
        name.Success.Should().BeTrue($"line {number} starts with a metric name: {line}");
        at = name.Length;
        Dictionary<string, string> labels = new(StringComparer.Ordinal);
        if (at < line.Length && line[at] == '{')
        {
            at++;
            while (line[at] != '}')
            {
                var label = Label().Match(line, at);
                label.Success.Should().BeTrue($"line {number}, column {at + 1}: a label name then =\"");
                at += label.Length;
                var value = new StringBuilder();
                for (; line[at] != '"'; at++)
                {
                    if (line[at] == '\\')
                    {
                        at++;
                        value.Append(line[at] switch { 'n' => '\n', '\\' => '\\', '"' => '"', var other => throw new FormatException($"line {number}: bad escape \\{other}") });
                    }
                    else
                    {
                        value.Append(line[at]);
                    }
                }

                at++;
                labels.TryAdd(label.Groups[1].Value, value.ToString()).Should().BeTrue($"line {number}: each label once");
                if (line[at] == ',')
                {
                    at++;
                }
            }

            at++;
        }

        var rest = line[at..].Trim().Split(' ');
        rest.Length.Should().BeInRange(1, 2, $"line {number}: a value and an optional timestamp");
        double.TryParse(rest[0].Replace("+Inf", "Infinity", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
            .Should().BeTrue($"line {number}: {rest[0]} is a number");
        return (name.Value, labels, parsed);
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Name();

    [GeneratedRegex(@"\G([a-zA-Z_][a-zA-Z0-9_]*)=""")]
    private static partial Regex Label();
}
