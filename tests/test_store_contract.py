"""The store contract: every backend must give these answers (SQLite now; more backends join the params)."""

import unicodedata
from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from portalwatch.core import VN_TZ
from portalwatch.core.models import Article, DedupKey, TopicTag, fingerprint_bytes
from portalwatch.store.base import DIRECTIVE_FACETS, ArticleStore, BadCursor, SearchQuery
from portalwatch.store.query import UnsupportedQuery, parse, snippet
from portalwatch.store.sqlite import RERANK_DEPTH
from tests.support import ARTICLES, make


@pytest.fixture
def store(empty_store: ArticleStore) -> ArticleStore:
    empty_store.upsert(ARTICLES)
    return empty_store


def ids(store: ArticleStore, **query: object) -> set[str]:
    return {h.article.url for h in store.search(SearchQuery(limit=100, **query)).hits}


def every_page(store: ArticleStore, query: SearchQuery) -> list[str]:
    """The urls of every page's hits, following each page's cursor to the end."""
    seen: list[str] = []
    page = store.search(query)
    while True:
        seen += [h.article.url for h in page.hits]
        if not page.next_cursor:
            return seen
        page = store.search(query.model_copy(update={"cursor": page.next_cursor}))


def test_upsert_is_idempotent(store: ArticleStore) -> None:
    assert store.upsert(ARTICLES).new == 0
    assert store.count() == len(ARTICLES)
    assert store.get(ARTICLES[0].id) == ARTICLES[0]


def test_query_without_diacritics_finds_text_with_them(store: ArticleStore) -> None:
    assert ids(store, text="xay dung dang") == {"http://a/1", "http://b/4"}
    assert ids(store, text="XAY DUNG") == {"http://a/1", "http://b/4"}


def test_exact_diacritics_rank_above_folded_matches(store: ArticleStore) -> None:
    # "dang" folds both "Đảng" (the Party) and "đang" (currently): exact marks decide the order.
    party = [h.article.url for h in store.search(SearchQuery(text="Đảng")).hits]
    assert sorted(party[:2]) == ["http://a/1", "http://b/4"] and party[2:] == ["http://a/2"]
    currently = [h.article.url for h in store.search(SearchQuery(text="đang")).hits]
    assert currently[0] == "http://a/2"
    assert len(currently) == 3


def test_tone_placement_variants_match(store: ArticleStore) -> None:
    assert ids(store, text="hoà bình") == {"http://b/3"}
    assert ids(store, text="thuỷ lợi") == {"http://b/3"}


def test_search_syntax_in_user_text_is_harmless(store: ArticleStore) -> None:
    """Syntax of the underlying engines (FTS5's NEAR, OR, column filters; Lucene's field:value) is
    read as plain words: each text finds what its words find, never what the operator would."""
    store.upsert([make("http://e/1", "Sơ kết Chỉ thị", "Các chi bộ sơ kết Chỉ thị 05-CT/TW của Bộ Chính trị.",
                       datetime(2026, 11, 18, 9, tzinfo=VN_TZ), source="e")])
    assert ids(store, text="05-CT/TW") == {"http://e/1"}  # "-CT" is no exclusion, "/" no syntax
    assert ids(store, text='"xây dựng') == ids(store, text='"xây dựng"') == {"http://a/1", "http://b/4"}
    # As operators these would find a/1 and b/4 (NEAR), a/2 and b/3 (OR), a/2 (the title column).
    assert ids(store, text="NEAR(xây dựng)") == set()
    assert ids(store, text="lúa OR thủy") == set()
    assert ids(store, text="title:lúa") == set()
    assert ids(store, text="a OR b AND") == set()
    assert ids(store, text='"xây dựng Đảng"') == {"http://a/1", "http://b/4"}


