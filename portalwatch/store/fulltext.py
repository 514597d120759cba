"""The embedded store's search index: tantivy (Python bindings of a Rust Lucene-class engine, no
server) beside the SQLite records, which stay the truth it is rebuilt from.

It holds what searching, filtering and counting read, and nothing to show: the folded title and body
(positions kept, for phrases), the filters as raw terms, and fast columns for the facets, the timeline,
the story count and the order of the pages. Matching and facets run in Rust over compressed columns,
so a query costs what its matches cost there, not a row lookup per match in Python.

The folding analyzer (ASCII folding, which maps đ to d as Unicode decomposition does not, then lowercase)
is registered again each time the index is opened: tantivy stores its name, not the analyzer. Folding
first leaves the lowercasing ASCII words, which tantivy lowers in place: the other order lowers each
Vietnamese word through Unicode tables into a new string, a fifth of the index's CPU time per article.
No filter drops long words: tantivy skips a token too long for it by itself (a 200,000-letter one was
indexed beside its neighbours without error), and a filter for it cost 7 % of the index's CPU time. Indexes
built with one (version 3) lack the words of over 64 letters, which no query of real text asks for: they
are not rebuilt for it.
"""

import shutil
import time
from collections.abc import Container
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import tantivy
from tantivy import FieldType, Occur, Query

from portalwatch.core import VN_TZ
from portalwatch.core.models import Article
from portalwatch.store.base import DIRECTIVE_FACETS, Interval, SearchQuery, SourceFirst, StoreUnavailable
from portalwatch.store.query import And, Node, Not, Or, Term

# Bumped whenever the fields below change: an index of another version is rebuilt from the records.
# 2: directives became a fast column (the directive facet and each source's first citation).
# 3: folded before lowercased (the same words for Vietnamese; a few rare letters, such as small capitals,
# come out otherwise).
VERSION = 3
_FOLD = "vi_fold"
# What the exact-diacritics re-ranking and the title weight need (bm25 weights title 5, body 1).
TITLE_BOOST = 5.0
# Writer memory, split across its threads; it writes a segment when full.
_WRITER_HEAP = 256 << 20
_WRITER_THREADS = 2
# Another process (a second `process`, a `retag`) may be writing: wait for its lock this long.
WRITER_WAIT = 60.0
# Terms aggregations return at most this many buckets: more than sources or topics will ever be.
_BUCKETS = 65_000
# Local day and week buckets of epoch seconds: Vietnam keeps UTC+7 all year; weeks start on Monday
# (1970-01-05 00:00 local is 320,400 s after the epoch).
_DAY = 86_400
_OFFSETS = {"day": _DAY - 7 * 3_600, "week": 4 * _DAY - 7 * 3_600}
_WIDTHS = {"day": _DAY, "week": 7 * _DAY}


@dataclass(frozen=True)
class Facets:
    total: int
    stories: int
    topic_counts: dict[str, int]
    source_counts: dict[str, int]
    directive_counts: dict[str, int]
    histogram: dict[str, int]


def _order_key(published_ts: int, rid: int) -> int:
    """Newest first, then the later record: one integer, so pages can resume after a key."""
    return (published_ts << 32) | (rid & 0xFFFFFFFF)


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("rid", indexed=True, fast=True)
    builder.add_integer_field("order", indexed=True, fast=True)
    builder.add_integer_field("published", indexed=True, fast=True)
    builder.add_integer_field("grouped", fast=True)  # 1 for an article in a duplicate group, else 0
    builder.add_text_field("title", tokenizer_name=_FOLD)
    builder.add_text_field("body", tokenizer_name=_FOLD)
    for name in ("source", "province", "topics", "directives", "group"):
        builder.add_text_field(name, tokenizer_name="raw", fast=name != "province",
                               index_option="basic")
    return builder.build()


