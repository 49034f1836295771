namespace StockWatch.Testing;

/// <summary>The shared real data (<c>shared/realdata</c>, beside the repository).</summary>
public static class RealData
{
    public static string PathOf(string name)
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = System.IO.Path.Combine(folder.FullName, "shared", "realdata", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"shared/realdata/{name} was not found above {AppContext.BaseDirectory}.");
    }
}
