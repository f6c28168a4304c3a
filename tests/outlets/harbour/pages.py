"""The Gazette's page classes (home, section listing, story), built on the shared parser
machinery (``newscrawl/parsers/base.py``), with the methods the shared spider calls on each.

A story page gives a complete ``Article``: one small method per field, each returning its value (and, for fields that record it, the
source of the value: ``metadata`` for the JSON-LD block, ``meta`` for meta tags, ``html``
for the page's markup). Dates leave in UTC: the JSON-LD gives Lisbon time, with its offset
on some pages and without on others.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime, timezone
from typing import Any, Optional
from urllib.parse import urljoin

from newscrawl.core.clock import iso_utc
from newscrawl.core.editions import DATE, Edition, Labels, Listing
from newscrawl.core.items import Article, Image, Link, content_hash, normalise_text
from newscrawl.core.pages import RELATED, PageLink, dedupe, xpath_literal, Page, node_text
from newscrawl.core.urls import canonical_url

_SECTIONS = {"port": "Port & Shipping", "town": "Town Hall", "culture": "Arts & Culture"}

# The Gazette as the shared code sees an edition: host, listings, URL shapes, labels.
# Stories live at /<section>/<yyyy>/<mm>/<dd>/<slug>. The shared lookups ask for Al Mayadeen's
# block labels (related, read next, most read, breaking); the Gazette prints only its related
# block, so the others are labels no Gazette page shows.
GAZETTE = Edition(
    code="en",
    host="www.harbour-gazette.example",
    language="en",
    listings=tuple(Listing(slug, label, f"/section/{slug}") for slug, label in _SECTIONS.items()),
    article_roots={slug: ((DATE,),) for slug in _SECTIONS},
    url_sections=dict(_SECTIONS),
    labels=Labels(related="More from the Gazette", read_next="Read Next", most_read="Most Read",
                  breaking="Breaking", load_more="Load more", extra={"older": "Older stories"}),
    time_zone="Europe/Lisbon",
)

Sourced = tuple[Any, Optional[str]]


def to_utc(raw: str, now: Optional[datetime] = None) -> str:
    """ISO 8601 in UTC from an ISO date with an offset, or from a wall time in the edition's
    zone: the shared date reader with nothing of the Gazette's but its time zone."""
    return iso_utc(_GazettePage.date_reader(GAZETTE).read(raw, now or datetime.now(timezone.utc)))


class _GazettePage(Page):
    """A Gazette page; the edition defaults to the Gazette's (the spider passes it)."""

    def __init__(self, html: str, url: str, edition: Edition = GAZETTE):
        super().__init__(html, url, edition)


class GazetteHomePage(_GazettePage):
    """The front page: the section menu (no ticker, no Most Read, nothing left to scripts)."""

    def menu(self) -> dict[str, str]:
        """Menu label -> absolute listing URL, for every listing of the edition the menu shows."""
        wanted = {listing.label for listing in self.edition.listings}
        found: dict[str, str] = {}
        for a in self.sel.css("nav.sections a[href]"):
            label = node_text(a)
            if label in wanted:
                found.setdefault(label, urljoin(self.url, a.attrib["href"].strip()))
        return found

    def blocks_left_to_scripts(self) -> list[str]:
        return []


class GazetteListingPage(_GazettePage):
    """A page of a section listing: teasers, and a plain link to the next (older) page."""

    def article_links(self) -> list[PageLink]:
        return self._links(self.sel.css("li.teaser h2 a[href]"), "listing")

    def card_dates(self) -> list[str]:
        """The teasers' dates as printed ("20 November 2026", Lisbon time)."""
        return [normalise_text(t) for t in self.sel.css("li.teaser time::text").getall()]

    def has_load_more(self) -> bool:
        return False  # older stories are a plain link: see next_page()

    def next_page(self) -> Optional[str]:
        """Absolute URL of the "Older stories" page, or None on the last page. The shared
        spider has no use for it yet (it pages listings only through "Load more")."""
        href = self.sel.xpath(f"//a[normalize-space(.)={xpath_literal(self.labels['older'])}]/@href").get()
        return urljoin(self.url, href.strip()) if href else None


