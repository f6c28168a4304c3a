"""Field coverage of a run: what share of the records has each field, and from which source.

Every test runs against a replica built from our own assumptions; only the first live run
shows what the site does differently. So each run summary says, field by field, how often a
value was found and where it came from (``extracted_from``), which flags were raised, which
visible labels of the edition never appeared on any page, and which article URL shapes were
seen. An edition declares minimum shares for the fields that matter
(``Edition.min_coverage``); a run below one logs a WARNING naming the field, and the summary
lists it under ``below_minimum`` (``python -m newscrawl.cron`` then exits 1).

``Coverage`` is a plain accumulator, so the same numbers can be computed from the replica's
ground truth in the tests and from a run's records by the probe.
"""

from __future__ import annotations

import html
import logging
import re
from collections import Counter
from dataclasses import fields
from typing import Any, Iterable, Mapping, Optional
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured
from scrapy.http import TextResponse

from .component import connected
from .config import get_bool, get_int
from .editions import Edition
from .items import FLAGS, SOURCES, Article
from .runfacts import run_facts
from .urls import link_shape, url_root, url_shape

logger = logging.getLogger(__name__)

# Bookkeeping fields: always set by the crawler, so their coverage says nothing about the site.
_NOT_REPORTED = {
    "url",
    "edition",
    "content_hash",
    "extracted_from",
    "discovered_via",
    "crawled_at",
    "revision",
    "flags",
    "warc",
}
REPORTED_FIELDS = tuple(f.name for f in fields(Article) if f.name not in _NOT_REPORTED)

# How many unknown link shapes a summary names (the most frequent first).
TOP_UNKNOWN_SHAPES = 10


def has_value(value: Any) -> bool:
    return value not in (None, "", [], {})


class Coverage:
    """Counts, over records (as dicts), how often each field has a value and from which source.

    ``body`` is counted over text posts only (``Edition.expects_body`` and a word count that
    is not 0): videos have no body by design.
    """

    def __init__(self, edition: Edition):
        self.edition = edition
        self.records = 0
        self.text_posts = 0
        self.have: Counter[str] = Counter()
        self.sources: dict[str, Counter[str]] = {f: Counter() for f in REPORTED_FIELDS}
        self.flags: Counter[str] = Counter()
        self.shapes: Counter[str] = Counter()
        # Roots of kept posts that the edition's table of URL shapes does not list.
        self.unlisted = ShapeTally()

    def add(self, record: Mapping[str, Any]) -> None:
        self.records += 1
        path = urlsplit(record.get("canonical_url") or "").path
        text_post = self.edition.expects_body(record.get("post_type"), path) and record.get("word_count") != 0
        self.text_posts += text_post
        origins = record.get("extracted_from") or {}
        for name in REPORTED_FIELDS:
            if name == "body" and not text_post:
                continue
            if has_value(record.get(name)):
                self.have[name] += 1
                if name in origins:
                    self.sources[name][origins[name]] += 1
        self.flags.update(record.get("flags") or ())
        self.shapes[url_shape(path, self.edition) or link_shape(path)] += 1
        root = url_root(path)
        if root not in self.edition.article_roots:
            self.unlisted.add(record.get("canonical_url") or "", key="/" + root + "/")

    def share(self, name: str) -> Optional[float]:
        total = self.text_posts if name == "body" else self.records
        return self.have[name] / total if total else None

    def table(self) -> dict[str, Any]:
        """Per field: ``share`` with a value and the share from each source (of all records
        counted for the field); flags and URL shapes by count."""
        out = {}
        for name in REPORTED_FIELDS:
            total = self.text_posts if name == "body" else self.records
            share = self.share(name)
            out[name] = {
                "share": None if share is None else round(share, 4),
                "sources": {
                    src: round(self.sources[name][src] / total, 4) for src in SOURCES if self.sources[name][src]
                },
            }
        return {
            "records": self.records,
            "text_posts": self.text_posts,
            "fields": out,
            "flags": {flag: self.flags[flag] for flag in FLAGS if self.flags[flag]},
            "url_shapes": dict(sorted(self.shapes.items())),
            "unlisted_roots": self.unlisted.table(),
        }

    def below_minimum(self, min_records: int) -> list[dict[str, Any]]:
        """Fields whose share is under the edition's minimum (none for runs under
        ``min_records`` records)."""
        if self.records < min_records:
            return []
        below = []
        for name, minimum in self.edition.min_coverage.items():
            share = self.share(name)
            if share is not None and share < minimum:
                below.append({"field": name, "share": round(share, 4), "minimum": minimum})
        return below


