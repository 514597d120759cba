"""The crawl frontier on disk: URLs found but not fetched yet, and the validators of entry pages.

Every URL is written here before it is requested and removed once its outcome is known, so a
crawl killed at any moment (SIGKILL included) resumes where it stopped on the next run, and an
article held back by the page budget is fetched next time instead of being forgotten.
"""

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from portalwatch.state.db import Connection, upsert


@dataclass
class Found:
    """Entry points discovery confirmed (fetched and checked) for a source."""

    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    list_pages: list[str] = field(default_factory=list)
    article_pattern: str | None = None


_VALIDATORS = upsert("validators", ("url", "etag", "last_modified"), "url")
_ALIASES = upsert("aliases", ("url", "source_id", "canonical"), "url")
_DISCOVERED = upsert("discovered", ("source_id", "found", "at"), "source_id")
_PACE = upsert("entry_pace", ("url", "source_id", "idle", "checked_at"), "url")
# A URL that failed transiently this many times is given up (and recorded as a skip).
MAX_ATTEMPTS = 3
# Finished URLs are removed in batches of this many: a commit per page cost as much as archiving it.
# What a kill leaves behind is harmless: an archived URL is dropped on resume without a request, and
# a list page is read once more.
DONE_BATCH = 100


class Frontier:
    def __init__(self, db: Connection) -> None:
        self.db = db  # opened by state.db.open_db, which owns the tables
        self.finished: list[str] = []

    def add(self, source_id: str, urls: list[str], kind: str) -> None:
        self.flush()  # a URL finished earlier and found again is pending again
        with self.db:
            now = datetime.now(UTC).isoformat()
            self.db.executemany("INSERT INTO frontier (url, source_id, kind, added_at) VALUES (?, ?, ?, ?)"
                                " ON CONFLICT DO NOTHING",
                                [(url, source_id, kind, now) for url in urls])

    def pending(self, source_id: str) -> list[tuple[str, str]]:
        """(url, kind) left over from earlier runs, in the order they were found."""
        self.flush()
        rows = self.db.execute("SELECT url, kind FROM frontier WHERE source_id = ? ORDER BY added_at, rowid",
                               (source_id,))
        return list(rows)

    def done(self, *urls: str) -> None:
        self.finished += urls
        if len(self.finished) >= DONE_BATCH:
            self.flush()

    def flush(self) -> None:
        """Remove the finished URLs from the frontier (also due when the crawl closes)."""
        if self.finished:
            with self.db:
                self.db.executemany("DELETE FROM frontier WHERE url = ?", [(u,) for u in self.finished])
            self.finished = []

    def failed(self, url: str, error: str, permanent: bool) -> bool:
        """Note a failed fetch; True when the URL is given up (permanent, or out of attempts)."""
        self.flush()
        with self.db:
            row = self.db.execute("SELECT attempts FROM frontier WHERE url = ?", (url,)).fetchone()
            attempts = (row[0] if row else 0) + 1
            if permanent or attempts >= MAX_ATTEMPTS:
                self.db.execute("DELETE FROM frontier WHERE url = ?", (url,))
                return True
            self.db.execute("UPDATE frontier SET attempts = ?, last_error = ? WHERE url = ?", (attempts, error, url))
            return False

    def validators(self, url: str) -> tuple[str, str]:
        row = self.db.execute("SELECT etag, last_modified FROM validators WHERE url = ?", (url,)).fetchone()
        return (row[0], row[1]) if row else ("", "")

    def remember_validators(self, url: str, etag: str, last_modified: str) -> None:
        if etag or last_modified:
            with self.db:
                self.db.execute(_VALIDATORS, (url, etag, last_modified))

    def add_alias(self, source_id: str, url: str, canonical: str) -> None:
        with self.db:
            self.db.execute(_ALIASES, (url, source_id, canonical))

    def aliases(self, source_id: str) -> dict[str, str]:
        return dict(self.db.execute("SELECT url, canonical FROM aliases WHERE source_id = ?", (source_id,)))

    def entry_paces(self, source_id: str) -> dict[str, tuple[int, datetime]]:
        """Each entry page of the source: crawls in a row it brought nothing of its own, and when last asked."""
        rows = self.db.execute("SELECT url, idle, checked_at FROM entry_pace WHERE source_id = ?", (source_id,))
        return {url: (int(idle), datetime.fromisoformat(at)) for url, idle, at in rows}

    def pace_entries(self, source_id: str, paces: dict[str, tuple[int, datetime]]) -> None:
        with self.db:
            self.db.executemany(_PACE, [(url, source_id, idle, at.isoformat()) for url, (idle, at) in paces.items()])

    def save_discovery(self, source_id: str, found: Found) -> None:
        with self.db:
            self.db.execute(_DISCOVERED,
                            (source_id, json.dumps(asdict(found)), datetime.now(UTC).isoformat()))

    def discovery(self, source_id: str, max_age: timedelta) -> Found | None:
        """What discovery found for the source, unless it is older than max_age."""
        row = self.db.execute("SELECT found, at FROM discovered WHERE source_id = ?", (source_id,)).fetchone()
        if not row or datetime.now(UTC) - datetime.fromisoformat(row[1]) > max_age:
            return None
        return Found(**json.loads(row[0]))
