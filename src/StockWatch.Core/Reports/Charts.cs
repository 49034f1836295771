using System.Globalization;
using System.Text;

namespace StockWatch.Core.Reports;

/// <summary>Small inline SVG charts for the HTML report: no script, no external resource, every label encoded.</summary>
internal static class Charts
{
    private const int Width = 720;
    private const string Bar = "#3b6fd8";
    private const string Negative = "#b42318";
    private const string Line = "#b42318";

    /// <summary>Vertical columns, one per label (days).</summary>
    public static string Columns(string title, IReadOnlyList<(string Label, decimal Value)> points)
    {
        const int height = 220, top = 16, bottom = 36, left = 8;
        var max = Math.Max(1, points.Count == 0 ? 1 : points.Max(p => Math.Abs(p.Value)));
        var slot = (Width - left * 2) / (double)Math.Max(1, points.Count);
        var svg = Open(title, Width, height);
        for (var i = 0; i < points.Count; i++)
        {
            var (label, value) = points[i];
            var h = (double)(Math.Abs(value) / max) * (height - top - bottom);
            var x = left + i * slot + slot * 0.15;
            svg.Append(F($"<rect x=\"{x:0.#}\" y=\"{height - bottom - h:0.#}\" width=\"{slot * 0.7:0.#}\" height=\"{Math.Max(h, 1):0.#}\" fill=\"{(value < 0 ? Negative : Bar)}\"><title>{E(label)}: {E(ReportFormats.N(value))}</title></rect>"))
                .Append(F($"<text x=\"{x + slot * 0.35:0.#}\" y=\"{height - bottom - h - 4:0.#}\" font-size=\"11\" text-anchor=\"middle\">{E(ReportFormats.N(value))}</text>"))
                .Append(F($"<text x=\"{x + slot * 0.35:0.#}\" y=\"{height - 14}\" font-size=\"12\" text-anchor=\"middle\">{E(label)}</text>"));
        }

        return svg.Append("</svg>\n").ToString();
    }

    /// <summary>Horizontal bars, one row per label (products, categories).</summary>
    public static string Bars(string title, IReadOnlyList<(string Label, decimal Value)> rows)
    {
        const int row = 24, labelWidth = 260, valueWidth = 90;
        var height = Math.Max(1, rows.Count) * row + 8;
        var max = Math.Max(1, rows.Count == 0 ? 1 : rows.Max(r => Math.Abs(r.Value)));
        var svg = Open(title, Width, height);
        for (var i = 0; i < rows.Count; i++)
        {
            var (label, value) = rows[i];
            var w = (double)(Math.Abs(value) / max) * (Width - labelWidth - valueWidth);
            var y = 4 + i * row;
            svg.Append(F($"<text x=\"{labelWidth - 6}\" y=\"{y + 16}\" font-size=\"12\" text-anchor=\"end\">{E(Shorten(label))}</text>"))
                .Append(F($"<rect x=\"{labelWidth}\" y=\"{y + 4}\" width=\"{Math.Max(w, 1):0.#}\" height=\"{row - 8}\" fill=\"{(value < 0 ? Negative : Bar)}\"><title>{E(label)}: {E(ReportFormats.N(value))}</title></rect>"))
                .Append(F($"<text x=\"{labelWidth + w + 6:0.#}\" y=\"{y + 16}\" font-size=\"12\">{E(ReportFormats.N(value))}</text>"));
        }

        return svg.Append("</svg>\n").ToString();
    }

    /// <summary>Stock as a bar and the threshold as a red mark, one row per product.</summary>
    public static string StockAgainstThreshold(string title, IReadOnlyList<(string Label, int Stock, int Threshold)> rows)
    {
        const int row = 24, labelWidth = 260, valueWidth = 110;
        var height = Math.Max(1, rows.Count) * row + 8;
        var max = Math.Max(1, rows.Count == 0 ? 1 : rows.Max(r => Math.Max(r.Stock, r.Threshold)));
        var scale = (Width - labelWidth - valueWidth) / (double)max;
        var svg = Open(title, Width, height);
        for (var i = 0; i < rows.Count; i++)
        {
            var (label, stock, threshold) = rows[i];
            var y = 4 + i * row;
            var mark = labelWidth + threshold * scale;
            svg.Append(F($"<text x=\"{labelWidth - 6}\" y=\"{y + 16}\" font-size=\"12\" text-anchor=\"end\">{E(Shorten(label))}</text>"))
                .Append(F($"<rect x=\"{labelWidth}\" y=\"{y + 4}\" width=\"{Math.Max(stock * scale, 1):0.#}\" height=\"{row - 8}\" fill=\"{(stock == 0 ? Negative : Bar)}\"><title>{E(label)}: {stock} in stock, threshold {threshold}</title></rect>"))
                .Append(F($"<line x1=\"{mark:0.#}\" x2=\"{mark:0.#}\" y1=\"{y + 1}\" y2=\"{y + row - 1}\" stroke=\"{Line}\" stroke-width=\"2\"/>"))
                .Append(F($"<text x=\"{Math.Max(mark, labelWidth + stock * scale) + 6:0.#}\" y=\"{y + 16}\" font-size=\"12\">{stock} / {threshold}</text>"));
        }

        return svg.Append("</svg>\n").ToString();
    }

    private static StringBuilder Open(string title, int width, int height) =>
        new StringBuilder().Append(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{E(title)}\" font-family=\"system-ui,sans-serif\" fill=\"#1d2433\"><title>{E(title)}</title>"));

    /// <summary>A label that fits the 254 px left of the bars, wide capitals and all (at most about 8.4 px a character at 12 px).</summary>
    private static string Shorten(string text) => text.Length <= 30 ? text : string.Concat(text.AsSpan(0, 29), "…");

    private static string E(string text) => ReportFormats.E(text);

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
