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
/// The images are held serialized, in byte arrays without object references, not as objects: a million products held
/// as objects made each of the import's garbage collections trace them (measured: the import took a third longer).
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

    /// <summary>Lets <paramref name="run"/> go (its changes are read back) if it is the one held.</summary>
    public void Forget(Run run)
    {
        lock (_lock)
        {
            if (ReferenceEquals(_run, run))
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
    /// <remarks>
    /// Written straight into chunks of <see cref="ChunkBytes"/> (a change never straddles two), not into one growing
    /// array: doubling it copied the held bytes again at every step, and each new array's pages were faulted in while
    /// the import wrote (measured: `stockwatch import` of a million new products ran 1 to 2 s faster without it).
    /// </remarks>
    public sealed class Writer(long first, ChangeStamp stamp)
    {
        /// <summary>The size of a chunk of held changes, in bytes (a change larger than that gets a chunk of its own).</summary>
        public const int ChunkBytes = 4 << 20;

        private readonly List<byte[]> _chunks = [];
        private readonly List<long> _offsets = [];
        private long _bytes;
        private int _position;

        /// <summary>
        /// Adds the next change, unless <see cref="MaxChanges"/> or <see cref="MaxBytes"/> are held (then it and the
        /// later ones are read back).
        /// </summary>
        public void Add(Product? before, Product after, long salesMark)
        {
            // Both only grow: once either is reached, no later change is held, so those held stay consecutive.
            if (_offsets.Count == MaxChanges || _bytes >= MaxBytes)
            {
                return;
            }

            var most = sizeof(long) + MaxText(after.Id.Value) + MaxImage(after) + 1 + (before is null ? 0 : MaxImage(before));
            if (_chunks.Count == 0 || _position + most > _chunks[^1].Length)
            {
                _chunks.Add(GC.AllocateUninitializedArray<byte>(Math.Max(ChunkBytes, most)));
                _position = 0;
            }

            var start = _position;
            _offsets.Add(((long)(_chunks.Count - 1) << 32) | (uint)start);
            var chunk = _chunks[^1].AsSpan();
            Int64(chunk, salesMark);
            Text(chunk, after.Id.Value);
            Image(chunk, after);
            chunk[_position++] = before is null ? (byte)0 : (byte)1;
            if (before is not null)
            {
                Image(chunk, before);
            }

            _bytes += _position - start;
        }

        /// <summary>The changes written, to hand over once committed.</summary>
        public Run Done() => new(first, stamp, [.. _chunks], [.. _offsets]);

        private static int MaxImage(Product product) =>
            MaxText(product.Name) + MaxText(product.Category) + sizeof(int) + sizeof(long) + sizeof(int) + sizeof(long) + sizeof(long) + 1;

        private static int MaxText(string text) => 5 + Encoding.UTF8.GetMaxByteCount(text.Length);

        private void Image(Span<byte> chunk, Product product)
        {
            Text(chunk, product.Name);
            Text(chunk, product.Category);
            Int32(chunk, product.Stock);
            Int64(chunk, product.Price.TenThousandths);
            Int32(chunk, product.LowStockThreshold ?? -1);
            Int64(chunk, product.Version);
            Int64(chunk, product.UpdatedAt.UtcTicks);
            chunk[_position++] = product.StockCounted ? (byte)1 : (byte)0;
        }

        private void Int32(Span<byte> chunk, int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(chunk[_position..], value);
            _position += sizeof(int);
        }

        private void Int64(Span<byte> chunk, long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(chunk[_position..], value);
            _position += sizeof(long);
        }

        /// <summary>A string as its UTF-8 length, 7 bits a byte (low bits first), then its bytes.</summary>
        private void Text(Span<byte> chunk, string text)
        {
            var length = Encoding.UTF8.GetByteCount(text);
            for (var rest = (uint)length; ; rest >>= 7)
            {
                chunk[_position++] = (byte)(rest < 0x80 ? rest : (rest & 0x7F) | 0x80);
                if (rest < 0x80)
                {
                    break;
                }
            }

            _position += Encoding.UTF8.GetBytes(text, chunk[_position..]);
        }
    }

    /// <summary>Consecutive changes of one import, the first at sequence <see cref="First"/>, all with the import's time and cause.</summary>
    /// <param name="offsets">Where each change begins: its chunk in the high 32 bits, its position in the low ones.</param>
    public sealed class Run(long first, ChangeStamp stamp, byte[][] chunks, long[] offsets)
    {
        public long First { get; } = first;
        public long Last => First + offsets.Length - 1;
        public ChangeStamp Stamp { get; } = stamp;

        /// <summary>
        /// The held changes from <paramref name="first"/> on, in order, into <paramref name="changes"/> (as many as it
        /// holds). Safe on any thread: a run never changes.
        /// </summary>
        public void Read(long first, Span<Change> changes)
        {
            // A batch's products share a few categories: each is made a string once (a string fewer a product).
            var categories = new Dictionary<string, string>().GetAlternateLookup<ReadOnlySpan<char>>();
            for (var i = 0; i < changes.Length; i++)
            {
                var offset = offsets[first - First + i];
                changes[i] = new Reader(chunks[offset >> 32], (int)offset, categories).Next();
            }
        }
    }

    /// <summary>
    /// Reads a held change as <see cref="Writer"/> wrote it (little-endian numbers; a string as its UTF-8 length, 7 bits
    /// a byte, then its bytes), straight from its chunk.
    /// </summary>
    private ref struct Reader(ReadOnlySpan<byte> buffer, int position, Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> categories)
    {
        /// <summary>UTF-8 bytes of a category shared at most; one longer (many bytes a character) is made a string each time.</summary>
        private const int SharedCategory = 128;

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
            Category = Category(),
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

        private string Text() => Encoding.UTF8.GetString(Bytes());

        /// <summary>A category: the string of the batch's earlier products that have it, if any.</summary>
        private string Category()
        {
            var bytes = Bytes();
            if (bytes.Length > SharedCategory)
            {
                return Encoding.UTF8.GetString(bytes);
            }

            Span<char> text = stackalloc char[SharedCategory];
            text = text[..Encoding.UTF8.GetChars(bytes, text)];
            if (!categories.TryGetValue(text, out var category))
            {
                category = text.ToString();
                categories[text] = category;
            }

            return category;
        }

        /// <summary>A string's UTF-8 bytes (after its length, 7 bits a byte).</summary>
        private ReadOnlySpan<byte> Bytes()
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

            var bytes = _buffer.Slice(_position, length);
            _position += length;
            return bytes;
        }
    }
}