def test_or_exclusion_and_grouping_mean_the_same_on_every_store(store: ArticleStore) -> None:
    # simple_query_string's operators, which the engine applies and the embedded store compiles.
    assert ids(store, text='"xây dựng" | "thủy lợi"') == {"http://a/1", "http://b/3", "http://b/4"}
    assert ids(store, text='"xay dung" | "thuy loi"') == {"http://a/1", "http://b/3", "http://b/4"}
    assert ids(store, text='dang -"xay dung"') == {"http://a/2"}  # Đảng, đang and đảng, less "xây dựng"
    assert ids(store, text='(lúa | "thủy lợi") -trũng') == {"http://b/3"}
    # Left to right, no precedence: (thủy AND lợi) OR lúa, but (lúa OR thủy) AND lợi.
    assert ids(store, text="thủy lợi | lúa") == {"http://b/3", "http://a/2"}
    assert ids(store, text="lúa | thủy lợi") == {"http://b/3"}
    # A minus before a space and an unmatched ")" are ignored; a minus inside a word is text.
    assert ids(store, text="dang - xay") == ids(store, text="dang )xay") == {"http://a/1", "http://b/4"}
    assert ids(store, text="dang -xay-dung") == {"http://a/2"}
    snippet = store.search(SearchQuery(text='"thủy lợi" -"xây dựng"')).hits[0].snippet
    assert "<mark>thủy lợi</mark>" in snippet.replace("</mark> <mark>", " ")


def test_a_query_of_exclusions_only_is_refused_with_a_reason(store: ArticleStore) -> None:
    for text in ["-dang", '-"xây dựng" -lúa', "lúa | -dang"]:
        with pytest.raises(UnsupportedQuery, match="loại trừ"):
            store.search(SearchQuery(text=text))


@pytest.mark.parametrize(("text", "reason"), [
    ("!!!", "không có chữ hay số"),
    ("😀 🎉", "không có chữ hay số"),
    ('"…" ( ) |', "không có chữ hay số"),
    ("(" * 1500 + "dang" + ")" * 1500, "lồng quá"),  # was a RecursionError
    ("(" * 100 + "dang" + " | lúa)" * 100, "lồng quá"),
    ("(" * 1500 + "dang" + " | lúa)" * 1500, "quá dài"),
    (" ".join(f"từ{i}" for i in range(2000)), "quá dài"),  # the engine refuses so many clauses
])
def test_queries_every_store_refuses_alike(store: ArticleStore, text: str, reason: str) -> None:
    with pytest.raises(UnsupportedQuery, match=reason):
        store.search(SearchQuery(text=text))


def test_the_deepest_and_longest_queries_allowed_are_answered(store: ArticleStore) -> None:
    assert ids(store, text="(" * 20 + "lúa" + ")" * 20) == {"http://a/2"}
    assert ids(store, text=" ".join(["lúa"] * 200)) == {"http://a/2"}


def test_a_cursor_no_page_printed_is_refused(store: ArticleStore) -> None:
    for cursor in [str(10**22), "-5"]:  # 10**22 was an OverflowError on the embedded store
        with pytest.raises(BadCursor):
            store.search(SearchQuery(text="dang", cursor=cursor))


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="sau ngày kết thúc"):
        SearchQuery(since=date(2026, 11, 20), until=date(2026, 11, 1))
    assert SearchQuery(since=date(2026, 11, 20), until=date(2026, 11, 20)).until == date(2026, 11, 20)


def test_filters_and_facets(store: ArticleStore) -> None:
    assert ids(store, topics=["xay-dung-dang"]) == {"http://a/1", "http://b/4"}
    assert ids(store, sources=["b"]) == {"http://b/3", "http://b/4"}
    assert ids(store, directive="05-CT/TW") == {"http://a/1"}
    assert ids(store, provinces=["Cà Mau"]) == {"http://b/3"}
    assert ids(store, text="dang", sources=["a"], since=date(2026, 11, 17)) == {"http://a/2"}
    week = store.search(SearchQuery(since=date(2026, 11, 16), until=date(2026, 11, 22)))
    assert week.total == 3  # 22/11 23:59 local time is inside the week; 9/11 is not
    assert week.topic_counts == {"xay-dung-dang": 2, "dai-hoi-dang": 1}
    assert week.source_counts == {"a": 2, "b": 1}
    assert week.histogram == {"2026-11-16": 1, "2026-11-17": 1, "2026-11-22": 1}
    weeks = store.search(SearchQuery(interval="week")).histogram
    assert weeks == {"2026-11-09": 1, "2026-11-16": 3}  # Monday-based weeks; Sunday 23:59 stays in its week


