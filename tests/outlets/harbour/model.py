"""The Harbour Gazette's content: a small archive of stories generated from a seed.

Story ``i`` depends only on ``(seed, i, articles, now)``. Times are UTC instants; the pages
print them in Europe/Lisbon time (summer time included), some with the offset, some without.
"""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional
from zoneinfo import ZoneInfo

HOST = "www.harbour-gazette.example"
LIVE = f"https://{HOST}"
IMAGE_HOST = "img.harbour-gazette.example"
LISBON = ZoneInfo("Europe/Lisbon")
UTC = timezone.utc
DEFAULT_NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SPAN = timedelta(days=400)  # over a year: winter (WET, +00:00) and summer (WEST, +01:00) dates
PAGE_SIZE = 5  # teasers per listing page
SITE_NAME = "The Harbour Gazette"
RELATED_LABEL = "More from the Gazette"
OLDER_LABEL = "Older stories"
# slug -> label, in menu order.
SECTIONS = {"port": "Port & Shipping", "town": "Town Hall", "culture": "Arts & Culture"}

_SUBJECTS = ["Harbour master", "Ferry crew", "Fish market", "Town council", "Lighthouse keeper", "Sailing club",
             "Dock union", "Museum board", "Choir", "Tide gauge"]
_VERBS = ["welcomes", "delays", "repaints", "questions", "celebrates", "rebuilds", "measures", "reopens"]
_OBJECTS = ["the north quay", "a new crane", "winter timetables", "the old customs house", "summer concerts",
            "the breakwater", "night fishing rules", "the regatta"]
_WORDS = ("the tide came in early and the boats waited at the outer mooring while gulls "
          "circled over crates of sardines near the slipway as councillors debated "
          "parking fees and a brass band rehearsed behind the chapel").split()
_PEOPLE = ["Inês Carvalho", "Tom Whitby", "Rui Mendes", "Alice Penrose", "João Baptista"]
_KEYWORDS = ["ferries", "fishing", "council", "weather", "festivals", "harbour works", "museum", "tourism"]
_CREDITS = ["Photo: Inês Carvalho", "Harbour Gazette", "Port Authority"]


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def lisbon(moment: datetime) -> datetime:
    return moment.astimezone(LISBON)


def _repeated(moment: datetime) -> bool:
    """Whether the Lisbon wall time of an instant happens twice (the autumn change)."""
    wall = lisbon(moment).replace(tzinfo=None)
    return wall.replace(tzinfo=LISBON, fold=0).utcoffset() != wall.replace(tzinfo=LISBON, fold=1).utcoffset()


@dataclass(frozen=True)
class Image:
    url: str
    caption: str
    credit: Optional[str]


@dataclass
class Story:
    """One article and everything its page shows."""

    index: int
    story_id: str
    section: str
    title: str
    slug: str
    summary: str
    published: datetime
    modified: datetime
    with_offset: bool  # the page's JSON-LD dates carry their offset (else Lisbon wall time)
    authors: list[str]
    keywords: list[str]  # as printed in the JSON-LD, stray spaces included
    paragraphs: list[str]
    image: Image
    listed: bool
    related: list[int]

    @property
    def path(self) -> str:
        local = lisbon(self.published)
        return f"/{self.section}/{local:%Y/%m/%d}/{self.slug}"


class Gazette:
    """The generated site: stories newest first, and the stories of each section listing."""

    def __init__(self, seed: int = 1, articles: int = 36, now: datetime = DEFAULT_NOW):
        self.seed, self.size, self.now = seed, articles, now
        self.stories = [self._story(i) for i in range(articles)]
        for story in self.stories:
            story.related = self._related(story.index)
        self.by_path = {s.path: s.index for s in self.stories}
        self.listings = {slug: [s.index for s in self.stories if s.section == slug and s.listed] for slug in SECTIONS}

    def _story(self, i: int) -> Story:
        rng = random.Random(f"{self.seed}:gazette:{i}")
        section = list(SECTIONS)[i % len(SECTIONS)]
        published = self.now - timedelta(hours=2) - SPAN / self.size * i - timedelta(minutes=rng.randrange(0, 50))
        published = published.replace(second=0, microsecond=0)
        with_offset = i % 2 == 0
        if not with_offset and _repeated(published):
            published -= timedelta(hours=2)  # a wall time without offset must name one instant
        title = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"
        title = f"{title} ({i})" if i % 4 == 3 else title
        return Story(
            index=i,
            story_id=f"HG-{20000 + i * 3 + self.seed}",
            section=section,
            title=title,
            slug=f"{slugify(title)}-{i}",
            summary=self._sentence(rng, 12),
            published=published,
            modified=published + timedelta(minutes=rng.randrange(5, 600)),
            with_offset=with_offset,
            authors=rng.sample(_PEOPLE, 2 if rng.random() < 0.3 else 1),
            keywords=[(" " + k if rng.random() < 0.2 else k) for k in rng.sample(_KEYWORDS, rng.randrange(2, 5))],
            paragraphs=[self._sentence(rng, rng.randrange(10, 25)) for _ in range(rng.randrange(3, 7))],
            image=Image(f"https://{IMAGE_HOST}/{lisbon(published):%Y/%m}/{uuid.UUID(int=rng.getrandbits(128), version=4)}.jpg",
                        self._sentence(rng, 6), rng.choice(_CREDITS) if i % 4 != 1 else None),
            # Some stories are in no listing: only the "More from the Gazette" links reach them.
            listed=i % 10 != 7,
            related=[],
        )

    def _related(self, i: int) -> list[int]:
        rng = random.Random(f"{self.seed}:gazette-related:{i}")
        others = [j for j in range(self.size) if j != i]
        picks = rng.sample(others, min(2, len(others)))
        if i + 1 < self.size and not self.stories[i + 1].listed:
            picks = [i + 1] + [j for j in picks if j != i + 1][:1]
        return picks

    @staticmethod
    def _sentence(rng: random.Random, length: int) -> str:
        start = rng.randrange(len(_WORDS))
        return " ".join(_WORDS[(start + k) % len(_WORDS)] for k in range(length)).capitalize() + "."

    def listing_pages(self, slug: str) -> int:
        return max(1, -(-len(self.listings[slug]) // PAGE_SIZE))

    def listing_page(self, slug: str, page: int) -> list[int]:
        return self.listings[slug][(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
