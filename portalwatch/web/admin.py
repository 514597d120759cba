"""Admins act, readers read: saved searches from the web (the search page's form, their own page, and the
JSON API), and the checks every state-changing request passes: the CSRF token of its session (or of the
browser, when nobody has to sign in) unless it carries its own credentials, and the admin role.

A saved search is built by flows.alerting.saved_search, the rule `portalwatch saved add` uses, from the
query web.query reads off the request: the web saves exactly what the CLI would.
"""

import asyncio
import hmac
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, Field, ValidationError

from flows.alerting import SavedSearchError, addresses, saved_search, trial
from portalwatch.core.alerts import MATCH_MODES, SavedSearch
from portalwatch.core.config import Settings
from portalwatch.core.config_files import describe_error
from portalwatch.reports.alert_delivery import render_text
from portalwatch.state.alerts import AlertLog
from portalwatch.store import open_store
from portalwatch.store.base import SearchQuery
from portalwatch.web.auth import User
from portalwatch.web.query import link, saved_params, search_query

CSRF_COOKIE = "pw_csrf"  # the forms' CSRF token while there is no session (sign-in, or nobody has to sign in)
CSRF_HEADER = "x-csrf-token"  # the same token, for API calls made from a page
SAVED_PAGE = "/tim-kiem-da-luu"
SAVED_KEYS = ("q", "topic", "source", "province", "directive")  # what the search page's form hands on


class Refused(Exception):
    """A request refused with a Vietnamese reason: a page shows it, the API returns it as `detail`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def csrf_ok(request: Request, sent: str) -> bool:
    """The token sent matches the session's (or the browser's cookie); a request whose credentials came with it
    (HTTP Basic, a bearer token) has none to match: no page can make a browser add those."""
    expected: str | None = request.state.csrf
    return expected is None or hmac.compare_digest(sent, expected)


def can_act(request: Request) -> bool:
    user: User | None = request.state.user
    return user is not None and user.role == "admin"


def acting(request: Request, sent_csrf: str) -> User:
    """The admin making this state-changing request, or Refused(403) with the reason."""
    if not csrf_ok(request, sent_csrf):
        raise Refused(403, "Thiếu hoặc sai mã chống giả mạo yêu cầu (CSRF): tải lại trang rồi thử lại.")
    if not can_act(request):
        raise Refused(403, "Tài khoản chỉ đọc: chỉ quản trị viên mới được lưu hay xóa tìm kiếm.")
    return request.state.user


async def form_pairs(request: Request) -> list[tuple[str, str]]:
    """A posted form's fields in order, repeated keys kept (no multipart: our forms send none)."""
    return parse_qsl((await request.body()).decode(errors="replace"))


def api_admin(request: Request) -> User:
    """The API's state changes: an admin's credentials, or a session with its CSRF token in a header."""
    return acting(request, request.headers.get(CSRF_HEADER, ""))


class SavedIn(BaseModel):
    """A saved search as the API takes it; `query` has `/api/v1/saved`'s fields (text, topics, sources,
    provinces, directive)."""

    name: str
    query: dict[str, Any] = Field(default_factory=dict)
    recipients: list[str]
    matches: str = "hourly"
    spikes: bool = True