def test_snippet_shows_the_matched_words(store: ArticleStore) -> None:
    hit = store.search(SearchQuery(text="cong trinh thuy loi")).hits[0]
    assert "<mark>công</mark> <mark>trình</mark> <mark>thủy</mark> <mark>lợi</mark>" in hit.snippet


@pytest.mark.parametrize("filler", [0, 1_490, 5_000])
def test_the_snippet_marks_the_words_wherever_they_are_in_the_body(empty_store: ArticleStore, filler: int) -> None:
    body = "x" * filler + " Hội nghị bàn về Chuyển đổi số của tỉnh Bình Giang. " + "y" * 3_000
    empty_store.upsert([make("http://f/1", "Hội nghị", body, datetime(2026, 11, 3, 9, tzinfo=VN_TZ), source="f")])
    marked = empty_store.search(SearchQuery(text="chuyen doi so")).hits[0].snippet
    assert "<mark>Chuyển</mark> <mark>đổi</mark> <mark>số</mark>" in marked


def test_the_snippet_shows_the_passage_with_the_most_query_words(empty_store: ArticleStore) -> None:
    body = ("Chuyển giao giống lúa mới cho nông dân. " + "Nội dung khác. " * 40
            + "Hội nghị bàn về chuyển đổi số của tỉnh Bình Giang. " + "Tin cuối. " * 40)
    empty_store.upsert([make("http://f/2", "Tin tổng hợp", body, datetime(2026, 11, 3, 9, tzinfo=VN_TZ), source="f")])
    marked = empty_store.search(SearchQuery(text="chuyển đổi số")).hits[0].snippet
    assert "<mark>chuyển</mark> <mark>đổi</mark> <mark>số</mark>" in marked and "giống lúa" not in marked


def test_a_snippet_of_decomposed_text_marks_the_same_words() -> None:
    """Text whose marks are separate characters (NFD) is shown composed, the words marked where they are."""
    body = unicodedata.normalize("NFD", "Tỉnh ủy quán triệt công tác xây dựng Đảng năm 2026.")
    assert "công tác <mark>xây</mark> <mark>dựng</mark> <mark>Đảng</mark> năm" in snippet(body, parse("xay dung dang"))


def test_duplicate_groups_count_stories(store: ArticleStore) -> None:
    store.set_duplicate_groups({ARTICLES[0].id: ARTICLES[0].id, ARTICLES[3].id: ARTICLES[0].id})
    result = store.search(SearchQuery())
    assert (result.total, result.stories) == (4, 3)
    matched = store.search(SearchQuery(text="dang"))  # 1 and 4 (one story) and 2
    assert (matched.total, matched.stories) == (3, 2)
    assert store.search(SearchQuery(text="dang", sources=["b"])).stories == 1


def test_dedup_keys_carry_what_grouping_needs_and_the_setters_change_only_what_they_name(
        store: ArticleStore) -> None:
    first, fourth = ARTICLES[0], ARTICLES[3]
    store.set_fingerprints({first.id: [2, *range(64)]})
    store.set_duplicate_groups({fourth.id: first.id})
    keys = {k.id: k for k in store.dedup_keys()}
    assert keys.keys() == {a.id for a in ARTICLES}
    assert keys[first.id] == DedupKey(first.id, first.content_hash, first.published_at.timestamp(), None,
                                      fingerprint_bytes([2, *range(64)]))
    assert keys[fourth.id] == DedupKey(fourth.id, fourth.content_hash, fourth.published_at.timestamp(), first.id, b"")
    assert keys[ARTICLES[1].id].duplicate_group is None
    stored = store.get(first.id)
    assert stored is not None and stored.fingerprint == [2, *range(64)]  # the record agrees with the key
    assert store.bodies([first.id, "no-such-id", fourth.id]) == {first.id: first.body, fourth.id: fourth.body}


