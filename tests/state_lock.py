"""An extension that takes the state database's write lock from another connection once a
number of articles were written, for crawl tests in a subprocess: add
``"tests.state_lock.LockAfter": 506`` to ``EXTENSIONS`` with the count in
``NEWSCRAWL_TEST_LOCK_AFTER``. Stands for another process holding the lock mid-run."""

from __future__ import annotations

import os
import sqlite3

from scrapy import signals

from newscrawl.core.items import Article
from newscrawl.core.state import state_path


class LockAfter:
    def __init__(self, crawler):
        self.crawler = crawler
        self.after = int(os.environ["NEWSCRAWL_TEST_LOCK_AFTER"])
        self.seen = 0
        self.holder = None

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.item_scraped, signals.item_scraped)
        return ext

    def item_scraped(self, item, response=None, spider=None):
        if not isinstance(item, Article):
            return
        self.seen += 1
        if self.seen == self.after and self.holder is None:
            self.holder = sqlite3.connect(state_path(self.crawler), isolation_level=None)
            self.holder.execute("BEGIN IMMEDIATE")  # held until the process ends
