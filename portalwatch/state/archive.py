"""Raw page archive and stage log: what was fetched, its earlier versions, and what was skipped and why.

The archive is kept whichever article store is configured (archive.db in the data directory, or the shared
state's PostgreSQL database), so extraction can be re-run from it without re-crawling (`portalwatch reprocess`).
"""

import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from portalwatch.core.models import RawPage, Skip
from portalwatch.state.db import StateFile, upsert

# Pages read per query when pages() walks the archive: bodies are tens of kilobytes each.
_PAGE_BATCH = 200
_PAGE = upsert("pages", ("url", "source_id", "status", "fetched_at", "content_type", "body", "processed", "etag",
                         "last_modified", "body_hash", "first_fetched_at"), "url")
_SKIP = upsert("skips", ("url", "source_id", "stage", "reason", "recorded_at"), "url, stage")


class Saved(StrEnum):
    NEW = "new"
    CHANGED = "changed"  # the previous version went to the revision history
    UNCHANGED = "unchanged"


def body_hash(body: bytes) -> str:
    return hashlib.sha1(body).hexdigest()


def _page(row: tuple) -> RawPage:
    url, source_id, status, fetched_at, content_type, body, etag, last_modified = row
    return RawPage(url=url, source_id=source_id, status=status, fetched_at=datetime.fromisoformat(fetched_at),
                   content_type=content_type, body=zlib.decompress(body), etag=etag, last_modified=last_modified)


@dataclass
class RunRecord:
    """One recorded run of a flow (crawl, process, digest, …)."""

    id: str
    flow: str
    state: str
    started_at: datetime | None
    ended_at: datetime | None
    counts: str