def test_records_read_every_article_once_and_set_topics_rewrites_only_the_topics(store: ArticleStore) -> None:
    first, fourth = ARTICLES[0], ARTICLES[3]
    store.set_duplicate_groups({fourth.id: first.id})
    read = [(key, Article.model_validate_json(doc)) for key, doc in store.records()]
    assert sorted(a.id for _, a in read) == sorted(a.id for a in ARTICLES)
    assert {a.id: (a.title, a.body, a.topics) for _, a in read} == {a.id: (a.title, a.body, a.topics) for a in ARTICLES}
    keys = {a.id: key for key, a in read}
    elections = [TopicTag(topic_id="bau-cu", score=4.5, phrases=["bầu cử"])]
    store.set_topics({keys[fourth.id]: elections, keys[first.id]: []})
    # Everything else as stored: the text, the story group set beside the record.
    assert store.get(fourth.id) == fourth.model_copy(update={"topics": elections, "duplicate_group": first.id})
    assert store.get(first.id) == first.model_copy(update={"topics": []})
    expected = Counter(t for a in ARTICLES if a.id not in (first.id, fourth.id) for t in a.topic_ids)
    expected["bau-cu"] += 1
    result = store.search(SearchQuery())
    assert result.topic_counts == dict(expected)
    assert result.total == len(ARTICLES)
    assert ids(store, stories=[first.id]) == {fourth.url}
    assert ids(store, topics=["bau-cu"]) == {fourth.url}
    assert ids(store, topics=["dai-hoi-dang"]) == ids(store, topics=["xay-dung-dang"]) == set()
    assert ids(store, text="xay dung dang") == {first.url, fourth.url}  # still found by their words


def test_deep_paging_visits_every_match_once(store: ArticleStore) -> None:
    extra = [make(f"http://c/{i}", f"Tin số {i}", f"Nội dung tin số {i} về xây dựng nông thôn mới.",
                  datetime(2026, 11, 1 + i % 20, i % 24, tzinfo=VN_TZ), source="c") for i in range(45)]
    store.upsert(extra)
    for text in ("", "nong thon moi"):
        seen = every_page(store, SearchQuery(text=text, sources=["c"], limit=10))
        assert sorted(seen) == sorted(a.url for a in extra)

    with pytest.raises(BadCursor):  # one clear error, not a crash or a silent first page
        store.search(SearchQuery(text="nong thon moi", cursor="not-a-cursor!"))


def test_snippets_are_escaped_html_with_or_without_a_query(store: ArticleStore) -> None:
    store.upsert([make("http://d/1", "Mã nhúng", "Cổng tin hiện <script>alert(1)</script> & mã nhúng lạ.",
                       datetime(2026, 11, 3, 9, tzinfo=VN_TZ), source="d")])
    for text in ("", "ma nhung"):
        snippet = store.search(SearchQuery(text=text, sources=["d"])).hits[0].snippet
        assert "<script>" not in snippet and "&lt;script&gt;" in snippet and "&amp;" in snippet


def test_selective_filters_with_text_find_exactly_the_matching_articles(store: ArticleStore) -> None:
    extra = [make(f"http://c/{i}", f"Tin số {i}", f"Nội dung tin số {i} về xây dựng nông thôn mới.",
                  datetime(2026, 10, 1 + i % 20, 9, tzinfo=VN_TZ), source="c") for i in range(45)]
    unmarked = make("http://c/x", "Tin khong dau", "Bai viet go khong dau: xay dung nong thon moi.",
                    datetime(2026, 10, 6, 9, tzinfo=VN_TZ), source="c")
    store.upsert([*extra, unmarked])
    since, until = date(2026, 10, 5), date(2026, 10, 7)  # few candidates: filters are applied first
    expected = {a.id for a in extra if since <= a.published_at.date() <= until}
    result = store.search(SearchQuery(text="nông thôn mới", sources=["c"], since=since, until=until, limit=50))
    assert [h.article.id for h in result.hits][-1] == unmarked.id  # exact diacritics rank higher
    assert {h.article.id for h in result.hits} == expected | {unmarked.id}
    assert result.total == len(expected) + 1 == sum(result.histogram.values())


def test_missing_article_is_none(store: ArticleStore) -> None:
    assert store.get("no-such-id") is None


