"""The archive database (archive.db): its one schema, and the migrations that bring older files to it.

Every table of the crawl state lives here — archived pages and their revisions, the stage log,
runs, the crawl frontier, validators, aliases, discovery results and crawl health — so the
classes that use them (RawArchive, Frontier, HealthLog) never create tables themselves.

The schema version is SQLite's `PRAGMA user_version`. Files written before it was kept have
version 0, whatever tables they hold: migration 1 brings any of them to the first versioned
schema. A later change appends a migration; none is ever edited once released.

The same machinery (migrate, open_db, StateFile) opens alerts.db, with that file's own migrations
(portalwatch/state/alerts.py). With a PostgreSQL URL instead of a file (PORTALWATCH_STATE_URL), both live
in that database, for several workers to share (portalwatch/state/postgres.py).
"""

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Self

from portalwatch.state.postgres import PgConnection, is_postgres, migrate_postgres

# Where a state database is: a SQLite file, or a PostgreSQL URL shared by several workers.
StateTarget = Path | str
Connection = sqlite3.Connection | PgConnection

# Version 1: every table as of the first versioned release. IF NOT EXISTS: an unversioned file
# may hold any subset of them, written by earlier releases.
_TABLES_V1 = """
CREATE TABLE IF NOT EXISTS pages (
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
CREATE INDEX IF NOT EXISTS pages_source ON pages (source_id);
-- Earlier versions of pages whose content changed (revision history).
CREATE TABLE IF NOT EXISTS revisions (
    url TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    content_type TEXT NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (url, fetched_at)
);
CREATE TABLE IF NOT EXISTS skips (
    url TEXT NOT NULL,
    source_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (url, stage)
);
CREATE TABLE IF NOT EXISTS run_counts (run_id TEXT PRIMARY KEY, counts TEXT NOT NULL);
-- The crawl frontier: found but not fetched yet.
CREATE TABLE IF NOT EXISTS frontier (
    url TEXT PRIMARY KEY,
    source_id TEXT NOT NULL,
    kind TEXT NOT NULL,               -- 'article' or 'list'
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS frontier_source ON frontier (source_id);
-- ETag / Last-Modified of feeds, sitemaps and list pages, sent back as conditional requests.
CREATE TABLE IF NOT EXISTS validators (url TEXT PRIMARY KEY, etag TEXT NOT NULL, last_modified TEXT NOT NULL);
-- What discovery found for a source given by its homepage alone.
CREATE TABLE IF NOT EXISTS discovered (source_id TEXT PRIMARY KEY, found TEXT NOT NULL, at TEXT NOT NULL);
-- Other spellings of an archived article (print views, session ids) that its rel=canonical revealed.
CREATE TABLE IF NOT EXISTS aliases (url TEXT PRIMARY KEY, source_id TEXT NOT NULL, canonical TEXT NOT NULL);
-- What each crawl of a source saw, and how healthy that looked.
CREATE TABLE IF NOT EXISTS crawl_runs (
    source_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    stats TEXT NOT NULL,
    PRIMARY KEY (source_id, started_at)
);
"""
# Columns the first release's pages table lacked, added by later unversioned releases.
_PAGE_COLUMNS_ADDED = {
    "processed": "INTEGER NOT NULL DEFAULT 0",
    "etag": "TEXT NOT NULL DEFAULT ''",
    "last_modified": "TEXT NOT NULL DEFAULT ''",
    "body_hash": "TEXT NOT NULL DEFAULT ''",
}


def _to_v1(db: sqlite3.Connection) -> None:
    """Any unversioned archive → version 1."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(pages)")}
    if columns:  # an existing pages table, perhaps from before some of its columns
        for name, spec in _PAGE_COLUMNS_ADDED.items():
            if name not in columns:
                db.execute(f"ALTER TABLE pages ADD COLUMN {name} {spec}")
    for statement in statements(_TABLES_V1):
        db.execute(statement)


def _to_v2(db: sqlite3.Connection) -> None:
    """Version 2: runs are recorded by portalwatch itself (flow, state, start, end, counts), so listing
    them needs no Prefect server. The counts of earlier runs move over; their flow and times were Prefect's."""
    for statement in statements("""
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            flow TEXT NOT NULL,
            state TEXT NOT NULL,        -- running, completed, failed, interrupted
            started_at TEXT NOT NULL,   -- ISO 8601 UTC; '' for runs recorded before version 2
            ended_at TEXT NOT NULL DEFAULT '',
            counts TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX runs_started ON runs (started_at);
        INSERT INTO runs (id, flow, state, started_at, counts) SELECT run_id, '', 'completed', '', counts
            FROM run_counts;
        DROP TABLE run_counts
    """):
        db.execute(statement)


