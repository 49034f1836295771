using StockWatch.Core.Catalog;
using StockWatch.Core.Sales;

namespace StockWatch.Core.Imports;

/// <summary>What an import may do inside its one write transaction.</summary>
public interface IImportSession
{
    Product? FindProduct(ProductId id);

    /// <summary>
    /// The stored products among <paramref name="ids"/> (a batch of rows, in file order), looked up together; the
    /// dictionary is the caller's to keep up to date as it writes.
    /// </summary>
    Dictionary<ProductId, Product> FindProducts(IReadOnlyList<ProductId> ids);

    /// <summary>
    /// Writes a product's new state with the next version; its change record (old image, sales mark) follows, one per
    /// write, as a single write's trigger appends it. Returns the state stored.
    /// </summary>
    Product WriteProduct(Product? before, Product after);

    /// <summary>The sale recorded under <paramref name="id"/>, or null.</summary>
    Sale? FindSale(SaleId id);

    /// <summary>True when some recorded sale's id starts with <paramref name="prefix"/>.</summary>
    bool HasSalesNamed(string prefix);

    /// <summary>
    /// Records the sale unless its id is recorded already (false then); the product changes written after it see it in
    /// their sales mark (the forecast reads the sales "as of" a change).
    /// </summary>
    bool TryInsertSale(Sale sale);

    /// <summary>Marks the import done with its summary, in the import's own transaction: it is done exactly when applied.</summary>
    void RecordDone(string importId, string source, ImportSummary summary, DateTimeOffset at);
}

/// <summary>The store side of imports: one transaction for the whole file, committed or (dry run) rolled back.</summary>
public interface IImportStore
{
    Task<T> ImportAsync<T>(ChangeStamp stamp, bool dryRun, Func<IImportSession, T> work);
}
