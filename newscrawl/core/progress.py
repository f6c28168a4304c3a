"""A progress line for long runs: every ``NEWSCRAWL_PROGRESS_INTERVAL`` seconds (0 turns it off)
one INFO line from the logger ``newscrawl.core.progress``, and a last one when the spider closes:

    progress: 120 pages fetched, 57 articles written, 3 dropped (duplicate 2, out_of_range 1),
    14 requests queued, 2 in flight; sitemap backfill: 5/5 monthly sitemaps read, 110/160 pages
    of the range done (69%), ETA 0:00:21 at 2.4 pages/s

Scrapy's own per-minute line counts only items *scraped*; during a backfill of posts the
store already holds, every item is dropped (``unchanged``) and that line says "scraped 0
items". Here drops are counted by reason (``newscrawl/dropped/<reason>``).

For a sitemap backfill (``-a discover=sitemap`` or ``both``) the share done is over the article
requests the monthly sitemaps produced so far: requests that left the downloader (answered or
failed; a retry counts as a new request on both sides) out of those scheduled. Until every
monthly sitemap of the range is read, more pages may still come (the line says how many
sitemaps are read). A run that resumed a stopped one's queue (JOBDIR) did not schedule what
it inherited: there the pages left are taken to be every queued and in-flight request (a
sitemap backfill queues little else). The ETA is the pages left at the rate since the first
such page.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Optional

from scrapy.utils.asyncio import create_looping_call

from .component import connected, enabled_by

logger = logging.getLogger(__name__)

DROPPED = "newscrawl/dropped/"


def _is_sitemap_article(request) -> bool:
    return (request.cb_kwargs or {}).get("discovered_via") == "sitemap"


def _is_monthly_sitemap(request) -> bool:
    return getattr(request.callback, "__name__", "") == "parse_sitemap"


class Progress:
    """Logs the progress line; see the module docstring."""

    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.task = None
        self.backfill = False
        self.scheduled = 0  # sitemap article requests scheduled (and kept by the scheduler)
        self.done = 0  # ... that left the downloader
        self.sitemaps_read = 0
        self.first_done_at: Optional[float] = None
        self.resumed = False

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler, enabled_by(crawler, "NEWSCRAWL_PROGRESS_INTERVAL", 60.0))
        return connected(ext, crawler, spider_opened=ext.opened, spider_closed=ext.closed,
                         request_scheduled=ext.scheduled_request, request_dropped=ext.dropped_request,
                         request_left_downloader=ext.left_downloader, response_received=ext.response)

    def opened(self, spider):
        args = getattr(spider, "args", None)
        self.backfill = getattr(args, "discover", None) in ("sitemap", "both")
        # The scheduler is open (its disk queue loaded) before spider_opened is sent.
        self.resumed = self._queue()[0] > 0
        self.task = create_looping_call(self.log)
        # now=False: the first line after one interval, not an empty one at the start.
        self.task.start(self.interval, now=False)

    def closed(self, spider, reason):
        if self.task is not None and self.task.running:
            self.task.stop()
        self.log(final=True)

    # --- counting the sitemap pages ---------------------------------------------------
    def scheduled_request(self, request, spider):
        if _is_sitemap_article(request):
            self.scheduled += 1

    def dropped_request(self, request, spider):
        if _is_sitemap_article(request):  # refused by the duplicate filter: never fetched
            self.scheduled -= 1

    def left_downloader(self, request, spider):
        if _is_sitemap_article(request):
            self.done += 1
            if self.first_done_at is None:
                self.first_done_at = time.monotonic()

    def response(self, response, request, spider):
        if _is_monthly_sitemap(request):
            self.sitemaps_read += 1

    # --- the line -----------------------------------------------------------------------
    def _queue(self) -> tuple[int, int]:
        """(requests waiting in the scheduler, requests in the downloader)."""
        engine = self.crawler.engine
        scheduler = getattr(engine, "scheduler", None)
        queued = len(scheduler) if scheduler is not None and hasattr(scheduler, "__len__") else 0
        downloader = getattr(engine, "downloader", None)
        return queued, len(getattr(downloader, "active", ()) or ())

    def line(self, final: bool = False) -> str:
        stats = self.crawler.stats
        pages = stats.get_value("response_received_count", 0)
        items = stats.get_value("item_scraped_count", 0)
        drops = {k[len(DROPPED):]: v for k, v in sorted(stats.get_stats().items()) if k.startswith(DROPPED)}
        dropped = f"{sum(drops.values())} dropped"
        if drops:
            dropped += " (" + ", ".join(f"{k} {v}" for k, v in drops.items()) + ")"
        queued, in_flight = self._queue()
        text = (f"progress{' (final)' if final else ''}: {pages} pages fetched, {items} articles written, "
                f"{dropped}, {queued} requests queued, {in_flight} in flight")
        if self.backfill:
            text += "; " + self._backfill(queued + in_flight)
        return text

    def _backfill(self, pending: int) -> str:
        monthly = self.crawler.stats.get_value("newscrawl/sitemaps/monthly", 0)
        if self.resumed or self.scheduled < self.done:
            left = pending  # the inherited queue: not scheduled by this run
        else:
            left = self.scheduled - self.done
        total = self.done + left
        share = f" ({100 * self.done // total}%)" if total else ""
        text = (f"sitemap backfill: {self.sitemaps_read}/{monthly} monthly sitemaps read, "
                f"{self.done}/{total} pages of the range done{share}")
        if self.first_done_at is not None and self.done:
            elapsed = time.monotonic() - self.first_done_at
            rate = self.done / elapsed if elapsed > 0 else 0.0
            if rate > 0:
                eta = timedelta(seconds=round(left / rate))
                text += f", ETA {eta} at {rate:.1f} pages/s"
        return text

    def log(self, final: bool = False) -> None:
        logger.info(self.line(final))
