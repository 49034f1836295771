using System.Diagnostics;

namespace StockWatch.Tests;

/// <summary>The real <c>stockwatch</c> executable, run as a child process of the tests.</summary>
public static class StockWatchProcess
{
    public sealed record Result(int ExitCode, string Output, string Error);

    private static string Executable => Path.Combine(AppContext.BaseDirectory, "stockwatch.dll");

    /// <summary>
    /// A running child process whose output is read as it comes (an unread pipe would fill and stall the child) and
    /// which is killed when disposed, so a failing test never leaves it behind.
    /// </summary>
    public sealed class Child : IDisposable
    {
        private readonly System.Text.StringBuilder _output = new();
        private readonly System.Text.StringBuilder _error = new();

        internal Child(Process process)
        {
            Process = process;
            process.OutputDataReceived += (_, e) => Append(_output, e.Data);
            process.ErrorDataReceived += (_, e) => Append(_error, e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public string Output => Read(_output);

        /// <summary>Completes once the standard output contains <paramref name="text"/> (such as "Application started").</summary>
        public async Task WaitForOutputAsync(string text, CancellationToken cancellationToken)
        {
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void Check(object? sender, DataReceivedEventArgs e)
            {
                if (e.Data?.Contains(text, StringComparison.Ordinal) == true)
                {
                    seen.TrySetResult();
                }
            }

            Process.OutputDataReceived += Check;
            try
            {
                if (!Output.Contains(text, StringComparison.Ordinal))
                {
                    await seen.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
                }
            }
            finally
            {
                Process.OutputDataReceived -= Check;
            }
        }

        public string Error => Read(_error);

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit();
            }

            Process.Dispose();
        }

        private static void Append(System.Text.StringBuilder text, string? line)
        {
            if (line is not null)
            {
                lock (text)
                {
                    text.AppendLine(line);
                }
            }
        }

        private static string Read(System.Text.StringBuilder text)
        {
            lock (text)
            {
                return text.ToString();
            }
        }
    }

    /// <summary>A loopback port free now, for a serve of its own.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static Task<Result> RunAsync(string dataFolder, params string[] args) =>
        RunAsync(dataFolder, new Dictionary<string, string>(), args);

    public static async Task<Result> RunAsync(string dataFolder, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = Create(dataFolder, environment, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await output, await error);
    }

    /// <summary>Starts a long-running <c>stockwatch</c> (serve); see <see cref="Child"/>.</summary>
    public static Child Start(string dataFolder, params string[] args) => new(Create(dataFolder, new Dictionary<string, string>(), args));

    public static Child Start(string dataFolder, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        new(Create(dataFolder, environment, args));

    private static Process Create(string dataFolder, IReadOnlyDictionary<string, string> environment, string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Executable);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.ArgumentList.Add("--data");
        start.ArgumentList.Add(dataFolder);
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Could not start stockwatch.");
    }
}
