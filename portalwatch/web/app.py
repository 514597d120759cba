"""The FastAPI application: Vietnamese pages rendered on the server, and the JSON API under /api/v1.

Pages and API take their search from web.query and their data from web.data, so both answer alike.
"""

import asyncio
import base64
import binascii
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from pipelines.directives import directive_key
from portalwatch.core import VN_TZ
from portalwatch.core.config import Settings
from portalwatch.core.plans import load_plans
from portalwatch.core.sources import configured_sources
from portalwatch.reports.charts import svg_png, timeline_svg
from portalwatch.reports.neutralise import html_snippet, web_url
from portalwatch.reports.revisions import Version, article_versions
from portalwatch.store import open_store
from portalwatch.store.base import ArticleStore, SearchQuery, StoreError, newest_published
from portalwatch.web import data
from portalwatch.web.admin import CSRF_COOKIE, can_act, csrf_ok, form_pairs, install
from portalwatch.web.auth import LOCAL_ADMIN, ROLES, Session, Sessions, Tokens, User, Users, authenticating, is_loopback
from portalwatch.web.query import QueryError, chart_options, compared_queries, link, openapi_parameters, search_query

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "pw_session"
# No inline script or style anywhere; htmx runs from our own file with eval turned off (see base.html).
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
OPEN_PATHS = ("/dang-nhap", "/static/")
# A stored digest is e-mail HTML: inline styles and embedded charts, never a script, shown sandboxed.
DIGEST_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
DIGEST_FILE = re.compile(r"(?P<week>\d{4}-W\d{2})\.(?P<fmt>html|md|json|csv)")
DIGEST_TYPES = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8",
                "json": "application/json", "csv": "text/csv; charset=utf-8"}
T = TypeVar("T")


class StoreWorker:
    """The store opened on one thread and used only there (SQLite connections belong to their thread);
    requests wait their turn for it without holding up the event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.thread = ThreadPoolExecutor(1, thread_name_prefix="portalwatch-store")
        self.store: ArticleStore | None = None

    def _call(self, fn: Callable[[ArticleStore], T]) -> T:
        if self.store is None:
            self.store = open_store(self.settings)
        return fn(self.store)

    async def run(self, fn: Callable[[ArticleStore], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.thread, self._call, fn)

    async def close(self) -> None:
        if self.store is not None:
            await asyncio.get_running_loop().run_in_executor(self.thread, self.store.close)
        self.thread.shutdown()


async def stream_on_own_thread(settings: Settings, produce: Callable[[ArticleStore], Iterator[str]]
                               ) -> AsyncIterator[bytes]:
    """A long export on a thread and store of its own, so pages stay quick while it streams."""
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(1, thread_name_prefix="portalwatch-export") as thread:
        store = await loop.run_in_executor(thread, open_store, settings)
        try:
            pieces = await loop.run_in_executor(thread, produce, store)
            while (piece := await loop.run_in_executor(thread, next, pieces, None)) is not None:
                yield piece.encode()
        finally:
            await loop.run_in_executor(thread, store.close)


def _local(value: datetime | None, pattern: str = "%d/%m/%Y %H:%M") -> str:
    return value.astimezone(VN_TZ).strftime(pattern) if value else ""


def _delay(value: Any) -> str:
    minutes = int(value.total_seconds() // 60)
    if minutes == 0:
        return "bản đầu tiên"
    hours, minutes = divmod(minutes, 60)
    return f"sau {hours} giờ {minutes} phút" if hours else f"sau {minutes} phút"


async def _chart_file(svg: Markup, fmt: str, name: str) -> Response:
    """A chart to download: the SVG drawn for the page, or that same SVG rasterised."""
    if fmt == "png":
        body: bytes | str = await asyncio.to_thread(svg_png, str(svg))
    elif fmt == "svg":
        body = str(svg)
    else:
        return JSONResponse({"detail": "Biểu đồ chỉ tải được dạng svg hoặc png."}, 404)
    return Response(body, media_type="image/png" if fmt == "png" else "image/svg+xml",
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


def _mtime(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


@lru_cache(maxsize=4)
def _names(taxonomy: Path, _taxonomy_mtime: float, sources: Path, _sources_mtime: float) -> dict[str, dict[str, str]]:
    """Topic and source names by id; ids stand in for what is not configured."""
    from pipelines.tagging import load_taxonomy

    configured = configured_sources(sources)
    return {"topics": dict(load_taxonomy(taxonomy).names), "sources": {s.id: s.name for s in configured}}


def _api_user(request: Request, users: Users, tokens: Tokens) -> User | None:
    """API clients send HTTP Basic or a bearer token on every request (no cookie, so no CSRF to fear)."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return tokens.check(credentials.strip())
    if scheme.lower() != "basic":
        return None
    try:
        name, _, password = base64.b64decode(credentials).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return users.check(name, password)


