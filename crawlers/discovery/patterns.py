"""Learning a site's article-URL pattern from the links on its homepage and list pages.

The links classification takes for articles are grouped by URL template (`url_template`); each
template shared by enough of them becomes a regex, as loose as it can be while matching none of the
pages' navigation, list or pagination links.
"""

import re
from collections import defaultdict
from urllib.parse import urlsplit

from crawlers.discovery.links import SLUG_ID, classify_links, url_template
from portalwatch.core.page import Page
from portalwatch.core.urls import absolute_link, is_article_url

# A template needs this many article links behind it to be learned.
MIN_TEMPLATE_ARTICLES = 3

_SLUG_CLASS = "[^/]+"


def _segment_regex(kind: str, values: set[str], words: int) -> str:
    if kind == "Y":
        return r"(?:19|20)\d{2}"
    if kind == "N":
        return r"\d{1,3}"
    if kind == "I":
        return r"\d+"
    if kind in {"-", "asset_publisher", "content"}:
        return re.escape(kind)
    if kind.startswith(("SI", "Si")):
        seps = sorted({m["sep"] for m in map(SLUG_ID.match, values) if m}, key=lambda x: (-len(x), x))
        escaped = [sep.replace(".", r"\.") for sep in seps]
        sep = escaped[0] if len(escaped) == 1 else "(?:" + "|".join(escaped) + ")"
        digits = r"\d{5,}" if kind[1] == "I" else r"\d+"
        return "[^/]+?" + sep + digits + re.escape(kind[2:])
    ext = re.escape(kind[1:])
    if words >= 4:  # slug-only articles: demand a sentence-long slug, which section names are not
        return rf"[A-Za-z0-9]+(?:-[A-Za-z0-9]+){{{min(words, 5) - 1},}}{ext}"
    return f"{_SLUG_CLASS}{ext}" if ext else _SLUG_CLASS


def _group_regex(template: tuple[str, ...], urls: list[str], literal_positions: set[int]) -> str:
    if template == ("liferay-content",):
        return r"^/(?:[^/]+/)*-/[\w-]+/[^/]+/content/.+$"
    paths = [[s for s in urlsplit(u).path.split("/") if s] for u in urls]
    kinds = [k for k in template if k != "/" and not k.startswith("?")]
    params = [k[1:] for k in template if k.startswith("?")]
    has_id = any(k.startswith(("S", "I", "Y")) for k in kinds) or bool(params)
    pieces = []
    for i, kind in enumerate(kinds):
        values = {p[i] for p in paths}
        if i in literal_positions and len(values) == 1:
            pieces.append(re.escape(next(iter(values))))
            continue
        words = 0 if has_id or i != len(kinds) - 1 else min(len(re.findall(r"[A-Za-z0-9]+", v)) for v in values)
        pieces.append(_segment_regex(kind, values, words))
    regex = "^/" + "/".join(pieces) + ("/" if "/" in template else "")
    if params:
        # The query decides (`/Pages/tin-tuc.aspx?ItemID=123` vs the list `/Pages/tin-tuc.aspx`).
        regex += r"\?" + "".join(rf"(?=(?:[^#]*&)?{re.escape(p)}=[^&#]+)" for p in params)
        return regex
    return regex + "$"


def learn_article_pattern(pages: list[tuple[str, Page | str | bytes]]) -> str | None:
    """A regex over a URL path (and query when the site's ids live there) matching the site's article URLs.

    `pages` are (url, markup or Page) of fetched pages: homepage, category pages. The regex generalises the repeated
    article templates found on them, as loosely as it can while matching none of the pages' navigation,
    list or pagination links. None when fewer than three articles share a template or nothing separates them.
    Use it with `portalwatch.core.urls.is_article_url`.
    """
    articles: dict[str, None] = {}
    others: dict[str, None] = {}
    for url, html in pages:
        found = classify_links(html, url)
        articles.update(dict.fromkeys(found.articles))
        others.update(dict.fromkeys(found.lists + found.pagination + found.other))
        others[absolute_link(url, url) or url] = None  # the page itself: a homepage or a list
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for url in articles:
        groups[url_template(url)].append(url)
    alternatives: list[str] = []
    for template, urls in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        if len(urls) < MIN_TEMPLATE_ARTICLES:
            continue
        # The template is the unit decided on: a footer link in the article template (an "about" page the CMS
        # serves as an article) is no reason to doubt it; only other templates must stay unmatched.
        regex = _separating_regex(template, urls, [o for o in others if url_template(o) != template])
        if regex:
            alternatives.append(regex)
    if not alternatives:
        return None
    if len(alternatives) == 1:
        return alternatives[0]
    return "|".join(f"(?:{r})" for r in alternatives)


def _separating_regex(template: tuple[str, ...], urls: list[str], others: list[str]) -> str | None:
    """The loosest regex for the group that matches all its URLs and no non-article; literals added left to right."""
    depth = len([k for k in template if k != "/" and not k.startswith("?")])
    for fixed in range(depth + 1):
        regex = _group_regex(template, urls, set(range(fixed)))
        if all(is_article_url(u, regex) for u in urls) and not any(is_article_url(o, regex) for o in others):
            return regex
    return None


