namespace StockWatch.Testing;

/// <summary>The repository the tests run from.</summary>
public static class Repository
{
    /// <summary>The repository's root: the folder above the test assembly that holds StockWatch.slnx.</summary>
    public static string Root()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(folder.FullName, "StockWatch.slnx")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("StockWatch.slnx not found above the test assembly.");
    }
}