class GazetteArticlePage(_GazettePage):
    """A Gazette story page. ``to_item(discovered_via=..., crawled_at=...)`` gives its record."""

    # Read by the shared spider; a JSON-LD block that is not JSON is not handled (the
    # replica never serves one).
    metadata_invalid = False

    def page_type(self) -> Optional[str]:
        return None  # every Gazette page with a NewsArticle block is a story

    def followable_links(self) -> list[PageLink]:
        """Story links worth following: the "More from the Gazette" block."""
        return self._block("related", RELATED)

    @functools.cached_property
    def ld(self) -> dict:
        """The page's ``NewsArticle`` JSON-LD block ({} when there is none)."""
        for raw in self.sel.xpath('//script[@type="application/ld+json"]/text()').getall():
            data = json.loads(raw)
            if isinstance(data, dict) and data.get("@type") == "NewsArticle":
                return data
        return {}

    @functools.cached_property
    def story(self):
        return self.sel.css("article.story")

    def is_article(self) -> bool:
        return bool(self.ld)

    # --- one method per field ---------------------------------------------------
    def canonical_url(self) -> Sourced:
        return canonical_url(urljoin(self.url, self.ld["url"]), self.edition), "metadata"

    def post_id(self) -> Sourced:
        return str(self.ld["identifier"]), "metadata"

    def language(self) -> Sourced:
        return self.sel.xpath("/html/@lang").get(), "html"

    def section(self) -> Sourced:
        return normalise_text(self.ld["articleSection"]), "metadata"

    def title(self) -> Sourced:
        return normalise_text(self.ld["headline"]), "metadata"

    def summary(self) -> Sourced:
        return normalise_text(self.sel.xpath('//meta[@name="description"]/@content').get("")) or None, "meta"

    def authors(self) -> Sourced:
        return [normalise_text(a["name"]) for a in self.ld.get("author", [])], "metadata"

    def published_at(self) -> Sourced:
        return self.dates.published(self.ld["datePublished"], self.now)[0], "metadata"

    def published_at_raw(self) -> str:
        return self.ld["datePublished"]

    def modified_at(self) -> Sourced:
        return self.dates.modified(self.ld["dateModified"], self.now)[0], "metadata"

    def tags(self) -> Sourced:
        return dedupe(t for t in (normalise_text(k) for k in self.ld.get("keywords", [])) if t), "metadata"

    def body(self) -> str:
        """The story's own paragraphs (not the caption, not the related links)."""
        paragraphs = (node_text(p) for p in self.story.css("div.story-body > p"))
        return "\n\n".join(p for p in paragraphs if p)

    def images(self) -> list[Image]:
        images = []
        for figure in self.story.css("div.story-body figure"):
            images.append(Image(
                url=urljoin(self.url, figure.css("img::attr(src)").get("").strip()),
                caption=normalise_text(figure.css("figcaption .caption").xpath("string()").get("")) or None,
                credit=normalise_text(figure.css("figcaption .credit").xpath("string()").get("")) or None,
            ))
        return images

    def related(self) -> list[Link]:
        """The "More from the Gazette" links (found by their label, as canonical URLs)."""
        return [Link(canonical_url(l.url, self.edition), l.title) for l in self.followable_links()]

    # --- the record -----------------------------------------------------------------
    def to_item(self, *, discovered_via: str, crawled_at: str, now: Optional[datetime] = None) -> Optional[Article]:
        """The complete record for this page (dates in UTC as of the crawl's ``now``), or None
        when it is not a story."""
        if not self.is_article():
            return None
        self.now = now or datetime.now(timezone.utc)
        sourced = {name: getattr(self, name)() for name in
                   ("canonical_url", "post_id", "language", "section", "title", "summary", "authors",
                    "published_at", "modified_at", "tags")}
        values = {name: value for name, (value, _) in sourced.items()}
        sources = {name: source for name, (value, source) in sourced.items() if value not in (None, "", [])}
        body = self.body()
        return Article(
            url=self.url,
            **values,
            edition=self.edition.code,
            post_type=None,
            regions=[],
            coverage=[],
            source=None,
            published_at_raw=self.published_at_raw(),
            read_time_minutes=None,
            word_count=None,
            body=body,
            images=self.images(),
            video_duration_seconds=None,
            related=self.related(),
            read_next=[],
            content_hash=content_hash(values["title"], body),
            extracted_from=sources,
            discovered_via=discovered_via,
            crawled_at=crawled_at,
        )
