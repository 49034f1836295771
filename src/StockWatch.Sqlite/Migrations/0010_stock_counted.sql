-- Two changes for imports that write one change per row (docs/decisions/0012-imports-you-can-trust.md):
--
-- * products.stock_counted: 0 for a product created from sales history, whose stock nobody has counted yet. It raises
--   no stock alert and is not shown as out of stock until a stock level is first set. The change images carry it (an
--   image without it, written before, is of a counted product).
-- * The forecast reads a product's sales in its window at every change; the index holds their quantity, so that read
--   never visits the table (a sales import makes one change per row, each reading the window again).

ALTER TABLE products ADD COLUMN stock_counted INTEGER NOT NULL DEFAULT 1 CHECK (stock_counted = 0 OR stock_counted = 1);

CREATE INDEX sales_by_product_date_quantity ON sales (product_id, sale_date, quantity);
DROP INDEX sales_by_product_date;

DROP TRIGGER products_change_update;
DROP TRIGGER products_change_delete;

CREATE TRIGGER products_change_update AFTER UPDATE ON products
BEGIN
    INSERT INTO changes (product_id, kind, old_image, changed_at, cause, sales_mark)
    VALUES (
        NEW.product_id,
        'MODIFY',
        json_object('product_id', OLD.product_id, 'product_name', OLD.product_name,
                    'product_category', OLD.product_category, 'stock_count', OLD.stock_count,
                    'product_price_e4', OLD.product_price_e4, 'low_stock_threshold', OLD.low_stock_threshold,
                    'version', OLD.version, 'updated_at', OLD.updated_at, 'stock_counted', OLD.stock_counted),
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
                    'version', OLD.version, 'updated_at', OLD.updated_at, 'stock_counted', OLD.stock_counted),
        sw_change_time(),
        sw_change_cause(),
        (SELECT IFNULL(MAX(rowid), 0) FROM sales));
END;
