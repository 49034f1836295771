-- Durable deliveries: one row per message per channel, sent through the work queue (queue "deliveries").

-- The product's category when the alert was raised, for channels that filter by category.
ALTER TABLE alerts ADD COLUMN category TEXT;

CREATE TABLE deliveries (
    delivery_id     TEXT    NOT NULL PRIMARY KEY,
    channel         TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    text            TEXT    NOT NULL,
    link            TEXT,
    created_at      TEXT    NOT NULL,
    -- pending, delivered or dead (given up after MaxAge; its message is in the dead-letter queue).
    status          TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TEXT,
    last_error      TEXT,
    delivered_at    TEXT
) WITHOUT ROWID;

-- Messages that are not about stored alerts (a report made, an alarm), recorded by any process; serve plans them into
-- deliveries for its channels. The key makes announcing twice announce once.
CREATE TABLE announcements (
    announcement_id INTEGER PRIMARY KEY,
    announce_key    TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL,
    topic           TEXT,
    subject         TEXT    NOT NULL,
    text            TEXT    NOT NULL,
    link            TEXT,
    created_at      TEXT    NOT NULL
);

-- The alerts each delivery tells of: one for an alert, many for an import's digest.
CREATE TABLE delivery_alerts (
    alert_id    INTEGER NOT NULL,
    delivery_id TEXT    NOT NULL,
    PRIMARY KEY (alert_id, delivery_id)
) WITHOUT ROWID;

-- serve plans alerts into deliveries after a checkpoint on alert ids (consumer "deliveries"; announcements have theirs,
-- "announcements"). Alerts stored before this version were told of already, at most once, by the old notifier:
-- planning starts after them.
INSERT INTO stream_checkpoints (consumer, last_seq) SELECT 'deliveries', IFNULL(MAX(alert_id), 0) FROM alerts;
