"""Admins act, readers read: saved searches through the JSON API and the pages of a real uvicorn, API tokens,
the CSRF token with and without sign-in, and a saved search made on the web raising a real alert."""

import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from flows.alerting import run_checks
from portalwatch.cli import app
from portalwatch.core import VN_TZ
from portalwatch.core.config import Settings
from portalwatch.state.alerts import AlertLog
from portalwatch.store import open_store
from portalwatch.store.base import ArticleStore
from portalwatch.web.auth import Tokens, Users
from tests.support import Receiver, at, make, serve_web, settings_for

TODAY = date(2026, 12, 7)
ADMIN, READER, PASSWORD = "quantri", "bientap", "mat-khau-dai-1"
SAVED = {"name": "Chuyển đổi số", "query": {"text": '"chuyển đổi số"', "topics": ["chuyen-doi-so"]},
         "recipients": ["ban-tuyen-giao@binhgiang.test"]}


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page carries no CSRF token"
    return found[1]


def saved_queries(settings: Settings) -> dict[str, dict]:
    with AlertLog(settings.alerts_db) as log:
        return {s.name: s.query for s in log.saved_searches()}


@contextmanager
def signed_in(base: str, name: str) -> Iterator[httpx.Client]:
    """A browser-like client signed in through the login form."""
    with httpx.Client(base_url=base, timeout=60) as client:
        form = client.get("/dang-nhap")
        signed = client.post("/dang-nhap", data={"csrf": csrf_of(form.text), "name": name, "password": PASSWORD,
                                                 "next": "/"})
        assert signed.status_code == 303, signed.text
        yield client


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[tuple[Settings, str, dict[str, str]]]:
    """A server with an admin and a reader who sign in, and an admin and a reader API token."""
    settings = Settings(data_dir=tmp_path)
    Users(settings.users_file).add(ADMIN, PASSWORD, "admin")
    Users(settings.users_file).add(READER, PASSWORD, "reader")
    tokens = {role: Tokens(settings.tokens_file).add(f"he-thong-{role}", role) for role in ("admin", "reader")}
    with serve_web(settings) as base:
        yield settings, base, tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_tokens_read_and_admin_tokens_change(secured: tuple[Settings, str, dict[str, str]]) -> None:
    settings, base, tokens = secured
    with httpx.Client(base_url=base, timeout=60) as api:
        assert api.get("/api/v1/saved", headers=bearer(tokens["reader"])).json() == []
        refused = api.post("/api/v1/saved", json=SAVED, headers=bearer(tokens["reader"]))
        assert refused.status_code == 403 and "chỉ đọc" in refused.json()["detail"]
        wrong = api.post("/api/v1/saved", json=SAVED, headers=bearer(tokens["admin"] + "x"))
        assert wrong.status_code == 401 and "Cần đăng nhập" in wrong.json()["detail"]
        assert api.get("/api/v1/health", headers=bearer("pw_khong-phai-ma")).status_code == 401
        assert saved_queries(settings) == {}

        made = api.post("/api/v1/saved", json=SAVED, headers=bearer(tokens["admin"]))
        assert made.status_code == 201, made.text
        assert saved_queries(settings) == {"Chuyển đổi số": SAVED["query"]}
        # Readers see the search and its link back to the search page, not where alerts go.
        listed = api.get("/api/v1/saved", headers=bearer(tokens["reader"])).json()
        assert listed == [{"name": "Chuyển đổi số", "query": SAVED["query"], "matches": "hourly", "spikes": True,
                           "search_url": "/?q=%22chuy%E1%BB%83n+%C4%91%E1%BB%95i+s%E1%BB%91%22&topic=chuyen-doi-so"}]
        assert api.get("/api/v1/saved", headers=bearer(tokens["admin"])).json()[0]["recipients"] == SAVED["recipients"]

        shapeless = api.post("/api/v1/saved", json={"name": "Thiếu"}, headers=bearer(tokens["admin"]))
        assert shapeless.status_code == 400 and "recipients: thiếu trường bắt buộc" in shapeless.json()["detail"]
        assert api.post("/api/v1/saved", json={"name": "Thiếu"}, headers=bearer(tokens["reader"])).status_code == 403
        bad = api.post("/api/v1/saved", json={**SAVED, "recipients": ["khong-phai-dia-chi"]},
                       headers=bearer(tokens["admin"]))
        assert bad.status_code == 400 and "không phải địa chỉ thư" in bad.json()["detail"]
        excluded = api.post("/api/v1/saved", json={**SAVED, "query": {"text": "-covid"}},
                            headers=bearer(tokens["admin"]))
        assert excluded.status_code == 400 and "loại trừ" in excluded.json()["detail"]
        foreign = api.post("/api/v1/saved", json={**SAVED, "name": "Khác"},
                           headers={**bearer(tokens["admin"]), "Origin": "http://trang-la.test"})
        assert foreign.status_code == 403

        assert api.delete("/api/v1/saved/Chuyển đổi số", headers=bearer(tokens["reader"])).status_code == 403
        assert api.delete("/api/v1/saved/Chuyển đổi số", headers=bearer(tokens["admin"])).status_code == 204
        assert saved_queries(settings) == {}
        assert api.delete("/api/v1/saved/Chuyển đổi số", headers=bearer(tokens["admin"])).status_code == 404


