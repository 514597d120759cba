"""Article body quality on the public Zyte article-extraction benchmark: portalwatch against trafilatura alone.

The benchmark (GitHub scrapinghub/article-extraction-benchmark, 181 pages, mostly English) is not part
of this repository: copy its `html/` directory (gzipped pages) and `ground-truth.json` into a cache
directory and point --dir at it (default: $PORTALWATCH_ZYTE_DIR, else ~/.cache/portalwatch/zyte).

Scoring follows the benchmark's published method, re-implemented here: texts are split into word
tokens (runs of \\w), each text becomes a multiset of 4-token shingles, and per page
TP = shared shingles, FP = extra predicted ones, FN = missed true ones, each divided by TP+FP+FN so
that long pages weigh no more than short ones. Precision is averaged over pages with a non-empty
prediction, recall over pages with a non-empty truth, and F1 is the harmonic mean of the two means.

portalwatch's body is `Extracted.paragraphs` (lead included, headline and signature line excluded).
A page that `extract()` refuses (too short, list-like, no title…) is scored on the body it would have
given, from `extract_body()` (the same steps without the article checks): a refusal is a decision
about the page, not about the text, and scoring it as empty would mix the two. The refused pages are
counted and listed apart.

trafilatura alone is run as the benchmark runs it: `trafilatura.extract(html, include_comments=False)`,
i.e. its defaults (txt output, precision and recall both off, fallbacks on, tables included, no dedup).

    python benchmarks/eval_extraction_zyte.py --dir /work/cache/zyte --show-worst 10
"""

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import trafilatura

from pipelines.extract import ExtractionError, extract, extract_body

_WORD = re.compile(r"\w+")
SHINGLE = 4


