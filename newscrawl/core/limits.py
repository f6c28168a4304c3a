"""A hard cap on the requests one crawl may send (``NEWSCRAWL_MAX_REQUESTS``, 0 for none).

The probe (``python -m newscrawl.probe``) uses it so that a first look at the live site can
never turn into a crawl. Unlike ``CLOSESPIDER_PAGECOUNT``, which counts responses and lets
the requests already in flight through, a request past the cap is never sent.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import deferred_from_coro

from .component import enabled_by

logger = logging.getLogger(__name__)


class RequestCapMiddleware:
    """Refuses every request after the first ``NEWSCRAWL_MAX_REQUESTS`` and stops the crawl."""

    def __init__(self, crawler, cap: int):
        self.crawler = crawler
        self.cap = cap
        self.sent = 0
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, enabled_by(crawler, "NEWSCRAWL_MAX_REQUESTS", int))

    def process_request(self, request, spider=None):
        if self.sent >= self.cap:
            self.crawler.stats.inc_value("newscrawl/max_requests/refused")
            if not self.closing:
                self.closing = True
                logger.info("request cap of %d reached (NEWSCRAWL_MAX_REQUESTS): closing", self.cap)
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="max_requests"))
            raise IgnoreRequest(f"request cap of {self.cap} reached")
        self.sent += 1
        return None