def _same_origin(request: Request) -> bool:
    """A state-changing request must come from our own pages: a browser always sends Origin on a POST."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def create_app(settings: Settings) -> FastAPI:
    worker = StoreWorker(settings)
    users, tokens = Users(settings.users_file), Tokens(settings.tokens_file)
    sessions = Sessions()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await worker.close()

    app = FastAPI(title="portalwatch", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url="/api/v1/openapi.json")
    # Pages, API answers and static files compressed for clients that accept it: a year's daily timeline
    # alone is 40 KB of SVG. Compressing pages that echo the query beside a CSRF token is safe because the
    # session cookie is SameSite=strict: another site cannot get a page with the token rendered.
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)  # 9 takes twice as long, 3 % smaller
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update(local=_local, web_url=web_url, delay=_delay, marked=html_snippet)
    env.globals.update(link=link, roles=ROLES)
    templates = Jinja2Templates(env=env)

    def names() -> dict[str, dict[str, str]]:
        """Topic and source names for labels, read again only when their files change."""
        return _names(settings.taxonomy, _mtime(settings.taxonomy), settings.sources_file,
                      _mtime(settings.sources_file))

    def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        session: Session | None = request.state.session
        return templates.TemplateResponse(request, template, {"session": session, "csrf": request.state.csrf,
                                                              "can_act": can_act(request), **names(), **context},
                                          status_code=status)

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Who asks (a session, an API credential, or the local admin while nobody has to sign in), the forms'
        CSRF token, same-origin state changes, the security headers, and the app's own time to the response's
        start (Server-Timing: browsers' tools and the benchmark read it)."""
        started = time.perf_counter()
        session = request.state.session = sessions.get(request.cookies.get(SESSION_COOKIE))
        signing_in = await asyncio.to_thread(authenticating, settings.users_file, settings.tokens_file)
        request.state.user = session.user if session else None if signing_in else LOCAL_ADMIN
        request.state.csrf = session.csrf if session else request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        path = request.url.path
        if request.method not in ("GET", "HEAD") and not _same_origin(request):
            response: Response = JSONResponse({"detail": "Yêu cầu không đến từ trang của portalwatch."}, 403)
        elif not signing_in and not is_loopback(urlsplit(f"//{request.headers.get('host', '')}").hostname or ""):
            # Without sign-in only this machine may ask: a page on a name resolving to 127.0.0.1 (DNS rebinding)
            # would otherwise read our pages, their CSRF token included, as its own.
            response = JSONResponse({"detail": "Máy chủ chưa có người dùng chỉ trả lời địa chỉ 127.0.0.1."}, 403)
        elif signing_in and session is None and not path.startswith(OPEN_PATHS):
            if path.startswith("/api/"):
                user = request.state.user = await asyncio.to_thread(_api_user, request, users, tokens)
                request.state.csrf = None  # credentials sent by the client itself: nothing for a page to forge
                response = await call_next(request) if user else JSONResponse(
                    {"detail": "Cần đăng nhập (mã truy cập Bearer, HTTP Basic hoặc phiên đăng nhập)."}, 401,
                    headers={"WWW-Authenticate": 'Bearer realm="portalwatch", Basic realm="portalwatch"'})
            else:
                here = path + (f"?{request.url.query}" if request.url.query else "")  # back to this very page
                response = RedirectResponse(link([("next", here)], "/dang-nhap"), 303)
        else:
            response = await call_next(request)
        if (session is None and request.state.csrf and CSRF_COOKIE not in request.cookies
                and response.headers.get("content-type", "").startswith("text/html")):  # a page whose forms need it
            response.set_cookie(CSRF_COOKIE, request.state.csrf, httponly=True, samesite="strict", path="/",
                                secure=request.url.scheme == "https")
        response.headers.setdefault("Content-Security-Policy", CSP)  # a stored digest brings its own
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response

    @app.exception_handler(QueryError)
    @app.exception_handler(StoreError)
    async def refused(request: Request, exc: Exception) -> Response:
        """A query that states no search, or a store's refusal: 400 with the Vietnamese reason."""
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, 400)
        return page(request, "error.html", 400, message=str(exc))

    # ------------------------------------------------------------------ pages

    @app.get("/", response_class=HTMLResponse)
    async def search_page(request: Request) -> HTMLResponse:
        params = list(request.query_params.multi_items())
        try:
            query, options = search_query(params), chart_options(params)
        except QueryError as exc:  # the form is shown again with the reason above it
            return page(request, "search.html", params=params, error=str(exc), view=None,
                        data_until=await worker.run(newest_published))
        view = await worker.run(lambda store: data.search(store, query, options))
        return page(request, "search.html", params=params, error=None, view=view, query=query,
                    data_until=view.data_until, chart=view.timeline.chart(names()) if view.result.total else None)

    @app.get("/so-sanh", response_class=HTMLResponse)
    async def compare_page(request: Request) -> HTMLResponse:
        params = list(request.query_params.multi_items())
        if not any(k == "q" and v.strip() for k, v in params):  # a first visit: the empty form, no reproach
            return page(request, "compare.html", params=params, error=None, view=None)
        try:
            queries = compared_queries(params)
        except QueryError as exc:
            return page(request, "compare.html", params=params, error=str(exc), view=None)
        view = await worker.run(lambda store: data.compare(store, queries))
        return page(request, "compare.html", params=params, error=None, view=view,
                    chart=view.chart(queries[0][1].interval))

    @app.get("/bai/{article_id}", response_class=HTMLResponse)
    async def article_page(request: Request, article_id: str) -> HTMLResponse:
        view = await worker.run(lambda store: data.article(store, article_id))
        if view is None:
            return page(request, "error.html", 404, message=f"Không có bài viết mã {article_id} trong kho.")
        return page(request, "article.html", view=view, versions=await versions(view.article.url))

    async def versions(url: str) -> list[Version]:
        return await asyncio.to_thread(article_versions, settings.archive_db, settings.sources_file, url)

    async def grids() -> list[data.PlanGrid]:
        plans = await asyncio.to_thread(load_plans, settings.plans_file)
        configured = [s.id for s in configured_sources(settings.sources_file)]
        return await worker.run(lambda store: data.plan_grids(store, plans, configured))

    @app.get("/ke-hoach", response_class=HTMLResponse)
    async def plans_page(request: Request) -> HTMLResponse:
        return page(request, "plans.html", grids=await grids())

    async def spread(number: str, query: SearchQuery) -> data.DirectiveSpread:
        """A number as typed (5-ct/tw) is looked up as the pipeline stores it (05-CT/TW)."""
        return await worker.run(lambda store: data.spread(store, directive_key(number), query,
                                                          list(names()["sources"])))

    def spread_chart(chosen: data.DirectiveSpread) -> Markup:
        return timeline_svg({chosen.number: chosen.curve()}, "day", counted="nguồn đã dẫn")

    @app.get("/van-ban", response_class=HTMLResponse)
    async def directives_page(request: Request) -> HTMLResponse:
        """The directives cited (within the filters), and the chosen one's spread (?so=35-CT/TW)."""
        params = list(request.query_params.multi_items())
        try:
            query = search_query(params)
        except QueryError as exc:
            return page(request, "directives.html", params=params, error=str(exc), counts={}, spread=None)
        counts = await worker.run(lambda store: data.directive_counts(store, query))
        number = request.query_params.get("so", "").strip()
        chosen = await spread(number, query) if number else None
        chart = spread_chart(chosen) if chosen and chosen.firsts else None
        return page(request, "directives.html", params=params, error=None, counts=counts, spread=chosen, chart=chart)

    @app.get("/van-ban/bieu-do.{fmt}")
    async def spread_download(request: Request, fmt: str) -> Response:
        number = request.query_params.get("so", "").strip()
        chosen = await spread(number, search_query(list(request.query_params.multi_items()))) if number else None
        if chosen is None or not chosen.firsts:
            return JSONResponse({"detail": f"Không bài nào dẫn văn bản «{number}»: không có biểu đồ."}, 404)
        return await _chart_file(spread_chart(chosen), fmt, "portalwatch-van-ban")

    async def source_rows() -> list[data.SourceView]:
        activity = await worker.run(lambda store: data.source_activity(store, list(names()["sources"])))
        return await asyncio.to_thread(data.sources, settings, activity)

    @app.get("/nguon", response_class=HTMLResponse)
    async def sources_page(request: Request) -> HTMLResponse:
        return page(request, "sources.html", rows=await source_rows(), now=datetime.now(UTC))

    @app.get("/nguon/bieu-do.{fmt}")
    async def source_download(request: Request, fmt: str) -> Response:
        """One source's articles per day (?source=…), the small chart of the Nguồn page."""
        source = request.query_params.get("source", "")
        if source not in names()["sources"]:
            return JSONResponse({"detail": f"Không có nguồn «{source}» trong danh mục."}, 404)
        activity = await worker.run(lambda store: data.source_activity(store, [source]))
        if not activity:
            return JSONResponse({"detail": "Kho chưa có bài viết nào: không có biểu đồ."}, 404)
        return await _chart_file(data.activity_chart(activity[source]), fmt, f"portalwatch-nguon-{source}")

    def digest_weeks() -> list[str]:
        """The weeks with a written digest, newest first."""
        return sorted((p.name.removeprefix("digest-").removesuffix(".json")
                       for p in settings.digest_dir.glob("digest-*.json")), reverse=True)

    @app.get("/ban-tin", response_class=HTMLResponse)
    async def digests_page(request: Request) -> HTMLResponse:
        return page(request, "digests.html", weeks=digest_weeks())

    @app.get("/ban-tin/{name}")
    async def digest_file(request: Request, name: str) -> Response:
        """One written digest file (the names are checked: nothing outside the digest folder is served)."""
        found = DIGEST_FILE.fullmatch(name)
        path = settings.digest_dir / f"digest-{name}"
        if found is None or not path.is_file():
            return page(request, "error.html", 404, message=f"Không có bản tin {name}.")
        inline = found["fmt"] == "html"
        return FileResponse(path, media_type=DIGEST_TYPES[found["fmt"]],
                            content_disposition_type="inline" if inline else "attachment",
                            filename=f"portalwatch-ban-tin-{name}",
                            headers={"Content-Security-Policy": DIGEST_CSP} if inline else None)

    @app.get("/xuat.csv")
    async def export_csv(request: Request) -> Response:
        query = search_query(list(request.query_params.multi_items()))
        return StreamingResponse(
            stream_on_own_thread(settings, lambda store: data.csv_export(store, query)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="portalwatch-tim-kiem.csv"'})

    @app.get("/bieu-do.{fmt}")
    async def timeline_download(request: Request, fmt: str) -> Response:
        params = list(request.query_params.multi_items())
        query, options = search_query(params, limit=1), chart_options(params)
        timeline = await worker.run(lambda store: data.timeline(store, query, store.search(query), options))
        return await _chart_file(timeline.chart(names()), fmt, "portalwatch-bieu-do")

    @app.get("/so-sanh/bieu-do.{fmt}")
    async def compare_download(request: Request, fmt: str) -> Response:
        queries = compared_queries(list(request.query_params.multi_items()))
        view = await worker.run(lambda store: data.compare(store, queries))
        return await _chart_file(view.chart(queries[0][1].interval), fmt, "portalwatch-so-sanh")

    @app.get("/dang-nhap", response_class=HTMLResponse)
    async def login_form(request: Request, next: str = "/") -> HTMLResponse:
        return page(request, "login.html", next=next, name="", error=None)

    @app.post("/dang-nhap", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        form = dict(await form_pairs(request))
        target = form.get("next", "/")
        target = target if target.startswith("/") and not target.startswith("//") else "/"  # no open redirect
        if not csrf_ok(request, form.get("csrf", "")):
            return page(request, "login.html", 403, next=target, name=form.get("name", ""),
                        error="Phiên đăng nhập đã hết hạn; tải lại trang rồi đăng nhập lại.")
        user = await asyncio.to_thread(users.check, form.get("name", ""), form.get("password", ""))
        if user is None:
            return page(request, "login.html", 401, next=target, name=form.get("name", ""),
                        error="Sai tên đăng nhập hoặc mật khẩu.")
        cookie, _ = sessions.start(user)
        response = RedirectResponse(target, 303)
        response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="strict", path="/",
                            secure=request.url.scheme == "https")
        return response

    @app.post("/dang-xuat")
    async def logout(request: Request) -> Response:
        form = dict(await form_pairs(request))
        if request.state.session is None or not csrf_ok(request, form.get("csrf", "")):
            return JSONResponse({"detail": "Thiếu mã chống giả mạo yêu cầu (CSRF)."}, 403)
        sessions.end(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/dang-nhap", 303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    install(app, settings, page)

    # ------------------------------------------------------------------ API

    @app.get("/api/v1/docs", response_class=HTMLResponse, include_in_schema=False)
    async def api_docs(request: Request) -> HTMLResponse:
        """The OpenAPI description as a page of our own (FastAPI's pages load scripts from a CDN)."""
        return page(request, "api.html", spec=app.openapi())

    @app.get("/api/v1/search", summary="Tìm bài viết: kết quả, số bài theo chủ đề và nguồn, biểu đồ thời gian",
             openapi_extra={"parameters": openapi_parameters()})
    async def api_search(request: Request) -> JSONResponse:
        params = list(request.query_params.multi_items())
        query, options = search_query(params), chart_options(params)
        view = await worker.run(lambda store: data.search(store, query, options))
        result, timeline = view.result, view.timeline
        return JSONResponse({
            "total": result.total, "stories": result.stories, "topic_counts": result.topic_counts,
            "source_counts": result.source_counts, "directive_counts": result.directive_counts,
            "histogram": result.histogram, "interval": query.interval,
            "hits": [{"snippet": h.snippet, "score": h.score, "story_size": view.story_sizes[h.article.id],
                      **h.article.model_dump(mode="json", exclude={"fingerprint"})} for h in result.hits],
            "next_cursor": result.next_cursor,
            "data_until": view.data_until.isoformat() if view.data_until else None,
            "timeline": {"interval": query.interval, "mode": options.mode, "split": options.split,
                         "series": [{"key": key, "counts": timeline.counts[key], "values": values}
                                    for key, values in timeline.values().items()],
                         "totals": timeline.totals},
        })

    @app.get("/api/v1/compare", summary="So sánh 2 đến 4 truy vấn có tên (ten, q theo cặp; các bộ lọc khác dùng chung)")
    async def api_compare(request: Request) -> JSONResponse:
        queries = compared_queries(list(request.query_params.multi_items()))
        view = await worker.run(lambda store: data.compare(store, queries))
        return JSONResponse({"queries": [{"name": name, "total": r.total, "stories": r.stories,
                                          "histogram": r.histogram, "source_counts": r.source_counts}
                                         for name, r in view.results.items()], "sources": view.sources})

    def copies_json(copies: list[data.Copy]) -> list[dict[str, Any]]:
        return [{"id": c.article.id, "source_id": c.article.source_id, "title": c.article.title,
                 "url": c.article.url, "published_at": c.article.published_at.isoformat(),
                 "delay_minutes": int(c.delay.total_seconds() // 60)} for c in copies]

    @app.get("/api/v1/stories/{story_id}", summary="Một tin và các bản đăng lại của nó, theo thời gian đăng")
    async def api_story(story_id: str) -> JSONResponse:
        copies = await worker.run(lambda store: data.story(store, story_id))
        if not copies:
            return JSONResponse({"detail": f"Không có tin mã {story_id}."}, 404)
        return JSONResponse({"story_id": story_id, "copies": copies_json(copies)})

    @app.get("/api/v1/digests", summary="Các bản tin tuần đã viết, mới nhất trước, với địa chỉ từng tệp")
    async def api_digests() -> JSONResponse:
        return JSONResponse([{"week": week, "files": {fmt: f"/ban-tin/{week}.{fmt}" for fmt in DIGEST_TYPES
                                                      if (settings.digest_dir / f"digest-{week}.{fmt}").is_file()}}
                             for week in await asyncio.to_thread(digest_weeks)])

    @app.get("/api/v1/digests/{week}", summary="Nội dung một bản tin tuần (JSON), ví dụ 2026-W47")
    async def api_digest(week: str) -> Response:
        path = settings.digest_dir / f"digest-{week}.json"
        if not DIGEST_FILE.fullmatch(f"{week}.json") or not path.is_file():
            return JSONResponse({"detail": f"Không có bản tin tuần {week}."}, 404)
        return FileResponse(path, media_type="application/json")

    @app.get("/api/v1/articles/{article_id}", summary="Một bài viết, các bản của cùng tin và bài cùng nguồn trong tuần")
    async def api_article(article_id: str) -> JSONResponse:
        view = await worker.run(lambda store: data.article(store, article_id))
        if view is None:
            return JSONResponse({"detail": f"Không có bài viết mã {article_id}."}, 404)
        stored = await versions(view.article.url)
        return JSONResponse({
            "article": view.article.model_dump(mode="json", exclude={"fingerprint"}),
            "copies": copies_json(view.copies),
            "same_source_week": [{"id": a.id, "title": a.title, "published_at": a.published_at.isoformat()}
                                 for a in view.same_week],
            "versions": [{"fetched_at": v.fetched_at.isoformat(), "title": v.title, "characters": v.characters,
                          "error": v.error, "change": asdict(v.change) if v.change else None} for v in stored],
        })

    @app.get("/api/v1/sources", summary="Tình trạng thu thập từng nguồn, lần thu thập tới và lý do, các trang bị "
                                        "bỏ qua, số bài mỗi ngày trong 30 ngày tới bài mới nhất")
    async def api_sources() -> JSONResponse:
        rows, now = await source_rows(), datetime.now(UTC)
        return JSONResponse([{
            "id": r.source.id, "name": r.source.name, "status": r.health.last.status if r.health.last else None,
            "status_text": r.health.status, "problem": r.health.problem,
            "last_crawl": r.health.last.started_at.isoformat() if r.health.last else None,
            "backoff_until": r.health.backoff_until.isoformat() if r.health.backoff_until else None,
            # A crawl already due is due now (a source never crawled is due since the beginning of time).
            "next_crawl": max(r.next_crawl.due_at, now).isoformat(), "reason": r.next_crawl.reason,
            "skips": r.skips, "skip_reasons": dict(r.reasons), "daily": r.daily} for r in rows])

    @app.get("/api/v1/plans", summary="Kế hoạch tuyên truyền: số bài về các chủ đề của kế hoạch theo nguồn và tuần")
    async def api_plans() -> JSONResponse:
        return JSONResponse([{
            "name": g.plan.name, "from": g.plan.start.isoformat(), "until": g.plan.until.isoformat(),
            "topics": g.plan.topics, "weeks": [w.isoformat() for w in g.weeks],
            "counts": {source: {w.isoformat(): n for w, n in row.items()} for source, row in g.counts.items()},
            "share": {w.isoformat(): g.share(w) for w in g.weeks}} for g in await grids()])

    @app.get("/api/v1/directives", summary="Văn bản được các bài khớp bộ lọc dẫn, nhiều bài nhất trước",
             openapi_extra={"parameters": openapi_parameters()})
    async def api_directives(request: Request) -> JSONResponse:
        query = search_query(list(request.query_params.multi_items()))
        counts = await worker.run(lambda store: data.directive_counts(store, query))
        return JSONResponse([{"number": number, "articles": n} for number, n in counts.items()])

    # A number holds "/" (35-CT/TW): the rest of the path is the number.
    @app.get("/api/v1/directives/{number:path}", openapi_extra={"parameters": openapi_parameters()},
             summary="Một văn bản: lần đầu mỗi nguồn dẫn, số bài, số nguồn đã dẫn theo ngày, các nguồn chưa dẫn")
    async def api_directive(request: Request, number: str) -> JSONResponse:
        if not number.strip():  # no number would mean no directive filter: every source's first article
            return JSONResponse({"detail": "Thiếu số hiệu văn bản, ví dụ /api/v1/directives/35-CT/TW."}, 404)
        found = await spread(number, search_query(list(request.query_params.multi_items())))
        return JSONResponse({
            "number": found.number,
            "sources": [{"source_id": f.source_id, "first_cited": f.first.isoformat(), "articles": f.articles}
                        for f in found.firsts],
            "silent": found.silent, "curve": found.curve()})

    @app.get("/api/v1/health", summary="Tình trạng máy chủ và kho bài viết")
    async def api_health() -> JSONResponse:
        articles = await worker.run(lambda store: store.count())
        until = await worker.run(newest_published)
        return JSONResponse({"status": "ok", "store": "elasticsearch" if settings.es_url else "sqlite",
                             "articles": articles, "data_until": until.isoformat() if until else None})

    return app