def test_a_quoted_phrase_with_its_marks_ranks_above_a_folded_match(store: ArticleStore) -> None:
    # Folded, both read "xay dung dang"; only the second says "xây dựng Đảng", though less often.
    folded_twice = make("http://d/1", "Tin công trình", "Công trình xây dựng đang chậm; khu xây dựng đang ngập.",
                        datetime(2026, 11, 20, 9, tzinfo=VN_TZ), source="d")
    exact_once = make("http://d/2", "Tin cơ sở", "Chi bộ bàn về công tác xây dựng Đảng ở thôn bản vùng cao.",
                      datetime(2026, 11, 20, 9, tzinfo=VN_TZ), source="d")
    store.upsert([folded_twice, exact_once])
    hits = [h.article.url for h in store.search(SearchQuery(text='"xây dựng Đảng"', sources=["d"])).hits]
    assert hits == ["http://d/2", "http://d/1"]



def test_words_as_written_outrank_any_number_of_folded_ones(empty_store: ArticleStore) -> None:
    # "đảng" (the Party) once in a long body, against "đang" (currently) over and over in a short article:
    # however well the folded word scores, the one that holds the word as written comes first, on every store.
    filler = " ".join(f"Đoạn {i} nói về mùa màng, thời tiết và giao thông trong huyện." for i in range(40))
    once = make("http://e/1", "Tin huyện", f"{filler} Chi bộ họp bàn công tác của Đảng.",
                datetime(2026, 11, 10, 9, tzinfo=VN_TZ), source="e")
    folded = make("http://e/2", "Lúa đang chín, nước đang lên", "Lúa đang chín; nước đang lên; xã đang gặt; "
                  "dân đang chờ; đê đang được gia cố.", datetime(2026, 11, 20, 9, tzinfo=VN_TZ), source="e")
    empty_store.upsert([once, folded])
    assert [h.article.url for h in empty_store.search(SearchQuery(text="Đảng")).hits] == ["http://e/1", "http://e/2"]
    assert [h.article.url for h in empty_store.search(SearchQuery(text="đang")).hits] == ["http://e/2", "http://e/1"]


def test_paging_across_the_reranked_depth_shows_every_match_once_in_one_order(empty_store: ArticleStore) -> None:
    # More matches than the re-ranked depth, a third with the words as written: the pages that cross the
    # depth and go beyond it visit each match once, and within the depth those come first.
    count = RERANK_DEPTH + 60
    articles = [make(f"http://f/{i}", f"Tin {i}", (f"Xã {i} bàn xây dựng nông thôn mới." if i % 3 == 0
                                                    else f"Xa {i} ban xay dung nong thon moi."),
                     datetime(2026, 1, 1, tzinfo=VN_TZ) + timedelta(hours=i), source="f") for i in range(count)]
    empty_store.upsert(articles)
    exact = {a.url for a in articles if "nông thôn" in a.body}
    for limit in (50, 7):
        seen = every_page(empty_store, SearchQuery(text="nông thôn", limit=limit))
        assert sorted(seen) == sorted(a.url for a in articles)
        written = [url in exact for url in seen[:RERANK_DEPTH]]
        assert written[0] and written == sorted(written, reverse=True)


def test_a_bulk_load_is_searchable_when_it_ends_each_article_as_last_written(empty_store: ArticleStore) -> None:
    # Three batches in one bulk load, the second rewriting a third of the first batch.
    first = [make(f"http://g/{i}", f"Tin {i}", f"Xã {i} bàn xây dựng nông thôn mới.",
                  datetime(2026, 2, 1, tzinfo=VN_TZ) + timedelta(hours=i), source="g", topics=("nong-thon-moi",))
             for i in range(30)]
    rewritten = [a.model_copy(update={"title": f"{a.title} được sửa", "topics": []}) for a in first[:20:3]]
    with empty_store.bulk():
        empty_store.upsert(first[:20])
        empty_store.upsert(rewritten)
        empty_store.upsert(first[20:])
    everything = empty_store.search(SearchQuery(limit=0))
    assert everything.total == len(first)
    assert everything.topic_counts == {"nong-thon-moi": len(first) - len(rewritten)}
    assert sorted(every_page(empty_store, SearchQuery(text="được sửa", limit=4))) == sorted(a.url for a in rewritten)