class FullTextIndex:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.schema = _schema()
        self.analyzer = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                         .filter(tantivy.Filter.ascii_fold())
                         .filter(tantivy.Filter.lowercase()).build())
        self.fresh = not (path / "meta.json").exists()
        path.mkdir(parents=True, exist_ok=True)
        self.index = tantivy.Index(self.schema, path=str(path))
        self.index.register_tokenizer(_FOLD, self.analyzer)
        self._writer: tantivy.IndexWriter | None = None

    # Writing -----------------------------------------------------------------------------------

    def writer(self) -> tantivy.IndexWriter:
        """The one writer of this index, waiting a while for another process to finish its writes."""
        deadline = time.monotonic() + WRITER_WAIT
        while self._writer is None:
            try:
                self._writer = self.index.writer(_WRITER_HEAP, _WRITER_THREADS)
            except ValueError as exc:
                if "LockBusy" not in str(exc) or time.monotonic() > deadline:
                    raise StoreUnavailable(f"Chỉ mục tìm kiếm {self.path} đang được một tiến trình khác ghi quá "
                                           f"{WRITER_WAIT:.0f} giây: các bài chờ và được ghi ở lần chạy sau.") from exc
                time.sleep(0.5)
        return self._writer

    def try_writer(self) -> bool:
        """Take the writer if nobody else holds it, without waiting."""
        if self._writer is None:
            try:
                self._writer = self.index.writer(_WRITER_HEAP, _WRITER_THREADS)
            except ValueError:
                return False
        return True

    def add(self, records: list[tuple[int, Article]], absent: Container[int]) -> None:
        """Index these records (rid, article) in place of what the index held for their rids; seen after
        commit(). The rids in `absent` are known not to be in the index: they skip the deletion, which
        tantivy applies to every segment at commit, a cost that grows with the index."""
        writer = self.writer()
        for rid, article in records:
            if rid not in absent:
                writer.delete_documents_by_term("rid", rid)
            writer.add_document(self._document(rid, article))

    def commit(self) -> None:
        self.writer().commit()
        self.index.reload()

    def rollback(self) -> None:
        if self._writer is not None:
            self._writer.rollback()

    @staticmethod
    def _document(rid: int, article: Article) -> tantivy.Document:
        published = int(article.published_at.timestamp())
        # One call with every field costs a third of a call per field.
        fields: dict[str, int | str | list[str]] = {
            "rid": rid, "order": _order_key(published, rid), "published": published, "title": article.title,
            "body": article.body, "source": article.source_id, "province": article.province,
            "grouped": int(article.duplicate_group is not None)}
        if article.duplicate_group is not None:  # only these are counted distinct, far fewer than every match
            fields["group"] = article.duplicate_group
        if article.topics:
            fields["topics"] = article.topic_ids
        if article.directives:
            fields["directives"] = list(dict.fromkeys(article.directives))
        return tantivy.Document(**fields)

    def clear(self) -> None:
        writer = self.writer()
        writer.delete_all_documents()
        writer.commit()
        self.index.reload()

    def close(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.wait_merging_threads()  # merges finish, and the lock is let go

    @staticmethod
    def remove(path: Path) -> None:
        """Delete an index of an older version (the records rebuild it)."""
        shutil.rmtree(path, ignore_errors=True)

    # Reading -----------------------------------------------------------------------------------

    def latest(self) -> None:
        """Read what every process has committed so far: left alone, the reader notices another process's
        commit (`portalwatch process` while `portalwatch web` runs) only up to half a second later. Costs
        tens of microseconds when nothing changed."""
        self.index.reload()

    def words(self, text: str) -> list[str]:
        """The index's tokens of a query term: folded as the title and body were."""
        return [str(token) for token in self.analyzer.analyze(text)]

    def query(self, tree: Node | None, query: SearchQuery) -> Query:
        """The text (scored) and the filters (not scored) of one search."""
        clauses: list[tuple[Occur, Query]] = []
        if tree is not None:
            clauses.append((Occur.Must, self._text(tree)))
        filters = self._filters(query)
        if filters:
            clauses.append((Occur.Must, Query.const_score_query(Query.boolean_query(filters), 0.0)))
        return Query.boolean_query(clauses) if clauses else Query.all_query()

    def _text(self, node: Node) -> Query:
        if isinstance(node, Term):
            return self._term(node.text)
        if isinstance(node, Or):
            return Query.boolean_query([(Occur.Should, self._text(child)) for child in node.children])
        if isinstance(node, Not):  # parse() lets a Not stand only in an AND beside a term to look for
            raise AssertionError(node)
        assert isinstance(node, And)
        return Query.boolean_query([(Occur.MustNot, self._text(c.child)) if isinstance(c, Not)
                                    else (Occur.Must, self._text(c)) for c in node.children])

    def _term(self, text: str) -> Query:
        """A word, or words in this order (a phrase), in the title or in the body."""
        words = self.words(text)
        if not words:  # only characters the analyzer drops: nothing can match
            return Query.empty_query()
        fields = []
        for field in ("title", "body"):
            found = (Query.term_query(self.schema, field, words[0]) if len(words) == 1
                     else Query.phrase_query(self.schema, field, list[str | tuple[int, str]](words)))
            fields.append((Occur.Should, Query.boost_query(found, TITLE_BOOST) if field == "title" else found))
        return Query.boolean_query(fields)

    def _filters(self, query: SearchQuery) -> list[tuple[Occur, Query]]:
        filters: list[tuple[Occur, Query]] = []
        for field, values in (("topics", query.topics), ("source", query.sources), ("province", query.provinces),
                              ("group", query.stories)):
            if values:
                filters.append((Occur.Must, Query.term_set_query(self.schema, field, list(values))))
        if query.directive:
            filters.append((Occur.Must, Query.term_query(self.schema, "directives", query.directive)))
        start, end = local_bounds(query.since, query.until)
        if start is not None or end is not None:
            filters.append((Occur.Must, Query.range_query(self.schema, "published", FieldType.Integer, start, end,
                                                          include_upper=end is None)))
        return filters

    def ranked(self, query: Query, limit: int, offset: int = 0) -> list[tuple[int, float]]:
        """(rid, score) of the best matches, best first."""
        if limit <= 0:
            return []
        searcher = self.index.searcher()
        hits = searcher.search(query, limit, count=False, offset=offset).hits
        rids = searcher.fast_field_values("rid", [address for _, address in hits])
        return [(int(rid or 0), float(score)) for rid, (score, _) in zip(rids, hits, strict=True)]

    def newest(self, query: Query, limit: int, offset: int = 0, after: int | None = None) -> list[tuple[int, int]]:
        """(rid, order key) of the newest matches, resuming after an order key when given."""
        if limit <= 0:
            return []
        if after is not None:
            query = Query.boolean_query([(Occur.Must, query), (Occur.Must, Query.range_query(
                self.schema, "order", FieldType.Integer, None, after, include_upper=False))])
        searcher = self.index.searcher()
        hits = searcher.search(query, limit, count=False, order_by_field="order", offset=offset).hits
        rids = searcher.fast_field_values("rid", [address for _, address in hits])
        return [(int(rid or 0), int(key)) for rid, (key, _) in zip(rids, hits, strict=True)]

    @staticmethod
    def _timeline(interval: Interval) -> dict:
        """The aggregation of matches per local day or week."""
        return {"histogram": {"field": "published", "interval": _WIDTHS[interval], "offset": _OFFSETS[interval],
                              "min_doc_count": 1}}

    @staticmethod
    def _histogram(timeline: dict) -> dict[str, int]:
        """Its buckets as SearchResult.histogram has them: each bucket's first local day -> matches."""
        return {datetime.fromtimestamp(int(b["key"]), VN_TZ).date().isoformat(): b["doc_count"]
                for b in timeline["buckets"]}

    def facets(self, query: Query, interval: Interval) -> Facets:
        """Counts by topic, source and directive, the timeline and the stories of every match, in one pass."""
        found = self.index.searcher().aggregate(query, {
            "topics": {"terms": {"field": "topics", "size": _BUCKETS}},
            "sources": {"terms": {"field": "source", "size": _BUCKETS}},
            "directives": {"terms": {"field": "directives", "size": _BUCKETS}},
            "groups": {"cardinality": {"field": "group"}},
            "grouped": {"sum": {"field": "grouped"}},
            "timeline": self._timeline(interval),
        })

        def counts(name: str) -> dict[str, int]:
            buckets = sorted(found[name]["buckets"], key=lambda b: (-b["doc_count"], b["key"]))
            return {b["key"]: b["doc_count"] for b in buckets}

        histogram = self._histogram(found["timeline"])
        total = sum(histogram.values())
        # Stories: the articles alone, plus one per duplicate group.
        stories = total - round(found["grouped"]["value"] or 0) + round(found["groups"]["value"] or 0)
        # Every directive is counted, then cut here: the same order and cut as the engine's terms aggregation.
        directives = dict(list(counts("directives").items())[:DIRECTIVE_FACETS])
        return Facets(total=total, stories=stories, topic_counts=counts("topics"), source_counts=counts("sources"),
                      directive_counts=directives, histogram=histogram)

    def source_histograms(self, query: Query, interval: Interval) -> dict[str, dict[str, int]]:
        """Per source: its matches per local day or week, the timeline nested in the source facet."""
        found = self.index.searcher().aggregate(query, {"sources": {
            "terms": {"field": "source", "size": _BUCKETS}, "aggs": {"timeline": self._timeline(interval)}}})
        return {b["key"]: self._histogram(b["timeline"]) for b in found["sources"]["buckets"]}

    def firsts(self, query: Query) -> list[SourceFirst]:
        """Per source: the earliest match (the fast publication column's minimum) and the number of matches."""
        found = self.index.searcher().aggregate(query, {"sources": {
            "terms": {"field": "source", "size": _BUCKETS}, "aggs": {"first": {"min": {"field": "published"}}}}})
        firsts = [SourceFirst(source_id=b["key"], first=datetime.fromtimestamp(int(b["first"]["value"]), VN_TZ),
                              articles=b["doc_count"]) for b in found["sources"]["buckets"]]
        return sorted(firsts, key=lambda f: (f.first, f.source_id))

    def count(self) -> int:
        return self.index.searcher().num_docs


def local_bounds(since: date | None, until: date | None) -> tuple[int | None, int | None]:
    """Epoch seconds of the window's first local instant and of the instant after it."""
    start = int(datetime.combine(since, clock(), VN_TZ).timestamp()) if since else None
    end = int(datetime.combine(until + timedelta(days=1), clock(), VN_TZ).timestamp()) if until else None
    return start, end
