"""The embedded store: SQLite with FTS5, searchable with and without Vietnamese diacritics.

FTS5's unicode61 tokenizer cannot fold đ and mishandles some stacked marks, so each text is
indexed twice: as written (NFC, one tone placement) and folded (marks stripped, đ→d). Queries
always match the folded columns; exact columns add rank when the query carries diacritics.
"""

import html
import re
import sqlite3
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
    duplicate_group TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_published ON articles (published_ts);
CREATE INDEX IF NOT EXISTS articles_hash ON articles (content_hash);
CREATE TABLE IF NOT EXISTS article_topics (
    article_id TEXT NOT NULL, topic_id TEXT NOT NULL, score REAL NOT NULL,
    PRIMARY KEY (topic_id, article_id)
);
CREATE INDEX IF NOT EXISTS article_topics_article ON article_topics (article_id);
CREATE TABLE IF NOT EXISTS article_directives (
    article_id TEXT NOT NULL, directive TEXT NOT NULL, PRIMARY KEY (directive, article_id)
);
CREATE INDEX IF NOT EXISTS article_directives_article ON article_directives (article_id);
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
    title, body, title_fold, body_fold, tokenize = 'unicode61 remove_diacritics 0'
);
"""
# bm25 column weights: exact title, exact body, folded title, folded body.
_RANK = "bm25(articles_fts, 10.0, 2.0, 5.0, 1.0)"
_TOKENS = re.compile(r'"[^"]+"|\S+')
_SNIPPET_CHARS = 220


def _fts_phrases(tokens: list[str]) -> str:
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in tokens)


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression; every user token is quoted, so no user text is FTS syntax."""
    tokens = [normalize_text(t.strip('"')).lower() for t in _TOKENS.findall(text)]
    tokens = [t for t in tokens if re.search(r"\w", t)]
    if not tokens:
        return None
    expr = "{title_fold body_fold}: (" + _fts_phrases([fold(t) for t in tokens]) + ")"
    if any(has_diacritics(t) for t in tokens):
        expr += " OR {title body}: (" + _fts_phrases(tokens) + ")"
    return expr


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
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def upsert(self, articles: list[Article]) -> UpsertResult:
        new = 0
        with self.db:
            for article in articles:
                row = self.db.execute("SELECT rid FROM articles WHERE id = ?", (article.id,)).fetchone()
                published = article.published_at.astimezone(VN_TZ)
                values = (article.id, article.source_id, article.province, int(published.timestamp()),
                          article.content_hash, article.duplicate_group, article.model_dump_json())
                if row:
                    rid = row[0]
                    self.db.execute(
                        "UPDATE articles SET id=?, source_id=?, province=?, published_ts=?, content_hash=?,"
                        " duplicate_group=?, doc=? WHERE rid=?", (*values, rid))
                    self.db.execute("DELETE FROM articles_fts WHERE rowid = ?", (rid,))
                else:
                    new += 1
                    rid = self.db.execute(
                        "INSERT INTO articles (id, source_id, province, published_ts, content_hash, duplicate_group,"
                        " doc) VALUES (?, ?, ?, ?, ?, ?, ?)", values).lastrowid
                self.db.execute("DELETE FROM article_topics WHERE article_id = ?", (article.id,))
                self.db.executemany("INSERT INTO article_topics VALUES (?, ?, ?)",
                                    [(article.id, t.topic_id, t.score) for t in article.topics])
                self.db.execute("DELETE FROM article_directives WHERE article_id = ?", (article.id,))
                self.db.executemany("INSERT INTO article_directives VALUES (?, ?)",
                                    [(article.id, d) for d in article.directives])
                self.db.execute(
                    "INSERT INTO articles_fts (rowid, title, body, title_fold, body_fold) VALUES (?, ?, ?, ?, ?)",
                    (rid, article.title, article.body, fold(article.title), fold(article.body)))
        return UpsertResult(new=new)

    def get(self, article_id: str) -> Article | None:
        row = self.db.execute("SELECT doc, duplicate_group FROM articles WHERE id = ?", (article_id,)).fetchone()
        return self._article(*row) if row else None

    @staticmethod
    def _article(doc: str, group: str | None) -> Article:
        return Article.model_validate_json(doc).model_copy(update={"duplicate_group": group})

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def dedup_keys(self) -> list[DedupKey]:
        rows = self.db.execute("SELECT id, content_hash, published_ts, duplicate_group FROM articles")
        return [DedupKey(id=i, content_hash=h, published_at=datetime.fromtimestamp(ts, VN_TZ), duplicate_group=g)
                for i, h, ts, g in rows]

    def set_duplicate_groups(self, groups: dict[str, str | None]) -> None:
        with self.db:
            self.db.executemany("UPDATE articles SET duplicate_group = ? WHERE id = ?",
                                [(group, article_id) for article_id, group in groups.items()])

    def _where(self, query: SearchQuery) -> tuple[str, list, str | None]:
        clauses: list[str] = []
        params: list = []
        match = fts_query(query.text)
        if match:
            clauses.append("a.rid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
            params.append(match)
        if query.topics:
            marks = ",".join("?" * len(query.topics))
            clauses.append(f"a.id IN (SELECT article_id FROM article_topics WHERE topic_id IN ({marks}))")
            params += query.topics
        for column, values in (("source_id", query.sources), ("province", query.provinces)):
            if values:
                clauses.append(f"a.{column} IN ({','.join('?' * len(values))})")
                params += values
        if query.directive:
            clauses.append("a.id IN (SELECT article_id FROM article_directives WHERE directive = ?)")
            params.append(query.directive)
        start, end = _local_bounds(query.since, query.until)
        if start is not None:
            clauses.append("a.published_ts >= ?")
            params.append(start)
        if end is not None:
            clauses.append("a.published_ts < ?")
            params.append(end)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params, match

    def search(self, query: SearchQuery) -> SearchResult:
        where, params, match = self._where(query)
        offset = int(query.cursor) if query.cursor else query.offset
        ids = f"SELECT a.id FROM articles a{where}"
        total, stories = self.db.execute(
            f"SELECT count(*), count(DISTINCT coalesce(a.duplicate_group, a.id)) FROM articles a{where}", params
        ).fetchone()
        if match:
            sql = (f"SELECT a.doc, a.duplicate_group, {_RANK} FROM articles a JOIN articles_fts f ON f.rowid = a.rid"
                   f"{where} AND articles_fts MATCH ? ORDER BY {_RANK}, a.published_ts DESC, a.id LIMIT ? OFFSET ?")
            rows = self.db.execute(sql, [*params, match, query.limit, offset]).fetchall()
        else:
            sql = f"SELECT a.doc, a.duplicate_group, 0 FROM articles a{where} ORDER BY a.published_ts DESC, a.id"
            rows = self.db.execute(sql + " LIMIT ? OFFSET ?", [*params, query.limit, offset]).fetchall()
        hits = [Hit(article=(art := self._article(doc, group)), score=-rank,
                    snippet=snippet(art.body, query.text)) for doc, group, rank in rows]
        topic_counts = dict(self.db.execute(
            f"SELECT topic_id, count(*) FROM article_topics WHERE article_id IN ({ids}) GROUP BY topic_id"
            " ORDER BY count(*) DESC, topic_id", params).fetchall())
        source_counts = dict(self.db.execute(
            f"SELECT a.source_id, count(*) FROM articles a{where} GROUP BY a.source_id ORDER BY count(*) DESC",
            params).fetchall())
        # Vietnam keeps UTC+7 all year, so a fixed offset gives local days.
        day_counts = dict(self.db.execute(
            f"SELECT date(a.published_ts, 'unixepoch', '+7 hours') AS d, count(*) FROM articles a{where}"
            " GROUP BY d ORDER BY d", params).fetchall())
        more = offset + len(hits) < total and bool(hits)
        return SearchResult(total=total, stories=stories, hits=hits, topic_counts=topic_counts,
                            source_counts=source_counts, day_counts=day_counts,
                            next_cursor=str(offset + len(hits)) if more else None)
