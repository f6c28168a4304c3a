"""Sitemaps of the site: the monthly index and the monthly URL lists.

Parsed incrementally with lxml's iterparse so a large monthly file never becomes a
whole tree in memory; gzipped files (by magic bytes, whatever their name) are
decompressed as a stream too.
"""

from __future__ import annotations

import gzip
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterator, Optional

from lxml import etree

# /sitemaps/all/sitemap-2024-7.xml (month not zero-padded), optionally gzipped.
MONTHLY = re.compile(r"sitemap-(?P<year>\d{4})-(?P<month>\d{1,2})\.xml(?:\.gz)?$")
# Refuse absurd documents instead of exhausting memory (a month of a news site is far below).
MAX_DECOMPRESSED = 200 * 1024 * 1024


@dataclass
class SitemapEntry:
    """One ``<url>`` or ``<sitemap>`` entry."""

    loc: str
    lastmod: Optional[datetime]


def _stream(body: bytes):
    if body[:2] == b"\x1f\x8b":
        return _LimitedReader(gzip.GzipFile(fileobj=io.BytesIO(body)), MAX_DECOMPRESSED)
    return io.BytesIO(body)


class _LimitedReader(io.RawIOBase):
    def __init__(self, raw, limit: int):
        self.raw, self.left = raw, limit

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size if size >= 0 else self.left + 1)
        self.left -= len(chunk)
        if self.left < 0:
            raise ValueError("sitemap larger than the decompression limit")
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


def iter_entries(body: bytes) -> Iterator[SitemapEntry]:
    """Entries of a sitemap or sitemap index, one at a time; malformed XML ends the stream."""
    loc = lastmod = None
    try:
        for event, element in etree.iterparse(_stream(body), events=("end",), resolve_entities=False, no_network=True, huge_tree=False):
            tag = etree.QName(element).localname if isinstance(element.tag, str) else ""
            if tag == "loc":
                loc = (element.text or "").strip()
            elif tag == "lastmod":
                lastmod = _parse_lastmod(element.text)
            elif tag in ("url", "sitemap"):
                if loc:
                    yield SitemapEntry(loc, lastmod)
                loc = lastmod = None
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
    except (etree.XMLSyntaxError, ValueError, EOFError, OSError):
        return


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
