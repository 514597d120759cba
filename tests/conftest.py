"""Shared test set-up: an isolated data dir and Prefect home, fixture portals on loopback, one real
pipeline run (Scrapy over HTTP, Prefect flows) that the end-to-end tests inspect, and the loopback mail
server and webhook receiver that alerts are delivered to."""

import os
import tempfile
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller

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
from portalwatch.state.db import StateTarget  # noqa: E402
from portalwatch.store.base import ArticleStore  # noqa: E402
from tests.support import Inbox, PipelineRun, Receiver, free_port  # noqa: E402


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


def _server_started_by_make_test(variable: str, what: str, script: str) -> str:
    """The address of a server `make test` starts; CI fails without it, elsewhere the test skips."""
    url = os.environ.get(variable)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{variable} is not set: CI must start {what} ({script} start)")
        pytest.skip(f"no {what}: run `{script} start` and set {variable} (make test does both)")
    return url


@pytest.fixture(scope="session")
def engine_url() -> str:
    return _server_started_by_make_test("PORTALWATCH_TEST_ES_URL", "the engine", "engine/engine.sh")


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


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server (aiosmtpd) on loopback: what it received, and its port."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP webhook receiver on loopback."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = Receiver(server.server_address[1])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state.stall is not None:
                state.stall.wait(5)  # longer than the client waits: it has given up by then
                return
            if state.down:
                self.send_response(500)
            else:
                state.received.append((self.path, dict(self.headers), body))
                self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return _server_started_by_make_test("PORTALWATCH_TEST_STATE_URL", "PostgreSQL", "engine/postgres.sh")


@pytest.fixture
def shared_state(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards (with any session a test left open)."""
    name = f"pwtest_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgres"])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> StateTarget:
    """Where the crawl state lives: archive.db in a data directory, then a shared PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "archive.db"
    return str(request.getfixturevalue("shared_state"))
