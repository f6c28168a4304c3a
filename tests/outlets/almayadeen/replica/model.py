"""The replica's content: a deterministic archive of articles generated from a seed.

Article ``i`` depends only on ``(seed, i, articles)`` (and, for an Arabic post that carries a
real metadata block, on how many earlier posts took one): the cheap "head" of every article
(section, title, slug, date, variant) is built up front so URLs can be resolved; bodies,
links and everything else are generated on demand and cached, so 100,000 articles cost
a few seconds of start-up and no disk.
"""

from __future__ import annotations

import dataclasses
import functools
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Optional
from zoneinfo import ZoneInfo

from . import real as real_samples
from .editions import DATE, ENGLISH, PAGERS, POST_ID, PROFILES, SECTION, Profile
from .real import RealBlock
from .text import INVISIBLE, JOINERS, keywords, normalise

BEIRUT = ZoneInfo("Asia/Beirut")
UTC = timezone.utc
DEFAULT_NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SPAN = timedelta(days=912)  # about 2.5 years of archive
PAGE_SIZE = 10  # listing cards per page (Replica(page_size=...) changes it)
# Real post ids of the May 2024 sample lie in this range; generated Arabic ids that would
# fall in it (from about article 22,700 on) are moved past it, so the two never collide.
REAL_IDS = (1859000, 1865000)
TRACKING = ("?utm_source=twitter", "?utm_medium=social&utm_campaign=share", "/", "#comments")

# The English edition's tables under their old names, for tests that use them directly.
HOST = ENGLISH.host
LIVE = ENGLISH.live
MONTHS = ENGLISH.months
SECTIONS = ENGLISH.sections
REGIONS = ENGLISH.regions
URL_SECTION = ENGLISH.url_sections
TICKER = ENGLISH.ticker


_NO_TRACE = dict.fromkeys(INVISIBLE | JOINERS)


def slugify(title: str) -> str:
    """The CMS slug: lower-case words, colons kept, other punctuation to '-', cut at 60
    (invisible format characters leave no trace)."""
    title = title.translate(_NO_TRACE)
    slug = re.sub(r"[^\w:]", "-", title.lower(), flags=re.UNICODE)
    return slug.strip("-")[:60]


def visible_date(moment: datetime, now: datetime, with_time: bool = True, months: list = MONTHS) -> str:
    """Beirut local date as the page shows it; the year is dropped in the current year."""
    local = moment.astimezone(BEIRUT)
    day = f"{local.day} {months[local.month - 1]}"
    if local.year != now.astimezone(BEIRUT).year:
        day += f" {local.year}"
    return f"{day} {local:%H:%M}" if with_time else day


def iso_local(moment: datetime) -> str:
    return moment.astimezone(BEIRUT).isoformat(timespec="seconds")


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def canonical(path: str, ed: Profile = ENGLISH) -> str:
    return ed.live + path


def url_section(path: str, ed: Profile) -> Optional[str]:
    """The section a URL names: its sub-section segment where it has one, else its root."""
    segments = path.strip("/").split("/")
    kinds = ed.roots.get(segments[0]) or ()
    if kinds[:1] == (SECTION,) and len(segments) == len(kinds) + 2:
        return ed.url_sections.get(segments[1])
    return ed.url_sections.get(segments[0])


def _ambiguous(moment: datetime) -> bool:
    local = moment.astimezone(BEIRUT).replace(tzinfo=None)
    offsets = {local.replace(fold=f).replace(tzinfo=BEIRUT).utcoffset() for f in (0, 1)}
    return len(offsets) > 1