class ShapeTally:
    """Counts of URLs by a key (a URL root, a link shape), with the first URL seen as an example."""

    def __init__(self):
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, str] = {}

    def add(self, url: str, key: Optional[str] = None) -> None:
        if key is None:
            key = link_shape(urlsplit(url).path)
        self.counts[key] += 1
        self.examples.setdefault(key, url)

    def table(self, top: Optional[int] = None) -> dict[str, dict[str, Any]]:
        """``{key: {"count": n, "example": url}}``, the most frequent first (ties by key)."""
        ranked = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        return {key: {"count": n, "example": self.examples[key]} for key, n in ranked}


def _label_pattern(text: str) -> re.Pattern:
    """The label as a whole word (case kept) in HTML, raw or entity-escaped: "By" must not be
    found in "getElementById"."""
    forms = sorted({text, html.escape(text, quote=False)})
    tail = r"(?!\w)" if re.match(r"\w", text[-1]) else ""
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f in forms) + ")" + tail)


class LabelWatch:
    """Which of the edition's visible labels appeared on at least one page of the run.

    A regular-expression search of the page's HTML, stopped once every label was seen:
    cheap enough for every response, and blind to where the label sits (it only says
    "never seen")."""

    def __init__(self, edition: Edition):
        self.wanted = {name: _label_pattern(text) for name, text in edition.printed_labels().items()}
        self.seen: set[str] = set()

    def see(self, text: str) -> None:
        for name in [n for n in self.wanted if n not in self.seen]:
            if self.wanted[name].search(text):
                self.seen.add(name)

    def missing(self) -> list[str]:
        return sorted(n for n in self.wanted if n not in self.seen)


class CoverageExtension:
    """Collects the coverage of the records a run writes and judges it against the edition's
    minimums when the spider closes (``NEWSCRAWL_COVERAGE=False`` turns it off)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.min_records = get_int(crawler.settings, "NEWSCRAWL_COVERAGE_MIN_RECORDS")
        self.coverage: Optional[Coverage] = None
        self.labels: Optional[LabelWatch] = None
        # Links that may be posts, of a shape the edition does not list, seen outside cards and
        # link blocks (the spider adds them): what an operator adds to the edition table.
        self.unknown_links = ShapeTally()

    @classmethod
    def from_crawler(cls, crawler):
        if not get_bool(crawler.settings, "NEWSCRAWL_COVERAGE"):
            raise NotConfigured
        ext = cls(crawler)
        return connected(ext, crawler, spider_opened=ext.opened, item_scraped=ext.item_scraped,
                         response_received=ext.response_received, spider_closed=ext.closed)

    def opened(self, spider):
        facts = run_facts(self.crawler)
        if facts is not None:
            edition = facts.edition
            self.coverage = Coverage(edition)
            self.labels = LabelWatch(edition)

    def item_scraped(self, item, response=None, spider=None):
        if self.coverage is not None and isinstance(item, Article):
            self.coverage.add(item.__dict__)

    def response_received(self, response, request=None, spider=None):
        if self.labels is not None and isinstance(response, TextResponse) and b"html" in (
                response.headers.get(b"Content-Type") or b"text/html").lower():
            self.labels.see(response.text)

    def summary(self) -> Optional[dict[str, Any]]:
        """The ``coverage`` section of the run summary, or None before the spider opened."""
        if self.coverage is None or self.labels is None:
            return None
        table = self.coverage.table()
        table["labels_missing"] = self.labels.missing()
        table["below_minimum"] = self.coverage.below_minimum(self.min_records)
        table["unknown_link_shapes"] = self.unknown_links.table(TOP_UNKNOWN_SHAPES)
        table.update(self._page_kinds(self.coverage.edition))
        return table

    def _page_kinds(self, edition: Edition) -> dict[str, Any]:
        """Posts by metadata type (``none``: no metadata block), the types the edition has not
        seen before, and the pages that were not posts, by why and by how they were found."""
        stats = self.crawler.stats.get_stats()

        def under(prefix: str) -> dict[str, int]:
            return {k[len(prefix):]: v for k, v in sorted(stats.items()) if k.startswith(prefix)}

        types = under("newscrawl/page_types/")
        known = edition.known_page_types
        return {
            "page_types": types,
            "page_types_unseen": sorted(t for t in types if known and t != "none" and t not in known),
            "not_posts": {"reasons": under("newscrawl/not_post/reason/"),
                          "found_via": under("newscrawl/not_post/found_via/")},
        }

    def closed(self, spider, reason):
        if self.coverage is None:
            return
        for low in self.coverage.below_minimum(self.min_records):
            self.crawler.stats.set_value(f"newscrawl/coverage_below/{low['field']}", low["share"])
            logger.warning("coverage: %s found in %.1f%% of records, below the edition's minimum of %.0f%%",
                           low["field"], 100 * low["share"], 100 * low["minimum"])


def coverage_of(records: Iterable[Mapping[str, Any]], edition: Edition) -> Coverage:
    """The coverage of a list of records (the truth's, a run file's)."""
    coverage = Coverage(edition)
    for record in records:
        coverage.add(record)
    return coverage
