"""Editions as data: what one outlet's edition (host, menu, URL shapes, visible labels, time
zone) is made of, so that the crawl plan, the URL rules and the page classes take their
differences from values rather than code branches. Each outlet fills these in its own
``editions`` module."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Optional

# What sits between an article URL's first segment (its root) and its slug.
SECTION = "section"  # /news/politics/<slug>: a sub-section name
POST_ID = "id"  # /news/1257172/<slug>: the post id (Spanish edition)
DATE = "date"  # /newscast/2024/7/26/<slug>: year, month, day (Arabic newscasts)


@dataclass(frozen=True)
class Listing:
    """One section or region listing of the menu."""

    slug: str
    """Stable name used in ``-a sections=`` and in ``discovered_via`` (``listing:<slug>``)."""
    label: str
    """The menu label as the site shows it."""
    path: str
    """Fallback listing path when the menu does not show the label."""
    kind: str = "section"
    """``section`` or ``region``."""


@dataclass(frozen=True)
class Labels(Mapping[str, Optional[str]]):
    """The visible labels of one edition, as its pages print them; None: the edition prints no
    such label (Spanish bylines have no "Por" and no reading time).

    The labels the shared code and the page classes look for are fields, so that a misspelt
    one fails where the edition is written; an outlet's own (the test outlet's "older" link)
    go in ``extra``. Read as a mapping by name (``labels["load_more"]``, ``labels.get("by")``;
    the byline's conjunction is ``"and"``).
    """

    by: Optional[str] = None
    author: Optional[str] = None
    source: Optional[str] = None
    min_read: Optional[str] = None
    related: Optional[str] = None
    read_next: Optional[str] = None
    most_read: Optional[str] = None
    read_more: Optional[str] = None
    breaking: Optional[str] = None
    load_more: Optional[str] = None
    # The word between the last two names of a byline ("A and B").
    conjunction: Optional[str] = None
    views: Optional[str] = None
    shares: Optional[str] = None
    listen: Optional[str] = None
    home: Optional[str] = None
    extra: Mapping[str, Optional[str]] = field(default_factory=dict)

    @functools.cached_property
    def _by_name(self) -> dict[str, Optional[str]]:
        # Built once: the page classes read labels for every page (a frozen dataclass keeps
        # a cached property in its __dict__ all the same).
        named = {_LABEL_NAMES.get(f.name, f.name): getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        return {**named, **self.extra}

    def __getitem__(self, name: str) -> Optional[str]:
        return self._by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)


# Field names that are not the label's name (``and`` is a Python keyword).
_LABEL_NAMES = {"conjunction": "and"}


# The shares of records that must have a value in a run, per field, unless the edition says
# otherwise (``body`` counts text posts only). A run below one is reported (run summary,
# a WARNING, cron's exit 1): on the live site it means a label, class or shape has changed.
DEFAULT_MIN_COVERAGE = {"title": 0.95, "published_at": 0.95, "body": 0.9, "authors": 0.9, "section": 0.9}


@dataclass(frozen=True)
class Edition:
    """Host, menu, URL shapes and visible labels of one edition."""

    code: str
    host: str
    language: str
    listings: tuple[Listing, ...]
    # First path segment of article URLs -> the shapes of what sits between it and the
    # slug, each a tuple: (SECTION,), (POST_ID,), (SECTION, POST_ID), (DATE,) or () for
    # /videos/<slug>. A root may have several shapes (/articles/<section>/<slug> and
    # /articles/<slug> in English).
    article_roots: dict[str, tuple[tuple[str, ...], ...]]
    # URL path segments naming a section, mapped to its label (used when the
    # metadata block gives no category).
    url_sections: dict[str, str]
    # Visible labels (a label the edition does not print is None).
    labels: Labels = field(default_factory=Labels)
    # Posts without body text by design (videos, newscasts): not broken when the body is empty.
    bodyless_roots: frozenset[str] = frozenset()
    bodyless_post_types: frozenset[str] = frozenset()
    # Classes of the "Load more" control, looked for as well as its label (Arabic listings:
    # ``loadmorebtn``, seen in public scrapers, label unknown).
    load_more_classes: tuple[str, ...] = ()
    # Any /<root>/[<sub-section>/]<post id>/<slug> is an article, whatever the root (the
    # Spanish edition puts the id in every article URL and has kinds we have not seen).
    id_paths: bool = False
    min_coverage: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIN_COVERAGE))
    # The IANA zone of dates printed without an offset (and of the site's monthly sitemaps).
    time_zone: str = "UTC"
    # First path segments of pages that are never posts (authors, topics, tags, search,
    # region listings): not requested from a sitemap, not followed from a link block. Every
    # other path of the edition's host may be a post, whatever its shape: the page decides.
    non_post_roots: frozenset[str] = frozenset({"authors", "author", "coverage", "tags", "tag", "search", "region"})
    # Metadata ``type`` values and post types (``posttype`` class) of CMS pages that are not
    # posts (listings, hubs, "Pages"); counted, never stored.
    non_post_types: frozenset[str] = frozenset({"page"})
    non_post_post_types: frozenset[str] = frozenset()
    # Metadata types the edition is known to print for posts; a post of another type is
    # kept all the same and named in the run summary (``coverage.page_types_unseen``).
    known_page_types: frozenset[str] = frozenset()
    # Metadata types of posts without body text by design (video posts).
    bodyless_page_types: frozenset[str] = frozenset({"videoobject"})
    # Classes of the ticker's items, looked for when no element carries the "breaking" label
    # (structure first, class names second).
    ticker_classes: tuple[str, ...] = ()

    @property
    def base_url(self) -> str:
        return f"https://{self.host}"

    def expects_body(self, post_type: str | None, path: str, page_type: str | None = None) -> bool:
        """Whether a post of this type (its ``posttype``; its metadata ``type``) at this URL path
        should have body text."""
        root = path.strip("/").split("/", 1)[0].lower()
        return (post_type not in self.bodyless_post_types and root not in self.bodyless_roots
                and (page_type or "").lower() not in self.bodyless_page_types)

    def listing(self, slug: str) -> Listing | None:
        for listing in self.listings:
            if listing.slug == slug:
                return listing
        return None

    def printed_labels(self) -> dict[str, str]:
        """The visible labels a page of this edition can show (name -> text)."""
        return {k: v for k, v in self.labels.items() if v and k != "and"}