@dataclass
class Head:
    """What the whole site needs to know about an article up front."""

    index: int
    post_id: str
    section: str
    title: str
    path: str
    published: datetime
    variant: str  # full | meta_only | html_only
    country: Optional[str]
    listed: bool
    members_only: bool
    # Never linked from other articles: found only through its listings ("Load more"
    # for older ones), so a crawl without a browser must miss some of these.
    unlinked: bool = False
    second_section: Optional[str] = None  # listed again under this section (same post, second URL)
    link_variant: Optional[str] = None  # links to it carry this suffix or an upper-case path
    ed: Profile = ENGLISH
    # A real metadata block (Arabic): URL, dates, classes and the truth come from it.
    real: Optional[RealBlock] = None
    kind: str = "article"  # the metadata ``type`` (a "liveblog" post; "videoobject" newscasts)
    ticker_only: bool = False  # linked from the ticker and nowhere else

    @property
    def region(self) -> Optional[str]:
        return self.ed.region_of(self.country)

    @property
    def alt_path(self) -> Optional[str]:
        if not self.second_section:
            return None
        return self.ed.sections[self.second_section][1] + "/" + self.path.rsplit("/", 1)[1]

    @property
    def key(self) -> str:
        return self.post_id if self.variant != "html_only" or self.id_in_url else canonical(self.path, self.ed)

    @property
    def root(self) -> str:
        if self.real:
            return self.real.root
        return self.ed.sections[self.section][2]

    @property
    def id_in_url(self) -> bool:
        """Spanish URLs carry the post id, so even a page without metadata names it."""
        return POST_ID in self.ed.roots[self.root]

    @property
    def post_type(self) -> str:
        if self.real:
            return self.real.first("posttype")
        return self.ed.sections[self.section][3]

    @property
    def is_video(self) -> bool:
        """Bodyless kinds: video post types, and every ``videoobject``."""
        return self.post_type in self.ed.video_types or self.kind == "videoobject"

    @property
    def section_label(self) -> str:
        """The section a card names: the category class of a real block, else its URL's."""
        if self.real:
            category = normalise(self.real.first("category") or "")
            return category or url_section(self.path, self.ed)
        return self.ed.sections[self.section][0]


@dataclass
class Segment:
    """A piece of paragraph text and the markup around it."""

    text: str
    html: str


@dataclass
class Block:
    """A direct child of div.p-content."""

    kind: str  # p | h3 | strong_heading | related | promo | figure | empty
    segments: list[Segment] = field(default_factory=list)
    links: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return normalise("".join(s.text for s in self.segments))


@dataclass
class Body:
    """Everything generated on demand for one article."""

    authors: list[str]
    source: Optional[str]
    modified: datetime
    summary: str
    blocks: list[Block]
    tags: list[str]
    keywords_raw: str
    coverage: Optional[str]
    images: list[dict]
    video_duration: Optional[int]
    read_next: list[int]
    byline: str  # list | flat
    thumbnail: str

    @property
    def text(self) -> str:
        return self.text_of(self.blocks)

    @staticmethod
    def text_of(blocks: list[Block]) -> str:
        """Body truth: the paragraphs and sub-headings, each normalised, blank-line joined."""
        return "\n\n".join(b.text for b in blocks if b.kind in ("p", "h3", "strong_heading") and b.text)

    @property
    def words(self) -> int:
        return len(self.text.split())


