-- The import ledger: every import, queued or run from the CLI, and what it did.

CREATE TABLE imports (
    import_id   TEXT NOT NULL PRIMARY KEY,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    source      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    finished_at TEXT,
    -- The summary as JSON (counts, first errors and warnings, new products) once done; the reason once failed.
    summary     TEXT,
    error       TEXT
) WITHOUT ROWID;