class RawArchive(StateFile):
    def save_page(self, page: RawPage) -> Saved:
        """Archive a fetched page. A changed page keeps its previous version and is processed again."""
        digest = body_hash(page.body)
        with self.db:
            row = self.db.execute("SELECT body_hash, fetched_at, content_type, body, first_fetched_at FROM pages"
                                  " WHERE url = ?", (page.url,)).fetchone()
            if row and row[0] == digest:
                self.db.execute("UPDATE pages SET fetched_at = ?, etag = ?, last_modified = ? WHERE url = ?",
                                (page.fetched_at.isoformat(), page.etag, page.last_modified, page.url))
                return Saved.UNCHANGED
            if row:
                self.db.execute("INSERT INTO revisions (url, fetched_at, content_type, body) VALUES (?, ?, ?, ?)"
                                " ON CONFLICT DO NOTHING", (page.url, *row[1:4]))
            self.db.execute(_PAGE, (page.url, page.source_id, page.status, page.fetched_at.isoformat(),
                                    page.content_type, zlib.compress(page.body), 0, page.etag, page.last_modified,
                                    digest, row[4] if row else page.fetched_at.isoformat()))
            # A page fetched successfully is no longer a crawl failure.
            self.db.execute("DELETE FROM skips WHERE url = ? AND stage = 'crawl'", (page.url,))
        return Saved.CHANGED if row else Saved.NEW

    def fetched(self, source_id: str) -> dict[str, datetime]:
        """Every archived URL of a source, with when it was last fetched."""
        rows = self.db.execute("SELECT url, fetched_at FROM pages WHERE source_id = ?", (source_id,))
        return {url: datetime.fromisoformat(at) for url, at in rows}

    def unchanged(self, url: str, at: datetime) -> None:
        """A conditional request found the page unchanged (304): it counts as fetched then."""
        with self.db:
            self.db.execute("UPDATE pages SET fetched_at = ? WHERE url = ?", (at.isoformat(), url))

    def recheck_due(self, source_id: str, after: list[timedelta], now: datetime) -> list[str]:
        """Archived pages of a source due to be asked again: some age in `after` (counted from the first
        fetch) has been reached since they were last fetched. Newest first."""
        if not after:
            return []
        oldest = (now - max(after) - timedelta(days=2)).isoformat()  # a last check that came late still comes
        rows = self.db.execute("SELECT url, first_fetched_at, fetched_at FROM pages WHERE source_id = ?"
                               " AND first_fetched_at >= ? ORDER BY first_fetched_at DESC", (source_id, oldest))
        due = []
        for url, first, last in rows:
            first_at, last_at = datetime.fromisoformat(first), datetime.fromisoformat(last)
            if any(last_at < first_at + age <= now for age in after):
                due.append(url)
        return due

    def recheck_record(self, source_id: str, since: datetime) -> tuple[int, int]:
        """What asking a source's articles again has shown: of its pages first fetched since `since` and fetched
        again at least once after (a recheck, a sitemap's or feed's announced change), how many there are
        and how many of them had changed (an earlier version kept)."""
        row = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM revisions r WHERE r.url = p.url)"
            " THEN 1 ELSE 0 END), 0) FROM pages p WHERE p.source_id = ? AND p.first_fetched_at >= ?"
            " AND p.fetched_at > p.first_fetched_at", (source_id, since.isoformat())).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def validators(self, url: str) -> tuple[str, str]:
        """The ETag and Last-Modified an archived page came with (empty when none)."""
        row = self.db.execute("SELECT etag, last_modified FROM pages WHERE url = ?", (url,)).fetchone()
        return (row[0], row[1]) if row else ("", "")

    _PAGE_COLUMNS = "url, source_id, status, fetched_at, content_type, body, etag, last_modified"

    def pages(self, pending_only: bool = False, source_id: str | None = None) -> Iterator[RawPage]:
        """Archived pages; with pending_only, those not yet through the process stage. Read a page of rows at
        a time after the last URL seen: the archive can hold more page bodies than memory, and the caller
        writes to it (marks pages processed) between reads."""
        where, args = ["url > ?"], []
        if pending_only:
            where.append("processed = 0")
        if source_id:
            where.append("source_id = ?")
            args.append(source_id)
        sql = f"SELECT {self._PAGE_COLUMNS} FROM pages WHERE {' AND '.join(where)} ORDER BY url LIMIT {_PAGE_BATCH}"
        last = ""
        while rows := self.db.execute(sql, [last, *args]).fetchall():
            yield from map(_page, rows)
            last = rows[-1][0]

    def count_pages(self, pending_only: bool = False) -> int:
        """How many pages pages() yields (a progress total: it costs a scan of the archive)."""
        sql = "SELECT count(*) FROM pages" + (" WHERE processed = 0" if pending_only else "")
        row = self.db.execute(sql).fetchone()
        return int(row[0]) if row else 0

    def page(self, url: str) -> RawPage | None:
        row = self.db.execute(f"SELECT {self._PAGE_COLUMNS} FROM pages WHERE url = ?", (url,)).fetchone()
        return _page(row) if row else None

    def revisions(self, url: str) -> list[RawPage]:
        """Earlier versions of a page, oldest first (the current one is in pages())."""
        source = self.db.execute("SELECT source_id FROM pages WHERE url = ?", (url,)).fetchone()
        rows = self.db.execute("SELECT fetched_at, content_type, body FROM revisions WHERE url = ? ORDER BY fetched_at",
                               (url,))
        return [RawPage(url=url, source_id=source[0] if source else "", status=200,
                        fetched_at=datetime.fromisoformat(at), content_type=ctype, body=zlib.decompress(body))
                for at, ctype, body in rows]

    def mark_processed(self, urls: list[str]) -> None:
        with self.db:
            self.db.executemany("UPDATE pages SET processed = 1 WHERE url = ?", [(u,) for u in urls])

    def start_run(self, run_id: str, flow: str, started_at: datetime) -> None:
        with self.db:
            self.db.execute("INSERT INTO runs (id, flow, state, started_at) VALUES (?, ?, 'running', ?)"
                            " ON CONFLICT (id) DO UPDATE SET flow = excluded.flow, state = 'running',"
                            " started_at = excluded.started_at, ended_at = '', counts = ''",
                            (run_id, flow, started_at.isoformat()))

    def end_run(self, run_id: str, state: str, ended_at: datetime) -> None:
        with self.db:
            self.db.execute("UPDATE runs SET state = ?, ended_at = ? WHERE id = ?",
                            (state, ended_at.isoformat(), run_id))

    def add_run_counts(self, run_id: str, counts: str) -> None:
        """What one stage of a run did, appended to that run's line (shown by `portalwatch runs`)."""
        with self.db:
            self.db.execute("UPDATE runs SET counts = CASE counts WHEN '' THEN ? ELSE counts || ' · ' || ? END"
                            " WHERE id = ?", (counts, counts, run_id))

    def runs(self, limit: int) -> list[RunRecord]:
        """The latest runs, newest first."""
        rows = self.db.execute("SELECT id, flow, state, started_at, ended_at, counts FROM runs"
                               " ORDER BY started_at DESC LIMIT ?", (limit,))
        return [RunRecord(id=i, flow=f, state=st, started_at=datetime.fromisoformat(s) if s else None,
                          ended_at=datetime.fromisoformat(e) if e else None, counts=c)
                for i, f, st, s, e, c in rows]

    def record_skip(self, skip: Skip) -> None:
        with self.db:
            self.db.execute(_SKIP, (skip.url, skip.source_id, skip.stage, skip.reason, skip.recorded_at.isoformat()))

    def clear_skip(self, url: str, stage: str) -> None:
        with self.db:
            self.db.execute("DELETE FROM skips WHERE url = ? AND stage = ?", (url, stage))

    def skips(self, stage: str | None = None) -> list[Skip]:
        sql = "SELECT url, source_id, stage, reason, recorded_at FROM skips"
        rows = self.db.execute(sql + " WHERE stage = ? ORDER BY url", (stage,)) if stage else \
            self.db.execute(sql + " ORDER BY stage, url")
        return [Skip(url=u, source_id=s, stage=st, reason=r, recorded_at=datetime.fromisoformat(t))
                for u, s, st, r, t in rows]
