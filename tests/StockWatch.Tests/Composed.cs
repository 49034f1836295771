using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StockWatch.Hosting;

namespace StockWatch.Tests;

/// <summary>StockWatch's services as every host composes them, over a test's data folder, without a server.</summary>
public static class Composed
{
    /// <param name="configure">Registrations that replace StockWatch's own (a fake clock, a recording channel).</param>
    public static ServiceProvider Services(string dataFolder, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build())
            .AddLogging()
            .AddStockWatch(dataFolder, server: false);
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }
}

/// <summary>Waiting for files without polling.</summary>
public static class Files
{
    /// <summary>Watches one folder; <see cref="Created"/> completes when a file of that name appears (created or moved in).</summary>
    public sealed class Watcher : IDisposable
    {
        private readonly FileSystemWatcher _watcher;
        private readonly Dictionary<string, TaskCompletionSource> _waiting = [];

        public Watcher(string folder)
        {
            _watcher = new FileSystemWatcher(folder);
            _watcher.Created += (_, e) => Arrived(e.Name);
            _watcher.Renamed += (_, e) => Arrived(e.Name);
            _watcher.EnableRaisingEvents = true;
        }

        public Task Created(string name)
        {
            TaskCompletionSource waiting;
            lock (_waiting)
            {
                waiting = _waiting.TryGetValue(name, out var known) ? known : _waiting[name] = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            if (File.Exists(Path.Combine(_watcher.Path, name)))
            {
                waiting.TrySetResult();
            }

            return waiting.Task;
        }

        public void Dispose() => _watcher.Dispose();

        private void Arrived(string? name)
        {
            if (name is not null)
            {
                lock (_waiting)
                {
                    (_waiting.TryGetValue(name, out var known) ? known : _waiting[name] = new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                }
            }
        }
    }
}
