"""The Elasticsearch store: versioned indices behind an alias, idempotent bulk upserts, search
with and without diacritics, facets, a day or week histogram and search_after paging.

Works with Elasticsearch 8 and 9 through the official 8.x client (and, in development and CI,
with an OpenSearch node behind engine/bridge.py).
"""

import base64
import json
import re
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

import elasticsearch
from elasticsearch import Elasticsearch, helpers

from portalwatch.core import VN_TZ
from portalwatch.core.config import Settings
from portalwatch.core.models import Article, DedupKey, TopicTag, fingerprint_bytes
from portalwatch.core.normalize import has_diacritics, normalize_text
from portalwatch.store.base import (
    DIRECTIVE_FACETS,
    BadCursor,
    BulkLoads,
    Hit,
    Interval,
    SearchQuery,
    SearchResult,
    SourceFirst,
    StoredRecord,
    StoreError,
    StoreUnavailable,
    UpsertResult,
)
from portalwatch.store.query import parse, snippet

# Seconds before each new try of the documents the engine refused as too busy (429).
BUSY_BACKOFF = (2, 4, 8, 16)
_TZ = "Asia/Ho_Chi_Minh"
_VERSION = re.compile(r"-v(\d+)$")
# Fields added for search that are not part of the Article record.
_DERIVED = ("topic_ids",)
_SOURCE_BUCKETS = 2000  # more than there will ever be sources
_BULK_FIELDS = ["errors", "items.*._id", "items.*.status", "items.*.result", "items.*.error"]


def load_template(alias: str) -> dict:
    template = json.loads(resources.files("index_mappings").joinpath("articles.json").read_text(encoding="utf-8"))
    template.pop("_comment", None)
    template["index_patterns"] = [f"{alias}-v*"]
    return template


def explain(exc: Exception, url: str) -> StoreError:
    """One line naming the cause and the fix, for every way the engine can fail us."""
    if isinstance(exc, elasticsearch.AuthenticationException):
        return StoreError(f"Elasticsearch tại {url} từ chối đăng nhập (401): kiểm tra PORTALWATCH_ES_API_KEY "
                          "hoặc PORTALWATCH_ES_USERNAME/PORTALWATCH_ES_PASSWORD.")
    if isinstance(exc, elasticsearch.AuthorizationException):
        return StoreError(f"Tài khoản không đủ quyền trên Elasticsearch tại {url} (403): cần quyền quản lý "
                          "index template, chỉ mục và alias của portalwatch.")
    if isinstance(exc, elasticsearch.UnsupportedProductError):
        return StoreError(f"Máy chủ tại {url} không phải Elasticsearch 8/9; với OpenSearch hãy dùng cầu nối "
                          "engine/bridge.py (xem README).")
    if isinstance(exc, elasticsearch.SSLError):
        return StoreUnavailable(f"Lỗi TLS khi kết nối {url}: {exc}. Đặt PORTALWATCH_ES_CA_CERTS là chứng chỉ CA "
                                "của cụm.")
    if isinstance(exc, elasticsearch.ConnectionError | elasticsearch.ConnectionTimeout):
        return StoreUnavailable(f"Không kết nối được Elasticsearch tại {url}: kiểm tra PORTALWATCH_ES_URL và "
                                "mạng, hoặc khởi động engine (engine/engine.sh start).")
    if isinstance(exc, elasticsearch.ApiError):
        return _refused(exc.status_code, exc.body, str(exc.message), url)
    return StoreError(f"Lỗi Elasticsearch tại {url}: {exc}")


def _refused(status: int, body: Any, message: str, url: str) -> StoreError:
    """An error answer of the engine (of a request, or of one search in an _msearch)."""
    reason = _reason(body, message)
    if status in (502, 503, 504, 429):
        return StoreUnavailable(f"Elasticsearch tại {url} đang quá tải hoặc chưa sẵn sàng ({status}: "
                                f"{reason}); thử lại sau.")
    if not isinstance(body, dict):  # an engine always answers errors in JSON
        return StoreError(f"Máy chủ tại {url} không trả lời như Elasticsearch (HTTP {status}: {reason});"
                          " kiểm tra PORTALWATCH_ES_URL.")
    if "mapper" in reason or "illegal_argument" in reason:
        return StoreError(f"Xung đột mapping trên Elasticsearch tại {url}: {reason}. Cập nhật "
                          "index_mappings/articles.json rồi chạy `portalwatch reindex`.")
    return StoreError(f"Elasticsearch tại {url} báo lỗi {status}: {reason}")


