-- Reports: one row per report made; one report per type and period end.

CREATE TABLE reports (
    report_id       TEXT NOT NULL PRIMARY KEY,
    report_type     TEXT NOT NULL,
    report_date     TEXT NOT NULL,
    report_location TEXT NOT NULL,
    period_start    TEXT NOT NULL,
    period_end      TEXT NOT NULL,
    UNIQUE (report_type, period_end)
) WITHOUT ROWID;

-- The weekly report reads one week of sales: with everything it needs in the index, that is one range scan.
CREATE INDEX sales_for_reports ON sales (sale_date, product_id, quantity, current_price_e4);
DROP INDEX sales_by_date;
