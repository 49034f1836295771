-- Leaner change records, so that a write (and above all a large import) costs little more than the product row.
--
-- * A change stores only its old image. Its new image is the next change's old image, or the product's row while
--   no change follows (SqliteChangeStream resolves it): each state of a product is stored once instead of twice.
--   Rows written before this migration keep their stored new image, which is used as it is.
-- * The per-product sequence (and its unique index) goes: the global seq orders a product's changes as well.
--   changes_by_product finds a product's changes, for its history and for the next change.
-- * The kind's CHECK is spelled with OR (see below).
-- * products_by_category goes: every product write paid for it, while the one query that filters by category reads
--   a page of the catalogue (sorting by name, stock or price has no index either; docs/decisions/0010).

DROP TRIGGER products_change_insert;
DROP TRIGGER products_change_update;
DROP TRIGGER products_change_delete;
DROP INDEX products_by_category;

CREATE TABLE changes_lean (
    seq         INTEGER PRIMARY KEY,
    product_id  TEXT    NOT NULL,
    -- Spelled with OR: SQLite evaluates a CHECK's IN list by building a lookup table for every row (measured: it
    -- doubled the cost of appending a change).
    kind        TEXT    NOT NULL CHECK (kind = 'INSERT' OR kind = 'MODIFY' OR kind = 'REMOVE'),
    old_image   TEXT,
    -- Only in rows written before migration 8; NULL since (see above).
    new_image   TEXT,
    changed_at  TEXT    NOT NULL,
    cause       TEXT    NOT NULL,
    -- The last sales row when the change was written: the forecast reads the sales "as of" the change, so
    -- processing a change late (or again) decides the same thing.
    sales_mark  INTEGER NOT NULL
);

INSERT INTO changes_lean (seq, product_id, kind, old_image, new_image, changed_at, cause, sales_mark)
SELECT seq, product_id, kind, old_image, new_image, changed_at, cause, sales_mark FROM changes ORDER BY seq;

DROP TABLE changes;
ALTER TABLE changes_lean RENAME TO changes;

CREATE INDEX changes_by_product ON changes (product_id, seq);

-- One row per product write, appended by the triggers below in the writing transaction, so no write path can
-- forget it. sw_change_time() and sw_change_cause() are supplied by the writing connection; a write without them
-- fails instead of producing an unstamped change.
CREATE TRIGGER products_change_insert AFTER INSERT ON products
BEGIN
    INSERT INTO changes (product_id, kind, changed_at, cause, sales_mark)
    VALUES (NEW.product_id, 'INSERT', sw_change_time(), sw_change_cause(), (SELECT IFNULL(MAX(rowid), 0) FROM sales));
END;

CREATE TRIGGER products_change_update AFTER UPDATE ON products
BEGIN
    INSERT INTO changes (product_id, kind, old_image, changed_at, cause, sales_mark)
    VALUES (
        NEW.product_id,
        'MODIFY',
        json_object('product_id', OLD.product_id, 'product_name', OLD.product_name,
                    'product_category', OLD.product_category, 'stock_count', OLD.stock_count,
                    'product_price_e4', OLD.product_price_e4, 'low_stock_threshold', OLD.low_stock_threshold,
                    'version', OLD.version, 'updated_at', OLD.updated_at),
        sw_change_time(),
        sw_change_cause(),
        (SELECT IFNULL(MAX(rowid), 0) FROM sales));
END;

CREATE TRIGGER products_change_delete AFTER DELETE ON products
BEGIN
    INSERT INTO changes (product_id, kind, old_image, changed_at, cause, sales_mark)
    VALUES (
        OLD.product_id,
        'REMOVE',
        json_object('product_id', OLD.product_id, 'product_name', OLD.product_name,
                    'product_category', OLD.product_category, 'stock_count', OLD.stock_count,
                    'product_price_e4', OLD.product_price_e4, 'low_stock_threshold', OLD.low_stock_threshold,
                    'version', OLD.version, 'updated_at', OLD.updated_at),
        sw_change_time(),
        sw_change_cause(),
        (SELECT IFNULL(MAX(rowid), 0) FROM sales));
END;
