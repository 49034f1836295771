-- An import's change records name their time and cause once, in change_stamps, instead of on every row: a million-product
-- import wrote the same 56 bytes of time and cause a million times, two fifths of its change log (docs/decisions/0010).
--
-- * changes.stamp points at the import's stamp; its changed_at and cause are then NULL. A single write (the triggers)
--   still stores its own time and cause on its row: one write, one row, nothing to look up.
-- * change_log is how every reader reads the changes: each with its time and cause, wherever they are stored.
-- * The change triggers (on products, migration 8) stay as they are: they name changes, which is the rebuilt table once
--   it is renamed. The rename is made in legacy mode, which does not check the triggers while the table they name is
--   gone (between the DROP and the RENAME).

CREATE TABLE change_stamps (
    stamp      INTEGER PRIMARY KEY,
    changed_at TEXT    NOT NULL,
    cause      TEXT    NOT NULL
);

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
PRAGMA legacy_alter_table = ON;
ALTER TABLE changes_stamped RENAME TO changes;
PRAGMA legacy_alter_table = OFF;

CREATE INDEX changes_by_product ON changes (product_id, seq);

CREATE VIEW change_log AS
SELECT c.seq, c.product_id, c.kind, c.old_image, c.new_image,
       IFNULL(c.changed_at, s.changed_at) AS changed_at, IFNULL(c.cause, s.cause) AS cause, c.sales_mark
FROM changes c LEFT JOIN change_stamps s ON s.stamp = c.stamp;
