using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using StockWatch.Core.Catalog;

namespace StockWatch.Sqlite;

/// <summary>
/// The SQLite file under the data folder. Opens pooled connections in WAL mode with a generous busy timeout, so
/// several processes (the CLI while <c>serve</c> runs) share it without "database is locked" reaching the user.
/// </summary>
public sealed class SqliteDatabase
{
    public const string FileName = "stockwatch.db";
    private const int BusyTimeoutMs = 30_000;

    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly Channel<bool> _committed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <param name="path">The database file.</param>
    /// <param name="manualCheckpoints">
    /// True in the long-running server: commits never run a WAL checkpoint, <see cref="Checkpoint"/> does it off the
    /// commit path. One-shot commands leave SQLite's automatic checkpoints on so the WAL cannot grow unchecked.
    /// </param>
    public SqliteDatabase(string path, bool manualCheckpoints = false)
    {
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Pooling = true,
            DefaultTimeout = BusyTimeoutMs / 1000,
        }.ToString();
        _pragmas = $"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
            + (manualCheckpoints ? " PRAGMA wal_autocheckpoint = 0;" : string.Empty);
    }

    public string Path { get; }

    /// <summary>The database in a data folder, created with the folder when missing.</summary>
    public static SqliteDatabase InFolder(string dataFolder, bool manualCheckpoints = false)
    {
        Directory.CreateDirectory(dataFolder);
        return new SqliteDatabase(System.IO.Path.Combine(dataFolder, FileName), manualCheckpoints);
    }

    /// <summary>Brings the schema up to date; safe when several processes start at once.</summary>
    public void Migrate() => Migrations.Apply(this, Migrations.Latest);

    /// <summary>Copies the WAL into the database file without blocking writers.</summary>
    public void Checkpoint()
    {
        using var session = Open();
        using var command = session.Connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        command.ExecuteNonQuery();
    }

    internal SqliteSession Open()
    {
        var session = new SqliteSession(new SqliteConnection(_connectionString));
        session.Connection.Open();
        using var command = session.Connection.CreateCommand();
        command.CommandText = _pragmas;
        command.ExecuteNonQuery();
        return session;
    }

    /// <summary>Tells in-process readers of the change stream that a change was committed.</summary>
    internal void NotifyCommitted() => _committed.Writer.TryWrite(true);

    internal async Task WaitForCommitAsync(CancellationToken cancellationToken)
    {
        await _committed.Reader.WaitToReadAsync(cancellationToken);
        _committed.Reader.TryRead(out _);
    }
}

/// <summary>
/// One open connection. Product writes go through <see cref="BeginWrite"/>, which stamps the change records the
/// triggers append with the write's time and cause.
/// </summary>
internal sealed class SqliteSession : IDisposable
{
    private ChangeStamp? _stamp;

    public SqliteSession(SqliteConnection connection)
    {
        Connection = connection;
        connection.CreateFunction("sw_change_time", () => Core.Timestamp.FormatSortable(Stamp.Time));
        connection.CreateFunction("sw_change_cause", () => Stamp.Cause);
    }

    public SqliteConnection Connection { get; }

    private ChangeStamp Stamp => _stamp ?? throw new InvalidOperationException("A product was written outside BeginWrite, so its change record has no time or cause.");

    /// <summary>Starts an immediate (write-locking) transaction, so the reads inside it see what the write will replace.</summary>
    public SqliteTransaction BeginWrite(ChangeStamp stamp)
    {
        _stamp = stamp;
        return Connection.BeginTransaction(deferred: false);
    }

    /// <summary>An immediate transaction for writes that touch no product.</summary>
    public SqliteTransaction BeginWrite() => Connection.BeginTransaction(deferred: false);

    public SqliteCommand Command(string sql, SqliteTransaction? transaction = null)
    {
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    public void Dispose() => Connection.Dispose();
}