@dataclass
class Score:
    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float | None:
        """None when nothing was predicted: such a page counts only against recall."""
        if self.tp + self.fp == 0:
            return None
        return self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        if self.tp + self.fn == 0:
            return None
        return self.tp / (self.tp + self.fn)

    @property
    def f1(self) -> float:
        p, r = self.precision or 0.0, self.recall or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """4-token shingles; a text shorter than that is one shingle of all its tokens."""
    tokens = _WORD.findall(text or "")
    if len(tokens) < SHINGLE:
        return Counter([tuple(tokens)] if tokens else [])
    return Counter(tuple(tokens[i:i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1))


def score(truth: str, predicted: str) -> Score:
    true, pred = shingles(truth), shingles(predicted)
    tp = float(sum((true & pred).values()))
    fp = float(sum((pred - true).values()))
    fn = float(sum((true - pred).values()))
    total = tp + fp + fn
    return Score(tp / total, fp / total, fn / total) if total else Score(0.0, 0.0, 0.0)


def summary(scores: list[Score]) -> tuple[float, float, float]:
    """Mean precision, mean recall, and F1 of the two means (the benchmark's aggregate)."""
    precision = statistics.mean(s.precision for s in scores if s.precision is not None)
    recall = statistics.mean(s.recall for s in scores if s.recall is not None)
    return precision, recall, 2 * precision * recall / (precision + recall)


def load_pages(directory: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Ground-truth bodies, URLs and page HTML by page id."""
    truth = json.loads((directory / "ground-truth.json").read_text(encoding="utf-8"))
    bodies, urls, pages = {}, {}, {}
    for key, item in truth.items():
        path = directory / "html" / f"{key}.html.gz"
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            pages[key] = fh.read()
        bodies[key] = item.get("articleBody") or ""
        urls[key] = item.get("url") or ""
    return bodies, urls, pages


def portalwatch_body(html: str, url: str) -> tuple[str, str]:
    """The body text and, when extract() refuses the page, its reason."""
    data = html.encode("utf-8")
    try:
        return "\n".join(extract(data, "text/html; charset=utf-8", url=url).paragraphs), ""
    except ExtractionError as exc:
        try:
            return "\n".join(extract_body(data, "text/html; charset=utf-8", url)), str(exc)
        except ExtractionError:
            return "", str(exc)


def trafilatura_body(html: str, url: str) -> tuple[str, str]:
    return trafilatura.extract(html, include_comments=False) or "", ""


def run(name: str, fn: Callable[[str, str], tuple[str, str]], pages: dict[str, str],
        urls: dict[str, str]) -> tuple[dict[str, str], dict[str, str], float]:
    started = time.perf_counter()
    texts, refusals = {}, {}
    for key, html in pages.items():
        texts[key], reason = fn(html, urls[key])
        if reason:
            refusals[key] = reason
    elapsed = time.perf_counter() - started
    print(f"{name}: {len(pages)} pages in {elapsed:.1f} s", file=sys.stderr)
    return texts, refusals, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("PORTALWATCH_ZYTE_DIR") or str(Path.home() / ".cache" / "portalwatch" / "zyte")
    parser.add_argument("--dir", type=Path, default=Path(default),
                        help="directory holding html/*.html.gz and ground-truth.json")
    parser.add_argument("--show-worst", type=int, default=0, metavar="N",
                        help="list the N pages where portalwatch's F1 falls furthest below trafilatura's")
    parser.add_argument("--only", nargs="*", default=[], help="page ids (prefixes) to evaluate")
    parser.add_argument("--dump", type=Path, help="write both bodies per page as JSON here, to read the diffs")
    args = parser.parse_args()
    if not (args.dir / "ground-truth.json").exists():
        parser.error(f"{args.dir}: no ground-truth.json (copy the benchmark's html/ and ground-truth.json there)")
    truth, urls, pages = load_pages(args.dir)
    if args.only:
        pages = {k: v for k, v in pages.items() if any(k.startswith(p) for p in args.only)}
    ours, refused, ours_s = run("portalwatch", portalwatch_body, pages, urls)
    theirs, _, theirs_s = run("trafilatura", trafilatura_body, pages, urls)
    ours_scores = {k: score(truth[k], ours[k]) for k in pages}
    theirs_scores = {k: score(truth[k], theirs[k]) for k in pages}

    print(f"Zyte article-extraction benchmark, {len(pages)} pages; body shingle P/R/F1 (mean over pages)")
    print(f"trafilatura {trafilatura.__version__} alone: extract(html, include_comments=False), library defaults"
          " (balanced focus, fallbacks on, tables on, txt)")
    print(f"{'extractor':<34} {'precision':>9} {'recall':>7} {'F1':>6} {'empty':>6} {'s/page':>7}")
    for name, scores, texts, seconds in (
        ("portalwatch (extract/extract_body)", ours_scores, ours, ours_s),
        ("trafilatura alone", theirs_scores, theirs, theirs_s),
    ):
        p, r, f = summary(list(scores.values()))
        empty = sum(1 for k in pages if not texts[k].strip())
        print(f"{name:<34} {p:>9.3f} {r:>7.3f} {f:>6.3f} {empty:>6} {seconds / len(pages):>7.3f}")
    accepted = [k for k in pages if k not in refused]
    if refused and accepted:
        p, r, f = summary([ours_scores[k] for k in accepted])
        tp, tr, tf = summary([theirs_scores[k] for k in accepted])
        print(f"on the {len(accepted)} pages extract() accepts: portalwatch P {p:.3f} R {r:.3f} F1 {f:.3f};"
              f" trafilatura P {tp:.3f} R {tr:.3f} F1 {tf:.3f}")
    print(f"refused by extract() (scored on extract_body): {len(refused)}")
    for key, reason in sorted(refused.items()):
        print(f"  {key[:12]}  {reason}  {urls[key]}")
    wins = sum(ours_scores[k].f1 > theirs_scores[k].f1 + 1e-9 for k in pages)
    losses = sum(ours_scores[k].f1 < theirs_scores[k].f1 - 1e-9 for k in pages)
    print(f"per page F1: portalwatch better on {wins}, worse on {losses}, equal on {len(pages) - wins - losses}")

    if args.show_worst:
        print(f"\nworst {args.show_worst} pages for portalwatch against trafilatura (F1 difference):")
        print(f"{'page':<12} {'ours P/R/F1':>17} {'theirs P/R/F1':>17}  url")
        worst = sorted(pages, key=lambda k: ours_scores[k].f1 - theirs_scores[k].f1)[: args.show_worst]
        for key in worst:
            o, t = ours_scores[key], theirs_scores[key]
            print(f"{key[:12]} {o.precision or 0:.2f}/{o.recall or 0:.2f}/{o.f1:.2f}"
                  f"   {t.precision or 0:.2f}/{t.recall or 0:.2f}/{t.f1:.2f}  {urls[key]}")
            missed = _words_only_in(truth[key], ours[key])
            extra = _words_only_in(ours[key], truth[key])
            if missed:
                print(f"    missed: {missed}")
            if extra:
                print(f"    extra:  {extra}")
    if args.dump:
        args.dump.write_text(json.dumps({k: {"url": urls[k], "truth": truth[k], "portalwatch": ours[k],
                                             "trafilatura": theirs[k], "refused": refused.get(k, "")}
                                         for k in pages}, ensure_ascii=False, indent=1), encoding="utf-8")


def _words_only_in(text: str, other: str, limit: int = 160) -> str:
    """A glimpse of the shingles of text that other lacks, as the start of each missing run of words."""
    mine, theirs = _WORD.findall(text or ""), shingles(other)
    runs, current = [], []
    for i in range(max(1, len(mine) - SHINGLE + 1)):
        gram = tuple(mine[i:i + SHINGLE])
        if gram and theirs[gram] <= 0:
            current.append(mine[i])
        elif current:
            runs.append(" ".join(current))
            current = []
        if gram:
            theirs[gram] -= 1
    if current:
        runs.append(" ".join(current))
    shown = " | ".join(runs)
    return shown[:limit] + ("…" if len(shown) > limit else "")


if __name__ == "__main__":
    main()
