using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace StockWatch.Core.Imports;

// The change-stream feature's namespace (StockWatch.Core.Stream) would hide System.IO.Stream here.
using Stream = System.IO.Stream;

/// <summary>
/// A streaming RFC 4180 reader for the files shops really have: UTF-8 with or without a byte-order mark, else
/// Windows-1252; <c>,</c>, <c>;</c> or tab, detected from the header; quoted fields with delimiters, quotes and line
/// breaks; CRLF or LF; Excel's <c>sep=;</c> first line. A record it cannot read whole (an unterminated quote, a NUL, an
/// over-long field, bytes that are not UTF-8) carries a <see cref="RecordError"/> and the reader goes on with the next
/// one. A quote that runs past the end of its line yet does not make a whole record there (it never closes, closes
/// with text after it, or the record then has other than <see cref="ExpectedFields"/> fields) is a broken quote, not a
/// line break in a cell: that record is rejected and reading resumes on the physical line after the one that opened
/// the quote, so no later line is lost. Memory is bounded by <c>maxFieldLength</c>, whatever the file's size.
/// </summary>
public sealed class CsvReader : IDisposable
{
    private const int SampleBytes = 64 * 1024;
    private static readonly char[] Delimiters = [',', ';', '\t'];

    private const int BufferSize = 64 * 1024;

    private readonly StreamReader _reader;
    private readonly LineStarts _starts;
    private readonly int _maxFieldLength;
    private readonly bool _utf8;
    private readonly StringBuilder _captured = new();
    private char[] _buffer = new char[BufferSize];
    private readonly List<string> _fields = [];
    private readonly StringBuilder _field = new();

    // What ends a run of plain characters in an unquoted field (a NUL is one, to be reported).
    private readonly SearchValues<char> _stops;
    private int _position;
    private int _length;
    private int _line = 1;
    private bool _skipSeparatorLine;

    // While a quoted field runs past the end of its line: where the next physical line starts in the buffer (0 once
    // the buffer was refilled, what came before being in _captured), and that line's number. -1 otherwise.
    private int _captureFrom = -1;
    private int _resumeLine;
    private int _quoteColumn;

    private CsvReader(StreamReader reader, LineStarts starts, char delimiter, Encoding encoding, int maxFieldLength)
    {
        _reader = reader;
        _starts = starts;
        Delimiter = delimiter;
        _stops = SearchValues.Create([delimiter, '\r', '\n', '\0']);
        Encoding = encoding;
        _utf8 = encoding is UTF8Encoding;
        _maxFieldLength = maxFieldLength;
    }

    public char Delimiter { get; }

    public Encoding Encoding { get; }

    /// <summary>The line the current record starts on (1 is the header).</summary>
    public int RecordLine { get; private set; }

    public IReadOnlyList<string> Fields => _fields;

    /// <summary>Why the current record cannot be used, naming its column; <c>null</c> when it was read whole.</summary>
    public string? RecordError { get; private set; }

    /// <summary>The header's field count, once known: a record running over several lines must have it to be whole.</summary>
    public int? ExpectedFields { get; set; }

    /// <summary>
    /// Where the next record starts (the reader is between records after <see cref="Read"/>): what an import that pauses
    /// continues from with <c>Open(stream, delimiter, from: position)</c>. Null when not known: a file in UTF-16 or
    /// UTF-32 (its line breaks are not single bytes).
    /// </summary>
    public CsvPosition? Position =>
        _reader.CurrentEncoding is UTF8Encoding || _reader.CurrentEncoding.CodePage == 1252 ? _starts.OffsetOf(_line) is { } offset ? new CsvPosition(_line, offset) : null : null;

