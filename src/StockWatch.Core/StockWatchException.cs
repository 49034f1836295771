namespace StockWatch.Core;

/// <summary>What went wrong, in terms a caller can map to an exit code or an HTTP status.</summary>
public enum ErrorKind
{
    /// <summary>The input is malformed or out of range.</summary>
    Invalid,
    /// <summary>The thing asked for does not exist.</summary>
    NotFound,
    /// <summary>The request is valid but conflicts with the current state (short stock, a reused id).</summary>
    Conflict,
    /// <summary>The caller's expected version is not the stored one.</summary>
    PreconditionFailed,
}

/// <summary>
/// An expected failure with one clear sentence for the user. Anything else that escapes is a bug.
/// </summary>
public sealed class StockWatchException : Exception
{
    private StockWatchException(ErrorKind kind, string message, string? field) : base(message)
    {
        Kind = kind;
        Field = field;
    }

    public ErrorKind Kind { get; }

    /// <summary>The data-dictionary name of the offending field, when there is one.</summary>
    public string? Field { get; }

    public static StockWatchException Invalid(string field, string message) => new(ErrorKind.Invalid, message, field);

    public static StockWatchException NotFound(string message) => new(ErrorKind.NotFound, message, null);

    public static StockWatchException Conflict(string message, string? field = null) => new(ErrorKind.Conflict, message, field);

    public static StockWatchException PreconditionFailed(string message) => new(ErrorKind.PreconditionFailed, message, null);
}
