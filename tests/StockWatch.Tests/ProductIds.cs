using System.Text;

namespace StockWatch.Tests;

/// <summary>
/// Product ids of every character class the spec allows (1–64 printable characters, no surrounding spaces): each ASCII
/// punctuation character inside and in front, slashes and dot runs, percent escapes as text, inner spaces, letters of
/// other scripts, combining marks, emoji and ZWJ sequences, the longest id; then ids drawn from all of them with a
/// fixed seed. The ids <c>.</c> and <c>..</c> are left out: no URL path can name them (RFC 3986 removes dot segments).
/// </summary>
public static class ProductIds
{
    private const string Punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private static readonly string[] Pieces =
        ["A", "z", "0", "9", " ", "/", ".", "..", "%", "%2F", "%25", "+", "?", "#", "&", "=", "\\", "é", "中", "Ω", "ש", "Ａ", "\u00A0", "e\u0301", "😀", "👩\u200D💻"];

    public static IReadOnlyList<string> All { get; } = Build();

    private static List<string> Build()
    {
        List<string> ids =
        [
            "85123A", "BANK CHARGES", "A  B", "A/B", "A%2FB", "A%252FB", "LENS%2F42", "0RJ9548SN-212/W0-54", "%41", "100%",
            "a/../b", "./x", "x/.", "A//B", "/", "//", "...", "A+B", "Crème brûlée", "中文", "שלום", "ＡＢ", "A\u00A0B", "e\u0301",
            "😀", "👩\u200D💻", new string('x', 64), string.Concat(Enumerable.Repeat("😀", 64)),
        ];
        foreach (var c in Punctuation)
        {
            ids.Add($"P{c}Q");
            ids.Add($"{c}P");
        }

        var random = new Random(16);
        while (ids.Count < 140)
        {
            var id = new StringBuilder();
            var length = random.Next(1, 12);
            for (var i = 0; i < length; i++)
            {
                id.Append(Pieces[random.Next(Pieces.Length)]);
            }

            var text = id.ToString().Trim();
            if (text is not ("" or "." or "..") && text.EnumerateRunes().Count() <= 64 && !char.IsWhiteSpace(text[^1]))
            {
                ids.Add(text);
            }
        }

        return [.. ids.Distinct(StringComparer.Ordinal)];
    }
}
