using System.CommandLine;
using StockWatch.Core;
using StockWatch.Sqlite;

namespace StockWatch.Cli;

/// <summary><c>stockwatch backup FILE</c>: a consistent copy of the database, also while <c>serve</c> runs (docs/operations.md).</summary>
internal static class BackupCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Where to write the copy: a new file (an existing one is never overwritten)." };
        var command = new Command("backup", "Copy the database consistently while StockWatch keeps running; restore by putting the copy in place of stockwatch.db (docs/operations.md).")
        {
            file,
        };
        command.SetReadHandler((context, _) =>
        {
            var given = context.Get(file);
            if (string.IsNullOrWhiteSpace(given) || given.Any(char.IsControl))
            {
                throw StockWatchException.Invalid("file", "The backup's file name must not be empty or hold control characters.");
            }

            string destination;
            try
            {
                destination = Path.GetFullPath(given);
            }
            catch (Exception ex) when (ex is ArgumentException or PathTooLongException or NotSupportedException)
            {
                throw StockWatchException.Invalid("file", $"{Text.Quote(given)} is not a usable file name: {ex.Message}");
            }

            var database = context.Embedded<SqliteDatabase>()
                ?? throw StockWatchException.Invalid("StockWatch:Store", "backup copies the embedded SQLite store; on the AWS shape, the tables' point-in-time recovery keeps 35 days of backups.");
            // SQLite takes <database>-wal, -shm and -journal for its own and removes them: a backup there would vanish.
            if (new[] { "", "-wal", "-shm", "-journal" }.Any(suffix => string.Equals(destination, Path.GetFullPath(database.Path) + suffix, StringComparison.Ordinal)))
            {
                throw StockWatchException.Invalid("file", $"{destination} is the database's own file; write the backup outside the data folder.");
            }

            if (File.Exists(destination) || Directory.Exists(destination))
            {
                throw StockWatchException.Conflict($"{destination} exists already; give a new file name (a backup never overwrites).", "file");
            }

            if (Path.GetDirectoryName(destination) is { } folder && !Directory.Exists(folder))
            {
                throw StockWatchException.Invalid("file", $"The folder {folder} does not exist.");
            }


            try
            {
                database.Backup(destination);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 14 })
            {
                throw StockWatchException.Invalid("file", $"The backup cannot be written to {destination}: {ex.Message}");
            }

            var size = new FileInfo(destination).Length;
            context.Write(new { backup = destination, bytes = size }, output =>
                output.WriteLine($"Backed up {database.Path} to {destination} ({size / 1024.0 / 1024.0:0.0} MiB)."));
            return Task.FromResult(CliApp.Ok);
        });
        return command;
    }
}
