"""Which entry pages a visit asks, from what each brought lately.

A discovered portal offers many entry pages: feeds, a sitemap, the homepage and a dozen section pages, most
of them listing the same new articles. Asking each on every visit costs as many requests as the visit finds
articles. So each entry page earns its pace: after a crawl that found new articles, the pages that brought
some no other page of the crawl listed (chosen as a greedy cover: the page with most new articles first) are
asked on every visit, and each of the others rests, twice as long each time it again brought nothing of its
own, up to six hours, the freshness every live source is promised. The entry page that served best is asked
on every visit all the same, so a visit is never blind; a crawl with nothing new says nothing about which
page serves, and changes no rest.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

FIRST_REST = timedelta(hours=1)
LONGEST_REST = timedelta(hours=6)


def rest(idle: int) -> timedelta:
    """How long an entry page that brought nothing of its own `idle` crawls in a row waits between asks."""
    return min(FIRST_REST * 2 ** (idle - 1), LONGEST_REST) if idle > 0 else timedelta(0)


def due_entries(entries: Iterable[str], paces: Mapping[str, tuple[int, datetime]], now: datetime) -> list[str]:
    """The entry pages (in the given order, most wanted kind first) this visit asks: those never judged, those
    that served last time, those whose rest is over, and always the one that served best."""
    entries = list(dict.fromkeys(entries))
    if not entries:
        return []
    best = min(entries, key=lambda url: paces.get(url, (0, now))[0])  # min() keeps the first of equals
    return [url for url in entries
            if url == best or url not in paces or now - paces[url][1] >= rest(paces[url][0])]


def served(listed: Mapping[str, set[str]]) -> set[str] | None:
    """The entry pages of one crawl that brought new articles of their own, from the new articles each listed
    (a greedy cover: most first, ties to the earlier page); None when the crawl found nothing new at all."""
    covered: set[str] = set()
    useful: set[str] = set()
    remaining = dict(listed)
    while remaining:
        url = max(remaining, key=lambda u: len(remaining[u] - covered))  # max() keeps the first of equals
        if not remaining[url] - covered:
            break
        useful.add(url)
        covered |= remaining.pop(url)
    return useful if covered else None


def judged(listed: Mapping[str, set[str]], paces: Mapping[str, tuple[int, datetime]],
           now: datetime) -> dict[str, tuple[int, datetime]]:
    """The new pace of each entry page asked in a crawl."""
    useful = served(listed)
    new = {}
    for url in listed:
        idle = paces.get(url, (0, now))[0]
        if useful is not None:
            idle = 0 if url in useful else idle + 1
        new[url] = (idle, now)
    return new
