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
            var destination = Path.GetFullPath(context.Get(file));
            if (File.Exists(destination) || Directory.Exists(destination))
            {
                throw StockWatchException.Conflict($"{destination} exists already; give a new file name (a backup never overwrites).", "file");
            }

            if (Path.GetDirectoryName(destination) is { } folder && !Directory.Exists(folder))
            {
                throw StockWatchException.Invalid("file", $"The folder {folder} does not exist.");
            }

            var database = context.Optional<SqliteDatabase>()
                ?? throw StockWatchException.Invalid("StockWatch:Store", "backup copies the embedded SQLite store; on the AWS shape, the tables' point-in-time recovery keeps 35 days of backups.");
            database.Backup(destination);
            var size = new FileInfo(destination).Length;
            context.Write(new { backup = destination, bytes = size }, output =>
                output.WriteLine($"Backed up {database.Path} to {destination} ({size / 1024.0 / 1024.0:0.0} MiB)."));
            return Task.FromResult(CliApp.Ok);
        });
        return command;
    }
}