def test_a_session_changes_only_with_its_csrf_token_and_a_reader_never(
        secured: tuple[Settings, str, dict[str, str]]) -> None:
    settings, base, _ = secured
    with signed_in(base, ADMIN) as admin:
        token = csrf_of(admin.get("/").text)  # the sign-out form's, the session's token
        assert admin.post("/api/v1/saved", json=SAVED).status_code == 403
        assert admin.post("/api/v1/saved", json=SAVED, headers={"X-CSRF-Token": "doan-bua"}).status_code == 403
        assert saved_queries(settings) == {}
        assert admin.post("/api/v1/saved", json=SAVED, headers={"X-CSRF-Token": token}).status_code == 201
        assert "Lưu tìm kiếm" in admin.get("/", params={"q": "bầu cử"}).text
    with signed_in(base, READER) as reader:
        page = reader.get("/", params={"q": "bầu cử"})
        assert "Lưu tìm kiếm" not in page.text and 'action="/tim-kiem-da-luu"' not in page.text
        listed = reader.get("/tim-kiem-da-luu").text
        assert "Chuyển đổi số" in listed and "ban-tuyen-giao@binhgiang.test" not in listed and "Xóa" not in listed
        refused = reader.post("/tim-kiem-da-luu", data={"csrf": csrf_of(page.text), "ten": "Của người đọc",
                                                        "q": "bầu cử", "nguoi_nhan": "ban@binhgiang.test"})
        assert refused.status_code == 403 and "Tài khoản chỉ đọc" in refused.text
        removed = reader.post("/tim-kiem-da-luu/xoa", data={"csrf": csrf_of(page.text), "ten": "Chuyển đổi số"})
        assert removed.status_code == 403
    assert saved_queries(settings) == {"Chuyển đổi số": SAVED["query"]}