class Replica:
    """A generated copy of one edition (``en``, ``ar`` or ``es``) with its ground truth."""

    def __init__(self, seed: int = 1, articles: int = 300, now: datetime = DEFAULT_NOW, edition: str = "en",
                 js_blocks: bool = False, labels: Optional[dict] = None, variant: Optional[str] = None,
                 pager: Optional[str] = None, page_size: int = PAGE_SIZE, real_posts: bool = False,
                 real_blocks: bool = True):
        self.ed: Profile = PROFILES[edition]
        if labels:
            # A site whose labels changed (a renamed "By"): what the first live run must report.
            self.ed = dataclasses.replace(self.ed, labels={**self.ed.labels, **labels})
        # How listings page: the edition's way unless a test asks for another one.
        self.pager = pager or self.ed.pager
        if self.pager not in PAGERS:
            raise ValueError(f"pager must be one of {PAGERS}, not {self.pager!r}")
        self.page_size = page_size
        # Real metadata blocks (Arabic only): found, and used.
        self.real_blocks_available = real_samples.available()
        self._real = real_samples.blocks() if edition == "ar" and (real_blocks or real_posts) else ()
        # Only the real posts, each page built from its block (issue 21's "all 296 blocks" tests).
        self.real_posts = real_posts
        if real_posts:
            if not self._real:
                raise FileNotFoundError(f"real_posts needs the Arabic sample {real_samples.SAMPLE} (edition ar)")
            articles = len(self._real)
        # The order in which generated posts take blocks: every root and both types first.
        self._real_order = real_samples.spread(self._real)
        self._real_used = 0
        # Every article of one variant (full, meta_only, html_only) instead of the usual mix.
        self.variant = variant
        # The BREAKING ticker and the Most Read cards filled in by a script after load
        # (site-notes section 3 lists this as unknown): only a browser sees them.
        self.js_blocks = js_blocks
        ed = self.ed
        self._slugs = [s for s, w in ed.weights.items() for _ in range(w)]
        self._countries = ed.countries()
        self.seed = seed
        self.size = articles
        # Links are drawn from the original archive only, so publishing new articles
        # never changes an existing article's page.
        self.base_size = articles
        self.now = now
        self.heads: list[Head] = [self._head(i) for i in range(articles)]
        self.edits: dict[int, int] = {}
        ticker_only = self._ticker_only()
        self._index()
        rng = random.Random(f"{seed}:most-read")
        pool = [h.index for h in self.heads[: min(60, articles)] if h.listed and not h.members_only and not h.unlinked]
        self.most_read = rng.sample(pool, min(4, len(pool)))
        self.ticker_links = self._ticker_links(ticker_only)

    # --- heads ------------------------------------------------------------------
    def _head(self, i: int, published: Optional[datetime] = None) -> Head:
        # As in _body, the order of the draws from ``rng`` is part of the output.
        rng = random.Random(f"{self.seed}:head:{i}")
        ed = self.ed
        section = rng.choice(self._slugs)
        members_only = i % 97 == 41 and i > 0 and not self.real_posts
        if members_only:
            section = ed.members_section
        new = published is not None  # published by publish(): newer than any other
        generated = not self.real_posts and not new
        published = self._published(rng, i, published)
        roll = rng.random()
        variant = self.variant or ("full" if roll < 0.85 else "meta_only" if roll < 0.93 else "html_only")
        if self.real_posts:
            variant = "full"
        if variant == "html_only" and _ambiguous(published):
            published -= timedelta(hours=2)
        title, section = self._title(rng, i, section, members_only)
        arabic = ed.code == "ar" and generated
        plain = variant == "full" and not members_only
        # Some Arabic posts sit under a root that no menu and no crawler table lists.
        investigation = arabic and plain and i % 20 == 3
        if investigation:
            section = "investigations"
        slug = slugify(title)
        if members_only:
            slug = ("members-only-" + slug)[:60]
        post_id = 1700000 + i * 7 + self.seed % 7
        if ed.code == "ar" and post_id >= REAL_IDS[0]:
            post_id += REAL_IDS[1] - REAL_IDS[0]
        path = self._path(section, slug, str(post_id), published, i)
        listed = not members_only and rng.random() >= 0.05
        country = rng.choice(self._countries) if rng.random() < 0.7 else None
        head = Head(i, str(post_id), section, title, path, published, variant, country, listed, members_only, ed=ed)
        head.unlinked = listed and rng.random() < 0.15
        self._url_variants(rng, head)
        if arabic:
            head.title = self._invisible(i, head.title)
            if plain and i % 200 == 9 and not investigation:
                head.kind = "liveblog"  # a metadata type no crawler has seen
        if investigation:
            head.unlinked = True  # never linked from other posts: only listing cards and sitemaps
        block = self._real_block(i, variant, members_only, generated, new)
        if block is not None:
            self._make_real(head, block)
        return head

    def _real_block(self, i: int, variant: str, members_only: bool, generated: bool, new: bool) -> Optional[RealBlock]:
        """The real block post i carries: every post in real_posts mode; in the Arabic
        replica, each full-variant post of even index takes the next block while blocks
        last (each block once; heads are built in index order)."""
        if self.real_posts:
            return None if new else self._real[i]
        if generated and variant == "full" and not members_only and i % 2 == 0 and self._real_used < len(self._real_order):
            self._real_used += 1
            return self._real_order[self._real_used - 1]
        return None

    def _make_real(self, head: Head, block: RealBlock) -> None:
        """Post i takes its URL, id, title, date, type and classes from a real block."""
        head.real = block
        head.kind = block.type
        head.post_id = block.post_id
        head.title = block.meta["title"]
        head.path = block.path
        head.published = block.published
        head.country = block.first("country")
        head.second_section = None
        if self.real_posts:
            head.listed, head.unlinked = True, False  # every real post in its listings, for a complete walk
        head.section = self._real_section(block)

    def _real_section(self, block: RealBlock) -> Optional[str]:
        """The listing a real post is in: its category's, else its root's; None for roots
        without a listing (press, research papers, podcasts: /news and regions only)."""
        category = normalise(block.first("category") or "")
        for slug, (label, path, root, _type) in self.ed.sections.items():
            if category and label == category:
                return slug
        for slug, (label, path, root, _type) in self.ed.sections.items():
            if root == block.root and path == "/" + root:
                return slug
        return None

    def _invisible(self, i: int, title: str) -> str:
        """A few Arabic titles carry invisible characters as real ones do: a right-to-left
        mark, zero-width spaces around a word, or a zero-width non-joiner between letters."""
        words = title.split(" ")
        if i % 67 == 13 and len(words) > 1:
            words[1] = "\u200f" + words[1]
        elif i % 67 == 30:
            words[0] = "\u200b" + words[0] + "\u200b"
        elif i % 67 == 64:
            long = max(range(len(words)), key=lambda k: (len(words[k]) if words[k].isalpha() else 0, -k))
            if words[long].isalpha() and len(words[long]) >= 4:
                middle = len(words[long]) // 2
                words[long] = words[long][:middle] + "\u200c" + words[long][middle:]
        return " ".join(words)

    def _ticker_only(self) -> Optional[int]:
        """The Arabic post the ticker alone links: an unlisted complete post made unlinked."""
        if self.ed.ticker_style != "ar" or self.real_posts:
            return None
        for h in self.heads:
            if not h.listed and not h.members_only and h.variant == "full" and not h.real and h.kind == "article":
                h.ticker_only = h.unlinked = True
                return h.index
        return None

    def _ticker_links(self, ticker_only: Optional[int]) -> list[Optional[int]]:
        """The post each ticker line links (None: text only): on the Arabic ticker the
        newest listed posts, and last the one only the ticker links."""
        lines = self.ed.ticker
        if self.ed.ticker_style != "ar":
            return [None] * len(lines)
        newest = [j for j in self.listings[self.ed.all_listing[0]]
                  if not self.heads[j].unlinked and self.heads[j].section not in self.ed.unlisted_sections]
        wanted = len(lines) - (1 if ticker_only is not None else 0)
        links: list[Optional[int]] = newest[:wanted]
        if ticker_only is not None:
            links.append(ticker_only)
        return links + [None] * (len(lines) - len(links))

    def _published(self, rng: random.Random, i: int, published: Optional[datetime]) -> datetime:
        """Evenly spread over the archive, newest first, with a few minutes of jitter."""
        if published is None:
            step = SPAN / max(self.size, 1)
            published = self.now - timedelta(minutes=30) - step * i - timedelta(minutes=rng.randrange(0, 9))
        return published.replace(second=0, microsecond=0)

    def _title(self, rng: random.Random, i: int, section: str, members_only: bool) -> tuple[str, str]:
        """The headline, and the section (changed for the twin posts whose slugs collide)."""
        ed = self.ed
        title = f"{rng.choice(ed.subjects)} {rng.choice(ed.verbs)} {rng.choice(ed.objects)}{rng.choice(ed.contexts)}"
        if i % 150 == 7 and not members_only:
            # Two posts whose slugs are cut to the same 60 characters (in different sections).
            title = ed.long_title + str(i)
            section = ed.twin_sections[0] if i % 300 == 7 else ed.twin_sections[1]
        if i % 61 == 5:
            title = title[:-1] + "é" if title[-1].isalpha() else title + " — update"
        return title, section

    def _url_variants(self, rng: random.Random, head: Head) -> None:
        """Some complete posts get a second listing URL or links that name them in another form."""
        ed = self.ed
        plain = head.variant == "full" and not head.members_only
        if (plain and head.listed and ed.roots[head.root] == (SECTION,) and head.root == "news"
                and rng.random() < 0.06):
            head.second_section = rng.choice([s for s, v in ed.sections.items() if v[2] == "news" and s != head.section])
        if plain and rng.random() < 0.1:
            head.link_variant = rng.choice(TRACKING + ("UPPER",))

    def _path(self, section: str, slug: str, post_id: str, published: datetime, i: int) -> str:
        """The article's URL path, in the shape its edition gives that kind of post."""
        _label, listing_path, root, _type = self.ed.sections[section]
        kinds = self.ed.roots[root]
        old = self.ed.old_root
        if old and kinds == (SECTION, POST_ID) and published.year < old[1]:
            return f"/{old[0]}/{post_id}/{slug}"  # older Spanish news: /news/<id>/<slug>
        if kinds == (SECTION, POST_ID):
            return f"{listing_path}/{post_id}/{slug}"
        if kinds == (SECTION,):
            if (root == self.ed.sectionless_root and i % 5 == 2 and i % 150 != 7
                    and section != self.ed.members_section):
                return f"/{root}/{slug}"  # English /articles/<slug>: no section in the URL
            return f"{listing_path}/{slug}"
        if kinds == (POST_ID,):
            return f"/{root}/{post_id}/{slug}"
        if kinds == (DATE,):
            local = published.astimezone(BEIRUT)
            return f"/{root}/{local.year}/{local.month}/{local.day}/{slug}"
        return f"/{root}/{slug}"

    def _index(self) -> None:
        self.by_path: dict[str, int] = {}
        self.by_lower_path: dict[str, int] = {}
        # Real posts first: their URLs are given, a generated post that collides moves.
        for h in sorted(self.heads, key=lambda h: h.real is None):
            # A large archive repeats headlines; the CMS would publish under another slug.
            while any(p in self.by_path or p.lower() in self.by_lower_path for p in filter(None, (h.path, h.alt_path))):
                assert h.real is None, f"two real blocks share the URL {h.path}"
                h.title = f"{h.index}: {h.title}" if h.title.endswith(")") else f"{h.title} ({h.index})"
                slug = slugify(h.title)
                if h.members_only:  # the new slug keeps the prefix robots.txt disallows
                    slug = ("members-only-" + slug)[:60]
                h.path = h.path.rsplit("/", 1)[0] + "/" + slug
            for path in filter(None, (h.path, h.alt_path)):
                self.by_path[path] = h.index
                self.by_lower_path[path.lower()] = h.index
        everything = self.ed.all_listing[0] if self.ed.all_listing else None
        self.listings: dict[str, list[int]] = {slug: [] for slug in list(self.ed.sections) + list(self.ed.regions)}
        if everything:
            self.listings[everything] = []
        order = sorted(self.heads, key=lambda h: h.published, reverse=True)
        for h in order:
            if not h.listed:
                continue
            if everything:
                self.listings[everything].append(h.index)
            if h.section:
                self.listings[h.section].append(h.index)
            if h.second_section:
                self.listings[h.second_section].append(h.index)
            if h.region:
                self.listings[h.region].append(h.index)

    def article_at(self, path: str) -> Optional[int]:
        """The article served at a path (trailing slash and letter case forgiven)."""
        path = path.rstrip("/") or "/"
        found = self.by_path.get(path)
        return found if found is not None else self.by_lower_path.get(path.lower())

    # --- bodies -------------------------------------------------------------------
    def body(self, i: int) -> Body:
        return self._body(i, self.edits.get(i, 0))

    @functools.lru_cache(maxsize=4096)
    def _body(self, i: int, edits: int) -> Body:
        # The order of the draws from ``rng`` is part of the replica's output: every step
        # below takes its draws in the order the pages have always been generated with.
        h = self.heads[i]
        rng = random.Random(f"{self.seed}:body:{i}")
        authors = self._authors(rng, h)
        source = self._source(rng, h)
        modified = h.published + timedelta(minutes=rng.randrange(0, 300), seconds=rng.randrange(60))
        if edits:
            modified = max(modified, self.now) + timedelta(hours=edits)
        summary = self._sentence(rng, 14) + ("" if rng.random() < 0.5 else self.ed.summary_quote)
        tags = rng.sample(self.ed.tags, rng.randrange(2, 6))
        raw_keywords = ",".join((" " + t if rng.random() < 0.2 else t) for t in tags)
        if self.ed.code == "ar" and not self.real_posts and i % 67 == 47:
            # A keyword wrapped in zero-width spaces beside the same keyword (seen in real blocks).
            raw_keywords += ",\u200b" + tags[0] + "\u200b"
        coverage = rng.choice(self.ed.coverage) if rng.random() < 0.2 else None
        pool = self._link_pool(i)
        images: list[dict] = []
        thumbnail = self._image_url(rng, h)
        if not h.is_video:
            images.append(self._image(rng, h, thumbnail))
        blocks = self._blocks(rng, h, pool, images)
        if h.real and not h.is_video:
            # Enough text that the body is not flagged shorter than the block's word count.
            while len(Body.text_of(blocks).split()) < 0.6 * h.real.word_count:
                blocks.append(self._paragraph(rng, pool))
        for e in range(edits):
            blocks.append(Block("p", [Segment(self.ed.update_line.format(n=e + 1), "")]))
        read_next = self._read_next(rng, h.index, pool)
        if h.real:
            return self._real_body(h.real, source, blocks, images, read_next, byline="flat" if rng.random() < 0.2 else "list")
        return Body(
            authors=authors,
            source=source,
            modified=modified,
            summary=summary,
            blocks=blocks,
            tags=tags,
            keywords_raw=raw_keywords,
            coverage=coverage,
            images=images,
            video_duration=rng.randrange(45, 900) if h.is_video else None,
            read_next=read_next,
            byline="flat" if rng.random() < 0.2 else "list",
            thumbnail=thumbnail,
        )

    def _real_body(self, block: RealBlock, source: Optional[str], blocks: list[Block], images: list[dict],
                   read_next: list[int], byline: str) -> Body:
        """A real post's page: what the block says, and the generated body, links and byline."""
        meta = block.meta
        if images:
            images[0]["url"] = meta["thumbnail"]
        duration = meta["video_duration"]
        return Body(
            authors=block.classes("author") or [meta["author"]],
            source=source,
            modified=block.modified,
            summary=meta["description"],
            blocks=blocks,
            tags=keywords(meta["keywords"]),
            keywords_raw=meta["keywords"],
            coverage=block.first("coverage"),
            images=images,
            video_duration=int(duration) if duration else None,
            read_next=read_next,
            byline=byline,
            thumbnail=meta["thumbnail"],
        )

    def _authors(self, rng: random.Random, h: Head) -> list[str]:
        """Opinion pieces are signed by people (some by two); news by the desk."""
        ed = self.ed
        opinion = h.post_type in ed.opinion_types
        if opinion and h.section != ed.members_section or h.section == "opinion":
            return rng.sample(ed.people, 2 if rng.random() < 0.3 else 1)
        if opinion:
            return [rng.choice(ed.people + [ed.desk])]
        return [ed.desk]

    def _source(self, rng: random.Random, h: Head) -> Optional[str]:
        """Only news posts name a source, and not all of them."""
        news_type = next(iter(self.ed.sections.values()))[3]
        return rng.choice(self.ed.sources) if h.post_type == news_type and rng.random() < 0.6 else None

    def _related(self, rng: random.Random, i: int, pool: list[int]) -> list[int]:
        related = [j for j in rng.sample(pool, min(2, len(pool)))] if pool and rng.random() < 0.6 else []
        # An unlisted neighbour is reachable only through this article's links.
        neighbour = self.heads[i + 1] if i + 1 < self.base_size else None
        if neighbour and not neighbour.listed and not neighbour.members_only and not neighbour.ticker_only:
            related = [i + 1] + [j for j in related if j != i + 1][:1]
        return related

    def _read_next(self, rng: random.Random, i: int, pool: list[int]) -> list[int]:
        read_next = rng.sample(pool, min(4, len(pool)))
        # A members-only neighbour is linked, so that robots.txt has something to refuse.
        if i + 2 < self.base_size and self.heads[i + 2].members_only:
            read_next = [i + 2] + read_next[:3]
        return read_next

    def _blocks(self, rng: random.Random, h: Head, pool: list[int], images: list[dict]) -> list[Block]:
        """The direct children of div.p-content; second figures are appended to ``images``."""
        n_paragraphs = self.ed.paragraphs.get(h.post_type, rng.randrange(3, 8))
        if h.is_video:  # a videoobject of any post type has no body either
            n_paragraphs = 0
        related = self._related(rng, h.index, pool)
        blocks: list[Block] = []
        for p in range(n_paragraphs):
            self._paragraph_with_extras(rng, h, p, pool, related, images, blocks)
        if h.post_type == "In Pictures":
            for _ in range(2):
                images.append(self._image(rng, h, self._image_url(rng, h)))
                blocks.append(Block("figure", links=[len(images) - 1]))
        return blocks

    def _paragraph_with_extras(self, rng: random.Random, h: Head, p: int, pool: list[int], related: list[int],
                               images: list[dict], blocks: list[Block]) -> None:
        """Paragraph p, with the sub-heading, related box, promo, figure or empty paragraph
        that may come around it."""
        if p == 2 and rng.random() < 0.5:
            blocks.append(Block("h3" if rng.random() < 0.5 else "strong_heading", [Segment(rng.choice(self.ed.headings), "")]))
        blocks.append(self._paragraph(rng, pool))
        if p == 1 and related:
            blocks.append(Block("related", links=related))
        if p == 2 and pool and rng.random() < 0.4:
            blocks.append(Block("promo", links=[rng.choice(pool)]))
        if p == 3 and rng.random() < 0.2:
            images.append(self._image(rng, h, self._image_url(rng, h)))
            blocks.append(Block("figure", links=[len(images) - 1]))
        if p == 0 and rng.random() < 0.15:
            blocks.append(Block("empty"))

    def word_count(self, i: int) -> int:
        """The metadata word count: the body's words, except on some complete text pages whose
        CMS count is far larger than their body (captions, embeds: seen on the real site)."""
        h = self.heads[i]
        if h.real:
            return h.real.word_count
        words = self.body(i).words
        return words * 3 + 40 if self.inflated(i) else words

    def inflated(self, i: int) -> bool:
        h = self.heads[i]
        return h.variant == "full" and not h.is_video and not h.real and i % 19 == 6 and self.body(i).words > 0

    def crumbs(self, i: int) -> Optional[tuple[list[str], bool]]:
        """The breadcrumb's items after "Inicio" and before the title, and whether the title
        ends it; None where the edition prints none. Some disagree with the URL's section."""
        groups = self.ed.breadcrumb_groups
        if not groups:
            return None
        h = self.heads[i]
        label = self.ed.sections[h.section][0]
        if i % 4 == 1 and self.ed.roots[h.root][0] == SECTION:
            others = [v[0] for k, v in self.ed.sections.items() if v[2] == h.root and k != h.section]
            label = others[i % len(others)]
        return [groups[h.path.strip("/").split("/")[0]], label], i % 2 == 0

    def byline_form(self, i: int) -> dict:
        """How a Spanish byline prints its names: twice as text or once beside an image,
        with or without an "Autor:" item; and its view and share counts."""
        rng = random.Random(f"{self.seed}:byline:{i}")
        return {"twice": rng.random() < 0.5, "autor": rng.random() < 0.35,
                "views": rng.randrange(20, 3000), "shares": rng.randrange(0, 40)}

    def _link_pool(self, i: int) -> list[int]:
        rng = random.Random(f"{self.seed}:pool:{i}")
        n = self.base_size
        lo = max(0, min(i, n - 1) - 40)
        hi = min(n, lo + 80)
        picks = {rng.randrange(lo, hi) for _ in range(8)} | {rng.randrange(n) for _ in range(3)}
        return sorted(j for j in picks if j != i and not self.heads[j].members_only and not self.heads[j].unlinked)

    def _sentence(self, rng: random.Random, length: int) -> str:
        pool = self.ed.words
        start = rng.randrange(len(pool))
        words = [pool[(start + k) % len(pool)] for k in range(length)]
        return " ".join(words).capitalize() + "."

    def _paragraph(self, rng: random.Random, pool: list[int]) -> Block:
        segments: list[Segment] = []
        for s in range(rng.randrange(1, 4)):
            sentence = self._sentence(rng, rng.randrange(8, 20))
            words = sentence.split(" ")
            k = rng.randrange(1, len(words) - 1)
            before, word, after = " ".join(words[:k]) + " ", words[k], " " + " ".join(words[k + 1:])
            style = rng.random()
            if style < 0.25:
                segments += [Segment(before, None), Segment(word, f"<strong>{word}</strong>"), Segment(after, None)]
            elif style < 0.4 and pool:
                segments += [Segment(before, None), Segment(word, ("link", rng.choice(pool), word)), Segment(after, None)]
            elif style < 0.5:
                segments += [Segment(before, None), Segment(word, f'<a href="/tags/{word}">{word}</a>'), Segment(after, None)]
            elif style < 0.6:
                # Markup glued to punctuation: the page has no space there, nor must the text.
                glued, glue = self.ed.glued
                segments += [Segment(before, None), Segment(glued, f"<em>{glued}</em>"), Segment(glue + word + after, None)]
            elif style < 0.7:
                segments += [Segment(before.rstrip(" ") + "\u00a0", None), Segment(word + after, None)]
            else:
                segments.append(Segment(sentence, None))
            if s < 2:
                segments.append(Segment(" ", None))
        if rng.random() < 0.2:
            segments.append(Segment(self.ed.quote, None))
        return Block("p", segments)

    def _image_url(self, rng: random.Random, h: Head) -> str:
        d = h.published.astimezone(BEIRUT)
        return (f"https://{self.ed.image_host}/media/image/{d.year}/{d.month}/{d.day}/"
                f"{uuid.UUID(int=rng.getrandbits(128), version=4)}.jpg?v=3&width=1000")

    def _image(self, rng: random.Random, h: Head, url: str) -> dict:
        caption = self.ed.caption(rng.choice(self.ed.subjects), h.published.year)
        credit = rng.choice(self.ed.credits) if rng.random() < 0.7 else None
        return {"url": url, "caption": caption, "credit": credit}

    # --- changes --------------------------------------------------------------------
    def edit(self, key: str) -> None:
        """Change one article's body (its content hash and modified time change)."""
        i = self.index_of(key)
        self.edits[i] = self.edits.get(i, 0) + 1

    def publish(self, n: int) -> list[str]:
        """Add n new articles, newer than any other; returns their keys. ``now`` moves past them."""
        keys = []
        for k in range(n):
            i = len(self.heads)
            published = self.now + timedelta(minutes=5 * (k + 1))
            head = self._head(i, published)
            head.listed, head.members_only = True, False
            if head.section == self.ed.members_section and "members-only" in head.path:
                head.path = head.path.replace("members-only-", "")
            self.heads.append(head)
            keys.append(head.key)
        self.size = len(self.heads)
        self.now = max(h.published for h in self.heads) + timedelta(minutes=1)
        self._index()
        return keys

    def index_of(self, key: str) -> int:
        for h in self.heads:
            if h.key == key:
                return h.index
        raise KeyError(key)
