-- Products, sales and the change stream.
-- Money is stored in ten-thousandths (INTEGER): exact, and summable in SQL.
-- Times are fixed-width ISO-8601 UTC text, so text order is time order.

CREATE TABLE products (
    product_id          TEXT    NOT NULL PRIMARY KEY,
    product_name        TEXT    NOT NULL,
    product_category    TEXT    NOT NULL,
    stock_count         INTEGER NOT NULL CHECK (stock_count >= 0),
    product_price_e4    INTEGER NOT NULL CHECK (product_price_e4 >= 0),
    low_stock_threshold INTEGER CHECK (low_stock_threshold >= 0),
    version             INTEGER NOT NULL,
    updated_at          TEXT    NOT NULL
) WITHOUT ROWID;

CREATE INDEX products_by_category ON products (product_category, product_id);

CREATE TABLE sales (
    sale_id          TEXT    NOT NULL UNIQUE,
    product_id       TEXT    NOT NULL,
    sale_date        TEXT    NOT NULL,
    quantity         INTEGER NOT NULL CHECK (quantity <> 0),
    current_price_e4 INTEGER NOT NULL CHECK (current_price_e4 >= 0),
    stock_after      INTEGER
);

CREATE INDEX sales_by_product_date ON sales (product_id, sale_date);
CREATE INDEX sales_by_date ON sales (sale_date);

-- One row per product write, appended by the triggers below in the writing transaction, so no write path can
-- forget it. sw_change_time() and sw_change_cause() are supplied by the writing connection; a write without them
-- fails instead of producing an unstamped change.
-- seq is the rowid without AUTOINCREMENT (which costs a page write per commit): change records are never deleted,
-- so it only grows.
CREATE TABLE changes (
    seq         INTEGER PRIMARY KEY,
    product_id  TEXT    NOT NULL,
    product_seq INTEGER NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('INSERT', 'MODIFY', 'REMOVE')),
    old_image   TEXT,
    new_image   TEXT,
    changed_at  TEXT    NOT NULL,
    cause       TEXT    NOT NULL,
    -- The last sales row when the change was written: the forecast reads the sales "as of" the change, so
    -- processing a change late (or again) decides the same thing.
    sales_mark  INTEGER NOT NULL,
    UNIQUE (product_id, product_seq)
);

CREATE TABLE stream_checkpoints (
    consumer TEXT    NOT NULL PRIMARY KEY,
    last_seq INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER products_change_insert AFTER INSERT ON products
BEGIN
    INSERT INTO changes (product_id, product_seq, kind, old_image, new_image, changed_at, cause, sales_mark)
    VALUES (
        NEW.product_id,
        (SELECT IFNULL(MAX(product_seq), 0) + 1 FROM changes WHERE product_id = NEW.product_id),
        'INSERT',
        NULL,
        json_object('product_id', NEW.product_id, 'product_name', NEW.product_name,
                    'product_category', NEW.product_category, 'stock_count', NEW.stock_count,
                    'product_price_e4', NEW.product_price_e4, 'low_stock_threshold', NEW.low_stock_threshold,
                    'version', NEW.version, 'updated_at', NEW.updated_at),
        sw_change_time(),
        sw_change_cause(),
        (SELECT IFNULL(MAX(rowid), 0) FROM sales));
END;

CREATE TRIGGER products_change_update AFTER UPDATE ON products
BEGIN
    INSERT INTO changes (product_id, product_seq, kind, old_image, new_image, changed_at, cause, sales_mark)
    VALUES (
        NEW.product_id,
        (SELECT IFNULL(MAX(product_seq), 0) + 1 FROM changes WHERE product_id = NEW.product_id),
        'MODIFY',
        json_object('product_id', OLD.product_id, 'product_name', OLD.product_name,
                    'product_category', OLD.product_category, 'stock_count', OLD.stock_count,
                    'product_price_e4', OLD.product_price_e4, 'low_stock_threshold', OLD.low_stock_threshold,
                    'version', OLD.version, 'updated_at', OLD.updated_at),
        json_object('product_id', NEW.product_id, 'product_name', NEW.product_name,
                    'product_category', NEW.product_category, 'stock_count', NEW.stock_count,
                    'product_price_e4', NEW.product_price_e4, 'low_stock_threshold', NEW.low_stock_threshold,
                    'version', NEW.version, 'updated_at', NEW.updated_at),
        sw_change_time(),
        sw_change_cause(),
        (SELECT IFNULL(MAX(rowid), 0) FROM sales));
END;

CREATE TRIGGER products_change_delete AFTER DELETE ON products
BEGIN
    INSERT INTO changes (product_id, product_seq, kind, old_image, new_image, changed_at, cause, sales_mark)
    VALUES (
        OLD.product_id,
        (SELECT IFNULL(MAX(product_seq), 0) + 1 FROM changes WHERE product_id = OLD.product_id),
        'REMOVE',
        json_object('product_id', OLD.product_id, 'product_name', OLD.product_name,
                    'product_category', OLD.product_category, 'stock_count', OLD.stock_count,
                    'product_price_e4', OLD.product_price_e4, 'low_stock_threshold', OLD.low_stock_threshold,
                    'version', OLD.version, 'updated_at', OLD.updated_at),
        NULL,
        sw_change_time(),
        sw_change_cause(),
        (SELECT IFNULL(MAX(rowid), 0) FROM sales));
END;