def _reason(body: Any, message: str) -> str:
    """The engine's reason; a server that is not the engine answers with a whole page, of which a line will do."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return f"{error.get('type', '')}: {error.get('reason', '')}"
    text = " ".join(re.sub(r"<[^>]*>", " ", str(error or message)).split())
    return text if len(text) <= 160 else text[:160] + "…"


def _document(article: Article) -> str:
    """The indexed document as JSON text. pydantic's serializer writes the record many times faster
    than json.dumps of a dict; the derived fields are appended to its object."""
    derived = json.dumps({"topic_ids": article.topic_ids}, ensure_ascii=False)
    return article.model_dump_json()[:-1] + "," + derived[1:]


def _article(source: dict[str, Any]) -> Article:
    return Article.model_validate({k: v for k, v in source.items() if k not in _DERIVED})


class ElasticStore(BulkLoads):
    def __init__(self, settings: Settings, alias: str | None = None) -> None:
        self.url = settings.es_url or ""
        self.alias = alias or settings.es_alias
        auth: dict[str, Any] = {}
        if settings.es_api_key:
            auth["api_key"] = settings.es_api_key
        elif settings.es_username:
            auth["basic_auth"] = (settings.es_username, settings.es_password or "")
        if settings.es_ca_certs:
            auth["ca_certs"] = str(settings.es_ca_certs)
        self.es = Elasticsearch(self.url, request_timeout=settings.es_timeout, max_retries=5, retry_on_timeout=True,
                                retry_on_status=(429, 502, 503, 504), **auth)
        self._ready = False
        self._outdated: bool | None = None  # whether the live index predates index_mappings/, once known

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one engine call with readable errors; the index is made ready on first use, so an
        unreachable engine surfaces as StoreUnavailable from the call that needed it."""
        try:
            if not self._ready:
                self.ensure_index()
                self._ready = True
            return fn(*args, **kwargs)
        except (elasticsearch.ApiError, elasticsearch.TransportError) as exc:
            raise explain(exc, self.url) from exc

    def close(self) -> None:
        self.es.close()

    def server(self) -> str:
        """The engine's name and version, asked without touching any index (`portalwatch check`)."""
        try:
            info = self.es.info()
        except (elasticsearch.ApiError, elasticsearch.TransportError) as exc:
            raise explain(exc, self.url) from exc
        return f"{info['version'].get('distribution', 'elasticsearch')} {info['version']['number']}"

    # Index lifecycle ---------------------------------------------------------------------------

    def ensure_index(self) -> str:
        """Put the template and, if the alias is missing, create <alias>-v1 behind it (idempotent)."""
        self.es.indices.put_index_template(name=f"{self.alias}-template", **load_template(self.alias))
        current = self.current_index()
        if current:
            return current
        if self.es.indices.exists(index=self.alias):
            raise StoreError(f"'{self.alias}' là một chỉ mục thường, không phải alias: đổi PORTALWATCH_ES_ALIAS "
                             "hoặc chuyển dữ liệu sang chỉ mục có phiên bản.")
        first = f"{self.alias}-v1"
        self.es.indices.create(index=first, aliases={self.alias: {"is_write_index": True}})
        return first

    def current_index(self) -> str | None:
        if not self.es.indices.exists_alias(name=self.alias):
            return None
        return sorted(self.es.indices.get_alias(name=self.alias))[-1]

    def mapping_outdated(self) -> bool:
        """True when index_mappings/ is newer than the live index (time to `portalwatch reindex`)."""
        index = self._call(self.current_index)
        meta = self._call(self.es.indices.get_mapping, index=index)[index]["mappings"].get("_meta", {})
        return meta.get("template_version", 0) < load_template(self.alias)["version"]

    def reindex(self) -> tuple[str, str]:
        """Copy the live index into the next version and move the alias in one atomic step."""
        return self._call(self._reindex)

    def _reindex(self) -> tuple[str, str]:
        current = self.current_index()
        if current is None:
            raise StoreError(f"Chưa có chỉ mục nào sau bí danh {self.alias}: chạy portalwatch process trước.")
        match = _VERSION.search(current)
        target = f"{self.alias}-v{int(match.group(1)) + 1 if match else 2}"
        if self.es.indices.exists(index=target):
            raise StoreError(f"Chỉ mục {target} đã tồn tại (một lần reindex trước bị dừng?): xóa nó rồi chạy lại.")
        self.es.indices.create(index=target)
        # Only the fields the current mapping knows: a field an older mapping had would break its strict one.
        fields = list(load_template(self.alias)["template"]["mappings"]["properties"])
        self.es.reindex(source={"index": current, "_source": fields}, dest={"index": target},
                        wait_for_completion=True, refresh=True)
        self.es.indices.update_aliases(actions=[
            {"remove": {"index": current, "alias": self.alias}},
            {"add": {"index": target, "alias": self.alias, "is_write_index": True}},
        ])
        self._outdated = None
        return current, target

    # Writing -----------------------------------------------------------------------------------

    def upsert(self, articles: list[Article]) -> UpsertResult:
        result = UpsertResult()
        pending = {a.id: a for a in articles}
        for wait in (0, *BUSY_BACKOFF):
            if not pending:
                break
            if wait:
                time.sleep(wait)  # the engine said 429 (too busy) for some documents
            busy: dict[str, Article] = {}
            for ok, item in self._call(self._bulk, list(pending.values())):
                info = item["index"]
                if ok:
                    result.new += info.get("result") == "created"
                elif info.get("status") == 429:
                    busy[info["_id"]] = pending[info["_id"]]
                else:
                    error = info.get("error", {})
                    reason = f"{error.get('type', '')}: {error.get('reason', '')}" if isinstance(error, dict) else error
                    result.rejected[info["_id"]] = f"Elasticsearch từ chối bài ({info.get('status')}): {reason}"
            pending = busy
        if pending:  # busy, not wrong: the caller keeps the batch (the outbox) and sends it again later
            raise StoreUnavailable(f"Elasticsearch tại {self.url} vẫn quá tải (429) với {len(pending)} bài sau "
                                   f"{len(BUSY_BACKOFF)} lần thử lại: các bài chờ trong outbox, lần chạy sau gửi lại.")
        if not self._in_bulk:
            self._call(self.es.indices.refresh, index=self.alias)
        return result

    def _end_bulk(self) -> None:
        """One refresh at the end instead of one per batch (the engine's own periodic refresh goes on)."""
        self._call(self.es.indices.refresh, index=self.alias)

    def _bulk(self, articles: list[Article]) -> list[tuple[bool, dict]]:
        actions = ({"_op_type": "index", "_index": self.alias, "_id": a.id, "_source": _document(a)}
                   for a in articles)
        # Two requests in flight keep the engine busy while the next chunk is sent. The engine
        # answers with only what the loop above reads.
        return list(helpers.parallel_bulk(self.es, actions, thread_count=2, chunk_size=1000,
                                          max_chunk_bytes=10 * 1024 * 1024, raise_on_error=False,
                                          raise_on_exception=True, filter_path=_BULK_FIELDS))

    def _update(self, fields: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Partial updates (article id, fields to set): the engine rewrites each document itself."""
        actions = ({"_op_type": "update", "_index": self.alias, "_id": article_id, "doc": doc}
                   for article_id, doc in fields)
        self._call(helpers.bulk, self.es, actions, chunk_size=1000, max_retries=5)
        if not self._in_bulk:
            self._call(self.es.indices.refresh, index=self.alias)

    def set_duplicate_groups(self, groups: dict[str, str | None]) -> None:
        self._update((article_id, {"duplicate_group": group}) for article_id, group in groups.items())

    def set_topics(self, topics: dict[int | str, list[TopicTag]]) -> None:
        self._update((str(article_id), {"topics": [t.model_dump(mode="json") for t in tags],
                                        "topic_ids": [t.topic_id for t in tags]})
                     for article_id, tags in topics.items())

    def bodies(self, ids: list[str]) -> dict[str, str]:
        """Article id -> body, in one request (for fingerprints computed again)."""
        found = self._call(self.es.mget, index=self.alias, ids=ids, source=["body"]) if ids else {"docs": []}
        return {d["_id"]: d["_source"]["body"] for d in found["docs"] if d.get("found")}

    def set_fingerprints(self, fingerprints: dict[str, list[int]]) -> None:
        """Fingerprints computed again (a newer scheme)."""
        self._update((article_id, {"fingerprint": values}) for article_id, values in fingerprints.items())

    # Reading -----------------------------------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        found = self._call(self.es.options(ignore_status=404).get, index=self.alias, id=article_id)
        return _article(found["_source"]) if found.get("found") else None

    def newest_published(self) -> datetime | None:
        found = self._call(self.es.search, index=self.alias, size=1, sort=[{"published_at": "desc"}],
                           source=["published_at"], track_total_hits=False)["hits"]["hits"]
        return datetime.fromisoformat(found[0]["_source"]["published_at"]) if found else None

    def count(self) -> int:
        return self._call(self.es.count, index=self.alias)["count"]

    def _every(self, **options: Any) -> Iterator[dict[str, Any]]:
        """Every stored document from a scroll (a snapshot), one page of hits at a time."""
        hits = self._call(helpers.scan, self.es, index=self.alias, size=5000, query={"query": {"match_all": {}}},
                          **options)
        while (hit := self._call(next, hits, None)) is not None:
            yield hit

    def records(self) -> Iterator[StoredRecord]:
        for hit in self._every():
            yield StoredRecord(hit["_id"], json.dumps(hit["_source"], ensure_ascii=False).encode())

    def dedup_keys(self) -> Iterator[DedupKey]:
        fields = ["id", "content_hash", "published_at", "duplicate_group", "fingerprint"]
        for hit in self._every(_source=fields):
            found = hit["_source"]
            published = datetime.fromisoformat(found["published_at"]).timestamp()
            yield DedupKey(found["id"], found["content_hash"], published, found.get("duplicate_group"),
                           fingerprint_bytes(found.get("fingerprint") or []))

    def scan(self, query: SearchQuery) -> Iterator[Article]:
        """Every match, newest first, a page at a time after the last one's sort values (no counting,
        no aggregations, no scroll context left open on the engine)."""
        body: dict[str, Any] = {"query": _query(query, _text(query)), "size": 1000, "track_total_hits": False,
                                "sort": [{"published_at": "desc"}, {"id": "asc"}]}
        while hits := self._call(self.es.search, index=self.alias, **body)["hits"]["hits"]:
            yield from (_article(hit["_source"]) for hit in hits)
            if len(hits) < body["size"]:  # the last page: no request to learn that nothing follows
                break
            body["search_after"] = hits[-1]["sort"]

    def _check_mapping(self) -> None:
        if self._outdated is None:
            self._outdated = self.mapping_outdated()
        if self._outdated:  # the queries are written for the current mapping: answers would be wrong
            raise StoreError(f"Chỉ mục của alias {self.alias} theo mapping cũ hơn index_mappings/: chạy "
                             "`portalwatch reindex` rồi tìm lại.")

    def firsts(self, query: SearchQuery) -> list[SourceFirst]:
        self._check_mapping()
        aggs = {"sources": {"terms": {"field": "source_id", "size": _SOURCE_BUCKETS},
                            "aggs": {"first": {"min": {"field": "published_at"}}}}}
        response = self._call(self.es.search, index=self.alias, query=_query(query, _text(query)), size=0,
                              track_total_hits=False, aggs=aggs)
        # The minimum comes in epoch milliseconds; the embedded store keeps whole seconds.
        firsts = [SourceFirst(source_id=b["key"], first=datetime.fromtimestamp(int(b["first"]["value"]) // 1000, VN_TZ),
                              articles=b["doc_count"]) for b in response["aggregations"]["sources"]["buckets"]]
        return sorted(firsts, key=lambda f: (f.first, f.source_id))

    def source_histograms(self, query: SearchQuery) -> dict[str, dict[str, int]]:
        self._check_mapping()
        aggs = {"sources": {"terms": {"field": "source_id", "size": _SOURCE_BUCKETS},
                            "aggs": {"days": _days(query.interval)}}}
        response = self._call(self.es.search, index=self.alias, query=_query(query, _text(query)), size=0,
                              track_total_hits=False, aggs=aggs)
        return {b["key"]: _histogram(b["days"]) for b in response["aggregations"]["sources"]["buckets"]}

    def search(self, query: SearchQuery) -> SearchResult:
        """Two requests in one _msearch, which the node runs side by side: the page (its best matches, no
        total, so scoring may skip what cannot make the page) and the counts (total, facets, timeline,
        stories: every match, counted but not scored). Snippets are made here from the bodies the page
        brings back, by the embedded store's rule: the node's highlighter was most of a search's time."""
        self._check_mapping()
        text = _text(query)
        tree = parse(text)
        matching = _query(query, text)
        page: dict[str, Any] = {
            "query": matching,
            "size": query.limit,
            "track_total_hits": False,
            "sort": (["_score"] if text else []) + [{"published_at": "desc"}, {"id": "asc"}],
        }
        counts: dict[str, Any] = {
            "query": {"constant_score": {"filter": matching}},
            "size": 0,
            "track_total_hits": True,
            "aggs": {
                "topics": {"terms": {"field": "topic_ids", "size": 500}},
                "sources": {"terms": {"field": "source_id", "size": _SOURCE_BUCKETS}},
                "directives": {"terms": {"field": "directives", "size": DIRECTIVE_FACETS,
                                         "order": [{"_count": "desc"}, {"_key": "asc"}]}},
                "days": _days(query.interval),
                # Stories = matches - grouped matches + distinct groups among them: the distinct count runs
                # over the few grouped articles, not over every match (a third of a search's time at 300k).
                "grouped": {"filter": {"exists": {"field": "duplicate_group"}},
                            "aggs": {"groups": {"cardinality": {"field": "duplicate_group",
                                                                "precision_threshold": 40000}}}},
            },
        }
        if query.cursor:
            try:
                page["search_after"] = json.loads(base64.urlsafe_b64decode(query.cursor))
            except ValueError as exc:  # binascii.Error and JSONDecodeError are ValueErrors
                raise BadCursor(query.cursor) from exc
        else:
            page["from"] = query.offset
        found = self._call(self.es.msearch, index=self.alias, searches=[{}, page, {}, counts])["responses"]
        for response in found:
            if "error" in response:  # each search of an _msearch fails on its own, inside a 200 answer
                raise _refused(response.get("status", 500), response, "", self.url)
        hits = found[0]["hits"]["hits"]
        articles = [_article(h["_source"]) for h in hits]
        aggs = found[1]["aggregations"]
        total = found[1]["hits"]["total"]["value"]
        last_page = not hits or len(hits) < query.limit or (not query.cursor and query.offset + len(hits) >= total)
        return SearchResult(
            total=total,
            stories=total - aggs["grouped"]["doc_count"] + aggs["grouped"]["groups"]["value"],
            hits=[Hit(article=article, score=h.get("_score") or 0.0, snippet=snippet(article.body, tree))
                  for h, article in zip(hits, articles, strict=True)],
            topic_counts={b["key"]: b["doc_count"] for b in aggs["topics"]["buckets"]},
            source_counts={b["key"]: b["doc_count"] for b in aggs["sources"]["buckets"]},
            directive_counts={b["key"]: b["doc_count"] for b in aggs["directives"]["buckets"]},
            histogram=_histogram(aggs["days"]),
            next_cursor=None if last_page else base64.urlsafe_b64encode(json.dumps(hits[-1]["sort"]).encode()).decode(),
        )


