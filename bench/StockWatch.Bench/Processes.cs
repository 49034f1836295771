using System.Diagnostics;
using System.Text.Json;

namespace StockWatch.Bench;

/// <summary>The baselines and StockWatch's own executable, run as processes of their own.</summary>
public static class Processes
{
    /// <summary>Runs a command to its end and returns its standard output; a failing command stops the benchmark.</summary>
    public static string Output(string command, params string[] args)
    {
        using var process = Start(command, args);
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? output
            : throw new InvalidOperationException($"{command} {string.Join(' ', args)} failed with exit code {process.ExitCode}: {error.Result}");
    }

    /// <summary>The last line <c>sqlite3 DB SQL</c> prints.</summary>
    public static string Sqlite3(string db, string sql) => Output("sqlite3", db, sql).Trim().Split('\n')[^1];

    /// <summary>Runs a command under bench/python/measure.py: its wall time and peak resident memory.</summary>
    public static (double Seconds, double PeakMb) Measure(params string[] command)
    {
        var (seconds, _, peakMb) = MeasureWithCpu(command);
        return (seconds, peakMb);
    }

    /// <summary>Runs a command under bench/python/measure.py: its wall time, its processor time and peak resident memory.</summary>
    public static (double Seconds, double CpuSeconds, double PeakMb) MeasureWithCpu(params string[] command)
    {
        var json = JsonDocument.Parse(Output("python3", [Path.Combine(AppContext.BaseDirectory, "measure.py"), .. command])).RootElement;
        var code = json.GetProperty("exit_code").GetInt32();
        // StockWatch's import exits 1 when some rows were refused; the generated files have none, so only 0 is success.
        return code == 0
            ? (json.GetProperty("seconds").GetDouble(), json.GetProperty("cpu_seconds").GetDouble(), json.GetProperty("max_rss_mb").GetDouble())
            : throw new InvalidOperationException($"{string.Join(' ', command)} exited with {code}.");
    }

    private static Process Start(string command, string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }
}