    /// <summary>Opens a seekable stream, choosing the encoding from its first 64 KiB and the delimiter from its first line.</summary>
    /// <param name="from">
    /// Where to start reading, from a <see cref="Position"/> of an earlier reader of the same file (the delimiter must
    /// be given then: the header is not read again); the file's start when null.
    /// </param>
    public static CsvReader Open(Stream stream, char? delimiter = null, int maxFieldLength = 1 << 20, CsvPosition? from = null)
    {
        if (!stream.CanSeek)
        {
            throw new ArgumentException("The CSV stream must be seekable (a file or an uploaded object).", nameof(stream));
        }

        var sample = new byte[SampleBytes];
        var read = stream.ReadAtLeast(sample, SampleBytes, throwOnEndOfStream: false);
        stream.Position = 0;
        var encoding = LooksLikeUtf8(sample.AsSpan(0, read), complete: read < SampleBytes)
            ? new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false)
            : Windows1252();
        if (from is { } resume)
        {
            if (delimiter is not { } known)
            {
                throw new ArgumentException("A reader that starts within a file must be given its delimiter.", nameof(delimiter));
            }

            stream.Position = resume.Offset;
            var starts = new LineStarts(stream, resume);
            var rest = new StreamReader(starts, encoding, detectEncodingFromByteOrderMarks: false, bufferSize: 64 * 1024, leaveOpen: true);
            return new CsvReader(rest, starts, known, encoding, maxFieldLength) { _line = resume.Line };
        }

        var lineStarts = new LineStarts(stream, new CsvPosition(1, 0));
        var reader = new StreamReader(lineStarts, encoding, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
        var text = encoding.GetString(sample, 0, read).TrimStart('\uFEFF');
        var separator = SeparatorLine(text);
        if (separator is { } declared)
        {
            text = text[(text.IndexOf('\n', StringComparison.Ordinal) + 1)..];
        }

        return new CsvReader(reader, lineStarts, delimiter ?? separator ?? Detect(text), encoding, maxFieldLength) { _skipSeparatorLine = separator is not null };
    }