def _days(interval: Interval) -> dict[str, Any]:
    """The aggregation of matches per local day or week (weeks start on Monday)."""
    return {"date_histogram": {"field": "published_at", "calendar_interval": interval, "time_zone": _TZ,
                               "format": "yyyy-MM-dd", "min_doc_count": 1}}


def _histogram(days: dict[str, Any]) -> dict[str, int]:
    return {b["key_as_string"]: b["doc_count"] for b in days["buckets"]}


def _text(query: SearchQuery) -> str:
    text = normalize_text(query.text).replace("\n", " ").strip()
    # parse() refuses what the embedded store cannot answer; no word means no text query
    return text if parse(text) is not None else ""


def _query(query: SearchQuery, text: str) -> dict[str, Any]:
    filters: list[dict[str, Any]] = []
    for field, values in (("topic_ids", query.topics), ("source_id", query.sources), ("province", query.provinces),
                          ("duplicate_group", query.stories)):
        if values:
            filters.append({"terms": {field: values}})
    if query.directive:
        filters.append({"term": {"directives": query.directive}})
    if query.since or query.until:
        bounds: dict[str, str] = {"time_zone": _TZ, "format": "yyyy-MM-dd"}
        if query.since:
            bounds["gte"] = query.since.isoformat()
        if query.until:
            bounds["lt"] = (query.until + timedelta(days=1)).isoformat()
        filters.append({"range": {"published_at": bounds}})
    if not text:
        return {"bool": {"filter": filters}}
    # User text goes to simple_query_string only: it never raises on bad syntax. Folded fields
    # decide what matches; when the query has diacritics, exact fields add score, so exact diacritics
    # rank higher (a query without any has nothing to prefer, and the second clause would score every
    # match again). Their weight puts any match as written above the folded score, however often the
    # folded word occurs, as the embedded store ranks (the title weighing more there too): at 6 and 2, "đang"
    # (currently) seven times in a short article outranked "Đảng" once in a long one.
    common = {"query": text, "default_operator": "and", "flags": "AND|OR|NOT|PHRASE|PRECEDENCE|WHITESPACE"}
    exact = ([{"simple_query_string": {**common, "fields": ["title^6000", "body^2000"]}}]
             if has_diacritics(text) else [])
    return {"bool": {
        "must": [{"simple_query_string": {**common, "fields": ["title.folded^3", "body.folded"]}}],
        "should": exact,
        "filter": filters,
    }}

