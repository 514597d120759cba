"""Shared test set-up: an isolated data dir and Prefect home, fixture portals on loopback, and one
real pipeline run (Scrapy over HTTP, Prefect flows) that the end-to-end tests inspect."""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_ROOT = Path(tempfile.mkdtemp(prefix="portalwatch-tests-"))
# Before Prefect is imported anywhere: its home, quiet logs, no telemetry, patient start-up.
os.environ["PREFECT_HOME"] = str(_ROOT / "prefect")
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "120"
os.environ["PORTALWATCH_DATA_DIR"] = str(_ROOT / "data")

from portalwatch.core.config import Settings, get_settings  # noqa: E402
from portalwatch.fixture_portals.server import FixturePortals, serve_fixture_portals  # noqa: E402
from portalwatch.store.base import ArticleStore  # noqa: E402
from tests.support import PipelineRun  # noqa: E402


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def portals() -> Iterator[FixturePortals]:
    with serve_fixture_portals() as running:
        yield running


@pytest.fixture(scope="session")
def pipeline_run(prefect_harness: None, portals: FixturePortals) -> PipelineRun:
    """The demo's pipeline, run once for the session against the fixture portals."""
    from flows.pipeline import pipeline_flow

    settings = get_settings()
    portals.write_registry(settings.sources_file)
    portals.write_plans(settings.plans_file)
    result = pipeline_flow(week="2026-W47", delay=0)
    return PipelineRun(settings=settings, portals=portals, result=result)


@pytest.fixture(scope="session")
def engine_url() -> str:
    """The engine node started by `make test` (engine/engine.sh); CI fails without it, never skips."""
    url = os.environ.get("PORTALWATCH_TEST_ES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("PORTALWATCH_TEST_ES_URL is not set: CI must start the engine (engine/engine.sh start)")
        pytest.skip("no engine: run `engine/engine.sh start` and set PORTALWATCH_TEST_ES_URL (make test does both)")
    return url


@pytest.fixture
def es_settings(engine_url: str) -> Settings:
    return Settings(es_url=engine_url, data_dir=_ROOT / "data")


@pytest.fixture
def es_alias(es_settings: Settings) -> Iterator[str]:
    """A fresh alias (and its indices and template) per test, removed afterwards."""
    import uuid

    from elasticsearch import Elasticsearch

    alias = f"pwtest-{uuid.uuid4().hex[:10]}"
    yield alias
    es = Elasticsearch(es_settings.es_url)
    es.indices.delete(index=f"{alias}-v*", ignore_unavailable=True, allow_no_indices=True)
    es.options(ignore_status=404).indices.delete_index_template(name=f"{alias}-template")
    es.close()


@pytest.fixture(params=["sqlite", "elasticsearch"])
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ArticleStore]:
    """Each backend in turn, empty: the embedded store, then the engine (which CI requires)."""
    from portalwatch.store.sqlite import SQLiteStore

    if request.param == "sqlite":
        backend: ArticleStore = SQLiteStore(tmp_path / "store.db")
    else:
        from portalwatch.store.elastic import ElasticStore

        backend = ElasticStore(request.getfixturevalue("es_settings"), request.getfixturevalue("es_alias"))
    yield backend
    backend.close()
