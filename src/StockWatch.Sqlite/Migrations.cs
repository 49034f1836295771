using System.Reflection;
using StockWatch.Core;

namespace StockWatch.Sqlite;

/// <summary>Versioned schema scripts, applied in order inside one write transaction; <c>user_version</c> records the version.</summary>
internal static class Migrations
{
    private static readonly string[] Scripts = ["0001_catalog_and_stream.sql", "0002_alerts.sql", "0003_api_keys.sql", "0004_work_queue.sql", "0005_imports.sql", "0006_reports.sql", "0007_deliveries.sql", "0008_lean_changes.sql", "0009_change_stamps.sql", "0010_stock_counted.sql", "0011_report_versions.sql", "0012_processed_ahead.sql"];

    public static int Latest => Scripts.Length;

    public static int CurrentVersion(SqliteDatabase database)
    {
        using var session = database.Open();
        return Version(session);
    }

    public static void Apply(SqliteDatabase database, int target)
    {
        using (var session = database.Open())
        {
            if (Version(session) == target)
            {
                return;
            }

            session.Execute("PRAGMA journal_mode = WAL;");
        }

        database.ExclusiveAsync(session =>
        {
            var current = Version(session);
            if (current > Latest)
            {
                throw StockWatchException.Invalid("data",
                    $"The database {database.Path} has schema version {current}, newer than this StockWatch knows ({Latest}); use a newer StockWatch.");
            }

            for (var version = current + 1; version <= target; version++)
            {
                session.Execute(Read(Scripts[version - 1]) + $"\nPRAGMA user_version = {version};");
            }

            return current;
        }).GetAwaiter().GetResult();
    }

    private static int Version(SqliteSession session)
    {
        var command = session.Command("PRAGMA user_version;");
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Read(string script)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Migrations.{script}")
            ?? throw new InvalidOperationException($"Migration {script} is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