    /// <summary>The delimiter Excel's first line <c>sep=X</c> declares, or null.</summary>
    private static char? SeparatorLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        var first = end < 0 ? text : text[..end];
        return first.Length == 5 && first.StartsWith("sep=", StringComparison.OrdinalIgnoreCase) ? first[4] : null;
    }

    /// <summary>Reads the next record; false at the end of the file. Blank lines are skipped.</summary>
    public bool Read()
    {
        while (true)
        {
            _fields.Clear();
            RecordError = null;
            RecordLine = _line;
            if (Peek() < 0)
            {
                return false;
            }

            ReadRecord();
            if (_captureFrom >= 0)
            {
                ResumeAfterBrokenQuote();
            }

            if (_skipSeparatorLine)
            {
                _skipSeparatorLine = false;
                continue;
            }

            if (_fields.Count > 1 || _fields[0].Length > 0 || RecordError is not null)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// After a record whose quote ran past its first line: a whole record keeps what it read; any other is rejected
    /// and the lines after the first are read again.
    /// </summary>
    private void ResumeAfterBrokenQuote()
    {
        var swallowed = SwallowedLine();
        if (RecordError is null && swallowed is null && (ExpectedFields is not { } expected || _fields.Count == expected))
        {
            StopCapture();
            return;
        }

        var detail = RecordError
            ?? (swallowed is { } inner ? $"line {inner} inside it reads as a record of its own" : $"the record would have {_fields.Count} fields, the header has {ExpectedFields}");
        RecordError = $"column {_quoteColumn} opens a quote that runs past the end of line {RecordLine} without making a whole record ({detail}); " +
            $"the line is rejected and reading resumes on line {_resumeLine}";
        var replay = new StringBuilder(_captured.Length + (_length - _captureFrom))
            .Append(_captured)
            .Append(_buffer, _captureFrom, _position - _captureFrom)
            .Append(_buffer, _position, _length - _position);
        _buffer = new char[Math.Max(BufferSize, replay.Length)];
        replay.CopyTo(0, _buffer, replay.Length);
        (_position, _length, _line) = (0, replay.Length, _resumeLine);
        StopCapture();
    }

    /// <summary>
    /// The first line after the first inside the quoted field that holds a record's worth of delimiters (it reads as a
    /// record of its own: the quote swallowed it, as an unquoted inch mark <c>12"</c> further down closes it); null when
    /// none does. A cell with line breaks (Alt+Enter in a spreadsheet) holds text, not records.
    /// </summary>
    private int? SwallowedLine()
    {
        if (ExpectedFields is not { } expected || expected < 2 || _quoteColumn > _fields.Count)
        {
            return null;
        }

        var lines = _fields[_quoteColumn - 1].Split('\n');
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].AsSpan().Count(Delimiter) >= expected - 1)
            {
                return RecordLine + i;
            }
        }

        return null;
    }

    private void StopCapture()
    {
        _captureFrom = -1;
        _captured.Clear();
    }

    public void Dispose() => _reader.Dispose();

    private void ReadRecord()
    {
        while (true)
        {
            var column = _fields.Count + 1;
            if (TryReadPlain(out var plain, out var plainEnded))
            {
                _fields.Add(plain);
                if (plainEnded)
                {
                    return;
                }

                continue;
            }

            _field.Clear();
            var ended = Peek() == '"' ? ReadQuoted(column) : ReadUnquoted(column);
            var field = _field.ToString();
            if (_utf8 && RecordError is null && field.Contains('\uFFFD', StringComparison.Ordinal))
            {
                Fail($"column {column} is not valid UTF-8");
            }

            _fields.Add(field);
            if (ended)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Reads the field at once when it is plain text that ends within the buffer (most fields): its string is made
    /// straight from the buffer. False, having read nothing, for any other (quoted, running past the buffer, holding a
    /// NUL or a character that is not UTF-8, or too long), which the general path reads.
    /// </summary>
    private bool TryReadPlain(out string field, out bool ended)
    {
        (field, ended) = (string.Empty, false);
        var rest = _buffer.AsSpan(_position, _length - _position);
        var stop = rest.IndexOfAny(_stops);
        if (stop < 0 || rest[stop] == '\0' || stop > _maxFieldLength || (stop > 0 && rest[0] == '"'))
        {
            return false;
        }

        var run = rest[..stop];
        if (_utf8 && run.Contains('\uFFFD'))
        {
            return false;
        }

        field = run.IsEmpty ? string.Empty : new string(run);
        _position += stop;
        var c = Next();
        if (c == '\r')
        {
            SkipLineFeed();
        }

        ended = c != Delimiter;
        return true;
    }

    /// <summary>Reads an unquoted field; true when it ended the record.</summary>
    private bool ReadUnquoted(int column)
    {
        while (true)
        {
            // The plain characters up to the next one that matters are taken at once.
            if (_position < _length)
            {
                var rest = _buffer.AsSpan(_position, _length - _position);
                var run = rest.IndexOfAny(_stops) is var stop and >= 0 ? rest[..stop] : rest;
                Append(run, column);
                _position += run.Length;
            }

            var c = Next();
            if (c < 0 || c == '\n')
            {
                return true;
            }

            if (c == '\r')
            {
                SkipLineFeed();
                return true;
            }

            if (c == Delimiter)
            {
                return false;
            }

            Append((char)c, column);
        }
    }

    /// <summary>Reads a quoted field and what follows its closing quote; true when it ended the record.</summary>
    private bool ReadQuoted(int column)
    {
        var openedOn = _line;
        Next();
        while (true)
        {
            var c = Next();
            if (c < 0)
            {
                Fail($"column {column} opens a quote on line {openedOn} that is never closed");
                return true;
            }

            if (c == '"')
            {
                if (Peek() == '"')
                {
                    Next();
                    Append('"', column);
                    continue;
                }

                break;
            }

            if (c is '\n' or '\r' && _captureFrom < 0)
            {
                var lineBreak = c == '\n' ? "\n" : Peek() == '\n' ? "\r\n" : "\r";
                if (lineBreak == "\r\n")
                {
                    Next();
                }
                else if (lineBreak == "\r")
                {
                    _line++;
                }

                // Where the next physical line starts: reading resumes there if this turns out to be a broken quote.
                (_captureFrom, _resumeLine, _quoteColumn) = (_position, _line, column);
                Append(lineBreak, column);
                continue;
            }

            Append((char)c, column);
            if (_captureFrom >= 0 && (RecordError is not null || CapturedLength > _maxFieldLength))
            {
                // Nothing more of a quote that cannot be a cell is read: its lines are read again as records.
                Fail($"column {column} is longer than {_maxFieldLength:N0} characters");
                return true;
            }
        }

        // After the closing quote only a delimiter or the end of the line may follow.
        var after = Next();
        switch (after)
        {
            case < 0 or '\n':
                return true;
            case '\r':
                SkipLineFeed();
                return true;
            case var d when d == Delimiter:
                return false;
            default:
                Fail($"column {column} has text after its closing quote");
                return ReadUnquoted(column);
        }
    }

    private void Append(char c, int column)
    {
        if (c == '\0')
        {
            Fail($"column {column} contains a NUL character");
        }
        else if (_field.Length >= _maxFieldLength)
        {
            Fail($"column {column} is longer than {_maxFieldLength:N0} characters");
        }
        else
        {
            _field.Append(c);
        }
    }

    private void Append(ReadOnlySpan<char> run, int column)
    {
        var room = Math.Max(0, _maxFieldLength - _field.Length);
        _field.Append(run[..Math.Min(room, run.Length)]);
        if (run.Length > room)
        {
            Fail($"column {column} is longer than {_maxFieldLength:N0} characters");
        }
    }

    private void Fail(string reason) => RecordError ??= reason;

    /// <summary>After a CR: CRLF is one line break, a CR alone is one too.</summary>
    private void SkipLineFeed()
    {
        if (Peek() == '\n')
        {
            Next();
        }
        else
        {
            _line++;
        }
    }

    private int Peek()
    {
        if (_position == _length && !Fill())
        {
            return -1;
        }

        return _buffer[_position];
    }

    private int Next()
    {
        var c = Peek();
        if (c >= 0)
        {
            _position++;
            if (c == '\n')
            {
                _line++;
            }
        }

        return c;
    }

    private int CapturedLength => _captured.Length + (_position - _captureFrom);

    private bool Fill()
    {
        if (_captureFrom >= 0)
        {
            _captured.Append(_buffer, _captureFrom, _length - _captureFrom);
            _captureFrom = 0;
        }

        if (_buffer.Length != BufferSize)
        {
            _buffer = new char[BufferSize];
        }

        _length = _reader.Read(_buffer, 0, _buffer.Length);
        _position = 0;
        return _length > 0;
    }

    /// <summary>Valid UTF-8, allowing a character cut off by the end of the sample.</summary>
    private static bool LooksLikeUtf8(ReadOnlySpan<byte> sample, bool complete)
    {
        if (Utf8.IsValid(sample))
        {
            return true;
        }

        for (var cut = 1; !complete && cut <= 3 && cut < sample.Length; cut++)
        {
            if (Utf8.IsValid(sample[..^cut]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The candidate delimiter seen most often outside quotes on the first line.</summary>
    private static char Detect(string sample)
    {
        Span<int> counts = stackalloc int[Delimiters.Length];
        var quoted = false;
        foreach (var c in sample)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c is '\n' or '\r')
            {
                break;
            }
            else if (!quoted && Array.IndexOf(Delimiters, c) is var i and >= 0)
            {
                counts[i]++;
            }
        }

        var best = 0;
        for (var i = 1; i < counts.Length; i++)
        {
            best = counts[i] > counts[best] ? i : best;
        }

        return Delimiters[best];
    }

    private static Encoding Windows1252()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding(1252);
    }
}