def test_an_article_with_a_word_of_a_hundred_thousand_letters_is_stored_and_found(empty_store: ArticleStore) -> None:
    # Hostile or broken pages (an inlined image, a run of one letter) put such "words" in a body.
    article = make("http://h/1", "Trang lỗi", f"Xã Tân Lập {'a' * 100_000} hoàn thành nông thôn mới.",
                   datetime(2026, 2, 1, tzinfo=VN_TZ), source="h")
    empty_store.upsert([article, *ARTICLES])
    assert ids(empty_store, text="tan lap nong thon moi") == {article.url}
    assert empty_store.get(article.id) == article


def test_scan_streams_every_match_newest_first(store: ArticleStore) -> None:
    newest_first = sorted(ARTICLES, key=lambda a: a.published_at, reverse=True)
    assert [a.url for a in store.scan(SearchQuery())] == [a.url for a in newest_first]
    on_topic = [a.url for a in newest_first if "xay-dung-dang" in a.topic_ids]
    assert [a.url for a in store.scan(SearchQuery(topics=["xay-dung-dang"], limit=1))] == on_topic
    assert [a.url for a in store.scan(SearchQuery(text="hoa binh thuy loi"))] == ["http://b/3"]


def test_story_filter_finds_every_copy_of_a_story(store: ArticleStore) -> None:
    group = ARTICLES[0].id
    store.set_duplicate_groups({ARTICLES[0].id: group, ARTICLES[3].id: group})
    assert [a.url for a in store.scan(SearchQuery(stories=[group]))] == ["http://b/4", "http://a/1"]
    assert ids(store, stories=[group], sources=["a"]) == {"http://a/1"}
    assert ids(store, stories=["no-such-story"]) == set()


# Three sources citing three directives over two weeks (one citing two at once), beside ARTICLES' 05-CT/TW.
CITING = [make(f"http://v/{i}", f"Quán triệt văn bản số {i}", "Chi bộ quán triệt và triển khai văn bản.",
               datetime(2026, 10, 1 + i, 7 + i % 4, 15 * (i % 3), tzinfo=VN_TZ), source="abc"[i % 3],
               topics=("xay-dung-dang",) if i % 2 else (),
               directives=("18-NQ/TW",) if i % 5 == 0 else ("35-CT/TW", "57-NQ/TW") if i % 3 else ("35-CT/TW",))
          for i in range(14)]


def by_count(articles: list[Article]) -> list[tuple[str, int]]:
    """The directives these articles cite, most cited first, then by number."""
    counts = Counter(d for a in articles for d in a.directives)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def first_citations(articles: list[Article], number: str) -> list[tuple[str, datetime, int]]:
    """(source, its earliest article citing the number, its articles citing it), earliest first."""
    citing = [a for a in articles if number in a.directives]
    sources = {a.source_id for a in citing}
    rows = [(s, min(a.published_at for a in citing if a.source_id == s), sum(a.source_id == s for a in citing))
            for s in sources]
    return sorted(rows, key=lambda row: (row[1], row[0]))


def test_directive_counts_are_a_facet_of_every_search(store: ArticleStore) -> None:
    store.upsert(CITING)
    everything = [*ARTICLES, *CITING]
    assert list(store.search(SearchQuery()).directive_counts.items()) == by_count(everything)
    on_topic = [a for a in everything if "xay-dung-dang" in a.topic_ids and a.source_id != "c"]
    found = store.search(SearchQuery(topics=["xay-dung-dang"], sources=["a", "b"])).directive_counts
    assert list(found.items()) == by_count(on_topic)
    assert store.search(SearchQuery(directive="no-such")).directive_counts == {}


def test_the_directive_facet_keeps_the_most_cited_and_breaks_ties_by_number(store: ArticleStore) -> None:
    many = [make(f"http://w/{i}", f"Văn bản {i}", "Nội dung.", datetime(2026, 9, 1, 8, tzinfo=VN_TZ), source="w",
                 directives=(f"{i:03d}-KH/TU", "999-KH/TU") if i % 7 == 0 else (f"{i:03d}-KH/TU",))
            for i in range(DIRECTIVE_FACETS + 20)]
    store.upsert(many)
    found = store.search(SearchQuery(sources=["w"])).directive_counts
    assert list(found.items()) == by_count(many)[:DIRECTIVE_FACETS]


