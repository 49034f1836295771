namespace StockWatch.Core.Imports;

// The change-stream feature's namespace (StockWatch.Core.Stream) would hide System.IO.Stream here.
using Stream = System.IO.Stream;

/// <summary>Where a physical line of a file starts: its number (1 is the first) and its byte offset.</summary>
public readonly record struct CsvPosition(int Line, long Offset);

/// <summary>
/// A read-only view of a seekable stream that notes the byte offset of each physical line start as the bytes pass
/// (after LF, after CRLF, after a CR alone: the line breaks <see cref="CsvReader"/> counts), so the reader can tell the
/// byte offset of the line it is at. Only the starts ahead of the last one asked for are kept (the reader's read-ahead).
/// The bytes it is read from must follow on: a seek elsewhere between reads (another reader of the same stream puts the
/// position back) is allowed, a jump is not, and then no offset is known any more.
/// </summary>
internal sealed class LineStarts(Stream inner, CsvPosition first) : Stream
{
    private readonly Queue<CsvPosition> _starts = new([first]);
    private long _next = first.Offset;
    private int _line = first.Line;
    private bool _afterCr;
    private bool _lost;

    /// <summary>The byte offset of physical line <paramref name="line"/>; null when not known (asked out of order, lost).</summary>
    public long? OffsetOf(int line)
    {
        while (_starts.TryPeek(out var start) && start.Line < line)
        {
            _starts.Dequeue();
        }

        return !_lost && _starts.TryPeek(out var found) && found.Line == line ? found.Offset : null;
    }

    public override int Read(Span<byte> buffer)
    {
        var at = inner.Position;
        var read = inner.Read(buffer);
        _lost |= at != _next;
        Scan(buffer[..read], at);
        _next = at + read;
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    private void Scan(ReadOnlySpan<byte> bytes, long at)
    {
        var i = 0;
        if (_afterCr && bytes.Length > 0)
        {
            _afterCr = false;
            if (bytes[0] == '\n')
            {
                i = 1;
            }

            _starts.Enqueue(new CsvPosition(++_line, at + i));
        }

        while (i < bytes.Length)
        {
            var found = bytes[i..].IndexOfAny((byte)'\n', (byte)'\r');
            if (found < 0)
            {
                return;
            }

            i += found + 1;
            if (bytes[i - 1] == '\r')
            {
                if (i == bytes.Length)
                {
                    _afterCr = true;
                    return;
                }

                if (bytes[i] == '\n')
                {
                    i++;
                }
            }

            _starts.Enqueue(new CsvPosition(++_line, at + i));
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
