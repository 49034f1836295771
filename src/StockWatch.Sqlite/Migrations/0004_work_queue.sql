-- The durable work queue (SQS semantics): imports now, deliveries later.

CREATE TABLE queue_messages (
    message_id    TEXT    NOT NULL PRIMARY KEY,
    queue         TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    sent_at       TEXT    NOT NULL,
    visible_at    TEXT    NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    receipt       TEXT
) WITHOUT ROWID;

CREATE INDEX queue_messages_visible ON queue_messages (queue, visible_at, sent_at);
CREATE UNIQUE INDEX queue_messages_receipt ON queue_messages (receipt) WHERE receipt IS NOT NULL;
