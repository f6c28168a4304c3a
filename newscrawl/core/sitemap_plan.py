"""The sitemap sub-plan of a crawl (``-a discover=sitemap``): the monthly index, the monthly
URL lists, and their article URLs requested a batch at a time.

``NewsSpider`` builds one :class:`SitemapPlan` when it is made and hands it what it needs: the
crawler (stats, engine, the stop extension), the date range and hosts, the settings read once
(:class:`SitemapConfig`), the spider's ``state`` dict (JOBDIR) and its request makers. The
Scrapy callbacks stay spider methods that delegate here, as a request saved in a stopped
job's queue can only name a method of the spider.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, AsyncIterator, Callable, Iterable, Optional

import scrapy
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from .args import CrawlArgs
from .config import FromSettings, setting
from .pipelines import printable
from .sitemap import SitemapRead, month_of, month_overlaps, read_sitemap
from .urls import HostMap

__all__ = ["SitemapCallbacks", "SitemapConfig", "SitemapPlan"]


@dataclass(frozen=True)
class SitemapConfig(FromSettings):
    """The sitemap settings of a crawl, read once: the caps of one file (decompressed bytes,
    URLs) and how many article URLs are requested at a time."""

    max_bytes: int = setting("NEWSCRAWL_SITEMAP_MAX_BYTES")
    max_urls: int = setting("NEWSCRAWL_SITEMAP_MAX_URLS")
    batch: int = setting("NEWSCRAWL_SITEMAP_BATCH")


@dataclass(frozen=True)
class SitemapCallbacks:
    """What the plan's requests call back, bound by the spider: its monthly sitemap callback and
    errback, and the maker of article requests (None for a URL out of scope)."""

    parse_sitemap: Callable[[Response], Any]
    sitemap_failed: Callable[[Any], Any]
    article_request: Callable[[str, str], Optional[scrapy.Request]]


class SitemapPlan:
    """The monthly sitemaps overlapping [since, until], and their article URLs, queued and
    requested ``batch`` at a time (the next batch when the crawl runs dry)."""

    def __init__(self, crawler: Any, args: CrawlArgs, hosts: HostMap, config: SitemapConfig,
                 callbacks: SitemapCallbacks, state: Callable[[], dict],
                 logger: logging.LoggerAdapter[Any] | logging.Logger):
        self.crawler = crawler
        self.args = args
        self.hosts = hosts
        self.config = config
        self.callbacks = callbacks
        self._state = state
        self.logger = logger

    async def parse_index(self, response: Response) -> AsyncIterator[scrapy.Request]:
        """Monthly sitemaps that overlap [since, until]; others are never requested."""
        # Monthly files hold posts by their month in the site's time zone, while since/until
        # are UTC dates: east of UTC a post of UTC day d is dated d or d+1 locally, so the
        # month of the day after `until` is read too (a post at 01:00 local time on the 1st
        # is the last UTC day of the month before).
        until = self.args.until + timedelta(days=1) if self.args.until else None
        for entry in (await self.read(response)).entries:
            month = month_of(entry.loc)
            if month is None or not month_overlaps(month, self.args.since, until):
                continue
            url = self.hosts.to_crawl_url(entry.loc)
            if url is not None:
                self.crawler.stats.inc_value("newscrawl/sitemaps/monthly")
                yield scrapy.Request(url, callback=self.callbacks.parse_sitemap,
                                     errback=self.callbacks.sitemap_failed, priority=90)

    async def parse_monthly(self, response: Response) -> AsyncIterator[scrapy.Request]:
        """Article URLs of a monthly sitemap, queued here and requested a batch at a time."""
        since = self.args.since
        pending = self.pending
        taken = 0
        for entry in (await self.read(response)).entries:
            # A post published on or after `since` cannot have been modified before it.
            if since and entry.lastmod and entry.lastmod.date() < since:
                continue
            pending.append(entry.loc)
            taken += 1
        self.crawler.stats.inc_value("newscrawl/sitemaps/urls", taken)
        for request in self.batch():
            yield request

    async def read(self, response: Response) -> SitemapRead:
        """The entries of a sitemap, parsed in a thread (a big file takes seconds, which
        must not stall the crawl or a Ctrl-C), cut at NEWSCRAWL_SITEMAP_MAX_BYTES
        (decompressed) and NEWSCRAWL_SITEMAP_MAX_URLS, each cut counted and logged."""
        engine = self.crawler.engine

        def stopping() -> bool:
            return getattr(getattr(engine, "_slot", None), "closing", None) is not None

        read = await maybe_deferred_to_future(deferToThread(
            read_sitemap, response.body, self.config.max_bytes, self.config.max_urls, stopping))
        if read.stopped:
            self._postpone(response)
            return SitemapRead([])
        if read.capped:
            self.crawler.stats.inc_value(f"newscrawl/sitemaps/capped/{read.capped}")
            setting = "NEWSCRAWL_SITEMAP_MAX_BYTES" if read.capped == "bytes" else "NEWSCRAWL_SITEMAP_MAX_URLS"
            self.logger.warning("sitemap %s cut at %s (%s): %d entries kept",
                                printable(response.url), setting, read.capped, len(read.entries))
        elif read.malformed:
            self.crawler.stats.inc_value("newscrawl/sitemaps/malformed")
            self.logger.warning("sitemap %s unreadable after %d entries (kept): %s",
                                printable(response.url), len(read.entries), printable(read.malformed))
        return read

    def _postpone(self, response: Response) -> None:
        # The crawl stopped mid-file: the sitemap goes back to the queue (JOBDIR) to be
        # read whole when the job resumes, rather than half of it being lost.
        from .extensions import PromptStop

        stop = self.crawler.get_extension(PromptStop)
        if stop is not None and response.request is not None:
            stop.postpone(response.request)

    @property
    def pending(self) -> deque[str]:
        """Sitemap article URLs not yet requested, kept in the spider's ``state`` (JOBDIR: saved
        when the crawl stops, read back when it resumes)."""
        pending: deque[str] = self._state().setdefault("sitemap_pending", deque())
        return pending

    def batch(self) -> Iterable[scrapy.Request]:
        """The next few sitemap article requests. A sitemap of 50,000 URLs queued at once
        would hold 50,000 requests in memory and in a stopped job's saved queue; a batch
        at a time (the next when the crawl runs dry) keeps both small."""
        pending = self.pending
        made = 0
        while pending and made < self.config.batch:
            request = self.callbacks.article_request(pending.popleft(), "sitemap")
            if request is not None:
                made += 1
                yield request

    def idle(self) -> None:
        """``spider_idle``: the next batch, and the crawl kept open while URLs are left."""
        if not self.pending:
            return
        for request in self.batch():
            self.crawler.engine.crawl(request)
        raise DontCloseSpider("sitemap URLs left")

    def failed(self, failure: Any) -> None:
        """A sitemap that could not be fetched: counted (the spider's errback logs it)."""
        if not failure.check(IgnoreRequest):
            self.crawler.stats.inc_value("newscrawl/sitemaps/failed")