def test_each_source_first_citation_of_a_directive(store: ArticleStore) -> None:
    store.upsert(CITING)
    everything = [*ARTICLES, *CITING]
    for number, _ in by_count(everything):
        firsts = store.firsts(SearchQuery(directive=number, limit=1))
        assert [(f.source_id, f.first, f.articles) for f in firsts] == first_citations(everything, number)
    # Within a window and a topic, the first citation is the first one there.
    since = date(2026, 10, 6)
    window = [a for a in everything if a.published_at.date() >= since and "xay-dung-dang" in a.topic_ids]
    firsts = store.firsts(SearchQuery(directive="35-CT/TW", since=since, topics=["xay-dung-dang"]))
    assert [(f.source_id, f.first, f.articles) for f in firsts] == first_citations(window, "35-CT/TW")
    assert store.firsts(SearchQuery(directive="no-such")) == []
    # Text narrows the matches as search does (every CITING body says "quán triệt"; ARTICLES' a/1 too).
    firsts = store.firsts(SearchQuery(text="quan triet", directive="05-CT/TW"))
    assert [(f.source_id, f.articles) for f in firsts] == [("a", 1)]
    assert firsts[0].first - ARTICLES[0].published_at == timedelta(0)


def test_newest_published_is_the_newest_articles_time(empty_store: ArticleStore) -> None:
    assert empty_store.newest_published() is None
    empty_store.upsert(ARTICLES)
    newest = max(a.published_at for a in ARTICLES)
    assert empty_store.newest_published() == newest
    assert empty_store.newest_published().isoformat() == newest.isoformat()  # the offset as stored
    empty_store.upsert([make("http://old/1", "Tin cũ", "Nội dung.", datetime(2020, 1, 1, 8, tzinfo=VN_TZ))])
    assert empty_store.newest_published() == newest


def per_source(articles: list[Article], interval: str) -> dict[str, dict[str, int]]:
    """Source -> first local day of each day or week bucket -> its articles, from the articles themselves."""
    counts: dict[str, Counter[str]] = {}
    for article in articles:
        day = article.published_at.astimezone(VN_TZ).date()
        bucket = day - timedelta(days=day.weekday()) if interval == "week" else day
        counts.setdefault(article.source_id, Counter())[bucket.isoformat()] += 1
    return {source: dict(days) for source, days in counts.items()}


def test_each_sources_matches_per_day_or_week_in_one_aggregation(store: ArticleStore) -> None:
    # Just before local midnight (16:59 UTC) and just after it: different days.
    late = [make("http://c/late", "Tin khuya", "Nội dung.", datetime(2026, 10, 4, 23, 59, tzinfo=VN_TZ), source="c"),
            make("http://c/early", "Tin sớm", "Nội dung.", datetime(2026, 10, 5, 0, 0, tzinfo=VN_TZ), source="c")]
    store.upsert([*CITING, *late])
    everything = [*ARTICLES, *CITING, *late]
    for interval in ("day", "week"):
        assert store.source_histograms(SearchQuery(interval=interval)) == per_source(everything, interval)
    # The filters narrow it as they narrow a search.
    since, until = date(2026, 10, 4), date(2026, 11, 16)
    chosen = [a for a in everything if a.source_id in ("a", "c") and "xay-dung-dang" in a.topic_ids
              and since <= a.published_at.astimezone(VN_TZ).date() <= until]
    assert chosen
    found = store.source_histograms(SearchQuery(sources=["a", "c"], topics=["xay-dung-dang"], since=since, until=until))
    assert found == per_source(chosen, "day")
    assert store.source_histograms(SearchQuery(text="quan triet", sources=["b"])) == per_source(
        [a for a in CITING if a.source_id == "b"], "day")
    assert store.source_histograms(SearchQuery(sources=["no-such"])) == {}
