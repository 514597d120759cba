"""Two Prefect workers of one process work pool share 40 sources through the shared state; one is killed
mid-crawl and its sources finish on the other: nothing fetched twice, nothing lost.

Everything is real: Prefect's API server, `prefect worker start` processes (each with its own data
directory, as on two machines), PostgreSQL for the crawl state, the engine for the articles, 40 sites on
loopback that count the requests they serve.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from flows.api_server import ApiServer
from portalwatch.fixture_portals.bulk import BulkSite
from portalwatch.state.archive import RawArchive
from portalwatch.state.health import HealthLog

SOURCES, ARTICLES = 40, 6
POOL = "portalwatch-test"


def _archived(state: str) -> int:
    with RawArchive(state) as archive:
        return archive.count_pages()


def _wait(what: str, done: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not done():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def sites() -> Iterator[list[BulkSite]]:
    """Forty portals, slow enough (0.3 s an article) for a crawl to be caught midway."""
    running = [BulkSite(articles=ARTICLES, per_page=ARTICLES, article_delay=0.3) for _ in range(SOURCES)]
    for site in running:
        site.server.__enter__()
    yield running
    for site in running:
        site.server.__exit__(None, None, None)


def _registry(sites: list[BulkSite], path: Path) -> Path:
    sources = []
    for number, site in enumerate(sites):
        source = site.source().model_dump(exclude_defaults=True)
        sources.append({**source, "id": f"cong-{number:02d}", "name": f"Cổng thử {number:02d}"})
    path.write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")
    return path


def _worker(name: str, base: dict[str, str], tmp: Path) -> subprocess.Popen:
    env = {**base, "PREFECT_HOME": str(tmp / name / "prefect"), "PORTALWATCH_DATA_DIR": str(tmp / name / "data")}
    log = (tmp / f"{name}.log").open("wb")
    # Its own process group: killing the group is the machine dying (worker, flow run, and the crawl with it).
    return subprocess.Popen([str(Path(sys.executable).with_name("prefect")), "worker", "start", "--pool", POOL,
                             "--type", "process", "--limit", "1", "--name", name],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def test_two_workers_share_the_sources_and_one_dying_loses_nothing(
        sites: list[BulkSite], shared_state: str, es_settings: object, es_alias: str, tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server = ApiServer(tmp_path / "prefect-server.log")
    server.wait(120)
    registry = _registry(sites, tmp_path / "sources.yaml")
    engine_url = os.environ["PORTALWATCH_TEST_ES_URL"]
    base = {**os.environ, "PREFECT_API_URL": server.url, "PORTALWATCH_STATE_URL": shared_state,
            "PORTALWATCH_SOURCES": str(registry), "PORTALWATCH_ES_URL": engine_url, "PORTALWATCH_ES_ALIAS": es_alias,
            "PORTALWATCH_CRAWL_BATCH": "5", "PREFECT_WORKER_QUERY_SECONDS": "1"}
    deployed = subprocess.run([str(Path(sys.executable).with_name("portalwatch")), "deploy", "--pool", POOL],
                              env={**base, "PORTALWATCH_DATA_DIR": str(tmp_path / "admin")}, capture_output=True,
                              text=True, timeout=120)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    workers = {name: _worker(name, base, tmp_path) for name in ("may-1", "may-2")}
    # This process's runs go to our server, whatever Prefect test harness another test left in place.
    with temporary_settings(updates={PREFECT_API_URL: server.url}):
        _share_and_kill(sites, workers, shared_state, engine_url, es_alias, tmp_path)
    server.stop()


def _share_and_kill(sites: list[BulkSite], workers: dict[str, subprocess.Popen], shared_state: str,
                    engine_url: str, es_alias: str, data: Path) -> None:
    from elasticsearch import Elasticsearch
    from prefect.deployments import run_deployment

    try:
        for _ in workers:  # two scheduled runs at once: one on each worker (each takes one run at a time)
            run_deployment("portalwatch-crawl-due/crawl-due", timeout=0)
        # Both crawl: the sites see requests from both workers' crawls before either is done.
        _wait("a third of the articles archived", lambda: _archived(shared_state) >= SOURCES * ARTICLES // 3, 240)
        # Both were crawling (each machine writes its crawl logs in its own data directory).
        _wait("both workers crawling", lambda: all(any((data / name / "data" / "logs").glob("crawl-*.log"))
                                                   for name in workers), 60)
        victim = workers.pop("may-1")
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        killed_at = _archived(shared_state)
        assert killed_at < SOURCES * ARTICLES, "the crawl should have been cut midway"
        # The surviving worker's run, or the next scheduled one, finds the dead one's sources free and due.
        deadline = time.monotonic() + 300
        while _archived(shared_state) < SOURCES * ARTICLES and time.monotonic() < deadline:
            run_deployment("portalwatch-crawl-due/crawl-due", timeout=240)
        assert _archived(shared_state) == SOURCES * ARTICLES  # no article lost

        # Each article was served in full once, except at most what the killed crawl had in flight.
        served = Counter((n, s.path) for n, site in enumerate(sites) for s in site.server.log
                         if s.path.startswith("/bai/") and s.status == 200)
        assert len(served) == SOURCES * ARTICLES
        assert sum(n - 1 for n in served.values()) <= 16  # Scrapy's requests in flight at the kill
        with HealthLog(shared_state) as health:
            assert all(health.history(f"cong-{n:02d}", limit=1) for n in range(SOURCES))
        # Both workers processed into the one store: every article is there once.
        engine = Elasticsearch(engine_url)
        engine.indices.refresh(index=es_alias)
        assert engine.count(index=es_alias)["count"] == SOURCES * ARTICLES
        engine.close()
    finally:
        for worker in workers.values():
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:  # a loaded machine: Prefect's worker waits for its run in flight
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
