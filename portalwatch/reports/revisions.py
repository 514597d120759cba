"""The stored versions of one article page, each extracted, and what changed from one to the next: what
`portalwatch history` prints and the article page shows."""

import difflib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pipelines.extract import ExtractionError, extract
from portalwatch.core.sources import configured_sources
from portalwatch.state.archive import RawArchive
from portalwatch.state.db import StateTarget

EXCERPTS = 3  # changed passages shown per version, each side
EXCERPT_WORDS = 12  # words shown of each passage


@dataclass(frozen=True)
class Change:
    """Words of the body a version added or removed against the previous one."""

    title_changed: bool
    words_added: int
    words_removed: int
    added: list[str] = field(default_factory=list)  # the first few added passages, cut short
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Version:
    fetched_at: datetime
    title: str  # empty when the version could not be extracted
    characters: int  # of the body's paragraphs
    error: str = ""  # why it could not be extracted
    change: Change | None = None  # against the previous version; None for the first


def _excerpt(words: list[str]) -> str:
    return " ".join(words[:EXCERPT_WORDS]) + (" …" if len(words) > EXCERPT_WORDS else "")


def _change(before: tuple[str, list[str]], after: tuple[str, list[str]]) -> Change:
    """A word-level comparison of two bodies: counts, and the opening words of the first changed passages."""
    old, new = before[1], after[1]
    added: list[list[str]] = []
    removed: list[list[str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            removed.append(old[i1:i2])
        if op in ("insert", "replace"):
            added.append(new[j1:j2])
    return Change(before[0] != after[0], sum(map(len, added)), sum(map(len, removed)),
                  [_excerpt(w) for w in added[:EXCERPTS]], [_excerpt(w) for w in removed[:EXCERPTS]])


def article_versions(archive_path: StateTarget, sources_file: Path, url: str) -> list[Version]:
    """Every stored version of the page at this URL, oldest first (the current one last), each extracted with
    its source's selectors as the process stage does; empty when the archive never fetched it."""
    with RawArchive(archive_path) as archive:
        current = archive.page(url)
        pages = archive.revisions(url) + ([current] if current else [])
    selectors = {s.id: s.selectors for s in configured_sources(sources_file)}
    versions: list[Version] = []
    previous: tuple[str, list[str]] | None = None
    for page in pages:
        try:
            found = extract(page.body, page.content_type, selectors.get(page.source_id), page.url)
        except ExtractionError as exc:
            versions.append(Version(page.fetched_at, "", 0, str(exc)))
            continue
        text = (found.title, " ".join(found.paragraphs).split())
        versions.append(Version(page.fetched_at, found.title, sum(len(p) for p in found.paragraphs),
                                change=_change(previous, text) if previous else None))
        previous = text
    return versions
