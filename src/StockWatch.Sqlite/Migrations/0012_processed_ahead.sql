-- Fair scheduling of the change stream (docs/decisions/0017-batched-stream-processing.md): while a consumer drains a
-- backlog in order, it processes new single writes ahead of it, each with its product's earlier changes. A change
-- processed ahead of the checkpoint is recorded here, in the transaction that stores its alerts, so that the backlog
-- skips it; the row goes when the checkpoint passes it.

CREATE TABLE stream_ahead (
    consumer TEXT    NOT NULL,
    seq      INTEGER NOT NULL,
    PRIMARY KEY (consumer, seq)
) WITHOUT ROWID;
