"""How the web interface serves its pages, on both stores over a real uvicorn: what another process writes
while it runs shows at once (the "data up to" line, the counts, the new article), and pages and static
files are compressed for clients that accept it."""

import gzip
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from portalwatch.core import VN_TZ
from portalwatch.core.config import Settings
from portalwatch.store import open_store
from tests.support import ARTICLES, make, serve_web

NEWEST = max(a.published_at for a in ARTICLES)
LATER = make("http://a/moi", "Tin mới về chuyển đổi số", "Xã triển khai chuyển đổi số ở bộ phận một cửa.",
             NEWEST + timedelta(days=2, hours=3))


@pytest.fixture(params=["sqlite", "elasticsearch"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Settings, httpx.Client]]:
    settings = Settings(data_dir=tmp_path)
    if request.param == "elasticsearch":
        settings = Settings(data_dir=tmp_path, es_url=request.getfixturevalue("engine_url"),
                            es_alias=request.getfixturevalue("es_alias"))
    store = open_store(settings)
    store.upsert(ARTICLES)
    store.close()
    with serve_web(settings) as base, httpx.Client(base_url=base, timeout=60) as client:
        yield settings, client


def _until(when: object) -> str:
    return f"Dữ liệu đến {when:%d/%m/%Y %H:%M}."


def test_a_write_by_another_process_shows_on_the_next_page(served: tuple[Settings, httpx.Client]) -> None:
    """`portalwatch process` writes through its own store handle while `portalwatch web` runs."""
    settings, client = served
    assert _until(NEWEST.astimezone(VN_TZ)) in client.get("/").text
    assert client.get("/api/v1/search", params={"q": "một cửa"}).json()["total"] == 0
    other = open_store(settings)
    try:
        other.upsert([LATER])
    finally:
        other.close()
    page = client.get("/", params={"q": "một cửa"})
    assert _until(LATER.published_at.astimezone(VN_TZ)) in page.text
    assert 'id="total">1<' in page.text and LATER.title in page.text
    found = client.get("/api/v1/search").json()
    assert found["total"] == len(ARTICLES) + 1
    assert found["data_until"] == LATER.published_at.isoformat()
    assert client.get("/api/v1/health").json()["data_until"] == LATER.published_at.isoformat()


def test_pages_and_static_files_are_compressed_when_the_client_accepts_it(
        served: tuple[Settings, httpx.Client]) -> None:
    _, client = served
    for path in ("/?q=xây dựng Đảng", "/static/htmx.min.js", "/api/v1/search"):
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
        with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as packed:
            wire = b"".join(packed.iter_raw())
        assert packed.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
        assert len(wire) < len(plain.content) / 2
        assert gzip.decompress(wire) == plain.content
        assert plain.headers["server-timing"].startswith("app;dur=")  # the app's own time, for browsers' tools
