-- Alerts and what the alert rules remember per product.

-- alert_id is the rowid: alerts are never deleted, so ids only grow (no AUTOINCREMENT page write per commit).
CREATE TABLE alerts (
    alert_id   INTEGER PRIMARY KEY,
    product_id TEXT    NOT NULL,
    alert_time TEXT    NOT NULL,
    alert_type TEXT    NOT NULL,
    details    TEXT    NOT NULL,
    change_seq INTEGER,
    cause      TEXT,
    -- Replaying a change never stores a second alert of the same type.
    UNIQUE (change_seq, alert_type)
);

CREATE INDEX alerts_by_time ON alerts (alert_time);
CREATE INDEX alerts_by_product ON alerts (product_id, alert_time);

CREATE TABLE alert_state (
    product_id           TEXT    NOT NULL PRIMARY KEY,
    last_alert_time      TEXT,
    low_stock_alerted_at TEXT,
    stockout_episode     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
