"""The embedded store: SQLite with FTS5, searchable with and without Vietnamese diacritics.

Two contentless FTS5 indexes over the same text: `fts_exact` keeps marks (remove_diacritics 0);
`fts_fold` lets the tokenizer strip them (remove_diacritics 2) after đ→d, which has no Unicode
decomposition, is replaced in Python. Queries always match the folded index; the exact index
adds rank when the query carries diacritics, so "Đảng" ranks the Party above "đang" (currently).
"""

import html
import re
import sqlite3
from array import array
from datetime import date, datetime, time, timedelta
from pathlib import Path

from pipelines.normalize import fold, has_diacritics, normalize_text
from portalwatch import VN_TZ
from portalwatch.models import Article
from portalwatch.store.base import DedupKey, Hit, SearchQuery, SearchResult, UpsertResult

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
CREATE INDEX IF NOT EXISTS articles_hash ON articles (content_hash);
CREATE TABLE IF NOT EXISTS article_topics (
    rid INTEGER NOT NULL, topic_id TEXT NOT NULL, score REAL NOT NULL, PRIMARY KEY (topic_id, rid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_topics_rid ON article_topics (rid);
CREATE TABLE IF NOT EXISTS article_directives (
    rid INTEGER NOT NULL, directive TEXT NOT NULL, PRIMARY KEY (directive, rid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_directives_rid ON article_directives (rid);
CREATE VIRTUAL TABLE IF NOT EXISTS fts_exact USING fts5(
    title, body, content = '', tokenize = 'unicode61 remove_diacritics 0'
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts_fold USING fts5(
    title, body, content = '', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TEMP TABLE IF NOT EXISTS matches (rid INTEGER PRIMARY KEY, rank REAL NOT NULL);
CREATE TEMP TABLE IF NOT EXISTS candidates (rid INTEGER PRIMARY KEY);
"""
_TOKENS = re.compile(r'"[^"]+"|\S+')
_SNIPPET_CHARS = 220
# bm25 weights (title, body); exact matches count twice on top of the folded score.
_FOLDED = "SELECT rowid, bm25(fts_fold, 5.0, 1.0) AS rank FROM fts_fold WHERE fts_fold MATCH ?"
_EXACT = "SELECT rowid, bm25(fts_exact, 5.0, 1.0) AS rank FROM fts_exact WHERE fts_exact MATCH ?"
_WITH_EXACT = (f"INSERT INTO matches SELECT f.rowid, f.rank + 2 * coalesce(e.rank, 0) FROM ({_FOLDED}) AS f"
               f" LEFT JOIN ({_EXACT}) AS e ON e.rowid = f.rowid")
# When filters leave few candidates, FTS5 checks just those rows. bm25() is not allowed in that
# form, so the score is coarse: -1 for a match, -2 more for exact diacritics, -1 more in the title.
_AMONG = "SELECT c.rid FROM candidates c JOIN {t} ON {t}.rowid = c.rid WHERE {t} MATCH ?"
_AMONG_MATCHES = "SELECT m.rid FROM matches m JOIN {t} ON {t}.rowid = m.rid WHERE {t} MATCH ?"
# Below this share of the collection, filtering first beats matching first.
_SELECTIVE = 0.2


def _d_fold(text: str) -> str:
    """What fts_fold is fed: the tokenizer strips the marks, but đ must be replaced here."""
    return text.replace("đ", "d").replace("Đ", "D")


def _fts_phrases(tokens: list[str]) -> str:
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in tokens)


def fts_queries(text: str) -> tuple[str, str | None] | None:
    """MATCH expressions for the folded index and, when the query has diacritics, the exact one.
    Every user token is quoted, so no user text is FTS syntax."""
    tokens = [normalize_text(t.strip('"')).lower() for t in _TOKENS.findall(text)]
    tokens = [t for t in tokens if re.search(r"\w", t)]
    if not tokens:
        return None
    exact = _fts_phrases(tokens) if any(has_diacritics(t) for t in tokens) else None
    return _fts_phrases([_d_fold(t) for t in tokens]), exact


def _local_bounds(since: date | None, until: date | None) -> tuple[int | None, int | None]:
    start = int(datetime.combine(since, time(), VN_TZ).timestamp()) if since else None
    end = int(datetime.combine(until + timedelta(days=1), time(), VN_TZ).timestamp()) if until else None
    return start, end


def snippet(body: str, text: str) -> str:
    """A window of the body around the first query word, matches marked, found ignoring diacritics."""
    folded = fold(body)  # same length as body: fold maps each character to one character
    words = [w for w in (fold(t.strip('"')) for t in _TOKENS.findall(text)) if re.search(r"\w", w)]
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
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def _unindex(self, rid: int, old: Article) -> None:
        """Contentless FTS5 rows are deleted by repeating what was indexed."""
        self.db.execute("INSERT INTO fts_exact (fts_exact, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                        (rid, old.title, old.body))
        self.db.execute("INSERT INTO fts_fold (fts_fold, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                        (rid, _d_fold(old.title), _d_fold(old.body)))
        self.db.execute("DELETE FROM article_topics WHERE rid = ?", (rid,))
        self.db.execute("DELETE FROM article_directives WHERE rid = ?", (rid,))

    def upsert(self, articles: list[Article]) -> UpsertResult:
        new = 0
        with self.db:
            for article in articles:
                row = self.db.execute("SELECT a.rid, d.doc FROM articles a JOIN article_docs d ON d.rid = a.rid"
                                      " WHERE a.id = ?", (article.id,)).fetchone()
                published = article.published_at.astimezone(VN_TZ)
                values = (article.source_id, article.province, int(published.timestamp()), article.content_hash,
                          article.duplicate_group)
                if row:
                    rid = row[0]
                    self._unindex(rid, Article.model_validate_json(row[1]))
                    self.db.execute("UPDATE articles SET source_id=?, province=?, published_ts=?, content_hash=?,"
                                    " duplicate_group=? WHERE rid=?", (*values, rid))
                else:
                    new += 1
                    rid = self.db.execute(
                        "INSERT INTO articles (id, source_id, province, published_ts, content_hash, duplicate_group)"
                        " VALUES (?, ?, ?, ?, ?, ?)", (article.id, *values)).lastrowid
                self.db.execute("INSERT OR REPLACE INTO article_docs VALUES (?, ?)", (rid, article.model_dump_json()))
                self.db.execute("INSERT OR REPLACE INTO article_fingerprints VALUES (?, ?)",
                                (rid, array("I", article.fingerprint).tobytes()))
                self.db.executemany("INSERT INTO article_topics VALUES (?, ?, ?)",
                                    [(rid, t.topic_id, t.score) for t in article.topics])
                self.db.executemany("INSERT INTO article_directives VALUES (?, ?)",
                                    [(rid, d) for d in article.directives])
                self.db.execute("INSERT INTO fts_exact (rowid, title, body) VALUES (?, ?, ?)",
                                (rid, article.title, article.body))
                self.db.execute("INSERT INTO fts_fold (rowid, title, body) VALUES (?, ?, ?)",
                                (rid, _d_fold(article.title), _d_fold(article.body)))
        return UpsertResult(new=new)

    def get(self, article_id: str) -> Article | None:
        row = self.db.execute("SELECT d.doc, a.duplicate_group FROM articles a JOIN article_docs d ON d.rid = a.rid"
                              " WHERE a.id = ?", (article_id,)).fetchone()
        return self._article(*row) if row else None

    @staticmethod
    def _article(doc: str, group: str | None) -> Article:
        return Article.model_validate_json(doc).model_copy(update={"duplicate_group": group})

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def dedup_keys(self) -> list[DedupKey]:
        rows = self.db.execute("SELECT a.id, a.content_hash, a.published_ts, a.duplicate_group, f.fingerprint"
                               " FROM articles a LEFT JOIN article_fingerprints f ON f.rid = a.rid")
        return [DedupKey(id=i, content_hash=h, published_at=datetime.fromtimestamp(ts, VN_TZ), duplicate_group=g,
                         fingerprint=array("I", fp or b"").tolist()) for i, h, ts, g, fp in rows]

    def set_duplicate_groups(self, groups: dict[str, str | None]) -> None:
        with self.db:
            self.db.executemany("UPDATE articles SET duplicate_group = ? WHERE id = ?",
                                [(group, article_id) for article_id, group in groups.items()])

    def _where(self, query: SearchQuery) -> tuple[str, list]:
        clauses: list[str] = []
        params: list = []
        if query.topics:
            marks = ",".join("?" * len(query.topics))
            clauses.append(f"a.rid IN (SELECT rid FROM article_topics WHERE topic_id IN ({marks}))")
            params += query.topics
        for column, values in (("source_id", query.sources), ("province", query.provinces)):
            if values:
                clauses.append(f"a.{column} IN ({','.join('?' * len(values))})")
                params += values
        if query.directive:
            clauses.append("a.rid IN (SELECT rid FROM article_directives WHERE directive = ?)")
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
        found = self.db.execute(f"INSERT INTO candidates SELECT a.rid FROM articles a{where}", params).rowcount
        newest = self.db.execute("SELECT coalesce(max(rid), 0) FROM articles").fetchone()[0]
        return found <= _SELECTIVE * newest

    def _match_candidates(self, folded: str, exact: str | None) -> None:
        self.db.execute(f"INSERT INTO matches SELECT rid, -1.0 FROM ({_AMONG.format(t='fts_fold')})", (folded,))
        boosts = [(2.0, "fts_exact", exact), (1.0, "fts_fold", "{title}: (" + folded + ")")]
        for weight, table, expression in boosts:
            if expression:
                self.db.execute(f"UPDATE matches SET rank = rank - {weight} WHERE rid IN"
                                f" ({_AMONG_MATCHES.format(t=table)})", (expression,))

    def search(self, query: SearchQuery) -> SearchResult:
        where, params = self._where(query)
        matched = fts_queries(query.text)
        if matched:
            # Run the full-text match once; counts, facets and the page all read its result.
            folded, exact = matched
            self.db.execute("DELETE FROM matches")
            if where and self._select_candidates(where, params):
                self._match_candidates(folded, exact)
            elif exact:
                self.db.execute(_WITH_EXACT, (folded, exact))
            else:
                self.db.execute(f"INSERT INTO matches {_FOLDED}", (folded,))
            source = "matches m CROSS JOIN articles a ON a.rid = m.rid"  # drive from the (few) matches
            order = "m.rank, a.published_ts DESC, a.id"
        else:
            source = "articles a"
            order = "a.published_ts DESC, a.id"
        selected = f"FROM {source}{where}"
        offset = int(query.cursor) if query.cursor else query.offset
        total, stories = self.db.execute(
            f"SELECT count(*), count(DISTINCT coalesce(a.duplicate_group, a.id)) {selected}", params).fetchone()
        rank = "m.rank" if matched else "0"
        page = self.db.execute(f"SELECT a.rid, a.duplicate_group, {rank} {selected} ORDER BY {order} LIMIT ? OFFSET ?",
                               [*params, query.limit, offset]).fetchall()
        docs = dict(self.db.execute(f"SELECT rid, doc FROM article_docs WHERE rid IN ({','.join('?' * len(page))})",
                                    [rid for rid, _, _ in page]).fetchall())
        hits = [Hit(article=(art := self._article(docs[rid], group)), score=-score,
                    snippet=snippet(art.body, query.text)) for rid, group, score in page]
        topic_counts = dict(self.db.execute(
            f"SELECT t.topic_id, count(*) FROM {source} JOIN article_topics t ON t.rid = a.rid{where}"
            " GROUP BY t.topic_id ORDER BY count(*) DESC, t.topic_id", params).fetchall())
        source_counts = dict(self.db.execute(
            f"SELECT a.source_id, count(*) {selected} GROUP BY a.source_id ORDER BY count(*) DESC", params).fetchall())
        # Vietnam keeps UTC+7 all year, so a fixed offset gives local days; weeks start on Monday.
        bucket = "date(a.published_ts, 'unixepoch', '+7 hours'" + (", 'weekday 0', '-6 days')" if
                                                                   query.interval == "week" else ")")
        histogram = dict(self.db.execute(
            f"SELECT {bucket} AS d, count(*) {selected} GROUP BY d ORDER BY d", params).fetchall())
        more = bool(hits) and offset + len(hits) < total
        return SearchResult(total=total, stories=stories, hits=hits, topic_counts=topic_counts,
                            source_counts=source_counts, histogram=histogram,
                            next_cursor=str(offset + len(hits)) if more else None)
