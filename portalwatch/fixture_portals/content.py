"""The fixture articles (YAML written in natural Vietnamese) and the broken pages beside them."""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

import yaml

from portalwatch.core import VN_TZ

HERE = Path(__file__).resolve().parent
CATEGORIES = {
    "chinh-tri": "Chính trị",
    "kinh-te": "Kinh tế",
    "xa-hoi": "Xã hội",
    "quoc-phong": "Quốc phòng - An ninh",
}
# Each site's own sections; an article's `category` is one of its first site's. The province's
# portal and newspaper share one set of sections.
SITE_CATEGORIES: dict[str, dict[str, str]] = {
    "tinh": CATEGORIES,
    "bao": CATEGORIES,
    "sokhcn": {
        "tin-hoat-dong": "Tin hoạt động",
        "chuyen-doi-so": "Chuyển đổi số",
        "dang-doan-the": "Hoạt động Đảng - Đoàn thể",
        "khoa-hoc-cong-nghe": "Khoa học và công nghệ",
    },
    "dangbo": {
        "tin-tuc-su-kien": "Tin tức - Sự kiện",
        "xay-dung-dang": "Xây dựng Đảng",
        "hoc-tap-lam-theo-bac": "Học tập và làm theo Bác",
        "quoc-phong-an-ninh": "Quốc phòng - An ninh",
    },
}
# Minutes after the original that a syndicated copy appears on the sites that repost it.
SYNDICATION_DELAY_MINUTES = 150


@dataclass(frozen=True)
class FixtureArticle:
    slug: str
    sites: tuple[str, ...]
    category: str
    title: str
    lead: str
    body: str
    published: datetime
    author: str
    attribution: str
    topics: tuple[str, ...]
    number: int = field(default=0)

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.strip().split("\n\n") if p.strip()]

    @property
    def syndicated(self) -> bool:
        return len(self.sites) > 1


def _number(slug: str) -> int:
    return 10000 + int(hashlib.sha1(slug.encode()).hexdigest()[:8], 16) % 89000


@cache
def load_articles() -> tuple[FixtureArticle, ...]:
    items: list[FixtureArticle] = []
    for path in sorted(HERE.glob("articles_*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")):
            published = datetime.strptime(raw["published"], "%Y-%m-%d %H:%M").replace(tzinfo=VN_TZ)
            if raw["category"] not in SITE_CATEGORIES[raw["sites"][0]]:
                # A typo here would silently drop the article from its site's section lists.
                raise ValueError(f"{path.name}: {raw['slug']}: category {raw['category']!r} is not a section "
                                 f"of {raw['sites'][0]}")
            items.append(
                FixtureArticle(
                    slug=raw["slug"],
                    sites=tuple(raw["sites"]),
                    category=raw["category"],
                    title=raw["title"].strip(),
                    lead=raw["lead"].strip(),
                    body=raw["body"],
                    published=published,
                    author=raw.get("author") or "",
                    attribution=raw.get("attribution") or "",
                    topics=tuple(raw.get("topics") or ()),
                    number=_number(raw["slug"]),
                )
            )
    items.sort(key=lambda a: a.published, reverse=True)
    return tuple(items)


def articles_on(site: str) -> list[FixtureArticle]:
    return [a for a in load_articles() if site in a.sites]
