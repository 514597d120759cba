"""One query model for pages and API: request parameters become a SearchQuery here and nowhere else, and
the page's links are written back from the same parameters, so the whole state lives in the URL."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, cast, get_args
from urllib.parse import urlencode

from pydantic import ValidationError

from pipelines.directives import directive_key
from portalwatch.store.base import Interval, SearchQuery
from portalwatch.store.query import UnsupportedQuery, parse

Params = Sequence[tuple[str, str]]  # a query string's pairs, in order, repeated keys kept
PAGE_SIZE = 20
MAX_PAGE = 100
MAX_COMPARED = 4
# Parameters that state a search; paging (cursor) is dropped whenever one of them changes.
LISTED = ("topic", "source", "province")


# The parameters, as the API's OpenAPI description and its documentation page list them.
PARAMETERS: list[tuple[str, bool, str]] = [  # name, repeatable, meaning
    ("q", False, 'Từ khóa, có hoặc không dấu: "cụm từ", a | b (hoặc), -từ (loại trừ), ( ) để nhóm.'),
    ("topic", True, "Mã chủ đề, ví dụ xay-dung-dang (lặp lại: bất kỳ chủ đề nào)."),
    ("source", True, "Mã nguồn (lặp lại: bất kỳ nguồn nào)."),
    ("province", True, "Tỉnh (lặp lại: bất kỳ tỉnh nào)."),
    ("directive", False, "Số hiệu văn bản, ví dụ 35-CT/TW."),
    ("since", False, "Từ ngày, NNNN-TT-NN (giờ Việt Nam)."),
    ("until", False, "Đến ngày, NNNN-TT-NN, tính cả ngày đó."),
    ("interval", False, "Biểu đồ theo day (ngày) hoặc week (tuần)."),
    ("mode", False, "Biểu đồ theo count (số bài, mặc định) hoặc share (tỷ lệ trên tổng số bài cùng ngày/tuần)."),
    ("split", False, "Tách biểu đồ thành nhiều đường: topic (theo chủ đề) hoặc source (theo nguồn)."),
    ("cursor", False, "Mã trang sau (next_cursor của trang trước)."),
    ("limit", False, f"Số bài mỗi trang, 1 đến {MAX_PAGE} (mặc định {PAGE_SIZE})."),
]


def openapi_parameters() -> list[dict]:
    """The search parameters as OpenAPI parameter objects (read from the query string by search_query)."""
    return [{"name": name, "in": "query", "required": False, "description": meaning,
             "schema": {"type": "array", "items": {"type": "string"}} if repeated else {"type": "string"},
             **({"style": "form", "explode": True} if repeated else {})} for name, repeated, meaning in PARAMETERS]


class QueryError(ValueError):
    """A request that states no valid search; the message is Vietnamese and shown to the user as is."""


Mode = Literal["count", "share"]
Split = Literal["", "topic", "source"]


@dataclass(frozen=True)
class ChartOptions:
    """How the search's timeline is drawn: counts or shares of all coverage, one line or one per topic/source."""

    mode: Mode = "count"
    split: Split = ""


def chart_options(params: Params) -> ChartOptions:
    mode, split = _one(params, "mode") or "count", _one(params, "split")
    if mode not in get_args(Mode):
        raise QueryError(f"Kiểu biểu đồ '{mode}' không hợp lệ: chọn số bài (count) hoặc tỷ lệ (share).")
    if split not in get_args(Split):
        raise QueryError(f"Cách tách biểu đồ '{split}' không hợp lệ: chọn theo chủ đề (topic) hoặc nguồn (source).")
    return ChartOptions(cast(Mode, mode), cast(Split, split))


def _one(params: Params, key: str) -> str:
    values = [v.strip() for k, v in params if k == key and v.strip()]
    return values[-1] if values else ""


def _all(params: Params, key: str) -> list[str]:
    return list(dict.fromkeys(v.strip() for k, v in params if k == key and v.strip()))


def _date(params: Params, key: str, label: str) -> date | None:
    text = _one(params, key)
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise QueryError(f"{label} '{text}' không phải ngày dạng NNNN-TT-NN (ví dụ 2026-11-16).") from None


def search_query(params: Params, limit: int = PAGE_SIZE) -> SearchQuery:
    """The search these parameters state: q, topic…, source…, province…, directive (as the pipeline writes
    numbers: 5-ct/tw finds 05-CT/TW), since, until, interval, cursor (and limit for the API)."""
    interval = _one(params, "interval") or "day"
    if interval not in ("day", "week"):
        raise QueryError(f"Khoảng thời gian '{interval}' không hợp lệ: chọn theo ngày (day) hoặc theo tuần (week).")
    if text := _one(params, "limit"):
        if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
            raise QueryError(f"Số bài mỗi trang '{text}' phải là số từ 1 đến {MAX_PAGE}.")
        limit = int(text)
    q = _one(params, "q")
    try:
        parse(q)
    except UnsupportedQuery as exc:
        raise QueryError(str(exc)) from None
    since, until = _date(params, "since", "Từ ngày"), _date(params, "until", "Đến ngày")
    try:
        return SearchQuery(text=q, topics=_all(params, "topic"), sources=_all(params, "source"),
                           provinces=_all(params, "province"),
                           directive=directive_key(_one(params, "directive")) or None,
                           since=since, until=until, interval=cast(Interval, interval),
                           cursor=_one(params, "cursor") or None, limit=limit)
    except ValidationError as exc:  # the dates' order: the validator's own Vietnamese message
        raise QueryError("; ".join(str(e["ctx"]["error"]) if "ctx" in e else e["msg"] for e in exc.errors())
                         ) from None


def saved_params(query: dict[str, Any]) -> list[tuple[str, str]]:
    """A saved search's query (SearchQuery fields) as the search page's parameters: search_query read backwards."""
    pairs = [("q", query.get("text") or "")]
    for field, key in (("topics", "topic"), ("sources", "source"), ("provinces", "province")):
        pairs += [(key, value) for value in query.get(field, [])]
    return [*pairs, ("directive", query.get("directive") or "")]


def compared_queries(params: Params) -> list[tuple[str, SearchQuery]]:
    """The named queries of the compare page: `ten` and `q` in pairs (a row left empty is skipped, a row
    without a name is named by its text), each with the shared filters; two to four of them."""
    texts = [v for k, v in params if k == "q"]
    names = [v.strip() for k, v in params if k == "ten"]
    shared = [(k, v) for k, v in params if k not in ("q", "ten", "cursor", "limit")]
    rows = [(names[i] if i < len(names) and names[i] else text.strip(), text) for i, text in enumerate(texts)
            if text.strip()]
    if not 2 <= len(rows) <= MAX_COMPARED:
        raise QueryError(f"Cần từ 2 đến {MAX_COMPARED} truy vấn có từ khóa để so sánh (đang có {len(rows)}).")
    compared = []
    for name, text in rows:
        try:
            compared.append((name, search_query([("q", text), *shared], limit=1)))
        except QueryError as exc:
            raise QueryError(f"Truy vấn «{name}»: {exc}") from None
    return compared


def link(params: Params, path: str = "/", add: tuple[str, str] | None = None,
         remove: tuple[str, str] | None = None, cursor: str | None = None) -> str:
    """The URL of this search with one filter added or removed, or at another page (the cursor).

    Changing a filter starts again at the first page: a cursor belongs to one search."""
    kept = [(k, v) for k, v in params if v.strip() and k != "cursor" and (k, v) != remove and (k, v) != add]
    if add:
        kept.append(add)
    if cursor:
        kept.append(("cursor", cursor))
    return f"{path}?{urlencode(kept)}" if kept else path
