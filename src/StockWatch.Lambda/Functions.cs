namespace StockWatch.Lambda;

/// <summary>A function's handler: the raw event in, the raw response out, as Lambda calls a <c>Stream</c> handler.</summary>
public delegate Task<Stream> Handler(Stream input);

/// <summary>The functions by their kebab-case names, as <c>invoke</c> and <c>local-run</c> name them.</summary>
public static class Functions
{
    public static IReadOnlyList<string> Names => [ProductChanges.Name, AlertCreated.Name, Import.Name, WeeklyReport.Name, ReminderSweep.Name];

    /// <summary>The function's name of a handler class (<c>ProductChanges</c> → <c>product-changes</c>), as the template's handlers name them.</summary>
    /// <exception cref="ArgumentException">No function has that class.</exception>
    public static string NameOf(string handlerClass) => handlerClass switch
    {
        nameof(ProductChanges) => ProductChanges.Name,
        nameof(AlertCreated) => AlertCreated.Name,
        nameof(Import) => Import.Name,
        nameof(WeeklyReport) => WeeklyReport.Name,
        nameof(ReminderSweep) => ReminderSweep.Name,
        _ => throw new ArgumentException($"There is no function of class {handlerClass}; the functions are {string.Join(", ", Names)}."),
    };

    /// <exception cref="ArgumentException">No function has that name; the message lists them.</exception>
    public static Handler Create(string name, IServiceProvider services) => name switch
    {
        ProductChanges.Name => new ProductChanges(services).Handler,
        AlertCreated.Name => new AlertCreated(services).Handler,
        Import.Name => new Import(services).Handler,
        WeeklyReport.Name => new WeeklyReport(services).Handler,
        ReminderSweep.Name => new ReminderSweep(services).Handler,
        _ => throw new ArgumentException($"There is no function {name}; the functions are {string.Join(", ", Names)}."),
    };
}