def test_without_users_this_machine_is_the_admin_and_forms_still_need_the_browsers_token(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    store = open_store(settings)
    fresh = make("http://a/bau-cu", "Cử tri góp ý bầu cử", "Cử tri góp ý về bầu cử.",
                 datetime.now(VN_TZ) - timedelta(minutes=5), topics=("bau-cu",))
    store.upsert([fresh, make("http://a/lua", "Giá lúa", "Giá lúa tăng.", datetime.now(VN_TZ) - timedelta(minutes=5))])
    store.close()
    form = {"ten": "Bầu cử", "q": "bầu cử", "topic": "bau-cu", "since": "2026-11-01", "nguoi_nhan":
            "ban@binhgiang.test, chat:http://127.0.0.1:9/hook"}
    with serve_web(settings) as base, httpx.Client(base_url=base, timeout=60) as browser, \
            httpx.Client(base_url=base, timeout=60) as other:
        page = browser.get("/", params={"q": "bầu cử", "topic": "bau-cu", "since": "2026-11-01"})
        cookie = next(c for c in page.headers.get_list("set-cookie") if c.startswith("pw_csrf="))
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert browser.post("/tim-kiem-da-luu", data=form).status_code == 403
        # A page elsewhere cannot learn the token, nor use one without the browser's cookie that goes with it.
        assert other.post("/tim-kiem-da-luu", data={**form, "csrf": csrf_of(page.text)}).status_code == 403
        assert saved_queries(settings) == {}
        saved = browser.post("/tim-kiem-da-luu", data={**form, "csrf": csrf_of(page.text)})
        assert saved.status_code == 303 and saved.headers["location"] == "/tim-kiem-da-luu"
        with AlertLog(settings.alerts_db) as log:
            [search] = log.saved_searches()
        assert search.query == {"text": "bầu cử", "topics": ["bau-cu"]}  # the dates belong to one look only
        assert search.recipients == ["ban@binhgiang.test", "chat:http://127.0.0.1:9/hook"]
        assert (search.matches, search.spikes) == ("hourly", False)  # the box left unticked
        listed = browser.get("/tim-kiem-da-luu").text
        assert 'href="/?q=b%E1%BA%A7u+c%E1%BB%AD&amp;topic=bau-cu"' in listed  # back to the same search
        tried = browser.get("/tim-kiem-da-luu/thu", params={"ten": "Bầu cử"}).text
        assert fresh.title in tried and "Giá lúa" not in tried
        with AlertLog(settings.alerts_db) as log:
            assert log.recent(10) == []  # a trial sends and records nothing
        # A name that resolves to 127.0.0.1 (DNS rebinding) gets nothing from a server without sign-in.
        assert browser.get("/", headers={"Host": "trang-la.test"}).status_code == 403
        assert browser.get("/", headers={"Host": f"localhost:{base.rsplit(':', 1)[1]}"}).status_code == 200


def test_a_search_saved_on_the_web_raises_an_alert(empty_store: ArticleStore, tmp_path: Path, inbox: tuple,
                                                   receiver: Receiver) -> None:
    settings = settings_for(tmp_path, inbox[1], receiver)
    hook = f"http://127.0.0.1:{receiver.port}/saved"
    token = Tokens(settings.tokens_file).add("he-thong", "admin")
    with serve_web(settings) as base:
        made = httpx.post(f"{base}/api/v1/saved", json={**SAVED, "recipients": [hook]}, headers=bearer(token),
                          timeout=60)
    assert made.status_code == 201, made.text
    matching = make("http://a/cds-moi", "Xã hoàn thành chuyển đổi số", "Chuyển đổi số ở xã đạt kết quả tốt.",
                    at(TODAY, 9), topics=("chuyen-doi-so",))
    other = make("http://a/khac", "Chuyển đổi số ở huyện", "Chuyển đổi số ở huyện.", at(TODAY, 10))  # no topic
    empty_store.upsert([matching, other])
    with AlertLog(settings.alerts_db) as log:
        run_checks(settings, empty_store, log, TODAY)
    [payload] = receiver.bodies("/saved")
    assert [a["title"] for a in payload["alerts"]] == [f"Bài mới khớp «Chuyển đổi số»: {matching.title}"]


def test_api_tokens_are_shown_once_kept_hashed_and_let_the_web_listen_beyond_loopback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTALWATCH_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    added = runner.invoke(app, ["users", "token", "add", "bao-cao", "--role", "admin"])
    assert added.exit_code == 0, added.output
    token = added.output.strip().splitlines()[-1]
    stored = tmp_path / "tokens.json"
    assert token.startswith("pw_") and token not in stored.read_text(encoding="utf-8")
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert Tokens(stored).check(token) is not None and Tokens(stored).check(token[:-1]) is None
    listed = runner.invoke(app, ["users", "token", "list"])
    assert "bao-cao" in listed.output and "quản trị" in listed.output and token not in listed.output

    served: list[str] = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: served.append(kwargs["host"]))
    assert runner.invoke(app, ["web", "--host", "0.0.0.0"]).exit_code == 0  # a token is authentication enough
    assert served == ["0.0.0.0"]
    assert runner.invoke(app, ["users", "token", "rm", "bao-cao"]).exit_code == 0
    assert Tokens(stored).check(token) is None
    refused = runner.invoke(app, ["web", "--host", "0.0.0.0"])
    assert refused.exit_code == 2
    assert "portalwatch users token add" in " ".join(refused.output.replace("│", " ").split())  # the panel unwrapped
    assert "Không có mã truy cập" in runner.invoke(app, ["users", "token", "rm", "bao-cao"]).output
