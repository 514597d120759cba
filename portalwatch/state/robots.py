"""Each host's robots.txt, kept between crawls in the crawl state (archive.db, or the shared PostgreSQL).

RFC 9309 lets a crawler use a fetched robots.txt for up to 24 hours; a crawl process is far shorter, so
without this every crawl asked every host for it again (about a third of all requests at a busy pace).
What is kept is what was answered: the rules (200), or that there are none (a 4xx). A server error or an
unreachable host is never kept: that crawl fetches nothing from the host, and the next one asks again.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from portalwatch.state.db import StateFile, upsert

MAX_AGE = timedelta(hours=24)  # RFC 9309, 2.4: a cached robots.txt should not be used longer
_KEEP = upsert("robots", ("url", "status", "body", "fetched_at", "etag", "last_modified"), "url")


@dataclass(frozen=True)
class KeptRobots:
    url: str  # scheme://host[:port]/robots.txt
    status: int  # 200, or a 4xx: no rules
    body: str
    fetched_at: datetime
    etag: str = ""
    last_modified: str = ""

    def fresh(self, now: datetime) -> bool:
        return now - self.fetched_at < MAX_AGE


class RobotsStore(StateFile):
    def get(self, url: str) -> KeptRobots | None:
        row = self.db.execute("SELECT status, body, fetched_at, etag, last_modified FROM robots WHERE url = ?",
                              (url,)).fetchone()
        if row is None:
            return None
        status, body, fetched_at, etag, last_modified = row
        return KeptRobots(url, status, body, datetime.fromisoformat(fetched_at), etag, last_modified)

    def keep(self, robots: KeptRobots) -> None:
        with self.db:
            self.db.execute(_KEEP, (robots.url, robots.status, robots.body,
                                    robots.fetched_at.astimezone(UTC).isoformat(), robots.etag, robots.last_modified))
