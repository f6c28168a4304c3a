"""Sitemaps of the site: the monthly index and the monthly URL lists.

Parsed incrementally with lxml's iterparse so a large monthly file never becomes a
whole tree in memory; gzipped files (by magic bytes, whatever their name) are
decompressed as a stream too. Each file is capped at the protocol's limits (50 MiB
uncompressed, 50,000 URLs): a gzip bomb or a file of a million URLs is cut there.
"""

from __future__ import annotations

import gzip
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Iterator, Optional

from lxml import etree

# /sitemaps/all/sitemap-2024-7.xml (month not zero-padded), optionally gzipped.
MONTHLY = re.compile(r"sitemap-(?P<year>\d{4})-(?P<month>\d{1,2})\.xml(?:\.gz)?$")
# The sitemap protocol's own limits for one file: 50,000 URLs and 50 MiB uncompressed.
# A file past either is hostile or broken; what came before the limit is kept.
MAX_DECOMPRESSED = 50 * 1024 * 1024
MAX_URLS = 50_000
# XML elements allowed per URL (url, loc, lastmod, changefreq, priority, image and news
# extensions): a file of millions of tiny elements (``<x/>``, 1,000x under gzip) is cut
# long before the byte cap, which would take a minute of parsing to reach.
ELEMENTS_PER_URL = 20


@dataclass
class SitemapEntry:
    """One ``<url>`` or ``<sitemap>`` entry."""

    loc: str
    lastmod: Optional[datetime]


class CapReached(Exception):
    """A sitemap went past one of the caps; ``which`` is ``"bytes"``, ``"urls"`` or
    ``"elements"`` (``ELEMENTS_PER_URL`` times the URL cap)."""

    def __init__(self, which: str):
        super().__init__(which)
        self.which = which


class Stopped(Exception):
    """The crawl is stopping: parsing ends where it is."""


def _stream(body: bytes, max_bytes: int) -> "_LimitedReader":
    raw = gzip.GzipFile(fileobj=io.BytesIO(body)) if body[:2] == b"\x1f\x8b" else io.BytesIO(body)
    return _LimitedReader(raw, max_bytes)


class _LimitedReader(io.RawIOBase):
    def __init__(self, raw: io.BufferedIOBase, limit: int):
        self.raw, self.left = raw, limit

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size if size >= 0 else self.left + 1)
        self.left -= len(chunk)
        if self.left < 0:
            raise CapReached("bytes")
        return chunk


def _parse_lastmod(text: Optional[str]) -> Optional[datetime]:
    if not text:
        return None
    text = text.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time())
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


class Malformed(Exception):
    """The sitemap is not well-formed XML (or not gzip) from some point on."""


def iter_entries(body: bytes, max_bytes: int = MAX_DECOMPRESSED, max_urls: int = MAX_URLS,
                 stop: Optional[Callable[[], bool]] = None) -> Iterator[SitemapEntry]:
    """Entries of a sitemap or sitemap index, one at a time (gzip or plain).

    Malformed XML ends the stream quietly. Past ``max_bytes`` decompressed bytes or
    ``max_urls`` entries it raises ``CapReached``, after yielding what came before;
    ``stop()`` returning True (checked every 1,000 elements) raises ``Stopped``.
    """
    try:
        yield from _entries(body, max_bytes, max_urls, stop)
    except Malformed:
        return


def _entries(body: bytes, max_bytes: int, max_urls: int, stop: Optional[Callable[[], bool]]) -> Iterator[SitemapEntry]:
    loc = lastmod = None
    count = 0
    max_elements = max_urls * ELEMENTS_PER_URL
    try:
        parser = etree.iterparse(_stream(body, max_bytes), events=("end",), resolve_entities=False,
                                 no_network=True, huge_tree=False)
        for n, (event, element) in enumerate(parser):
            if n >= max_elements:
                raise CapReached("elements")
            if stop is not None and n % 1000 == 0 and stop():
                raise Stopped()
            tag = etree.QName(element).localname if isinstance(element.tag, str) else ""
            if tag == "loc":
                loc = (element.text or "").strip()
            elif tag == "lastmod":
                lastmod = _parse_lastmod(element.text)
            elif tag in ("url", "sitemap"):
                if loc:
                    if count >= max_urls:
                        raise CapReached("urls")
                    count += 1
                    yield SitemapEntry(loc, lastmod)
                loc = lastmod = None
            # Nothing read stays in the tree, whatever the element: emptied, and its earlier
            # siblings dropped, so memory stays flat on any shape of file.
            element.clear(keep_tail=False)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    except (etree.XMLSyntaxError, ValueError, EOFError, OSError) as exc:
        # libxml2 also ends here on a text node over 10 MB (huge_tree off): a padded bomb.
        raise Malformed(str(exc)[:200]) from None


@dataclass
class SitemapRead:
    """What ``read_sitemap`` found: the entries, and the cap that cut the file short, if any."""

    entries: list[SitemapEntry]
    capped: Optional[str] = None
    stopped: bool = False
    malformed: Optional[str] = None
    """The parser's message when the file stopped being readable XML (entries before it are kept)."""


def read_sitemap(body: bytes, max_bytes: int = MAX_DECOMPRESSED, max_urls: int = MAX_URLS,
                 stop: Optional[Callable[[], bool]] = None) -> SitemapRead:
    """Every entry of a sitemap up to the caps, in one list: meant to run in a thread
    (a 50 MB file takes seconds to parse, which must not block the crawl)."""
    read = SitemapRead([])
    try:
        for entry in _entries(body, max_bytes, max_urls, stop):
            read.entries.append(entry)
    except Malformed as exc:
        read.malformed = str(exc) or "malformed"
    except CapReached as cap:
        read.capped = cap.which
    except Stopped:
        read.stopped = True
    return read


def month_of(url: str) -> Optional[tuple[int, int]]:
    """(year, month) of a monthly sitemap URL, or None for other sitemaps."""
    match = MONTHLY.search(url.split("?", 1)[0])
    if not match:
        return None
    month = int(match.group("month"))
    return (int(match.group("year")), month) if 1 <= month <= 12 else None


def month_overlaps(year_month: tuple[int, int], since: Optional[date], until: Optional[date]) -> bool:
    """Whether a calendar month shares a day with [since, until] (open ends allowed)."""
    year, month = year_month
    first = date(year, month, 1)
    next_first = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    last = date.fromordinal(next_first.toordinal() - 1)
    return (since is None or last >= since) and (until is None or first <= until)
