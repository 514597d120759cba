-- archive.db as the last release without a schema version wrote it: the archive, the frontier and
-- the health log each created their own tables in it.
CREATE TABLE pages (
    url TEXT PRIMARY KEY,
    source_id TEXT NOT NULL,
    status INTEGER NOT NULL,
    fetched_at TEXT NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    body BLOB NOT NULL,
    processed INTEGER NOT NULL DEFAULT 0,  -- 1 once the process stage has stored, queued or skipped it
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    body_hash TEXT NOT NULL DEFAULT ''
);
CREATE TABLE revisions (
    url TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    content_type TEXT NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (url, fetched_at)
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
CREATE TABLE run_counts (run_id TEXT PRIMARY KEY, counts TEXT NOT NULL);
CREATE TABLE frontier (
    url TEXT PRIMARY KEY,
    source_id TEXT NOT NULL,
    kind TEXT NOT NULL,               -- 'article' or 'list'
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL
);
CREATE INDEX frontier_source ON frontier (source_id);
CREATE TABLE validators (url TEXT PRIMARY KEY, etag TEXT NOT NULL, last_modified TEXT NOT NULL);
CREATE TABLE discovered (source_id TEXT PRIMARY KEY, found TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE aliases (url TEXT PRIMARY KEY, source_id TEXT NOT NULL, canonical TEXT NOT NULL);
CREATE TABLE crawl_runs (
    source_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    stats TEXT NOT NULL,
    PRIMARY KEY (source_id, started_at)
);
