"""Helpers shared by several test modules (and the tagging benchmark), so no test imports another.

- the real seeds, read from the shared folder beside the checkout, never from a committed copy;
- the labelled tagging set and its scoring;
- the store contract's articles;
- the fixture portals' ground truth per ISO week: which fixture articles each source publishes
  in a week, and on which topics, from the fixture YAML alone (never from a store query).
"""

import json
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from crawlers.launcher import crawl
from crawlers.summary import CrawlSummary
from pipelines.directives import parse_directives
from pipelines.process import content_hash
from pipelines.tagging import SHIPPED_EXAMPLES, Taxonomy, tag_plain_text
from portalwatch.core import VN_TZ
from portalwatch.core.config import Settings
from portalwatch.core.models import Article, RawPage, Source, TopicTag, article_id
from portalwatch.core.plans import CampaignPlan
from portalwatch.fixture_portals.content import SYNDICATION_DELAY_MINUTES, FixtureArticle, load_articles
from portalwatch.fixture_portals.server import FixturePortals

REPO = Path(__file__).resolve().parents[1]
# Two real third-party articles: studied here, never committed. The lead keeps them beside the checkout.
SHARED_SEEDS = REPO.parent / "shared" / "seeds"
LABELLED = REPO / "tests" / "data" / "labelled"
# Written like the others but never tuned on: only its scores are printed, never its errors.
HELDOUT = LABELLED / "heldout"
SOURCE_OF_SITE = {"tinh": "binhgiang-gov", "bao": "baobinhgiang", "sokhcn": "sokhcn-hason", "dangbo": "dangbo-tanlap"}


@dataclass
class PipelineRun:
    settings: Settings
    portals: FixturePortals
    result: dict


# ---------------------------------------------------------------- crawls


def run_crawl(tmp: Path, *sources: Source, force: bool = False) -> dict[str, CrawlSummary]:
    """A real crawl (its own process, no delay) of these sources into tmp's archive."""
    registry = tmp / "sources.yaml"
    registry.write_text(yaml.safe_dump([s.model_dump(exclude_defaults=True) for s in sources], allow_unicode=True),
                        encoding="utf-8")
    return crawl(registry, tmp / "archive.db", tmp / "logs", delay=0, force=force)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Receiver:
    """A webhook receiver: what each path received; while `down`, every request gets a 500."""

    port: int
    down: bool = False
    stall: threading.Event | None = None  # not None: requests get no answer until it is set (or for 5 s)
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    def bodies(self, path: str) -> list[dict]:
        return [json.loads(body) for p, _, body in self.received if p == path]


WEBHOOK_SECRET = "bi-mat-chung"


def settings_for(tmp_path: Path, smtp_port: int, receiver: Receiver, **extra: object) -> Settings:
    """Alerts to a mailbox and to the receiver's /hook (signed JSON) and /chat (plain text)."""
    hook = f"http://127.0.0.1:{receiver.port}"
    return Settings(data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_starttls=False,
                    mail_from="portalwatch@binhgiang.test", alert_webhook_secret=WEBHOOK_SECRET,
                    alert_backoff_seconds=0, alert_attempts=2,
                    alert_recipients=f"ban-tuyen-giao@binhgiang.test, {hook}/hook, chat:{hook}/chat", **extra)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=VN_TZ)


class Inbox:
    """An aiosmtpd handler keeping every envelope it is handed."""

    def __init__(self) -> None:
        self.received: list = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.received.append(envelope)
        return "250 OK"


# ---------------------------------------------------------------- the real seeds


def seeds_dir() -> Path:
    """The shared seeds folder; in CI its absence fails the test, elsewhere it skips it."""
    if SHARED_SEEDS.is_dir() and any(SHARED_SEEDS.glob("*.txt")):
        return SHARED_SEEDS
    message = (f"the real seed articles are missing: expected them in {SHARED_SEEDS} "
               "(the shared folder beside the checkout; they are not committed)")
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def seed_text(name: str) -> str:
    path = seeds_dir() / name
    if not path.is_file():
        pytest.fail(f"seed {name} is not in {path.parent}")
    return path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- the labelled tagging set


