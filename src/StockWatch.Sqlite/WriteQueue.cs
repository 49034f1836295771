using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using StockWatch.Core.Catalog;

namespace StockWatch.Sqlite;

/// <summary>
/// Group commit. Every write transaction of this process goes through one first-in-first-out queue. Whoever finds the
/// gate free commits what is queued, and goes on while more arrives: consecutive product writes share one immediate
/// transaction, each in its own savepoint (a lone write pays no savepoint); exclusive work (a stream-processor step, a
/// migration) runs in a transaction of its own. Waiting writers hold no thread. Local writers thus never meet in
/// SQLite's busy handler, which sleeps in steps of milliseconds; other processes are kept out by SQLite's own lock.
/// </summary>
internal sealed class WriteQueue(SqliteDatabase database)
{
    private const int MaxBatch = 128;
    private const int MaxRounds = 16;

    private readonly ConcurrentQueue<Pending> _queue = new();
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>How many transactions wait to be committed (for tests that build a batch on purpose).</summary>
    public int Waiting => _queue.Count;

    /// <summary>
    /// A product write, stamped for its change records; may share its commit with others. With
    /// <paramref name="rollBack"/> it runs in full and is then undone (a dry run).
    /// </summary>
    public Task<T> WriteAsync<T>(ChangeStamp stamp, Func<SqliteSession, T> work, bool rollBack = false) =>
        RunAsync<T>(new Pending(stamp, session => work(session)) { RollBack = rollBack });

    /// <summary>Work that needs a transaction of its own.</summary>
    public Task<T> ExclusiveAsync<T>(Func<SqliteSession, T> work) => RunAsync<T>(new Pending(null, session => work(session)));

    private async Task<T> RunAsync<T>(Pending pending)
    {
        _queue.Enqueue(pending);
        while (!pending.IsCompleted)
        {
            var turn = pending.NextTurn();
            if (pending.IsCompleted)
            {
                break; // completed between the check and the new turn: its wake-up went to the old one
            }

            if (_gate.Wait(0))
            {
                try
                {
                    for (var round = 0; round < MaxRounds && CommitNext(); round++)
                    {
                    }
                }
                finally
                {
                    _gate.Release();
                    // Hand the turn to the oldest waiter, who commits next; anyone who queued after this peek finds
                    // the gate free on their own.
                    if (_queue.TryPeek(out var next))
                    {
                        next.Wake();
                    }
                }
            }
            else
            {
                await turn;
            }
        }

        pending.Error?.Throw();
        return (T)pending.Result!;
    }

    /// <summary>Commits the next transaction's worth of queued work; false when nothing was queued.</summary>
    private bool CommitNext()
    {
        if (!_queue.TryPeek(out var first))
        {
            return false;
        }

        // Only the gate holder dequeues, so what it peeked is what it takes.
        List<Pending> batch = [];
        if (first.IsExclusive)
        {
            _queue.TryDequeue(out _);
            batch.Add(first);
        }
        else
        {
            while (batch.Count < MaxBatch && _queue.TryPeek(out var next) && !next.IsExclusive)
            {
                _queue.TryDequeue(out _);
                batch.Add(next);
            }
        }

        using var session = database.Open();
        try
        {
            session.Run("BEGIN IMMEDIATE");
            if (batch.Count == 1)
            {
                if (!Apply(session, batch[0]) || batch[0].RollBack)
                {
                    session.Run("ROLLBACK");
                    return true;
                }
            }
            else
            {
                foreach (var pending in batch)
                {
                    session.Run("SAVEPOINT write");
                    if (!Apply(session, pending) || pending.RollBack)
                    {
                        session.Run("ROLLBACK TO write");
                    }

                    session.Run("RELEASE write");
                }
            }

            session.Run("COMMIT");
            if (!first.IsExclusive)
            {
                database.NotifyCommitted();
            }
        }
        catch (Exception ex)
        {
            // The transaction itself failed (BEGIN or COMMIT): nothing of the batch was written.
            foreach (var pending in batch.Where(p => p.Error is null))
            {
                pending.Error = ExceptionDispatchInfo.Capture(ex);
            }
        }
        finally
        {
            foreach (var pending in batch)
            {
                pending.Complete();
            }
        }

        return true;
    }

    private static bool Apply(SqliteSession session, Pending pending)
    {
        session.Stamp = pending.Stamp;
        try
        {
            pending.Result = pending.Work(session);
            return true;
        }
        catch (Exception ex)
        {
            pending.Error = ExceptionDispatchInfo.Capture(ex);
            return false;
        }
        finally
        {
            session.Stamp = null;
        }
    }

    private sealed class Pending(ChangeStamp? stamp, Func<SqliteSession, object?> work)
    {
        private volatile bool _completed;
        private volatile TaskCompletionSource _turn = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The product write's time and cause; <c>null</c> for exclusive work, which writes no product.</summary>
        public ChangeStamp? Stamp { get; } = stamp;
        public bool IsExclusive => Stamp is null;
        public Func<SqliteSession, object?> Work { get; } = work;
        public bool RollBack { get; init; }
        public object? Result { get; set; }
        public ExceptionDispatchInfo? Error { get; set; }
        public bool IsCompleted => _completed;

        /// <summary>A fresh wake-up for the writer to await.</summary>
        public Task NextTurn()
        {
            _turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _turn.Task;
        }

        public void Wake() => _turn.TrySetResult();

        public void Complete()
        {
            _completed = true;
            Wake();
        }
    }
}
