"""Extraction quality on real captured pages: dates, titles, bylines, bodies and list-page refusal.

The pages are third-party captures and are never committed: they live in a directory outside the
repository (--dir, or PORTALWATCH_REALPAGES, default /work/cache/realpages) holding `truth.jsonl`
and the HTML files it names (looked up as given, then under `raw/`). One JSON object a line:

    {"file": "x.html", "origin": "owner/repo path", "is_article": true,
     "title": "...", "published": "2025-10-22T19:25", "shows_time": true, "updated": null,
     "author": "Lê Phương" | null (not scored), "attribution": "", "section": "Tin tức" | null,
     "body": ["paragraph", ...]}

Non-article pages need only file, origin and is_article; an article's "body" may be null (not scored).
Pages marked "tuned": false (a part held out while fixing) get their own summary after the whole set's.
Body scores are token-level bags of words (as the article-extraction benchmarks score bodies):
precision = shared tokens / extracted tokens, recall = shared tokens / true tokens.

    python benchmarks/eval_extraction_real.py --dir /work/cache/realpages
"""

import argparse
import json
import os
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pipelines.extract import Extracted, ExtractionError, extract
from portalwatch.core import VN_TZ
from portalwatch.core.normalize import fold, normalize_text

DEFAULT_DIR = os.environ.get("PORTALWATCH_REALPAGES", "/work/cache/realpages")
_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> Counter[str]:
    return Counter(_TOKEN.findall(normalize_text(text).lower()))


def prf(predicted: str, truth: str) -> tuple[float, float, float]:
    got, want = tokens(predicted), tokens(truth)
    shared = sum((got & want).values())
    precision = shared / sum(got.values()) if got else 0.0
    recall = shared / sum(want.values()) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _same_text(a: str, b: str) -> bool:
    """Equal once marks, case, spacing and dash variants are set aside."""
    def key(s: str) -> str:
        return " ".join(fold(normalize_text(s)).replace("–", "-").replace("—", "-").split())
    return key(a) == key(b)


@dataclass
class Score:
    file: str
    is_article: bool
    refused: bool = False
    reason: str = ""
    day: bool | None = None
    minute: bool | None = None
    title: bool | None = None
    byline: bool | None = None
    section: bool | None = None
    body: tuple[float, float, float] | None = None
    notes: list[str] = field(default_factory=list)


def score_page(truth: dict, html: bytes) -> Score:
    score = Score(truth["file"], truth["is_article"])
    try:
        found: Extracted | None = extract(html, "text/html", url=truth.get("url", ""))
    except ExtractionError as exc:
        found, score.refused, score.reason = None, True, str(exc)
    if not truth["is_article"] or found is None:
        return score
    want = datetime.fromisoformat(truth["published"]).replace(tzinfo=VN_TZ) if truth.get("published") else None
    got = found.published_at.astimezone(VN_TZ) if found.published_at else None
    if want is not None:
        score.day = got is not None and got.date() == want.date()
        if truth.get("shows_time"):
            score.minute = got is not None and got.replace(second=0, microsecond=0) == want
        if not score.minute:
            score.notes.append(f"date {got:%Y-%m-%d %H:%M}" if got else "date none")
    score.title = _same_text(found.title, truth["title"])
    if not score.title:
        score.notes.append(f"title {found.title[:50]!r}")
    if truth.get("author") is not None:
        score.byline = _same_text(found.author, truth["author"])
        if not score.byline:
            score.notes.append(f"author {found.author!r}")
    if truth.get("section") is not None:
        score.section = _same_text(getattr(found, "section", ""), truth["section"])
    if truth.get("body") is not None:  # a page labelled without its body is scored on the rest
        score.body = prf("\n".join(found.paragraphs), "\n".join(truth["body"]))
    return score


def _pct(values: list[bool | None]) -> str:
    known = [v for v in values if v is not None]
    return f"{100 * sum(known) / len(known):5.1f}% ({sum(known)}/{len(known)})" if known else "   n/a"


def _mark(value: bool | None) -> str:
    return "-" if value is None else ("ok" if value else "NO")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path(DEFAULT_DIR))
    args = parser.parse_args()
    truths = [json.loads(line) for line in (args.dir / "truth.jsonl").read_text(encoding="utf-8").splitlines()
              if line.strip()]
    scores = []
    for truth in truths:
        path = next(p for p in (args.dir / truth["file"], args.dir / "raw" / truth["file"]) if p.exists())
        scores.append(score_page(truth, path.read_bytes()))
    print(f"{'page':<42} {'kind':<4} {'day':>3} {'min':>3} {'ttl':>3} {'by':>3} {'sec':>3} "
          f"{'P':>5} {'R':>5} {'F1':>5}  notes")
    for s in scores:
        body = " ".join(f"{v:5.2f}" for v in s.body) if s.body else " " * 17
        kind = "art" if s.is_article else "list"
        if s.refused:
            body, notes = f"{'refused' if not s.is_article else 'REFUSED':<17}", s.reason[:60]
        else:
            notes = "; ".join(s.notes) if s.is_article else "ACCEPTED as article"
        print(f"{s.file[:42]:<42} {kind:<4} {_mark(s.day):>3} {_mark(s.minute):>3} {_mark(s.title):>3} "
              f"{_mark(s.byline):>3} {_mark(s.section):>3} {body}  {notes}")
    _summary(scores, "all pages")
    untuned = {t["file"] for t in truths if t.get("tuned") is False}
    if untuned:  # the part of the set nobody looked at while fixing, reported apart
        _summary([s for s in scores if s.file in untuned], "untuned part (\"tuned\": false)")


def _summary(scores: list[Score], label: str) -> None:
    articles = [s for s in scores if s.is_article]
    others = [s for s in scores if not s.is_article]
    bodies = [s.body for s in articles if s.body]
    print()
    print(f"{label}: articles: {len(articles)}   non-articles: {len(others)}")
    print(f"publication day right:   {_pct([s.day for s in articles if not s.refused])}")
    print(f"minute right (shown):    {_pct([s.minute for s in articles if not s.refused])}")
    print(f"title right:             {_pct([s.title for s in articles if not s.refused])}")
    print(f"byline right:            {_pct([s.byline for s in articles if not s.refused])}")
    print(f"section right:           {_pct([s.section for s in articles if not s.refused])}")
    if bodies:
        print("body P/R/F1 (mean):      " + " / ".join(f"{statistics.mean(v[i] for v in bodies):.3f}"
                                                      for i in range(3)))
    print(f"non-articles refused:    {_pct([s.refused for s in others])}")
    print(f"articles wrongly refused: {sum(s.refused for s in articles)}")


if __name__ == "__main__":
    main()
