"""The Elasticsearch backend on a real engine node: same results as the embedded store, the
outbox when the engine is down, zero-downtime reindex, and readable failures."""

import base64
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
from elasticsearch import Elasticsearch

from flows.processing import process_archive
from pipelines.tagging import load_taxonomy
from portalwatch.core.config import Settings
from portalwatch.core.sources import load_sources
from portalwatch.fixture_portals.content import articles_on, load_articles
from portalwatch.fixture_portals.server import SITE_CLASSES
from portalwatch.reports.digest import build_digest
from portalwatch.state.archive import RawArchive
from portalwatch.store.base import SearchQuery, StoreError
from portalwatch.store.elastic import BUSY_BACKOFF, ElasticStore
from portalwatch.store.outbox import Outbox
from portalwatch.store.sqlite import SQLiteStore
from tests.support import ARTICLES, SOURCE_OF_SITE, PipelineRun

# What the end-to-end run's archive holds, derived from the fixture content: one article per site
# showing a story, one duplicate group per syndicated story. The archive can hold more article pages
# than articles (the Liferay portal's session ids give one article several URLs); the two broken
# pages are skipped.
STORED = sum(len(articles_on(site)) for site in SITE_CLASSES)
GROUPS = sum(a.syndicated for a in load_articles())
BROKEN_PAGES = 2


@pytest.fixture
def archive_copy(pipeline_run: PipelineRun, tmp_path: Path) -> Iterator[RawArchive]:
    """The end-to-end run's raw archive, copied so this test can process it again."""
    path = tmp_path / "archive.db"
    shutil.copy(pipeline_run.settings.archive_db, path)
    with RawArchive(path) as archive:
        yield archive


def test_both_backends_give_the_same_digest(pipeline_run: PipelineRun, archive_copy: RawArchive,
                                            es_settings: Settings, es_alias: str, tmp_path: Path) -> None:
    settings = pipeline_run.settings
    taxonomy = load_taxonomy(settings.taxonomy)
    sources = load_sources(settings.sources_file)
    store = ElasticStore(es_settings, es_alias)
    report = process_archive(archive_copy, store, taxonomy, Outbox(tmp_path / "outbox"),
                             {s.id: s for s in sources}, full=True)
    assert (report.articles, report.new, report.duplicate_groups) == (report.pages - BROKEN_PAGES, STORED, GROUPS)
    names = {s.id: s.name for s in sources}
    embedded = SQLiteStore(settings.store_path)
    for week in ("2026-W46", "2026-W47"):
        assert build_digest(store, week, names, taxonomy.names, []) == \
            build_digest(embedded, week, names, taxonomy.names, [])
    province = {s.id: s.province for s in sources}
    in_binh_giang = sum(len(articles_on(site)) for site, source in SOURCE_OF_SITE.items()
                        if province[source] == "Bình Giang")
    assert store.search(SearchQuery(provinces=["Bình Giang"], limit=0)).total == in_binh_giang < STORED
    embedded.close()
    store.close()


def test_engine_down_queues_articles_on_disk_and_the_next_run_sends_them(
        archive_copy: RawArchive, es_settings: Settings, es_alias: str, tmp_path: Path) -> None:
    taxonomy = load_taxonomy(es_settings.taxonomy)
    outbox = Outbox(tmp_path / "outbox")
    down = ElasticStore(es_settings.model_copy(update={"es_url": "http://127.0.0.1:9"}), es_alias)
    report = process_archive(archive_copy, down, taxonomy, outbox, full=True)
    assert "Không kết nối được Elasticsearch tại http://127.0.0.1:9" in report.store_error
    queued = report.pages - BROKEN_PAGES
    assert report.queued == queued == outbox.pending()
    up = ElasticStore(es_settings, es_alias)
    report = process_archive(archive_copy, up, taxonomy, outbox)
    assert (report.pages, report.sent_from_outbox, report.new, report.duplicate_groups) == (0, queued, STORED, GROUPS)
    assert outbox.pending() == 0
    assert up.count() == STORED
    up.close()


def _busy(store: ElasticStore, busy: bool) -> None:
    """The flood-stage disk block: the engine answers each document of a bulk request with 429."""
    store.es.indices.put_settings(index=store.alias, settings={"index.blocks.read_only_allow_delete": busy or None})


