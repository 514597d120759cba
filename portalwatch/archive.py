"""Raw page archive and stage log (SQLite): what was fetched, and what was skipped and why.

The archive is always local, whichever article store is configured, so extraction can be
re-run from it without re-crawling.
"""

import sqlite3
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from portalwatch.models import RawPage, Skip

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,
    source_id TEXT NOT NULL,
    status INTEGER NOT NULL,
    fetched_at TEXT NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    body BLOB NOT NULL,
    processed INTEGER NOT NULL DEFAULT 0  -- 1 once the process stage has stored, queued or skipped it
);
CREATE TABLE IF NOT EXISTS skips (
    url TEXT NOT NULL,
    source_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (url, stage)
);
CREATE INDEX IF NOT EXISTS pages_source ON pages (source_id);
CREATE TABLE IF NOT EXISTS run_counts (run_id TEXT PRIMARY KEY, counts TEXT NOT NULL);
"""


class RawArchive:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(pages)")}
        if "processed" not in columns:  # archives written before incremental processing
            self.db.execute("ALTER TABLE pages ADD COLUMN processed INTEGER NOT NULL DEFAULT 0")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "RawArchive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save_page(self, page: RawPage) -> None:
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, 0)",
                (page.url, page.source_id, page.status, page.fetched_at.isoformat(), page.content_type,
                 zlib.compress(page.body)),
            )
            # A page fetched successfully is no longer a crawl failure.
            self.db.execute("DELETE FROM skips WHERE url = ? AND stage = 'crawl'", (page.url,))

    def fetched_urls(self, source_id: str) -> set[str]:
        rows = self.db.execute("SELECT url FROM pages WHERE source_id = ?", (source_id,))
        return {url for (url,) in rows}

    def pages(self, pending_only: bool = False) -> Iterator[RawPage]:
        """Archived pages; with pending_only, those not yet through the process stage."""
        sql = "SELECT url, source_id, status, fetched_at, content_type, body FROM pages"
        rows = self.db.execute(sql + (" WHERE processed = 0" if pending_only else "") + " ORDER BY url").fetchall()
        for url, src, status, fetched_at, ctype, body in rows:
            yield RawPage(url=url, source_id=src, status=status, fetched_at=datetime.fromisoformat(fetched_at),
                          content_type=ctype, body=zlib.decompress(body))

    def mark_processed(self, urls: list[str]) -> None:
        with self.db:
            self.db.executemany("UPDATE pages SET processed = 1 WHERE url = ?", [(u,) for u in urls])

    def add_run_counts(self, run_id: str, counts: str) -> None:
        """What one stage of a flow run did, appended to that run's line (shown by `portalwatch runs`)."""
        with self.db:
            self.db.execute("INSERT INTO run_counts VALUES (?, ?) ON CONFLICT (run_id) DO UPDATE"
                            " SET counts = counts || ' · ' || excluded.counts", (run_id, counts))

    def run_counts(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT run_id, counts FROM run_counts"))

    def record_skip(self, skip: Skip) -> None:
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO skips VALUES (?, ?, ?, ?, ?)",
                (skip.url, skip.source_id, skip.stage, skip.reason, skip.recorded_at.isoformat()),
            )

    def clear_skip(self, url: str, stage: str) -> None:
        with self.db:
            self.db.execute("DELETE FROM skips WHERE url = ? AND stage = ?", (url, stage))

    def skips(self, stage: str | None = None) -> list[Skip]:
        sql = "SELECT url, source_id, stage, reason, recorded_at FROM skips"
        rows = self.db.execute(sql + " WHERE stage = ? ORDER BY url", (stage,)) if stage else \
            self.db.execute(sql + " ORDER BY stage, url")
        return [Skip(url=u, source_id=s, stage=st, reason=r, recorded_at=datetime.fromisoformat(t))
                for u, s, st, r, t in rows]
