using System.Buffers.Binary;
using System.Text;
using StockWatch.Core;
using StockWatch.Core.Catalog;

namespace StockWatch.Sqlite;

/// <summary>
/// The images of the last committed import's changes, handed by the import to this process's change stream
/// (docs/decisions/0017, "An import hands its images to the stream"): the stream then decides them without reading them
/// back (no probe of the product or of its next change, no image parsed). A change's images never change once
/// committed, so what is held is never stale; whatever is not held (another process's import, a restart, changes past
/// <see cref="MaxChanges"/>) is read from the database as before.
/// </summary>
/// <remarks>
/// The images are held serialized, in one buffer without object references, not as objects: a million products held as
/// objects made each of the import's garbage collections trace them (measured: the import took a third longer).
/// </remarks>
internal sealed class ImportedChanges
{
    /// <summary>Changes held at most (about 100 bytes each for a new product): of a larger import, the first ones.</summary>
    public const int MaxChanges = 1 << 21;

    /// <summary>Bytes held at most (long names and categories make larger changes): the changes past them are read back.</summary>
    public const int MaxBytes = 256 << 20;

    private readonly Lock _lock = new();
    private Run? _run;

    /// <summary>The held run that has the change <paramref name="sequence"/>, or <c>null</c>.</summary>
    public Run? Holding(long sequence)
    {
        lock (_lock)
        {
            return _run is { } run && sequence >= run.First && sequence <= run.Last ? run : null;
        }
    }

    /// <summary>Holds a committed import's changes (the run held before goes: the stream reads those back).</summary>
    public void Publish(Run run)
    {
        lock (_lock)
        {
            _run = run;
        }
    }

    /// <summary>Lets the held run go once the checkpoint is at or past its last change.</summary>
    public void Passed(long checkpoint)
    {
        lock (_lock)
        {
            if (_run is { } run && checkpoint >= run.Last)
            {
                _run = null;
            }
        }
    }

    /// <param name="Product">The product the change wrote.</param>
    /// <param name="Before">Its old image; <c>null</c>: the import added it.</param>
    /// <param name="After">Its new image, as stored.</param>
    /// <param name="SalesMark">The last sales row when the change was written.</param>
    public readonly record struct Change(ProductId Product, Product? Before, Product After, long SalesMark);

    /// <summary>An import's changes as it writes them, the first at sequence <paramref name="first"/>.</summary>
    public sealed class Writer(long first, ChangeStamp stamp)
    {
        private readonly MemoryStream _buffer = new();
        private readonly List<int> _offsets = [];
        private BinaryWriter? _writer;
        private bool _full;

        /// <summary>
        /// Adds the next change, unless <see cref="MaxChanges"/> or <see cref="MaxBytes"/> are held (then it and the
        /// later ones are read back).
        /// </summary>
        public void Add(Product? before, Product after, long salesMark)
        {
            if (_full || _offsets.Count == MaxChanges || _buffer.Length >= MaxBytes)
            {
                _full = true;
                return;
            }

            _writer ??= new BinaryWriter(_buffer);
            _offsets.Add((int)_buffer.Position);
            _writer.Write(salesMark);
            _writer.Write(after.Id.Value);
            Write(_writer, after);
            _writer.Write(before is not null);
            if (before is not null)
            {
                Write(_writer, before);
            }
        }

        /// <summary>The changes written, to hand over once committed.</summary>
        public Run Done()
        {
            _writer?.Flush();
            return new Run(first, stamp, _buffer.ToArray(), [.. _offsets]);
        }

        private static void Write(BinaryWriter writer, Product product)
        {
            writer.Write(product.Name);
            writer.Write(product.Category);
            writer.Write(product.Stock);
            writer.Write(product.Price.TenThousandths);
            writer.Write(product.LowStockThreshold ?? -1);
            writer.Write(product.Version);
            writer.Write(product.UpdatedAt.UtcTicks);
            writer.Write(product.StockCounted);
        }
    }

    /// <summary>Consecutive changes of one import, the first at sequence <see cref="First"/>, all with the import's time and cause.</summary>
    public sealed class Run(long first, ChangeStamp stamp, byte[] buffer, int[] offsets)
    {
        public long First { get; } = first;
        public long Last => First + offsets.Length - 1;
        public ChangeStamp Stamp { get; } = stamp;

        /// <summary>A reader of the changes from <paramref name="sequence"/> on, in order.</summary>
        public Reader From(long sequence) => new(buffer, offsets[sequence - First]);
    }

    /// <summary>
    /// Reads held changes one after the other, in <see cref="BinaryWriter"/>'s format (little-endian numbers; a string as
    /// its UTF-8 length, 7 bits a byte, then its bytes), straight from the buffer.
    /// </summary>
    public ref struct Reader(ReadOnlySpan<byte> buffer, int position)
    {
        private readonly ReadOnlySpan<byte> _buffer = buffer;
        private int _position = position;

        public Change Next()
        {
            var salesMark = Int64();
            var id = ProductId.Parse(Text());
            var after = Image(id);
            var before = _buffer[_position++] != 0 ? Image(id) : null;
            return new Change(id, before, after, salesMark);
        }

        private Product Image(ProductId id) => new()
        {
            Id = id,
            Name = Text(),
            Category = Text(),
            Stock = Int32(),
            Price = Money.FromTenThousandths(Int64()),
            LowStockThreshold = Int32() is var threshold and >= 0 ? threshold : null,
            Version = Int64(),
            UpdatedAt = new DateTimeOffset(Int64(), TimeSpan.Zero),
            StockCounted = _buffer[_position++] != 0,
        };

        private int Int32()
        {
            var value = BinaryPrimitives.ReadInt32LittleEndian(_buffer[_position..]);
            _position += sizeof(int);
            return value;
        }

        private long Int64()
        {
            var value = BinaryPrimitives.ReadInt64LittleEndian(_buffer[_position..]);
            _position += sizeof(long);
            return value;
        }

        private string Text()
        {
            var (length, shift) = (0, 0);
            byte part;
            do
            {
                part = _buffer[_position++];
                length |= (part & 0x7F) << shift;
                shift += 7;
            }
            while ((part & 0x80) != 0);

            var text = Encoding.UTF8.GetString(_buffer.Slice(_position, length));
            _position += length;
            return text;
        }
    }
}
