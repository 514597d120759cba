"""The embedded store: the article records in SQLite, searched through a tantivy index beside them.

SQLite holds every article as stored (its JSON document, fingerprint and the columns the store looks
up) and is the truth: the search index (`fulltext.py`) can always be rebuilt from it. A write goes to
SQLite first, with the rows it touched queued in `index_pending`, then to the index, which commits, and
only then leaves the queue. Killed between the two, the store finds the queue on opening and indexes
those rows again (indexing a row twice replaces it), so nothing written is ever missing from searches
for long, and nothing is lost.

Matching ignores diacritics (the index folds them, and đ); when the query carries diacritics, the best
folded matches are re-ranked by the query words they contain exactly, so "Đảng" ranks the Party above
"đang" (currently).
"""

import json
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from pydantic import TypeAdapter
from tantivy import Query

from portalwatch.core.batches import batches
from portalwatch.core.models import Article, DedupKey, TopicTag, fingerprint_bytes
from portalwatch.core.normalize import has_diacritics
from portalwatch.store.base import (
    BadCursor,
    BulkLoads,
    Hit,
    SearchQuery,
    SearchResult,
    SourceFirst,
    StoredRecord,
    UpsertResult,
)
from portalwatch.store.fulltext import VERSION, FullTextIndex
from portalwatch.store.query import Node, parse, positive_terms, snippet

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
-- The full records live apart, so scans over the columns above stay on few pages.
CREATE TABLE IF NOT EXISTS article_docs (rid INTEGER PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS article_fingerprints (rid INTEGER PRIMARY KEY, fingerprint BLOB NOT NULL);
-- Records written but not yet committed to the search index.
CREATE TABLE IF NOT EXISTS index_pending (rid INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Searching and filtering moved to the index: stores made before keep tables nothing reads.
DROP INDEX IF EXISTS articles_published;
DROP INDEX IF EXISTS articles_source;
DROP INDEX IF EXISTS articles_province;
DROP INDEX IF EXISTS articles_hash;
DROP TABLE IF EXISTS article_topics;
DROP TABLE IF EXISTS article_directives;
DROP TABLE IF EXISTS fts_fold;
DROP TABLE IF EXISTS fts_exact;
"""
# How many of the best folded matches are re-ranked by exact words. The order stays one total
# order (so paging visits each match once); an exact match below this depth keeps its folded rank.
RERANK_DEPTH = 500
# Rows per statement when looking ids up (SQLite allows 32,766 parameters; far fewer is plenty).
_LOOKUP = 500
# Records read per query when the queue is worked off (a rebuild, after a crash).
_REINDEX_BATCH = 5_000
# Records written between commits of the search index in a bulk load (bulk(), and working off the queue).
# A commit costs much the same for a few records as for many, and leaves a segment to merge later: 100,000
# real-length articles took 40 % less CPU in one bulk load (merges included) than with a commit every 10,000.
# A killed bulk load indexes at most this many again on the next opening.
BULK_COMMIT = 100_000
# Articles read per page of a scan.
_SCAN_PAGE = 2_000
# An article record as JSON bytes (model_dump_json makes a str of them), and its topics.
_RECORD = TypeAdapter(Article)
_TOPICS = TypeAdapter(list[TopicTag])
# A bigger page cache than the default 2 MB. No memory-mapped reads: the records file grows to gigabytes,
# and every page a scan maps counts in the process's memory (an export of 270,000 articles peaked at
# 1.3 GB with a 1 GB map, 0.3 GB without, and ran faster).
_PRAGMAS = ("PRAGMA cache_size = -65536", "PRAGMA temp_store = MEMORY")


def _contains(text: str, word: str) -> bool:
    """Whether `word` occurs in `text` not inside a longer word (str.find is far cheaper than a regex)."""
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        if (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            return True
        start = text.find(word, start + 1)
    return False


class SQLiteStore(BulkLoads):
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30)
        # Before anything is written: a record (some 7 KB of JSON) then fits in one page, where 4 KB pages
        # chain it over overflow pages, which doubled the time to write it. A store made before keeps its size.
        self.db.execute("PRAGMA page_size = 16384")
        self.db.execute("PRAGMA journal_mode=WAL")
        # WAL with NORMAL sync stays consistent on a crash; the raw archive can rebuild the rest.
        self.db.execute("PRAGMA synchronous=NORMAL")
        for pragma in _PRAGMAS:
            self.db.execute(pragma)
        self.db.executescript(_SCHEMA)
        index_path = path.with_name(path.name + ".index")
        built = self.db.execute("SELECT value FROM store_meta WHERE key = 'index_version'").fetchone()
        if not built or built[0] != str(VERSION):
            # An index of other fields, or beside records it was not built from: rebuilt below.
            FullTextIndex.remove(index_path)
        self.index = FullTextIndex(index_path)
        self._uncommitted: list[int] = []  # rids added to the index since its last commit
        if self.index.fresh:
            # A new store, an index deleted or removed above, or a store from before the index
            # (upgraded in place): every record is indexed again.
            with self.db:
                self.db.execute("INSERT OR IGNORE INTO index_pending SELECT rid FROM articles")
                self.db.execute("INSERT OR REPLACE INTO store_meta VALUES ('index_version', ?)", (str(VERSION),))
        # What a killed writer left unindexed; a process writing now indexes it itself.
        if self._pending() and self.index.try_writer():
            self._index_pending()

    def close(self) -> None:
        self._commit()
        self.index.close()
        self.db.close()

    def _end_bulk(self) -> None:
        """A bulk load commits at its end, and after each BULK_COMMIT records."""
        self._commit()

    def upsert(self, articles: list[Article]) -> UpsertResult:
        """One transaction and one statement per table for the whole batch: per-row statements
        cost more than the indexing itself. The last copy of a repeated id wins.

        The index's threads work on the batch while SQLite writes the records; the index commits only
        after SQLite has, so it never holds an article the records lack."""
        batch = {a.id: a for a in articles}
        self.index.writer()  # first: writers of one store take turns, SQLite and index alike
        # SQLite lets go of the GIL while it works, so a second thread serialises the records (the
        # Python part of the work) while this one writes the previous part.
        try:
            with ThreadPoolExecutor(1) as pool, self.db:
                prepared = pool.map(_prepare, batches(batch.values(), _LOOKUP))
                rids: dict[str, int] = {}
                for ids in batches(batch, _LOOKUP):
                    rids.update(self.db.execute(
                        f"SELECT id, rid FROM articles WHERE id IN ({','.join('?' * len(ids))})", ids))
                self.db.executemany(
                    "UPDATE articles SET source_id=?, province=?, published_ts=?, content_hash=?, duplicate_group=?"
                    " WHERE rid=?", [(*_columns(batch[i]), rid) for i, rid in rids.items()])
                fresh = [a for i, a in batch.items() if i not in rids]
                self.db.executemany(
                    "INSERT INTO articles (id, source_id, province, published_ts, content_hash, duplicate_group)"
                    " VALUES (?, ?, ?, ?, ?, ?)", [(a.id, *_columns(a)) for a in fresh])
                for ids in batches((a.id for a in fresh), _LOOKUP):
                    rids.update(self.db.execute(
                        f"SELECT id, rid FROM articles WHERE id IN ({','.join('?' * len(ids))})", ids))
                rows = [(rids[i], a) for i, a in batch.items()]
                self.db.executemany("INSERT OR IGNORE INTO index_pending VALUES (?)", [(rid,) for rid, _ in rows])
                # Records are never deleted, so a new row's rid is above every rid SQLite has committed, and
                # the index holds only committed records: nothing of the new rows' rids is there to replace.
                self.index.add(rows, absent={rids[a.id] for a in fresh})
                for part, (docs, fingerprints) in zip(batches(rows, _LOOKUP), prepared, strict=True):
                    part_rids = [rid for rid, _ in part]
                    # Stored as text, as json_extract reads it (bytes would be a blob).
                    self.db.executemany("INSERT OR REPLACE INTO article_docs VALUES (?, CAST(? AS TEXT))",
                                        zip(part_rids, docs, strict=True))
                    self.db.executemany("INSERT OR REPLACE INTO article_fingerprints VALUES (?, ?)",
                                        zip(part_rids, fingerprints, strict=True))
        except BaseException:
            self._abandon()
            raise
        self._indexed([rid for rid, _ in rows])
        return UpsertResult(new=len(fresh))

    def set_topics(self, topics: dict[int | str, list[TopicTag]]) -> None:
        """Only the topics are rewritten in each record (json_replace, in place), not the rest of it, its
        columns and fingerprint as upsert does; the index takes each article again, as it must."""
        # In rid order, the records' order in the file; as text: SQLite's json() refuses a blob.
        changes = sorted((int(key), _TOPICS.dump_json(tags).decode()) for key, tags in topics.items())
        rids = [rid for rid, _ in changes]
        self.index.writer()  # writers of one store take turns
        with self.db:
            self.db.executemany("UPDATE article_docs SET doc = json_replace(doc, '$.topics', json(?)) WHERE rid = ?",
                                [(tags, rid) for rid, tags in changes])
            self.db.executemany("INSERT OR IGNORE INTO index_pending VALUES (?)", [(rid,) for rid in rids])
        try:
            records = self._records(rids)
            self.index.add(list(records.items()), absent=())
        except BaseException:
            self._abandon()
            raise
        self._indexed(list(records))

    def _abandon(self) -> None:
        """After a failed write: what SQLite did not keep, the index must not publish. Earlier batches of a
        bulk load go with it; their records stay queued, as after a kill, and are indexed on the next opening."""
        self.index.rollback()
        self._uncommitted = []

    def _indexed(self, rids: list[int]) -> None:
        """Records added to the search index: committed now, or in a bulk load once enough wait."""
        self._uncommitted += rids
        if not self._in_bulk or len(self._uncommitted) >= BULK_COMMIT:
            self._commit()

    def _commit(self) -> None:
        """Commit what was added to the search index, then take those rows off the queue. Forgotten here
        first: if the commit fails, they stay queued and the next opening indexes them."""
        rids, self._uncommitted = self._uncommitted, []
        if not rids:
            return
        self.index.commit()
        with self.db:
            for part in batches(rids, _LOOKUP):
                self.db.execute(f"DELETE FROM index_pending WHERE rid IN ({','.join('?' * len(part))})", part)

    def _pending(self) -> bool:
        return self.db.execute("SELECT 1 FROM index_pending LIMIT 1").fetchone() is not None

    def _index_pending(self) -> None:
        self._commit()  # what this process added is committed first, not indexed twice
        # Into an empty index (a rebuild, a new or upgraded store) nothing is replaced. Checked while this
        # process holds the writer, so no other one adds to it meanwhile.
        self.index.latest()
        empty = self.index.count() == 0
        after = -1
        with self.bulk():
            while rows := self.db.execute(
                    "SELECT p.rid, CAST(d.doc AS BLOB), a.duplicate_group FROM index_pending p"
                    " JOIN articles a ON a.rid = p.rid JOIN article_docs d ON d.rid = p.rid"
                    " WHERE p.rid > ? ORDER BY p.rid LIMIT ?",
                    (after, _REINDEX_BATCH)).fetchall():
                self.index.add([(rid, self._article(doc, group)) for rid, doc, group in rows],
                               absent={rid for rid, _, _ in rows} if empty else ())
                self._indexed([rid for rid, _, _ in rows])
                after = rows[-1][0]
        with self.db:  # queued rows whose record is gone have nothing to index
            self.db.execute("DELETE FROM index_pending")

    def rebuild(self) -> int:
        """Index every record again, from scratch (after the index was damaged or deleted)."""
        self.index.writer()
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO index_pending SELECT rid FROM articles")
        self.index.clear()
        self._index_pending()
        return self.index.count()

    def newest_published(self) -> datetime | None:
        self.index.latest()
        found = self.index.newest(Query.all_query(), 1)
        return self._records([found[0][0]])[found[0][0]].published_at if found else None

    def get(self, article_id: str) -> Article | None:
        row = self.db.execute("SELECT CAST(d.doc AS BLOB), a.duplicate_group FROM articles a"
                              " JOIN article_docs d ON d.rid = a.rid WHERE a.id = ?", (article_id,)).fetchone()
        return self._article(*row) if row else None

    @staticmethod
    def _article(doc: bytes, group: str | None) -> Article:
        """A record as read (CAST AS BLOB: its UTF-8 bytes, which a str would decode only for the parser to
        encode them again, a quarter of the time to read and parse a record), with its story set on it."""
        article = Article.model_validate_json(doc)
        article.duplicate_group = group
        return article

    def _records(self, rids: list[int]) -> dict[int, Article]:
        found: dict[int, Article] = {}
        for part in batches(rids, _LOOKUP):
            found.update((rid, self._article(doc, group)) for rid, doc, group in self.db.execute(
                "SELECT a.rid, CAST(d.doc AS BLOB), a.duplicate_group FROM articles a"
                f" JOIN article_docs d ON d.rid = a.rid WHERE a.rid IN ({','.join('?' * len(part))})", part))
        return found

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def dedup_keys(self) -> Iterator[DedupKey]:
        """Streamed from the cursor: a million keys are never held here at once."""
        return map(DedupKey._make, self.db.execute(
            "SELECT a.id, a.content_hash, a.published_ts, a.duplicate_group, coalesce(f.fingerprint, x'')"
            " FROM articles a LEFT JOIN article_fingerprints f ON f.rid = a.rid"))

    def set_duplicate_groups(self, groups: dict[str, str | None]) -> None:
        self.index.writer()
        with self.db:  # only the articles whose story changes are indexed again
            self.db.executemany("INSERT OR IGNORE INTO index_pending SELECT rid FROM articles"
                                " WHERE id = ? AND duplicate_group IS NOT ?", list(groups.items()))
            self.db.executemany("UPDATE articles SET duplicate_group = ? WHERE id = ?",
                                [(group, article_id) for article_id, group in groups.items()])
        self._index_pending()  # the story each article counts in

    def scan(self, query: SearchQuery) -> Iterator[Article]:
        """Every article the query matches, newest first, a page at a time after the last one's order key."""
        self.index.latest()
        matching = self.index.query(parse(query.text), query)
        after = None
        while found := self.index.newest(matching, _SCAN_PAGE, after=after):
            records = self._records([rid for rid, _ in found])
            yield from (records[rid] for rid, _ in found if rid in records)
            after = found[-1][1]

    def records(self) -> Iterator[StoredRecord]:
        """In rid order, the order of the file, a page at a time: newest first reads the records all over
        it (a million of them, read and not parsed: 12 s so, 27 s newest first)."""
        after = -1
        while rows := self.db.execute("SELECT rid, CAST(doc AS BLOB) FROM article_docs WHERE rid > ? ORDER BY rid"
                                      " LIMIT ?", (after, _SCAN_PAGE)).fetchall():
            yield from map(StoredRecord._make, rows)
            after = rows[-1][0]

    def bodies(self, ids: list[str]) -> dict[str, str]:
        """Article id -> body, read straight from the stored records (for fingerprints computed again)."""
        found: dict[str, str] = {}
        for part in batches(ids, _LOOKUP):
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

    def search(self, query: SearchQuery) -> SearchResult:
        try:  # before any matching: a bad cursor wastes no work
            cursor = int(query.cursor) if query.cursor else None
        except ValueError as exc:
            raise BadCursor(query.cursor or "") from exc
        if cursor is not None and not 0 <= cursor < 2**63:  # nothing this store ever printed
            raise BadCursor(query.cursor or "")
        tree = parse(query.text)
        self.index.latest()
        matching = self.index.query(tree, query)
        facets = self.index.facets(matching, query.interval)
        scores: dict[int, float] = {}
        if tree is None:
            # Newest first; the cursor is the order key of the last article shown (search_after).
            found = self.index.newest(matching, query.limit + 1, 0 if cursor is not None else query.offset, cursor)
            page = [rid for rid, _ in found[: query.limit]]
            next_cursor = str(found[query.limit - 1][1]) if len(found) > query.limit else None
        else:
            # Best first; the cursor is the position of the next match.
            offset = query.offset if cursor is None else cursor
            ranked = self._ranked(matching, tree, offset, query.limit)
            scores = dict(ranked)
            page = [rid for rid, _ in ranked]
            more = bool(page) and offset + len(page) < facets.total
            next_cursor = str(offset + len(page)) if more else None
        records = self._records(page)
        hits = [Hit(article=records[rid], score=scores.get(rid, 0.0), snippet=snippet(records[rid].body, tree))
                for rid in page if rid in records]
        return SearchResult(total=facets.total, stories=facets.stories, hits=hits, topic_counts=facets.topic_counts,
                            source_counts=facets.source_counts, directive_counts=facets.directive_counts,
                            histogram=facets.histogram, next_cursor=next_cursor)

    def source_histograms(self, query: SearchQuery) -> dict[str, dict[str, int]]:
        self.index.latest()
        return self.index.source_histograms(self.index.query(parse(query.text), query), query.interval)

    def firsts(self, query: SearchQuery) -> list[SourceFirst]:
        return self.index.firsts(self.index.query(parse(query.text), query))

    def _ranked(self, matching: Query, tree: Node, offset: int, limit: int) -> list[tuple[int, float]]:
        """(rid, score) at positions offset… of the ranking: the best folded matches re-ranked first by the
        query words with diacritics they contain as written (two in the title, one in the body)."""
        words = [t.text for t in positive_terms(tree) if has_diacritics(t.text)]
        if not words or offset >= RERANK_DEPTH:
            return self.index.ranked(matching, limit, offset)
        best = self.index.ranked(matching, RERANK_DEPTH)
        texts = {rid: (title.lower(), body.lower(), ts) for rid, title, body, ts in self._texts([r for r, _ in best])}

        def exact(rid: int) -> int:
            title, body, _ = texts[rid]
            return sum(2 if _contains(title, w) else 1 if _contains(body, w) else 0 for w in words)

        best.sort(key=lambda hit: (-exact(hit[0]), -hit[1], -texts[hit[0]][2], hit[0]))
        page = best[offset : offset + limit]
        if len(best) == RERANK_DEPTH and offset + limit > RERANK_DEPTH:  # the page runs past the re-ranked depth
            page += self.index.ranked(matching, offset + limit - RERANK_DEPTH, RERANK_DEPTH)
        return page

    def _texts(self, rids: list[int]) -> list[tuple[int, str, str, int]]:
        """Title, body and publication time of these records, read from their documents in SQLite."""
        return self.db.execute(
            # One json_extract with both paths parses each document once, not twice.
            "SELECT a.rid, json_extract(d.doc, '$.title'), json_extract(d.doc, '$.body'), a.published_ts"
            f" FROM articles a JOIN article_docs d ON d.rid = a.rid WHERE a.rid IN ({','.join('?' * len(rids))})",
            rids).fetchall()


def _prepare(articles: list[Article]) -> tuple[list[bytes], list[bytes]]:
    """What upsert writes for each article, apart from the ids the database assigns. The records as UTF-8
    bytes (the same JSON as model_dump_json): that str would cost three times as much to make, and SQLite
    would encode it back to UTF-8."""
    return [_RECORD.dump_json(a) for a in articles], [fingerprint_bytes(a.fingerprint) for a in articles]


def _columns(article: Article) -> tuple:
    return (article.source_id, article.province, int(article.published_at.timestamp()), article.content_hash,
            article.duplicate_group)