def test_documents_the_engine_is_too_busy_for_are_retried_then_wait_in_the_outbox(
        archive_copy: RawArchive, es_settings: Settings, es_alias: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    taxonomy = load_taxonomy(es_settings.taxonomy)
    outbox = Outbox(tmp_path / "outbox")
    store = ElasticStore(es_settings, es_alias)
    store.ensure_index()
    waits: list[float] = []

    def backoff(seconds: float, busy_until: int) -> None:  # the engine stops being busy after busy_until waits
        waits.append(seconds)
        if len(waits) == busy_until:
            _busy(store, False)

    # Busy for a moment: one retry after the backoff gets every article in.
    _busy(store, True)
    monkeypatch.setattr("portalwatch.store.elastic.time", SimpleNamespace(sleep=lambda s: backoff(s, 1)))
    report = process_archive(archive_copy, store, taxonomy, outbox, full=True)
    assert (report.store_error, report.queued, report.new, waits) == ("", 0, STORED, [BUSY_BACKOFF[0]])
    # Busy for longer than the retries: nothing is lost or recorded as refused; the outbox keeps it all.
    store.es.delete_by_query(index=store.alias, query={"match_all": {}}, refresh=True)
    _busy(store, True)
    waits.clear()
    monkeypatch.setattr("portalwatch.store.elastic.time", SimpleNamespace(sleep=lambda s: backoff(s, 99)))
    report = process_archive(archive_copy, store, taxonomy, outbox, full=True)
    assert "quá tải (429)" in report.store_error and waits == list(BUSY_BACKOFF)
    queued = report.pages - BROKEN_PAGES
    assert report.queued == queued == outbox.pending()
    assert not any("429" in skip.reason for skip in archive_copy.skips())
    _busy(store, False)
    report = process_archive(archive_copy, store, taxonomy, outbox)
    assert (report.sent_from_outbox, report.new, outbox.pending()) == (queued, STORED, 0)
    assert store.count() == STORED
    store.close()


def test_reindex_moves_the_alias_with_every_article(es_settings: Settings, es_alias: str) -> None:
    store = ElasticStore(es_settings, es_alias)
    store.upsert(ARTICLES)
    assert store.reindex() == (f"{es_alias}-v1", f"{es_alias}-v2")
    assert store.current_index() == f"{es_alias}-v2"
    assert store.count() == len(ARTICLES)
    assert store.upsert(ARTICLES).new == 0  # writes go to the new index, still keyed by article id
    assert {h.article.id for h in store.search(SearchQuery(text="xay dung dang")).hits} == \
        {ARTICLES[0].id, ARTICLES[3].id}
    assert not store.mapping_outdated()
    store.close()


def test_mapping_conflict_rejects_documents_with_a_reason(es_settings: Settings, es_alias: str) -> None:
    es = Elasticsearch(es_settings.es_url)
    es.indices.create(index=f"{es_alias}-v1", aliases={es_alias: {"is_write_index": True}},
                      mappings={"properties": {"published_at": {"type": "integer"}}})
    es.close()
    result = ElasticStore(es_settings, es_alias).upsert(ARTICLES[:1])
    assert result.new == 0
    assert "mapper_parsing_exception" in result.rejected[ARTICLES[0].id]


def test_a_plain_index_in_place_of_the_alias_is_explained(es_settings: Settings, es_alias: str) -> None:
    es = Elasticsearch(es_settings.es_url)
    es.indices.create(index=es_alias)
    with pytest.raises(StoreError, match="không phải alias"):
        ElasticStore(es_settings, es_alias).count()
    es.indices.delete(index=es_alias)
    es.close()


class _Refuses(BaseHTTPRequestHandler):
    """A server that speaks the Elasticsearch protocol and rejects the credentials."""

    def do_GET(self) -> None:
        body = json.dumps({"error": {"type": "security_exception", "reason": "unable to authenticate"}}).encode()
        self.send_response(401)
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_PUT = do_HEAD = do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_wrong_credentials_and_unreachable_engine_end_in_one_clear_line(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refuses)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    wrong = f"http://127.0.0.1:{server.server_address[1]}"
    for url, expected in ((wrong, "từ chối đăng nhập (401)"), ("http://127.0.0.1:9", "Không kết nối được")):
        done = subprocess.run(
            [sys.executable, "-c", "from portalwatch.cli import main; main()", "search", "xay dung"],
            capture_output=True, text=True, timeout=120,
            env={"PATH": "/usr/bin:/bin", "PORTALWATCH_ES_URL": url, "PORTALWATCH_DATA_DIR": str(tmp_path),
                 "PORTALWATCH_ES_USERNAME": "nobody", "PORTALWATCH_ES_PASSWORD": "wrong"},
        )
        assert done.returncode == 2
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        assert len(lines) == 1 and expected in lines[0], done.stdout + done.stderr
        assert "Traceback" not in done.stderr
    server.shutdown()


def test_an_index_made_by_an_older_mapping_asks_for_reindex_before_searching(
        es_settings: Settings, es_alias: str) -> None:
    es = Elasticsearch(es_settings.es_url)
    es.indices.create(index=f"{es_alias}-v1", aliases={es_alias: {"is_write_index": True}},
                      mappings={"_meta": {"template_version": 1}, "properties": {"title": {"type": "text"}}})
    store = ElasticStore(es_settings, es_alias)
    store.upsert(ARTICLES)
    # A field the current mapping no longer has (as story_id, dropped in version 4) must not stop the copy.
    for article in ARTICLES:
        es.update(index=es_alias, id=article.id, doc={"story_id": article.id}, refresh=True)
    es.close()
    with pytest.raises(StoreError, match="portalwatch reindex"):
        store.search(SearchQuery(text="xay dung dang"))
    store.reindex()
    assert {h.article.id for h in store.search(SearchQuery(text="xay dung dang")).hits} == \
        {ARTICLES[0].id, ARTICLES[3].id}
    assert store.count() == len(ARTICLES)
    store.close()


def test_a_search_the_engine_refuses_ends_in_one_clear_error(es_settings: Settings, es_alias: str) -> None:
    """A search is two requests in one _msearch, whose answers fail one by one inside a successful reply:
    a refused one must still end in the engine's reason, not in a KeyError on the missing hits."""
    store = ElasticStore(es_settings, es_alias)
    store.upsert(ARTICLES)
    # The form of a printed cursor (sort values), but one value where a text search sorts by three.
    cursor = base64.urlsafe_b64encode(json.dumps([1]).encode()).decode()
    with pytest.raises(StoreError, match="báo lỗi 400: search_phase_execution_exception"):
        store.search(SearchQuery(text="xay dung dang", cursor=cursor))
    store.close()
