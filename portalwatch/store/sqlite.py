"""The embedded store: SQLite with FTS5, searchable with and without Vietnamese diacritics.

One contentless FTS5 index, `fts_fold`: the tokenizer strips the marks (remove_diacritics 2) after
đ→d, which has no Unicode decomposition, is replaced in Python. Every query matches it. Tokenizing
is most of the cost of indexing, so there is no second index with the marks kept: when the query
carries diacritics, the best folded matches are re-ranked in Python by the query words they contain
exactly, so "Đảng" ranks the Party above "đang" (currently).
"""

import html
import json
import re
import sqlite3
import unicodedata
from array import array
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta
from itertools import islice
from pathlib import Path

from portalwatch.core import VN_TZ
from portalwatch.core.models import Article, DedupKey, fingerprint_bytes
from portalwatch.core.normalize import fold, has_diacritics
from portalwatch.store.base import BadCursor, Hit, SearchQuery, SearchResult, UpsertResult
from portalwatch.store.query import Node, Not, Or, Term, parse, positive_terms

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    rid INTEGER PRIMARY KEY,
    id TEXT UNIQUE NOT NULL,
    source_id TEXT NOT NULL,
    province TEXT NOT NULL DEFAULT '',
    published_ts INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    duplicate_group TEXT
);
-- The full records live apart, so scans and joins over the columns above stay on few pages.
CREATE TABLE IF NOT EXISTS article_docs (rid INTEGER PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS article_fingerprints (rid INTEGER PRIMARY KEY, fingerprint BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS articles_published ON articles (published_ts);
CREATE INDEX IF NOT EXISTS articles_source ON articles (source_id, published_ts);
CREATE INDEX IF NOT EXISTS articles_province ON articles (province, published_ts);
-- Nothing looks articles up by content hash (dedup reads them all): an index only slowed writes.
DROP INDEX IF EXISTS articles_hash;
CREATE TABLE IF NOT EXISTS article_topics (
    rid INTEGER NOT NULL, topic_id TEXT NOT NULL, score REAL NOT NULL, PRIMARY KEY (topic_id, rid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_topics_rid ON article_topics (rid);
CREATE TABLE IF NOT EXISTS article_directives (
    rid INTEGER NOT NULL, directive TEXT NOT NULL, PRIMARY KEY (directive, rid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_directives_rid ON article_directives (rid);
CREATE VIRTUAL TABLE IF NOT EXISTS fts_fold USING fts5(
    title, body, content = '', tokenize = 'unicode61 remove_diacritics 2'
);
-- Databases made before the exact ranking moved to Python still carry the second index.
DROP TABLE IF EXISTS fts_exact;
-- One search's rows with the columns its counts, facets and page read: looked up in `articles`
-- once, in rowid order, instead of once per facet.
CREATE TEMP TABLE IF NOT EXISTS candidates (
    rid INTEGER PRIMARY KEY, published_ts INTEGER, source_id TEXT, id TEXT, duplicate_group TEXT
);
CREATE TEMP TABLE IF NOT EXISTS matches (
    rid INTEGER PRIMARY KEY, rank REAL NOT NULL, exact INTEGER NOT NULL DEFAULT 0,
    published_ts INTEGER, source_id TEXT, id TEXT, duplicate_group TEXT
);
"""
_COLUMNS = "a.rid, a.published_ts, a.source_id, a.id, a.duplicate_group"
_SNIPPET_CHARS = 220
# bm25 weights (title, body).
_FOLDED = "SELECT rowid, bm25(fts_fold, 5.0, 1.0) AS rank FROM fts_fold WHERE fts_fold MATCH ?"
# When filters leave few candidates, FTS5 checks just those rows (bm25() works in this form too).
_AMONG = ("SELECT c.rid, bm25(fts_fold, 5.0, 1.0), c.published_ts, c.source_id, c.id, c.duplicate_group"
          " FROM candidates c JOIN fts_fold ON fts_fold.rowid = c.rid WHERE fts_fold MATCH ?")
_FILTERED = ("SELECT f.rowid, f.rank, c.published_ts, c.source_id, c.id, c.duplicate_group"
             f" FROM ({_FOLDED}) AS f JOIN candidates c ON c.rid = f.rowid")
_ALL = ("SELECT f.rowid, f.rank, a.published_ts, a.source_id, a.id, a.duplicate_group"
        f" FROM ({_FOLDED}) AS f CROSS JOIN articles a ON a.rid = f.rowid")
# Below this share of the collection, filtering first beats matching first.
_SELECTIVE = 0.2
# How many of the best folded matches are re-ranked by exact words. The order stays one total
# order (so paging visits each match once); an exact match below this depth keeps its folded rank.
_RERANK = 500
# Rows per statement when looking ids up (SQLite allows 32,766 parameters; far fewer is plenty).
_LOOKUP = 500
# FTS5 merges index segments once this many of the same size exist (its default is 4): fewer merges
# while indexing, for a few more segments to read per search. Its pending terms become a new segment
# whenever they outgrow hashsize (1 MB by default, a few hundred articles): with room for a whole
# batch, a batch makes one segment, and there is far less to merge.
_FTS_CONFIG = {"automerge": 16, "hashsize": 64 << 20}
# Bigger page cache and memory-mapped reads: FTS5 segment merges and searches re-read the same pages.
_PRAGMAS = ("PRAGMA cache_size = -65536", "PRAGMA mmap_size = 1073741824", "PRAGMA temp_store = MEMORY")


# fold() one character at a time, for NFC text: str.translate does the same work many times faster.
_FOLD_TABLE = {ord(ch): folded for ch in map(chr, range(0xC0, 0x2020)) if unicodedata.is_normalized("NFC", ch)
               and len(folded := fold(ch)) == 1 and folded != ch.lower()}


def _quick_fold(text: str) -> str:
    """fold(), position for position, without its Unicode normalisation when the text is NFC."""
    if not unicodedata.is_normalized("NFC", text):
        return fold(text)
    return text.translate(_FOLD_TABLE).lower()


def _contains(text: str, word: str) -> bool:
    """Whether `word` occurs in `text` not inside a longer word (str.find is far cheaper than a regex)."""
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        if (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            return True
        start = text.find(word, start + 1)
    return False


def _d_fold(text: str) -> str:
    """What fts_fold is fed: the tokenizer strips the marks, but đ must be replaced here."""
    return text.replace("đ", "d").replace("Đ", "D")


def _fts(node: Node) -> str:
    """The FTS5 expression of a query tree, on the folded index: each term a quoted string (so no user
    text is FTS syntax; FTS5 reads a quoted string of several words as a phrase)."""
    if isinstance(node, Term):
        return '"' + _d_fold(node.text).replace('"', '""') + '"'
    if isinstance(node, Or):
        return "(" + " OR ".join(map(_fts, node.children)) + ")"
    if isinstance(node, Not):  # parse() lets a Not stand only in an AND beside a term to look for
        raise AssertionError(node)
    wanted = [c for c in node.children if not isinstance(c, Not)]
    excluded = [c.child for c in node.children if isinstance(c, Not)]
    expression = "(" + " AND ".join(map(_fts, wanted)) + ")"
    return f"({expression} NOT ({' OR '.join(map(_fts, excluded))}))" if excluded else expression


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def fts_queries(tree: Node | None) -> tuple[str, list[str]] | None:
    """The MATCH expression for the folded index and the query words (or quoted phrases) that carry
    diacritics, which rank the matches containing them exactly higher."""
    if tree is None:
        return None
    return _fts(tree), [t.text for t in positive_terms(tree) if has_diacritics(t.text)]


def _local_bounds(since: date | None, until: date | None) -> tuple[int | None, int | None]:
    start = int(datetime.combine(since, time(), VN_TZ).timestamp()) if since else None
    end = int(datetime.combine(until + timedelta(days=1), time(), VN_TZ).timestamp()) if until else None
    return start, end


def snippet(body: str, tree: Node | None) -> str:
    """A window of the body around the first query term, terms marked, found ignoring diacritics."""
    folded = _quick_fold(body)  # same length as body: fold maps each character to one character
    words = [fold(t.text) for t in positive_terms(tree)]
    positions = [p for w in words if (p := folded.find(w)) >= 0]
    start = max(0, min(positions) - 60) if positions else 0
    end = min(len(body), start + _SNIPPET_CHARS)
    spans = sorted({(m.start(), m.end()) for w in words
                    for m in re.finditer(rf"(?<!\w){re.escape(w)}(?!\w)", folded[start:end])})
    piece, cut = [], 0
    for s, e in spans:
        if s >= cut:
            piece += [html.escape(body[start + cut : start + s]), "<mark>", html.escape(body[start + s : start + e]),
                      "</mark>"]
            cut = e
    piece.append(html.escape(body[start + cut : end]))
    text_out = "".join(piece).replace("\n\n", " ")
    return ("…" if start else "") + text_out + ("…" if end < len(body) else "")


class SQLiteStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        # WAL with NORMAL sync stays consistent on a crash; the raw archive can rebuild the rest.
        self.db.execute("PRAGMA synchronous=NORMAL")
        for pragma in _PRAGMAS:
            self.db.execute(pragma)
        self.db.executescript(_SCHEMA)
        stored = dict(self.db.execute("SELECT k, v FROM fts_fold_config"))
        for key, value in _FTS_CONFIG.items():
            if stored.get(key) != value:  # stored settings: written once
                with self.db:
                    self.db.execute("INSERT INTO fts_fold (fts_fold, rank) VALUES (?, ?)", (key, value))

    def close(self) -> None:
        self.db.close()

    def upsert(self, articles: list[Article]) -> UpsertResult:
        """One transaction and one statement per table for the whole batch: per-row statements
        cost more than the indexing itself. The last copy of a repeated id wins."""
        batch = {a.id: a for a in articles}
        # SQLite lets go of the GIL while it works, so a second thread serialises the records (the
        # Python part of the work) while this one writes the previous part.
        with ThreadPoolExecutor(1) as pool, self.db:
            prepared = pool.map(_prepare, _chunks(batch.values(), _LOOKUP))
            old: dict[str, tuple[int, str, str]] = {}
            for ids in _chunks(batch, _LOOKUP):
                old.update((i, (rid, title, body)) for i, rid, title, body in self.db.execute(
                    "SELECT a.id, a.rid, json_extract(d.doc, '$.title'), json_extract(d.doc, '$.body')"
                    f" FROM articles a JOIN article_docs d ON d.rid = a.rid WHERE a.id IN ({','.join('?' * len(ids))})",
                    ids))
            replaced = [(rid,) for rid, _, _ in old.values()]
            # Contentless FTS5 rows are deleted by repeating what was indexed.
            self.db.executemany("INSERT INTO fts_fold (fts_fold, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                                [(rid, _d_fold(title), _d_fold(body)) for rid, title, body in old.values()])
            self.db.executemany("DELETE FROM article_topics WHERE rid = ?", replaced)
            self.db.executemany("DELETE FROM article_directives WHERE rid = ?", replaced)
            self.db.executemany(
                "UPDATE articles SET source_id=?, province=?, published_ts=?, content_hash=?, duplicate_group=?"
                " WHERE rid=?", [(*_columns(batch[i]), rid) for i, (rid, _, _) in old.items()])
            fresh = [a for i, a in batch.items() if i not in old]
            self.db.executemany(
                "INSERT INTO articles (id, source_id, province, published_ts, content_hash, duplicate_group)"
                " VALUES (?, ?, ?, ?, ?, ?)", [(a.id, *_columns(a)) for a in fresh])
            rids = {i: rid for i, (rid, _, _) in old.items()}
            for ids in _chunks((a.id for a in fresh), _LOOKUP):
                rids.update(self.db.execute(f"SELECT id, rid FROM articles WHERE id IN ({','.join('?' * len(ids))})",
                                            ids))
            rows = [(rids[i], a) for i, a in batch.items()]
            self.db.executemany("INSERT INTO article_topics VALUES (?, ?, ?)",
                                [(rid, t.topic_id, t.score) for rid, a in rows for t in a.topics])
            self.db.executemany("INSERT INTO article_directives VALUES (?, ?)",
                                [(rid, d) for rid, a in rows for d in dict.fromkeys(a.directives)])
            for part, (docs, fingerprints, texts) in zip(_chunks(rows, _LOOKUP), prepared, strict=True):
                part_rids = [rid for rid, _ in part]
                self.db.executemany("INSERT OR REPLACE INTO article_docs VALUES (?, ?)",
                                    zip(part_rids, docs, strict=True))
                self.db.executemany("INSERT OR REPLACE INTO article_fingerprints VALUES (?, ?)",
                                    zip(part_rids, fingerprints, strict=True))
                self.db.executemany("INSERT INTO fts_fold (rowid, title, body) VALUES (?, ?, ?)",
                                    ((rid, title, body) for rid, (title, body) in zip(part_rids, texts, strict=True)))
        return UpsertResult(new=len(fresh))

    def get(self, article_id: str) -> Article | None:
        row = self.db.execute("SELECT d.doc, a.duplicate_group FROM articles a JOIN article_docs d ON d.rid = a.rid"
                              " WHERE a.id = ?", (article_id,)).fetchone()
        return self._article(*row) if row else None

    @staticmethod
    def _article(doc: str, group: str | None) -> Article:
        return Article.model_validate_json(doc).model_copy(update={"duplicate_group": group})

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def dedup_keys(self) -> Iterator[DedupKey]:
        """Streamed from the cursor: a million keys are never held here at once."""
        return map(DedupKey._make, self.db.execute(
            "SELECT a.id, a.content_hash, a.published_ts, a.duplicate_group, coalesce(f.fingerprint, x'')"
            " FROM articles a LEFT JOIN article_fingerprints f ON f.rid = a.rid"))

    def set_duplicate_groups(self, groups: dict[str, str | None]) -> None:
        with self.db:
            self.db.executemany("UPDATE articles SET duplicate_group = ? WHERE id = ?",
                                [(group, article_id) for article_id, group in groups.items()])

    def bodies(self, ids: list[str]) -> dict[str, str]:
        """Article id -> body, read straight from the stored records (for fingerprints computed again)."""
        found: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            found.update(self.db.execute(
                "SELECT a.id, json_extract(d.doc, '$.body') FROM articles a JOIN article_docs d ON d.rid = a.rid"
                f" WHERE a.id IN ({','.join('?' * len(part))})", part))
        return found

    def set_fingerprints(self, fingerprints: dict[str, list[int]]) -> None:
        """Fingerprints computed again: in their table, and in the stored record when it has one."""
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO article_fingerprints (rid, fingerprint)"
                                " SELECT rid, ? FROM articles WHERE id = ?",
                                [(fingerprint_bytes(values), i) for i, values in fingerprints.items()])
            self.db.executemany("UPDATE article_docs SET doc = json_replace(doc, '$.fingerprint', json(?))"
                                " WHERE rid = (SELECT rid FROM articles WHERE id = ?)",
                                [(json.dumps(values), i) for i, values in fingerprints.items()])

    def _where(self, query: SearchQuery) -> tuple[str, list]:
        clauses: list[str] = []
        params: list = []
        # With a date, source or province filter, the articles indexes find fewer rows than the
        # topic or directive lists: `+` stops SQLite from driving the search from those lists.
        rid = "+a.rid" if query.sources or query.provinces or query.since or query.until else "a.rid"
        if query.topics:
            marks = ",".join("?" * len(query.topics))
            clauses.append(f"{rid} IN (SELECT rid FROM article_topics WHERE topic_id IN ({marks}))")
            params += query.topics
        for column, values in (("source_id", query.sources), ("province", query.provinces)):
            if values:
                clauses.append(f"a.{column} IN ({','.join('?' * len(values))})")
                params += values
        if query.directive:
            clauses.append(f"{rid} IN (SELECT rid FROM article_directives WHERE directive = ?)")
            params.append(query.directive)
        start, end = _local_bounds(query.since, query.until)
        if start is not None:
            clauses.append("a.published_ts >= ?")
            params.append(start)
        if end is not None:
            clauses.append("a.published_ts < ?")
            params.append(end)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _select_candidates(self, where: str, params: list) -> bool:
        """Keep the filtered rows in `candidates`; True when they are few enough to match one by one."""
        self.db.execute("DELETE FROM candidates")
        found = self.db.execute(f"INSERT INTO candidates SELECT {_COLUMNS} FROM articles a{where}", params).rowcount
        newest = self.db.execute("SELECT coalesce(max(rid), 0) FROM articles").fetchone()[0]
        return found <= _SELECTIVE * newest

    def _rerank(self, words: list[str]) -> None:
        """Re-rank the best folded matches: each query word with diacritics found as written counts
        one (two in the title), and matches that count more come first."""
        # The documents are read after the sort: a sorter would carry every match's text.
        rows = self.db.execute(
            # One json_extract with both paths parses each document once, not twice.
            "SELECT b.rid, json_extract(d.doc, '$.title', '$.body') FROM (SELECT rid"
            " FROM matches ORDER BY rank, published_ts DESC, id LIMIT ?) AS b JOIN article_docs d ON d.rid = b.rid",
            (_RERANK,)).fetchall()
        exact = []
        for rid, fields in rows:
            title, body = (text.lower() for text in json.loads(fields))
            found = sum(2 if _contains(title, w) else 1 if _contains(body, w) else 0 for w in words)
            if found:
                exact.append((found, rid))
        self.db.executemany("UPDATE matches SET exact = ? WHERE rid = ?", exact)

    def search(self, query: SearchQuery) -> SearchResult:
        try:  # before any matching: a bad cursor wastes no work
            offset = int(query.cursor) if query.cursor else query.offset
        except ValueError as exc:
            raise BadCursor(query.cursor or "") from exc
        if query.cursor and not 0 <= offset < 2**63:  # SQLite's integers: nothing this store ever printed
            raise BadCursor(query.cursor)
        where, params = self._where(query)
        tree = parse(query.text)
        matched = fts_queries(tree)
        selective = bool(where) and self._select_candidates(where, params)
        if matched:
            # Run the full-text match once and apply the filters to it once; counts, facets and
            # the page all read the result.
            folded, exact = matched
            self.db.execute("DELETE FROM matches")
            matching = _AMONG if selective else _FILTERED if where else _ALL
            self.db.execute(f"INSERT INTO matches (rid, rank, published_ts, source_id, id, duplicate_group) {matching}",
                            (folded,))
            if exact:
                self._rerank(exact)
            source = "matches"
            order = "exact DESC, rank, published_ts DESC, id"
            score = "exact - rank"
        else:
            # The temporary tables have the columns of `articles` that the rest reads.
            source = "candidates" if where else "articles"
            order = "published_ts DESC, id"
            score = "0"
        selected = f"FROM {source} a"
        # A story is a duplicate group, or an article alone (no group). Counting distinct groups only,
        # not coalesce(group, id) over every row, spares sorting every match (30 ms at 57k matches).
        total, stories = self.db.execute(
            "SELECT count(*), count(*) FILTER (WHERE a.duplicate_group IS NULL) + count(DISTINCT a.duplicate_group)"
            f" {selected}").fetchone()
        page = self.db.execute(f"SELECT a.rid, a.duplicate_group, {score} {selected} ORDER BY {order} LIMIT ? OFFSET ?",
                               [query.limit, offset]).fetchall()
        docs = dict(self.db.execute(f"SELECT rid, doc FROM article_docs WHERE rid IN ({','.join('?' * len(page))})",
                                    [rid for rid, _, _ in page]).fetchall())
        hits = [Hit(article=(art := self._article(docs[rid], group)), score=score,
                    snippet=snippet(art.body, tree)) for rid, group, score in page]
        # CROSS JOIN: drive from the (few) rows found, not from every topic tag; with no filter at
        # all, every tag counts.
        tagged = "FROM article_topics t" if source == "articles" else \
            f"{selected} CROSS JOIN article_topics t ON t.rid = a.rid"
        topic_counts = dict(self.db.execute(
            f"SELECT t.topic_id, count(*) {tagged} GROUP BY t.topic_id ORDER BY count(*) DESC, t.topic_id").fetchall())
        source_counts = dict(self.db.execute(
            f"SELECT a.source_id, count(*) {selected} GROUP BY a.source_id ORDER BY count(*) DESC").fetchall())
        # Vietnam keeps UTC+7 all year, so a fixed offset gives local day numbers; weeks start on
        # Monday (day 0, 1 January 1970, was a Thursday). Rows are grouped by number and only the
        # buckets become dates: date() on every row cost more than the rest of the facets.
        day = "((a.published_ts + 25200) / 86400)"
        bucket = f"({day} - ({day} + 3) % 7)" if query.interval == "week" else day
        histogram = dict(self.db.execute(
            f"SELECT date(b * 86400, 'unixepoch'), n FROM (SELECT {bucket} AS b, count(*) AS n {selected} GROUP BY b)"
            " ORDER BY b").fetchall())
        more = bool(hits) and offset + len(hits) < total
        return SearchResult(total=total, stories=stories, hits=hits, topic_counts=topic_counts,
                            source_counts=source_counts, histogram=histogram,
                            next_cursor=str(offset + len(hits)) if more else None)


def _prepare(articles: list[Article]) -> tuple[list[str], list[bytes], list[tuple[str, str]]]:
    """What upsert writes for each article, apart from the ids the database assigns."""
    return ([a.model_dump_json() for a in articles], [array("I", a.fingerprint).tobytes() for a in articles],
            [(_d_fold(a.title), _d_fold(a.body)) for a in articles])


def _columns(article: Article) -> tuple:
    return (article.source_id, article.province, int(article.published_at.timestamp()), article.content_hash,
            article.duplicate_group)
