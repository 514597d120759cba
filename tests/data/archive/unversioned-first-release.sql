-- archive.db as the first release wrote it (no schema version): pages without the columns added later.
CREATE TABLE pages (
    url TEXT PRIMARY KEY,
    source_id TEXT NOT NULL,
    status INTEGER NOT NULL,
    fetched_at TEXT NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    body BLOB NOT NULL
);
CREATE TABLE skips (
    url TEXT NOT NULL,
    source_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (url, stage)
);
CREATE INDEX pages_source ON pages (source_id);
