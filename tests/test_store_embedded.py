"""What only the embedded store must do: survive kill -9 while indexing, rebuild its search index from
the records, upgrade a store made before the index in place, and stream every article."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import tantivy
from typer.testing import CliRunner

from flows.retagging import retag_store
from pipelines.tagging import load_taxonomy
from portalwatch.cli import app
from portalwatch.core import VN_TZ
from portalwatch.core.config import PACKAGE_DIR
from portalwatch.core.models import Article, TopicTag
from portalwatch.store.base import SearchQuery
from portalwatch.store.fulltext import FullTextIndex
from portalwatch.store.sqlite import SQLiteStore
from tests.support import ARTICLES, make

START = datetime(2026, 3, 2, 8, 0, tzinfo=VN_TZ)


def numbered(n: int, start: int = 0) -> list[Article]:
    """Articles each carrying a word of their own ("mã<i>x"), so a search can find every one by itself."""
    return [make(f"http://c/{i}", f"Xã số {i} đạt chuẩn nông thôn mới",
                 f"Nội dung mã{i}x: xã số {i} hoàn thành 19 tiêu chí xây dựng nông thôn mới.\n\n"
                 "Chương trình mục tiêu quốc gia xây dựng nông thôn mới giúp xã nâng cấp đường giao thông.",
                 START + timedelta(minutes=i), source=f"s{i % 3}") for i in range(start, start + n)]


def searchable(store: SQLiteStore, article: Article) -> bool:
    word = article.body.split()[2]
    return [h.article.id for h in store.search(SearchQuery(text=word)).hits] == [article.id]


@pytest.mark.parametrize("bulk", [False, True], ids=["batches", "bulk load"])
def test_kill_9_while_indexing_loses_nothing_and_leaves_a_usable_store(tmp_path: Path, bulk: bool) -> None:
    path = tmp_path / "store.db"
    # A writer that says which batches were written (upsert returned) and keeps writing until killed; in a
    # bulk load, killed before its index ever committed.
    writer = textwrap.dedent(f"""
        import sys
        from contextlib import nullcontext
        from pathlib import Path
        from portalwatch.store.sqlite import SQLiteStore
        from tests.test_store_embedded import numbered
        store = SQLiteStore(Path({str(path)!r}))
        with store.bulk() if {bulk} else nullcontext():
            for batch in range(1000):
                store.upsert(numbered(200, start=batch * 200))
                print(batch, flush=True)
    """)
    done = -1
    for kill_after in (2, 5):  # killed twice, at different points, the second time over the first's leftovers
        process = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True,
                                   cwd=Path(__file__).parent.parent)
        assert process.stdout is not None
        for line in process.stdout:
            done = int(line)
            if done >= kill_after:
                time.sleep(0.05 * kill_after)  # somewhere inside the next batch
                break
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    store = SQLiteStore(path)
    written = numbered(200 * (done + 1))  # every batch whose upsert returned before the kill
    stored = store.count()
    assert stored >= len(written)
    # Every stored record (those of a batch cut short included, if SQLite kept it) is searchable.
    assert store.search(SearchQuery(limit=0)).total == stored
    assert all(searchable(store, article) for article in written[::97] + written[-3:])
    store.upsert(numbered(5, start=10_000))  # and the store takes new writes
    assert store.search(SearchQuery(limit=0)).total == stored + 5
    store.close()


def test_a_write_cut_off_before_the_index_committed_is_indexed_on_the_next_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    store.upsert(ARTICLES[:2])

    def killed() -> None:
        raise SystemExit("killed between the records and the index")

    with monkeypatch.context() as patched:
        patched.setattr(FullTextIndex, "commit", lambda self: killed())
        with pytest.raises(SystemExit):
            store.upsert(ARTICLES[2:])
    store.index.rollback()
    store.close()
    reopened = SQLiteStore(tmp_path / "store.db")
    assert reopened.search(SearchQuery(limit=0)).total == len(ARTICLES)
    assert {h.article.url for h in reopened.search(SearchQuery(text="hoa binh")).hits} == {"http://b/3"}
    reopened.close()


def test_topics_set_but_cut_off_before_the_index_committed_are_indexed_on_the_next_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    store.upsert(ARTICLES)
    keys = {Article.model_validate_json(doc).id: key for key, doc in store.records()}

    def killed() -> None:
        raise SystemExit("killed between the records and the index")

    with monkeypatch.context() as patched:
        patched.setattr(FullTextIndex, "commit", lambda self: killed())
        with pytest.raises(SystemExit):
            store.set_topics({keys[ARTICLES[1].id]: [TopicTag(topic_id="bau-cu", score=4.0)]})
    store.index.rollback()
    store.close()
    reopened = SQLiteStore(tmp_path / "store.db")
    assert [h.article.url for h in reopened.search(SearchQuery(topics=["bau-cu"])).hits] == [ARTICLES[1].url]
    reopened.close()


def test_a_deleted_index_is_rebuilt_from_the_records(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    store.upsert(ARTICLES)
    store.close()
    FullTextIndex.remove(tmp_path / "store.db.index")
    reopened = SQLiteStore(tmp_path / "store.db")
    result = reopened.search(SearchQuery(text="xay dung dang"))
    assert {h.article.url for h in result.hits} == {"http://a/1", "http://b/4"}
    assert result.topic_counts == {"xay-dung-dang": 2, "dai-hoi-dang": 1}
    reopened.close()


def test_an_index_of_an_older_version_is_rebuilt_on_opening(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    store.upsert(ARTICLES)
    store.db.execute("UPDATE store_meta SET value = '1' WHERE key = 'index_version'")
    store.db.commit()
    store.close()
    # Version 1's directives: searchable but no fast column, so no directive facet could be counted from it.
    FullTextIndex.remove(tmp_path / "store.db.index")
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("rid", indexed=True, fast=True)
    builder.add_text_field("directives", tokenizer_name="raw", index_option="basic")
    (tmp_path / "store.db.index").mkdir()
    tantivy.Index(builder.build(), path=str(tmp_path / "store.db.index"))
    reopened = SQLiteStore(tmp_path / "store.db")
    assert reopened.search(SearchQuery()).directive_counts == {"05-CT/TW": 1}
    assert [f.source_id for f in reopened.firsts(SearchQuery(directive="05-CT/TW"))] == ["a"]
    reopened.close()


def test_articles_written_again_after_a_rebuild_replace_their_copies(tmp_path: Path) -> None:
    """A rebuild fills an empty index and new rows are added without looking for older copies: an
    article written again afterwards still shows once, with its new text only."""
    articles = numbered(5)
    store = SQLiteStore(tmp_path / "store.db")
    store.upsert(articles)
    assert store.rebuild() == 5
    changed = articles[0].model_copy(update={"body": articles[0].body.replace("mã0x", "mã99x")})
    store.upsert([changed, *articles[1:]])
    store.close()
    reopened = SQLiteStore(tmp_path / "store.db")
    assert reopened.search(SearchQuery(limit=0)).total == 5
    assert [h.article.id for h in reopened.search(SearchQuery(text="mã99x")).hits] == [changed.id]
    assert reopened.search(SearchQuery(text="mã0x")).total == 0
    assert all(searchable(reopened, a) for a in articles[1:])
    reopened.close()


def test_the_reindex_command_rebuilds_the_embedded_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SQLiteStore(tmp_path / "portalwatch.db")
    store.upsert(ARTICLES)
    store.close()
    FullTextIndex.remove(tmp_path / "portalwatch.db.index")
    (tmp_path / "portalwatch.db.index").mkdir()  # an index with nothing in it: opening would rebuild a missing one
    monkeypatch.setenv("PORTALWATCH_DATA_DIR", str(tmp_path))  # (--data-dir would set it for later tests too)
    done = CliRunner().invoke(app, ["reindex"])
    assert done.exit_code == 0, done.output
    assert f"{len(ARTICLES)} bài" in done.output
    reopened = SQLiteStore(tmp_path / "portalwatch.db")
    assert reopened.search(SearchQuery(text="hoa binh")).total == 1
    reopened.close()


def test_a_store_made_before_the_search_index_is_upgraded_in_place(tmp_path: Path) -> None:
    # The layout of the version before: records plus an FTS5 table and topic/directive tables.
    db = sqlite3.connect(tmp_path / "store.db")
    db.executescript("""
        CREATE TABLE articles (rid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, source_id TEXT NOT NULL,
            province TEXT NOT NULL DEFAULT '', published_ts INTEGER NOT NULL, content_hash TEXT NOT NULL,
            duplicate_group TEXT);
        CREATE TABLE article_docs (rid INTEGER PRIMARY KEY, doc TEXT NOT NULL);
        CREATE TABLE article_fingerprints (rid INTEGER PRIMARY KEY, fingerprint BLOB NOT NULL);
        CREATE TABLE article_topics (rid INTEGER NOT NULL, topic_id TEXT NOT NULL, score REAL NOT NULL,
            PRIMARY KEY (topic_id, rid)) WITHOUT ROWID;
        CREATE VIRTUAL TABLE fts_fold USING fts5(title, body, content = '', tokenize = 'unicode61 remove_diacritics 2');
    """)
    for rid, article in enumerate(ARTICLES, start=1):
        db.execute("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (rid, article.id, article.source_id, article.province, int(article.published_at.timestamp()),
                    article.content_hash, "g1" if rid in (2, 4) else None))
        db.execute("INSERT INTO article_docs VALUES (?, ?)", (rid, article.model_dump_json()))
    db.commit()
    db.close()
    store = SQLiteStore(tmp_path / "store.db")
    everything = store.search(SearchQuery(limit=10))
    assert everything.total == len(ARTICLES)
    assert everything.stories == len(ARTICLES) - 1  # articles 2 and 4 were stored as one story
    assert {h.article.url for h in store.search(SearchQuery(text="xây dựng Đảng", provinces=["Bình Giang"])).hits} == \
        {"http://a/1", "http://b/4"}
    tables = {name for (name,) in store.db.execute("SELECT name FROM sqlite_master")}
    assert not tables & {"fts_fold", "article_topics"}
    store.close()


def test_scan_streams_every_match_once_while_retag_writes(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    articles = numbered(4_500)
    store.upsert(articles)
    on_s1 = [a.id for a in reversed(articles) if a.source_id == "s1"]  # each a minute after the one before
    assert [a.id for a in store.scan(SearchQuery(sources=["s1"]))] == on_s1  # more than one page of them
    assert {a.id for a in store.scan(SearchQuery(text="ma17x"))} == {articles[17].id}
    # Every article is about new rural areas ("nông thôn mới"): a retag writes each, in batches, while scanning.
    report = retag_store(store, load_taxonomy(PACKAGE_DIR / "taxonomy.yaml"), batch_size=100, write_size=1_000)
    assert report.articles == len(articles)
    assert report.changed == len(articles)
    assert store.search(SearchQuery(topics=["nong-thon-moi"], limit=0)).total == len(articles)
    store.close()
