-- An import's change records name their time and cause once, in change_stamps, instead of on every row: a million-product
-- import wrote the same 56 bytes of time and cause a million times, two fifths of its change log (docs/decisions/0010).
--
-- * changes.stamp points at the import's stamp; its changed_at and cause are then NULL. A single write (the triggers)
--   still stores its own time and cause on its row: one write, one row, nothing to look up.
-- * change_log is how every reader reads the changes: each with its time and cause, wherever they are stored.
-- * The triggers are dropped and created again, unchanged, since SQLite checks them against the rebuilt table.

CREATE TABLE change_stamps (
    stamp      INTEGER PRIMARY KEY,
    changed_at TEXT    NOT NULL,
    cause      TEXT    NOT NULL
);

DROP TRIGGER products_change_insert;
DROP TRIGGER products_change_update;
DROP TRIGGER products_change_delete;

CREATE TABLE changes_stamped (
    seq         INTEGER PRIMARY KEY,
    product_id  TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind = 'INSERT' OR kind = 'MODIFY' OR kind = 'REMOVE'),
    old_image   TEXT,
    -- Only in rows written before migration 8; NULL since (the new image follows from the next change or the product).
    new_image   TEXT,
    -- Either both of these (a single write's own) or a stamp (an import's), never both nor neither.
    changed_at  TEXT,
    cause       TEXT,
    stamp       INTEGER,
    -- The last sales row when the change was written: the forecast reads the sales "as of" the change, so
    -- processing a change late (or again) decides the same thing.
    sales_mark  INTEGER NOT NULL,
    CHECK ((stamp IS NULL AND changed_at IS NOT NULL AND cause IS NOT NULL) OR (stamp IS NOT NULL AND changed_at IS NULL AND cause IS NULL))
);

INSERT INTO changes_stamped (seq, product_id, kind, old_image, new_image, changed_at, cause, sales_mark)
SELECT seq, product_id, kind, old_image, new_image, changed_at, cause, sales_mark FROM changes ORDER BY seq;

DROP TABLE changes;
ALTER TABLE changes_stamped RENAME TO changes;

CREATE INDEX changes_by_product ON changes (product_id, seq);

CREATE VIEW change_log AS
SELECT c.seq, c.product_id, c.kind, c.old_image, c.new_image,
       IFNULL(c.changed_at, s.changed_at) AS changed_at, IFNULL(c.cause, s.cause) AS cause, c.sales_mark
FROM changes c LEFT JOIN change_stamps s ON s.stamp = c.stamp;

-- As in migration 8: one row per product write, appended in the writing transaction, so no write path can forget it.
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
