using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using StockWatch.Core.Catalog;

namespace StockWatch.Sqlite;

/// <summary>
/// The SQLite file under the data folder. Keeps a pool of open sessions in WAL mode with a generous busy timeout, so
/// several processes (the CLI while <c>serve</c> runs) share it without "database is locked" reaching the user, and
/// commits concurrent writes of this process together (<see cref="WriteAsync{T}"/>).
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    public const string FileName = "stockwatch.db";
    private const int BusyTimeoutMs = 30_000;

    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly ConcurrentBag<SqliteSession> _idle = [];
    private readonly Channel<bool> _committed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly WriteQueue _writes;
    private readonly SemaphoreSlim _checkpointing = new(1, 1);
    private readonly Lock _backgroundLock = new();
    private Task _background = Task.CompletedTask;

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
        // Memory-mapped reads spare a system call and a copy per page read. Capped at 32 MiB: mapped pages count as the
        // process's memory, and a large import or report would otherwise map the whole file.
        AutoCheckpointPages = manualCheckpoints ? 0 : DefaultAutoCheckpointPages;
        _pragmas = $"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA mmap_size = 33554432;"
            + $" PRAGMA wal_autocheckpoint = {AutoCheckpointPages}; PRAGMA journal_size_limit = {WalSizeLimitBytes};";
        _writes = new WriteQueue(this);
    }

    public string Path { get; }

    /// <summary>
    /// The size the WAL file is cut back to when it starts again from its beginning (SQLite's <c>journal_size_limit</c>),
    /// in bytes. SQLite otherwise keeps the file at the largest size it reached, to reuse it: a large import's WAL (861 MB
    /// for 300,000 products) stayed on disk as long as <c>serve</c> ran (found by a fresh-user trial). Four times what
    /// a one-shot command's automatic checkpoint lets it reach (<see cref="DefaultAutoCheckpointPages"/>).
    /// </summary>
    internal const long WalSizeLimitBytes = 16 * 1024 * 1024;

    /// <summary>SQLite's own default for <c>wal_autocheckpoint</c>, in pages.</summary>
    private const int DefaultAutoCheckpointPages = 1000;

    /// <summary>The WAL pages past which a commit runs a checkpoint (SQLite's <c>wal_autocheckpoint</c>); 0: never.</summary>
    internal int AutoCheckpointPages { get; }

    /// <summary>The last committed import's changes with their images, for this process's change stream.</summary>
    internal ImportedChanges Imported { get; } = new();

    /// <summary>The database in a data folder, created with the folder when missing.</summary>
    /// <exception cref="StockWatch.Core.StockWatchException">Invalid (<c>data</c>) when the folder cannot be created.</exception>
    public static SqliteDatabase InFolder(string dataFolder, bool manualCheckpoints = false)
    {
        try
        {
            Directory.CreateDirectory(dataFolder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw StockWatch.Core.StockWatchException.Invalid("data", $"The data folder {dataFolder} cannot be created: {ex.Message}");
        }

        return new SqliteDatabase(System.IO.Path.Combine(dataFolder, FileName), manualCheckpoints);
    }

    /// <summary>Brings the schema up to date; safe when several processes start at once.</summary>
    public void Migrate() => Migrations.Apply(this, Migrations.Latest);

    /// <summary>
    /// Copies the WAL into the database file without blocking writers (a <c>PASSIVE</c> checkpoint), unless one of this
    /// process is running (<see cref="CheckpointInBackground"/>): then it returns at once, without waiting on a thread
    /// (a thread-pool thread held there starved the stream and the API on two cores); the next one copies the rest.
    /// </summary>
    public void Checkpoint()
    {
        if (!_checkpointing.Wait(0))
        {
            return;
        }

        try
        {
            using var session = Open();
            session.Execute("PRAGMA wal_checkpoint(PASSIVE);");
        }
        finally
        {
            _checkpointing.Release();
        }
    }

    /// <summary>
    /// Starts a checkpoint on a task of its own, unless one is running: after an import, whose commit runs none, so that
    /// its pages are copied into the database while the stream decides its alerts (the commits meanwhile skip their
    /// automatic checkpoint: SQLite runs one at a time, and the first commit after it copies what is left). A checkpoint
    /// that fails loses nothing: the WAL keeps every commit, and the next checkpoint copies it.
    /// </summary>
    internal void CheckpointInBackground()
    {
        lock (_backgroundLock)
        {
            if (_background.IsCompleted)
            {
                _background = Task.Run(() =>
                {
                    try
                    {
                        Checkpoint();
                    }
                    catch (SqliteException)
                    {
                        // Copied by the next checkpoint.
                    }
                });
            }
        }
    }

    /// <summary>The checkpoint running in the background, or the last one.</summary>
    internal Task BackgroundCheckpoint
    {
        get
        {
            lock (_backgroundLock)
            {
                return _background;
            }
        }
    }

    /// <summary>
    /// Writes a consistent copy of the whole database to <paramref name="destination"/> (SQLite's <c>VACUUM INTO</c>:
    /// one read transaction, so writers carry on and the copy holds every write committed before it began). The copy
    /// is written beside the destination and renamed into place, so a failure leaves no half-written file.
    /// </summary>
    /// <exception cref="IOException">The destination exists already, or its folder cannot be written.</exception>
    public void Backup(string destination)
    {
        var full = System.IO.Path.GetFullPath(destination);
        var partial = $"{full}.{Guid.NewGuid():N}.partial";
        try
        {
            using (var session = Open())
            {
                var command = session.Connection.CreateCommand();
                command.CommandText = "VACUUM INTO $path";
                command.Parameters.AddWithValue("$path", partial);
                command.ExecuteNonQuery();
            }

            File.Move(partial, full, overwrite: false);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <summary>
    /// Runs a product write in an immediate transaction and returns once it is committed. Writes that arrive while
    /// another is being committed are committed together, each in its own savepoint: one that fails is rolled back
    /// alone and its caller gets its exception; the others commit.
    /// </summary>
    internal Task<T> WriteAsync<T>(ChangeStamp stamp, Func<SqliteSession, T> work, bool rollBack = false) =>
        _writes.WriteAsync(stamp, work, rollBack);

    internal int WaitingWrites => _writes.Waiting;

    /// <summary>Runs <paramref name="work"/> alone in one immediate transaction (a stream-processor step, migrations).</summary>
    internal Task<T> ExclusiveAsync<T>(Func<SqliteSession, T> work) => _writes.ExclusiveAsync(work);

    /// <summary>Leases an open session; disposing the lease returns it, with its prepared statements, to the pool.</summary>
    internal SqliteSession Open()
    {
        if (_idle.TryTake(out var session))
        {
            return session;
        }

        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        session = new SqliteSession(this, connection);
        session.Execute(_pragmas);
        return session;
    }

    internal void Return(SqliteSession session) => _idle.Add(session);

    /// <summary>Waits for a checkpoint running in the background, and closes the pooled connections.</summary>
    public void Dispose()
    {
        BackgroundCheckpoint.Wait();
        while (_idle.TryTake(out var session))
        {
            session.Connection.Dispose();
        }
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
/// One open connection with its prepared statements, leased from <see cref="SqliteDatabase"/>. The change triggers
/// read the time and cause of the write in progress from <see cref="Stamp"/>.
/// </summary>
internal sealed class SqliteSession : IDisposable
{
    private readonly SqliteDatabase _database;
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);

    public SqliteSession(SqliteDatabase database, SqliteConnection connection)
    {
        _database = database;
        Connection = connection;
        connection.CreateFunction("sw_change_time", () => Core.Timestamp.FormatSortable(RequiredStamp.Time));
        connection.CreateFunction("sw_change_cause", () => RequiredStamp.Cause);
    }

    public SqliteConnection Connection { get; }

    /// <summary>The time and cause of the product write in progress; without one, the change triggers fail.</summary>
    public ChangeStamp? Stamp { get; set; }

    /// <summary>
    /// False while an import writes its change records itself: the change triggers are off on this connection only
    /// (every other connection, and any tool, still has them). Statements prepared before are re-prepared by SQLite.
    /// </summary>
    public bool ChangesByTrigger
    {
        get;
        set
        {
            if (value != field)
            {
                var result = SQLitePCL.raw.sqlite3_db_config(Connection.Handle, SQLitePCL.raw.SQLITE_DBCONFIG_ENABLE_TRIGGER, value ? 1 : 0, out _);
                SqliteException.ThrowExceptionForRC(result, Connection.Handle);
                field = value;
            }
        }
    } = true;

    /// <summary>
    /// False while an import writes: its commit runs no automatic checkpoint on this connection (the import starts one
    /// in the background once committed, <see cref="SqliteDatabase.CheckpointInBackground"/>). Back on when the session
    /// returns to the pool, after the commit.
    /// </summary>
    public bool AutoCheckpoint
    {
        get;
        set
        {
            if (value != field)
            {
                var result = SQLitePCL.raw.sqlite3_wal_autocheckpoint(Connection.Handle, value ? _database.AutoCheckpointPages : 0);
                SqliteException.ThrowExceptionForRC(result, Connection.Handle);
                field = value;
            }
        }
    } = true;

    private ChangeStamp RequiredStamp => Stamp ?? throw new InvalidOperationException("A product was written outside a stamped write, so its change record has no time or cause.");

    /// <summary>The prepared command for <paramref name="sql"/>, with no parameters; owned by the session, not disposed by callers.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _prepared[sql] = command;
        }

        command.Parameters.Clear();
        return command;
    }

    /// <summary>Runs a prepared statement without parameters (BEGIN, COMMIT, SAVEPOINT…).</summary>
    public void Run(string sql) => Command(sql).ExecuteNonQuery();

    /// <summary>Runs statements once, without keeping them prepared (pragmas, migrations).</summary>
    public void Execute(string sql)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public bool InTransaction => SQLitePCL.raw.sqlite3_get_autocommit(Connection.Handle) == 0;

    /// <summary>Returns the session to the pool, never inside a transaction.</summary>
    public void Dispose()
    {
        Stamp = null;
        ChangesByTrigger = true;
        AutoCheckpoint = true;
        if (InTransaction)
        {
            Run("ROLLBACK");
        }

        _database.Return(this);
    }
}