def load_labelled(seeds: Path | None = None, directories: tuple[Path, ...] = (SHIPPED_EXAMPLES, LABELLED)
                  ) -> list[dict]:
    """Every labelled item of these directories (not their subdirectories: the held-out set lives in one):
    by default the examples the learned model trains on and the seeds' labels; with `seeds`, also the real
    seeds (items with a `file` naming a file in that folder), else those are left out."""
    items = []
    for path in sorted(p for directory in directories for p in directory.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if "file" in item:
                if seeds is None:
                    continue
                item["text"] = (seeds / item["file"]).read_text(encoding="utf-8")
            items.append(item)
    return items


def load_real(path: Path) -> list[dict]:
    """Real portal texts kept outside the repository, one JSON object per line; the url stands in for the id."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            item.setdefault("id", item.get("url", str(len(items))))
            items.append(item)
    return items


def predict(item: dict, taxonomy: Taxonomy) -> set[str]:
    tags = tag_plain_text(taxonomy, item["text"], item.get("title") or "", section=item.get("section") or "")
    return {t.topic_id for t in tags}


class Scores(BaseModel):
    per_topic: dict[str, tuple[float, float, float, int]]  # precision, recall, F1, support
    micro: tuple[float, float, float, int]
    errors: list[str]


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float, int]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp + fn


def evaluate(items: list[dict], taxonomy: Taxonomy) -> Scores:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    errors = []
    for item in items:
        expected, got = set(item["topics"]), predict(item, taxonomy)
        tp.update(expected & got)
        fp.update(got - expected)
        fn.update(expected - got)
        if expected != got:
            errors.append(f"{item['id']}: expected {sorted(expected)} got {sorted(got)} — {item.get('title', '')}")
    topics = sorted(set(tp) | set(fp) | set(fn))
    return Scores(per_topic={t: _prf(tp[t], fp[t], fn[t]) for t in topics},
                  micro=_prf(sum(tp.values()), sum(fp.values()), sum(fn.values())), errors=errors)


# ---------------------------------------------------------------- the store contract's articles


def make(url: str, title: str, body: str, when: datetime, source: str = "a", topics: tuple[str, ...] = (),
         directives: tuple[str, ...] = (), province: str = "Bình Giang") -> Article:
    return Article(
        id=article_id(url), url=url, canonical_url=url, source_id=source, province=province, title=title,
        lead=body.split("\n\n")[0],
        body=body, published_at=when, fetched_at=when, content_hash=content_hash(title, body.split("\n\n")),
        topics=[TopicTag(topic_id=t, score=3.0) for t in topics], directives=list(directives),
    )


ARTICLES = [
    make("http://a/1", "Hội nghị xây dựng Đảng", "Tỉnh ủy quán triệt công tác xây dựng Đảng.\n\nNội dung thứ hai.",
         datetime(2026, 11, 16, 8, 0, tzinfo=VN_TZ), topics=("xay-dung-dang",), directives=("05-CT/TW",)),
    make("http://a/2", "Giá lúa đang tăng", "Giá lúa đang tăng mạnh ở các xã vùng trũng.",
         datetime(2026, 11, 17, 23, 30, tzinfo=VN_TZ)),
    make("http://b/3", "Giữ gìn hòa bình, thủy lợi", "Bài viết về hòa bình và công trình thủy lợi.",
         datetime(2026, 11, 9, 7, 0, tzinfo=VN_TZ), source="b", topics=("quoc-phong-an-ninh",), province="Cà Mau"),
    make("http://b/4", "Đại hội đảng bộ xã", "Đại hội đảng bộ xã nhiệm kỳ mới, bàn về xây dựng Đảng.",
         datetime(2026, 11, 22, 23, 59, tzinfo=VN_TZ), source="b", topics=("dai-hoi-dang", "xay-dung-dang")),
]


# ---------------------------------------------------------------- fixture ground truth by week


def published_on(article: FixtureArticle, site: str) -> datetime:
    """When a site shows the article: the first site at its time, the others a fixed delay later."""
    delay = timedelta(minutes=SYNDICATION_DELAY_MINUTES) if site != article.sites[0] else timedelta()
    return article.published + delay


@dataclass(frozen=True)
class FixtureWeek:
    """One ISO week of the fixture portals as the YAML describes it: (source, article) copies in it."""

    copies: tuple[tuple[str, FixtureArticle], ...]

    @property
    def articles(self) -> int:
        return len(self.copies)

    @property
    def stories(self) -> int:
        return len({a.slug for _, a in self.copies})

    def source_counts(self) -> dict[str, int]:
        return dict(Counter(source for source, _ in self.copies))

    def topic_counts(self) -> dict[str, int]:
        return dict(Counter(t for _, a in self.copies for t in a.topics))

    def coverage(self) -> dict[str, dict[str, int]]:
        """Source → topic → articles: the digest's coverage matrix."""
        rows: dict[str, Counter[str]] = {}
        for source, article in self.copies:
            rows.setdefault(source, Counter()).update(article.topics)
        return {source: dict(row) for source, row in rows.items()}

    def stories_on(self, topic: str) -> int:
        return len({a.slug for _, a in self.copies if topic in a.topics})


def fixture_week(monday: date) -> FixtureWeek:
    """The fixture copies published Monday 00:00 to Sunday 24:00, Vietnam time."""
    start = datetime(monday.year, monday.month, monday.day, tzinfo=VN_TZ)
    end = start + timedelta(days=7)
    return FixtureWeek(tuple((SOURCE_OF_SITE[site], a) for a in load_articles() for site in a.sites
                             if start <= published_on(a, site) < end))


def plan_coverage(plan: CampaignPlan, last: date) -> dict[str, Counter[str]]:
    """Bound source -> Monday (ISO) -> fixture copies on the plan's topics from its start to `last`."""
    coverage: dict[str, Counter[str]] = {source: Counter() for source in plan.sources or SOURCE_OF_SITE.values()}
    for fixture in load_articles():
        for site in fixture.sites:
            day, source = published_on(fixture, site).date(), SOURCE_OF_SITE[site]
            if source in coverage and plan.start <= day <= last and set(fixture.topics) & set(plan.topics):
                coverage[source][(day - timedelta(days=day.weekday())).isoformat()] += 1
    return coverage


# ---------------------------------------------------------------- a large raw archive


def fill_archive(archive_path: Path, pages: int) -> None:
    """Archive `pages` distinct article pages of the provincial fixture portal (the fixture articles
    under new numbers), unprocessed, so that a process run takes seconds: for interrupt tests."""
    from dataclasses import replace

    from portalwatch.fixture_portals.provincial import ProvincialPortal
    from portalwatch.state.archive import RawArchive

    site = ProvincialPortal("http://tinh.test", datetime(2026, 11, 23, 9, tzinfo=VN_TZ))
    fixtures = load_articles()
    with RawArchive(archive_path) as archive:
        for i in range(pages):
            article = replace(fixtures[i % len(fixtures)], slug=f"bai-{i}", sites=(site.name,), number=100000 + i)
            html = site.render(f"{site.name}_article.html", a=site.view(article), related=[]).body
            archive.save_page(RawPage(url=f"{site.base}{site.href(article)}", source_id=SOURCE_OF_SITE[site.name],
                                      status=200, fetched_at=datetime.now(VN_TZ),
                                      content_type="text/html; charset=utf-8", body=html))


# ---------------------------------------------------------------- the fixture articles straight into a store


def fixture_store_articles() -> tuple[list[Article], dict[str, str]]:
    """Every copy of every fixture article as the pipeline would store it (one per site, each at the time
    its site shows it, with the directives it cites), and the duplicate groups of the syndicated ones: for
    tests of what reads a store."""
    articles, groups = [], {}
    for fixture in load_articles():
        cited = tuple(d.key for d in parse_directives(f"{fixture.title}\n{fixture.body}"))  # as the pipeline does
        copies = [make(f"http://{site}.test/{fixture.slug}.html", fixture.title, fixture.body.strip(),
                       published_on(fixture, site), source=SOURCE_OF_SITE[site], topics=fixture.topics,
                       directives=cited) for site in fixture.sites]
        articles += copies
        if len(copies) > 1:
            groups.update({c.id: copies[0].id for c in copies})
    return articles, groups


@contextmanager
def serve_web(settings: Settings) -> Iterator[str]:
    """The web interface really served by uvicorn on a free loopback port; yields its base URL."""
    import uvicorn

    from portalwatch.web.app import create_app

    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))  # the kernel picks a free port: parallel runs never collide
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the web server stopped while starting")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{listening.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()
        listening.close()