def _to_v3(db: sqlite3.Connection) -> None:
    """Version 3: when each page was first archived, so recent articles are asked again on a decaying schedule
    (state/archive.py `recheck_due`); fetched_at is now the last time it was fetched or found unchanged. Pages
    archived before take their earliest known version's time."""
    for statement in statements("""
        ALTER TABLE pages ADD COLUMN first_fetched_at TEXT NOT NULL DEFAULT '';
        UPDATE pages SET first_fetched_at = coalesce(
            (SELECT min(fetched_at) FROM revisions WHERE revisions.url = pages.url), fetched_at);
        CREATE INDEX pages_first_fetched ON pages (source_id, first_fetched_at)
    """):
        db.execute(statement)


def _to_v4(db: sqlite3.Connection) -> None:
    """Version 4: each host's robots.txt, kept up to a day between crawls (state/robots.py). The body is
    text (robots.txt is UTF-8 by RFC 9309), so the statement reads the same in SQLite and PostgreSQL."""
    db.execute("""
        CREATE TABLE robots (
            url TEXT PRIMARY KEY,           -- scheme://host[:port]/robots.txt
            status INTEGER NOT NULL,        -- 200, or the 4xx that means no rules at all
            body TEXT NOT NULL,
            fetched_at TEXT NOT NULL,       -- ISO 8601 UTC; a 304 answer renews it
            etag TEXT NOT NULL DEFAULT '',
            last_modified TEXT NOT NULL DEFAULT ''
        )""")


def _to_v5(db: sqlite3.Connection) -> None:
    """Version 5: how each entry page (feed, sitemap, first list page) has served lately, so one that only
    repeats what another lists is asked less often (crawlers/entry_pace.py)."""
    for statement in statements("""
        CREATE TABLE entry_pace (
            url TEXT PRIMARY KEY,
            source_id TEXT NOT NULL,
            idle INTEGER NOT NULL,          -- crawls in a row with new articles in which it brought none of its own
            checked_at TEXT NOT NULL        -- ISO 8601 UTC: when it was last asked
        );
        CREATE INDEX entry_pace_source ON entry_pace (source_id)
    """):
        db.execute(statement)


Migration = Callable[[sqlite3.Connection], None]
# Migration i (from 1) brings version i-1 to version i. Append only. From version 4 on, a migration runs on
# PostgreSQL too (postgres.py upgrades a shared state with it): SQL both dialects read, no BLOB, no PRAGMA.
MIGRATIONS: list[Migration] = [_to_v1, _to_v2, _to_v3, _to_v4, _to_v5]
SCHEMA_VERSION = len(MIGRATIONS)


def statements(script: str) -> list[str]:
    """A script's statements, one by one (executescript would commit the migration's transaction)."""
    text = "\n".join(line.split("--", 1)[0] for line in script.splitlines())
    return [s.strip() for s in text.split(";") if s.strip()]


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection, migrations: list[Migration] = MIGRATIONS, name: str = "archive.db") -> int:
    """Apply the migrations the file has not had yet, in one transaction; return the version now.

    The version is read again under the write lock, so two processes opening one old file at
    once migrate it once.
    """
    latest = len(migrations)
    if schema_version(db) == latest:  # the usual case: a read, no lock, no write
        return latest
    db.execute("BEGIN IMMEDIATE")
    try:
        version = schema_version(db)
        if version > latest:
            raise RuntimeError(f"{name} có lược đồ phiên bản {version}, mới hơn phiên bản mà chương trình"
                               f" này hiểu ({latest}): hãy cập nhật portalwatch")
        for number in range(version + 1, latest + 1):
            migrations[number - 1](db)
        db.execute(f"PRAGMA user_version = {latest}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return latest


def open_db(target: StateTarget, read_only: bool = False, migrations: list[Migration] = MIGRATIONS,
            name: str = "archive") -> Connection:
    """A state database (the archive unless other migrations are given), migrated to its current schema.

    SQLite in WAL with synchronous=NORMAL: every commit survives a killed process. A read-only connection
    (for a reader beside the one writer) raises on any attempt to write.
    """
    if is_postgres(target):
        shared = PgConnection(str(target))
        migrate_postgres(shared, migrations, name)
        if read_only:
            shared.execute("SET default_transaction_read_only = on")
        return shared
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    migrate(db, migrations, path.name)
    if read_only:
        db.close()
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    return db


def upsert(table: str, columns: tuple[str, ...], key: str) -> str:
    """INSERT that replaces the row with the same key: in words both SQLite and PostgreSQL read."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key.split(", "))
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            f" ON CONFLICT ({key}) DO UPDATE SET {updates}")


def state_target(value: str) -> StateTarget:
    """A state location given as text (a command-line argument): a URL stays one, anything else is a file."""
    return value if is_postgres(value) else Path(value)


class StateFile:
    """A connection to a state database (the crawl state's by default), closed when a `with` block ends."""

    migrations: list[Migration] = MIGRATIONS  # another state file's schema, in a subclass
    schema = "archive"  # its name, where several share one PostgreSQL database

    def __init__(self, target: StateTarget, read_only: bool = False) -> None:
        self.db = open_db(target, read_only, self.migrations, self.schema)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
