using StockWatch.Core.Catalog;

namespace StockWatch.Core.Imports;

/// <summary>
/// The product ids a file has named so far, to find repeats. Files exported by SKU name them in ascending order: those
/// are kept in order, so that a new one is told by a comparison with the last and a repeat found by halving, and only
/// the ids that come out of order go into a hash table (a million-entry table costs more than reading the rows). The
/// ascending ids are kept end to end in one array, not as a million strings that every garbage collection would
/// trace and copy while the import runs. <c>capacity</c> caps the array's characters (tests make it small).
/// </summary>
internal sealed class SeenIds(int capacity = int.MaxValue)
{
    private readonly List<int> _ends = [];
    private readonly List<int> _lines = [];
    private readonly Dictionary<ProductId, int> _others = [];
    private readonly int _capacity = Math.Min(capacity, Array.MaxLength);
    private char[] _chars = new char[Math.Min(4096, capacity)];

    /// <summary>The line that named <paramref name="id"/> first; null when this is the first time (it is recorded).</summary>
    public int? FirstOn(ProductId id, int line)
    {
        // An id after the last ascending one is new: every id in _others sorted at or before it when it came (until
        // the array is full, after which every id goes to _others and is looked up there).
        var value = id.Value.AsSpan();
        var count = _ends.Count;
        if (count == 0 || value.SequenceCompareTo(Ascending(count - 1)) > 0)
        {
            if (TryAppend(value, line))
            {
                return null;
            }
        }
        else
        {
            var (low, high) = (0, count - 1);
            while (low <= high)
            {
                var middle = low + ((high - low) / 2);
                var order = value.SequenceCompareTo(Ascending(middle));
                if (order == 0)
                {
                    return _lines[middle];
                }

                (low, high) = order < 0 ? (low, middle - 1) : (middle + 1, high);
            }
        }

        return _others.TryAdd(id, line) ? null : _others[id];
    }

    /// <summary>Every id met and the line that named it first: what a paused import carries on with (<c>FirstOn</c> each again).</summary>
    public IEnumerable<(string Id, int Line)> All()
    {
        for (var i = 0; i < _ends.Count; i++)
        {
            yield return (new string(Ascending(i)), _lines[i]);
        }

        foreach (var (id, line) in _others)
        {
            yield return (id.Value, line);
        }
    }

    /// <summary>The <paramref name="i"/>-th ascending id (ordinal order, as <see cref="string.CompareOrdinal(string, string)"/>).</summary>
    private ReadOnlySpan<char> Ascending(int i)
    {
        var start = i == 0 ? 0 : _ends[i - 1];
        return _chars.AsSpan(start, _ends[i] - start);
    }

    /// <summary>Keeps an ascending id; false when the array cannot grow to hold it (a billion characters of ids).</summary>
    private bool TryAppend(ReadOnlySpan<char> id, int line)
    {
        var start = _ends.Count == 0 ? 0 : _ends[^1];
        var end = (long)start + id.Length;
        if (end > _chars.Length)
        {
            if (end > _capacity)
            {
                return false;
            }

            Array.Resize(ref _chars, (int)Math.Min(_capacity, Math.Max(2L * _chars.Length, end)));
        }

        id.CopyTo(_chars.AsSpan(start));
        _ends.Add((int)end);
        _lines.Add(line);
        return true;
    }
}