def install(app: FastAPI, settings: Settings, page: Callable[..., HTMLResponse]) -> None:
    """Add the saved-search pages and API to `app`, and the refusals' rendering."""
    router = APIRouter()

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Exception) -> Response:
        status = exc.status if isinstance(exc, Refused) else 400
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status)
        return page(request, "error.html", status, message=str(exc))

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, exc: Exception) -> Response:
        """A JSON body not of the documented shape: 400 with the first problem in Vietnamese, not FastAPI's 422."""
        errors = exc.errors() if isinstance(exc, RequestValidationError) else []
        where = ".".join(str(part) for part in errors[0]["loc"][1:]) if errors else ""
        problem = describe_error(errors[0]) if errors else str(exc)
        return JSONResponse({"detail": f"Nội dung yêu cầu không hợp lệ: {where}: {problem}."}, 400)

    def searches() -> list[SavedSearch]:
        with AlertLog(settings.alerts_db) as log:
            return log.saved_searches()

    def save(search: SavedSearch) -> bool:
        with AlertLog(settings.alerts_db) as log:
            return log.save_search(search)

    def remove(name: str) -> None:
        with AlertLog(settings.alerts_db) as log:
            if not log.remove_search(name):
                raise Refused(404, f"Không có tìm kiếm đã lưu nào tên «{name}».")

    def built(name: str, query: SearchQuery, recipients: list[str], matches: str, spikes: bool) -> SavedSearch:
        try:
            return saved_search(name, query, recipients, matches, spikes)
        except SavedSearchError as exc:
            raise Refused(400, f"Chưa lưu được: {exc}.") from None

    def described(search: SavedSearch, admin: bool) -> dict[str, Any]:
        """A saved search for the API; recipients (a chat webhook's address is its secret) for admins only."""
        return {"name": search.name, "query": search.query, "search_url": link(saved_params(search.query)),
                "matches": search.matches, "spikes": search.spikes,
                **({"recipients": search.recipients} if admin else {})}

    # ------------------------------------------------------------------ pages

    @router.get(SAVED_PAGE, response_class=HTMLResponse, include_in_schema=False)
    async def saved_page(request: Request) -> HTMLResponse:
        listed = [(s, saved_params(s.query)) for s in await asyncio.to_thread(searches)]
        return page(request, "saved.html", searches=listed, admin=can_act(request), modes=MATCH_MODES)

    @router.post(SAVED_PAGE, include_in_schema=False)
    async def save_from_search_page(request: Request) -> Response:
        form = await form_pairs(request)
        fields = dict(form)
        acting(request, fields.get("csrf", ""))
        query = search_query([(k, v) for k, v in form if k in SAVED_KEYS])  # the search page's own reading
        search = built(fields.get("ten", ""), query, addresses(fields.get("nguoi_nhan", "")),
                       fields.get("bai_moi", "hourly"), fields.get("dot_bien") == "1")
        await asyncio.to_thread(save, search)
        return RedirectResponse(SAVED_PAGE, 303)

    @router.post(f"{SAVED_PAGE}/xoa", include_in_schema=False)
    async def remove_from_page(request: Request) -> Response:
        fields = dict(await form_pairs(request))
        acting(request, fields.get("csrf", ""))
        await asyncio.to_thread(remove, fields.get("ten", ""))
        return RedirectResponse(SAVED_PAGE, 303)

    @router.get(f"{SAVED_PAGE}/thu", response_class=HTMLResponse, include_in_schema=False)
    async def trial_page(request: Request, ten: str = "") -> HTMLResponse:
        """What a check run now would send for one saved search, as `portalwatch saved test` prints it."""
        def run() -> tuple[SavedSearch | None, str]:
            store = open_store(settings)
            try:
                with AlertLog(settings.alerts_db) as log:
                    search = next((s for s in log.saved_searches() if s.name == ten), None)
                    return search, render_text(trial(store, log, search, settings)) if search else ""
            finally:
                store.close()

        search, text = await asyncio.to_thread(run)
        if search is None:
            raise Refused(404, f"Không có tìm kiếm đã lưu nào tên «{ten}».")
        return page(request, "saved_trial.html", search=search, text=text)

    # ------------------------------------------------------------------ API

    @router.get("/api/v1/saved", summary="Các tìm kiếm đã lưu (người nhận chỉ hiện với quản trị viên)")
    async def api_saved(request: Request) -> JSONResponse:
        admin = can_act(request)
        return JSONResponse([described(s, admin) for s in await asyncio.to_thread(searches)])

    @router.post("/api/v1/saved", summary="Lưu (hoặc sửa, cùng tên) một tìm kiếm; chỉ quản trị viên",
                 status_code=201, dependencies=[Depends(api_admin)])
    async def api_save(body: SavedIn) -> JSONResponse:
        try:
            query = SearchQuery.model_validate(body.query)
        except ValidationError as exc:
            raise Refused(400, f"Truy vấn không hợp lệ: {describe_error(exc.errors()[0])}.") from None
        search = built(body.name, query, body.recipients, body.matches, body.spikes)
        new = await asyncio.to_thread(save, search)
        return JSONResponse(described(search, True), 201 if new else 200)

    @router.delete("/api/v1/saved/{name:path}", summary="Xóa một tìm kiếm đã lưu; chỉ quản trị viên",
                   status_code=204, dependencies=[Depends(api_admin)])
    async def api_remove(name: str) -> Response:
        await asyncio.to_thread(remove, name)
        return Response(status_code=204)

    app.include_router(router)
