"""Source discovery from a homepage alone: feeds, sitemaps, list pages and the article-URL pattern.

Pure functions over pages the spider has already fetched: no network, no Scrapy, no Prefect. The spider's
first step fetches the homepage and robots.txt and calls `discover`; it then fetches the candidate list
pages, keeps those where `lists_articles` holds, and may call `learn_article_pattern` again with them.

  * `feeds`: feeds a page declares or links to; whether a body is a feed;
  * `sitemaps`: the sitemaps robots.txt names or that usually exist, and what a sitemap lists;
  * `links`: a page's links told apart (articles, lists, pagination, the rest), with the weights named;
  * `patterns`: a site's article-URL pattern, learned from the links taken for articles.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from crawlers.discovery.feeds import feeds_in, looks_like_feed
from crawlers.discovery.links import PageLinks, classify_links, lists_articles
from crawlers.discovery.patterns import learn_article_pattern
from crawlers.discovery.sitemaps import (
    SitemapContent,
    SitemapUrl,
    changed_after,
    parse_sitemap,
    sitemap_guesses,
    sitemaps_in_robots,
    w3c_datetime,
)
from portalwatch.core.page import Page


@dataclass
class Discovery:
    feeds: list[str]
    sitemaps: list[str]  # named by robots.txt
    sitemap_guesses: list[str]  # the usual places, to try quietly when robots.txt names none
    list_pages: list[str]  # candidates, likeliest first; keep those where `lists_articles` holds
    article_pattern: str | None  # regex for `portalwatch.core.urls.is_article_url`; None when unsure
    article_links: list[str]


def discover(homepage_url: str, homepage: Page | str | bytes, robots_txt: str | bytes | None = None) -> Discovery:
    """Everything the homepage and robots.txt tell: the spider's first step for a source with only a homepage.

    The homepage is parsed once, and its links placed once, however many questions are asked of it.
    """
    page = Page.of(homepage, homepage_url)
    links = classify_links(page)
    pattern = learn_article_pattern([(page.url, page)])
    articles = list(links.articles)
    if pattern:
        found = classify_links(page, article_pattern=pattern)
        articles = list(dict.fromkeys([*articles, *found.articles]))
    robots_sitemaps = sitemaps_in_robots(robots_txt, homepage_url)
    return Discovery(
        feeds=feeds_in(page),
        sitemaps=robots_sitemaps,
        sitemap_guesses=[] if robots_sitemaps else sitemap_guesses(homepage_url),
        list_pages=_rank_lists(links.lists, articles),
        article_pattern=pattern,
        article_links=articles,
    )


def _rank_lists(lists: list[str], articles: list[str]) -> list[str]:
    """Sections whose path prefixes article URLs first (`/tin-tuc/chinh-tri` for its articles), then page order."""
    article_paths = [urlsplit(a).path for a in articles]

    def parent_of_articles(url: str) -> bool:
        path = urlsplit(url).path.rstrip("/")
        return bool(path) and any(p.startswith(path + "/") for p in article_paths)

    return sorted(lists, key=lambda u: not parent_of_articles(u))


__all__ = [
    "Discovery",
    "PageLinks",
    "SitemapContent",
    "SitemapUrl",
    "changed_after",
    "classify_links",
    "discover",
    "feeds_in",
    "learn_article_pattern",
    "lists_articles",
    "looks_like_feed",
    "parse_sitemap",
    "sitemap_guesses",
    "sitemaps_in_robots",
    "w3c_datetime",
]
