using System.Text;
using StockWatch.Core.Imports;

namespace StockWatch.Core.Tests.Imports;

public sealed class CsvReaderTests
{
    private static List<(int Line, string[] Fields, string? Error)> ReadAll(byte[] bytes, char? delimiter = null, int maxField = 1 << 20)
    {
        using var reader = CsvReader.Open(new MemoryStream(bytes), delimiter, maxField);
        List<(int, string[], string?)> records = [];
        while (reader.Read())
        {
            records.Add((reader.RecordLine, [.. reader.Fields], reader.RecordError));
        }

        return records;
    }

    private static List<(int Line, string[] Fields, string? Error)> ReadAll(string text) => ReadAll(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Read_QuotedFieldsWithDelimitersQuotesAndLineBreaks_AreOneField()
    {
        var records = ReadAll("id,name\r\n1,\"HOOK, 1 HANGER ,MAGIC GARDEN\"\r\n2,\"say \"\"hi\"\"\"\r\n3,\"two\nlines\"\r\n4,last");

        records.Select(r => (r.Line, r.Fields[1])).Should().Equal(
            (1, "name"), (2, "HOOK, 1 HANGER ,MAGIC GARDEN"), (3, "say \"hi\""), (4, "two\nlines"), (6, "last"));
        records.Should().AllSatisfy(r => r.Error.Should().BeNull());
    }

    [Theory]
    [InlineData("a;b;c\n1;2;3", ';')]
    [InlineData("a\tb\tc\n1\t2\t3", '\t')]
    [InlineData("a,b,c\n1,2,3", ',')]
    [InlineData("\"x;y\",b,c\n1,2,3", ',')]
    public void Open_DetectsTheDelimiterFromTheHeader(string text, char expected)
    {
        using var reader = CsvReader.Open(new MemoryStream(Encoding.UTF8.GetBytes(text)));

        reader.Delimiter.Should().Be(expected);
        reader.Read().Should().BeTrue();
        reader.Fields.Should().HaveCount(3);
    }

    [Fact]
    public void Open_Utf8ByteOrderMark_IsNotPartOfTheFirstHeader()
    {
        var records = ReadAll([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes("product_id,name\nA,Café\n")]);

        records[0].Fields[0].Should().Be("product_id");
        records[1].Fields[1].Should().Be("Café");
    }

    [Fact]
    public void Open_NotUtf8_FallsBackToWindows1252()
    {
        // "£5 VOUCHER" and "Café" as Windows-1252 bytes: 0xA3 and 0xE9 are not valid UTF-8 on their own.
        var records = ReadAll([.. "id,name\nA,"u8, 0xA3, .. "5 VOUCHER\nB,Caf"u8, 0xE9, .. "\n"u8]);

        records.Select(r => r.Fields[1]).Should().Equal("name", "£5 VOUCHER", "Café");
        records.Should().AllSatisfy(r => r.Error.Should().BeNull());
    }

    [Fact]
    public void Read_InvalidUtf8AfterAValidStart_RejectsOnlyThatRecord()
    {
        var valid = Encoding.UTF8.GetBytes("id,name\n" + string.Concat(Enumerable.Range(0, 7000).Select(i => $"P{i},Name {i}\n")));
        var records = ReadAll([.. valid, .. "BAD,x"u8, 0xFF, 0xFE, .. "\nGOOD,ok\n"u8]);

        records.Single(r => r.Fields[0] == "BAD").Error.Should().Be("column 2 is not valid UTF-8");
        records.Single(r => r.Fields[0] == "GOOD").Error.Should().BeNull();
    }

    [Fact]
    public void Read_UnterminatedQuote_RejectsItsLineAndReadsTheNextLinesAgain()
    {
        var records = ReadAll("id,name\n1,ok\n2,\"never closed\n3,not lost\r\n4,\"quoted, fine\"\n");

        records.Select(r => r.Line).Should().Equal(1, 2, 3, 4, 5);
        records[2].Error.Should().Be("column 2 opens a quote that runs past the end of line 3 without making a whole record "
            + "(column 2 has text after its closing quote); the line is rejected and reading resumes on line 4");
        records[3].Should().Match<(int Line, string[] Fields, string? Error)>(r => r.Error == null && r.Fields[1] == "not lost");
        records[4].Should().Match<(int Line, string[] Fields, string? Error)>(r => r.Error == null && r.Fields[1] == "quoted, fine");
    }

    [Fact]
    public void Read_QuoteNeverClosedToTheEnd_RejectsItsLineOnly()
    {
        var records = ReadAll("id,name\n1,\"never closed\n2,last");

        records[1].Error.Should().Contain("never closed").And.Contain("reading resumes on line 3");
        records[2].Should().Match<(int Line, string[] Fields, string? Error)>(r => r.Line == 3 && r.Error == null && r.Fields[1] == "last");
    }

    [Fact]
    public void Read_SeparatorLine_IsHonouredAndSkipped()
    {
        var records = ReadAll("sep=;\r\nid;name\r\n1;a,b\r\n");

        records.Select(r => r.Fields).Should().BeEquivalentTo(new[] { new[] { "id", "name" }, new[] { "1", "a,b" } }, o => o.WithStrictOrdering());
        records[0].Line.Should().Be(2);
    }

    [Fact]
    public void Read_NulByte_RejectsTheRecordAndReadsOn()
    {
        var records = ReadAll("id,name\n1,a\0b\n2,fine\n");

        records[1].Error.Should().Be("column 2 contains a NUL character");
        records[2].Should().Match<(int Line, string[] Fields, string? Error)>(r => r.Error == null && r.Fields[1] == "fine");
    }

    [Fact]
    public void Read_FieldLongerThanTheLimit_IsRejectedWithoutKeepingItAndReadsOn()
    {
        var records = ReadAll(Encoding.UTF8.GetBytes($"id,name\n1,{new string('x', 10 * 1024 * 1024)}\n2,fine\n"), maxField: 1 << 20);

        records[1].Error.Should().Be("column 2 is longer than 1,048,576 characters");
        records[1].Fields[1].Length.Should().Be(1 << 20, "the rest is dropped as it is read");
        records[2].Fields.Should().Equal("2", "fine");
    }

    [Fact]
    public void Read_TextAfterAClosingQuote_IsAnErrorAndTheNextLineIsFine()
    {
        var records = ReadAll("id,name\n1,\"a\"b,c\n2,fine\n");

        records[1].Error.Should().Be("column 2 has text after its closing quote");
        records[2].Fields.Should().Equal("2", "fine");
    }

    [Fact]
    public void Read_BlankLinesAndMixedLineEndings_AreSkippedAndCounted()
    {
        var records = ReadAll("id\r\n\r\n1\n\n2\r3");

        records.Select(r => (r.Line, r.Fields[0])).Should().Equal((1, "id"), (3, "1"), (5, "2"), (6, "3"));
    }

    [Fact]
    public void Read_EmptyFile_HasNoRecords() => ReadAll("").Should().BeEmpty();

    [Fact]
    public void Read_ManyRecordsOfEveryShapeAcrossBufferEnds_ReadsBackWhatWasWritten()
    {
        // Plain fields are read straight from the buffer, any other by the general path: generated records of every
        // shape, some longer than the reader's 64 KiB buffer, so that fields and line ends fall on its edges.
        var random = new Random(7);
        string[] shapes = ["plain", "", "with space", "Ünïcödé 日本", "a,b", "say \"hi\"", "two\nlines", "cr\rhere", "x"];
        List<string[]> written = [];
        var text = new StringBuilder();
        for (var i = 0; i < 3_000; i++)
        {
            var fields = Enumerable.Range(0, random.Next(2, 6)).Select(_ => random.Next(40) == 0
                ? new string((char)('a' + random.Next(26)), random.Next(1, 70_000))
                : shapes[random.Next(shapes.Length)] + (random.Next(3) == 0 ? random.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture) : "")).ToArray();
            written.Add(fields);
            text.AppendJoin(',', fields.Select(f => f.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{f.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : f))
                .Append(random.Next(2) == 0 ? "\r\n" : "\n");
        }

        var read = ReadAll(text.ToString());

        read.Should().HaveCount(written.Count);
        read.Should().OnlyContain(record => record.Error == null);
        for (var i = 0; i < written.Count; i++)
        {
            read[i].Fields.Should().Equal(written[i], $"record {i + 1} reads back as written");
        }
    }

    /// <summary>
    /// After each record the reader's position, opened again there, reads the rest as the first reader did: line
    /// breaks of every kind, a cell over lines, a broken quote, a byte order mark, UTF-8 and Windows-1252 text.
    /// </summary>
    [Theory]
    [InlineData("\uFEFFid,name\r\n1,caf\u00e9\r\n2,\"two\r\nlines\"\n3,lone\rcr\r\n\r\n4,\"broken,x\n5,after\n6,last", 65001)]
    [InlineData("id,name\n1,caf\u00e9 \u00a3\n2,\"two\nlines\"\r3,x\n4,y", 1252)]
    public void Position_AfterEachRecord_IsWhereAReaderOpenedThereReadsTheRestAlike(string text, int codePage)
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var bytes = codePage == 65001 ? new UTF8Encoding(false).GetBytes(text) : Encoding.GetEncoding(codePage).GetBytes(text);
        var all = ReadAll(bytes);
        using var reader = CsvReader.Open(new MemoryStream(bytes));
        reader.Read();
        reader.ExpectedFields = 2;
        for (var done = 1; done < all.Count; done++)
        {
            var position = reader.Position;
            position.Should().NotBeNull();
            using var rest = CsvReader.Open(new MemoryStream(bytes), reader.Delimiter, from: position);
            rest.ExpectedFields = 2;
            List<(int, string[], string?)> records = [];
            while (rest.Read())
            {
                records.Add((rest.RecordLine, [.. rest.Fields], rest.RecordError));
            }

            records.Select(r => $"{r.Item1}|{string.Join("|", r.Item2)}|{r.Item3}").Should()
                .Equal(all.Skip(done).Select(r => $"{r.Line}|{string.Join("|", r.Fields)}|{r.Error}"), $"resumed after record {done}");
            reader.Read().Should().BeTrue();
        }
    }
}
