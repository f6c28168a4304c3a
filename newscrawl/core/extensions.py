"""The run summary: a JSON file beside each run's output saying what the run did; and the
stall guard, which ends a run that waits on nothing (``StallGuard``).

``<output stem>.summary.json`` holds counts (articles, BREAKING ticker lines and re-check findings apart,
article drops by reason, requests, responses by status, errors), start and end time,
the finish reason, the spider arguments, the host crawled (``base_url``), the politeness
settings the run used, and the output files that exist. Written to a
temporary name and renamed, so it is either whole or absent.
"""

from __future__ import annotations

import json
import logging
import math
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.extensions.feedexport import FeedExporter
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro

from .clock import iso_utc, utc_now
from .component import connected, enabled_by
from .coverage import CoverageExtension
from .feeds import local_feed_paths
from .jsonfile import write_json_atomic
from .recheck import summary_of as recheck_summary
from .runfacts import run_facts
from .runsummary import SUMMARY_PATH_SETTING, summary_beside
from .state import RUN_FAILED_STAT

logger = logging.getLogger(__name__)


# Drop reasons of BREAKING ticker lines (newscrawl/core/pipelines.py): a line already emitted
# is not a lost record, so these are reported under "ticker", not "dropped".
TICKER_DROPS = {"ticker_seen": "already_seen", "empty_ticker": "empty"}


# The settings that say how hard the run pressed the site, recorded as the run used them:
# the dataset card states these, never the defaults (issue 24).
POLITENESS = {"ROBOTSTXT_OBEY": "getbool", "DOWNLOAD_DELAY": "getfloat", "RANDOMIZE_DOWNLOAD_DELAY": "getbool",
              "CONCURRENT_REQUESTS": "getint", "CONCURRENT_REQUESTS_PER_DOMAIN": "getint",
              "AUTOTHROTTLE_ENABLED": "getbool", "AUTOTHROTTLE_START_DELAY": "getfloat",
              "AUTOTHROTTLE_MAX_DELAY": "getfloat", "AUTOTHROTTLE_TARGET_CONCURRENCY": "getfloat", "USER_AGENT": "get"}


def politeness(settings: Any) -> dict[str, Any]:
    """The run's politeness settings (``POLITENESS``), typed."""
    return {name: getattr(settings, getter)(name) for name, getter in POLITENESS.items()}


def _iso(value: Any) -> Any:
    return iso_utc(value) if isinstance(value, datetime) else value


class RunSummary:
    """Writes the run summary when the spider closes: to ``NEWSCRAWL_SUMMARY_PATH`` when set
    (so a caller knows where to read it), else as ``<first article feed>.summary.json``."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.outputs: list[str] = []

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signals.spider_opened)
        crawler.signals.connect(ext.closed, signals.feed_exporter_closed)
        crawler.signals.connect(ext.spider_closed, signals.spider_closed)
        return ext

    def opened(self, spider):
        self.outputs.extend(str(path) for path in local_feed_paths(self.crawler))

    def spider_closed(self):
        # Without feeds no feed_exporter_closed comes: a summary asked for by path is written now.
        if self.crawler.get_extension(FeedExporter) is None:
            self.closed()

    def closed(self):
        asked = self.crawler.settings.get(SUMMARY_PATH_SETTING)
        path = Path(asked) if asked else summary_beside(Path(self.outputs[0])) if self.outputs else None
        if path is not None:
            try:
                write_json_atomic(path, self._summary())
                return
            except OSError as exc:
                # Beside an output that could not be opened (-O /sys/...): that one line is
                # the error; the summary goes to the log instead, without a traceback.
                logger.warning("cannot write the run summary %s: %s", path, exc.strerror or exc)
        elif not getattr(self.crawler.get_extension(FeedExporter), "slots", None):
            return
        # Feeds, but none a local file (-o -:jsonlines): no file to sit beside, so the
        # summary is one log line (stderr), never a file named after stdout.
        logger.info("run summary: %s", json.dumps(self._summary(), ensure_ascii=False, default=str))

    def _summary(self) -> dict:
        stats = self.crawler.stats.get_stats()
        facts = run_facts(self.crawler)
        args = facts.args if facts is not None else None
        dropped = {k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith("newscrawl/dropped/")}
        summary = {
            "spider": facts.spider if facts is not None else getattr(self.crawler.spider, "name", None),
            "edition": facts.edition.code if facts is not None else None,
            "arguments": args.raw if args is not None else {},
            # Where the pages came from (the dataset card says so: a mirror or the replica is
            # not the live site), and how politely.
            "base_url": args.base_url if args is not None else None,
            "politeness": politeness(self.crawler.settings),
            "start_time": _iso(stats.get("start_time")),
            "end_time": _iso(stats.get("finish_time") or utc_now()),
            "finish_reason": stats.get("finish_reason"),
            "items": stats.get("item_scraped_count", 0),
            # Records written, counted by the feed exporter (newscrawl/core/feeds.py).
            "articles": stats.get("newscrawl/emitted/articles", 0),
            "ticker_lines": stats.get("newscrawl/emitted/ticker_lines", 0),
            "checks": stats.get("newscrawl/emitted/checks", 0),
            "dropped": {reason: v for reason, v in dropped.items() if reason not in TICKER_DROPS},
            "ticker": {
                "emitted": stats.get("newscrawl/emitted/ticker_lines", 0),
                **{name: dropped.get(reason, 0) for reason, name in TICKER_DROPS.items()},
            },
            "requests": stats.get("downloader/request_count", 0),
            "responses_by_status": {
                k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("downloader/response_status_count/")
            },
            "errors": stats.get("log_count/ERROR", 0),
            "newscrawl": {
                k: v for k, v in stats.items() if k.startswith("newscrawl/") and not k.startswith("newscrawl/dropped/")
            },
            # Every stat, as Scrapy dumps them in its log: what cron, tests and benchmarks read.
            "stats": {k: _iso(v) for k, v in sorted(stats.items())},
            # A feed left empty is not created (FEED_STORE_EMPTY False): list what exists.
            "outputs": [o for o in self.outputs if Path(o).exists()],
        }
        if "newscrawl/recheck/budget" in stats:  # an incremental run with re-checks on
            summary["recheck"] = recheck_summary(stats)
        coverage = self.crawler.get_extension(CoverageExtension)  # None when NEWSCRAWL_COVERAGE is off
        table = coverage.summary() if coverage is not None else None
        if table is not None:
            summary["coverage"] = table
        return summary


class StallGuard:
    """Closes the spider (finish reason ``stalled``) when, for ``NEWSCRAWL_STALL_MINUTES``
    minutes (0: never), the scheduler holds requests while nothing is being downloaded or
    processed and no response arrives.

    A request queue that cannot be read (a truncated ``JOBDIR`` queue file) keeps counting
    its requests after every pop fails, so Scrapy's engine never goes idle and the run, and
    the cron lock with it, would be held for ever. Requests waiting out a host's delay or a
    ``Retry-After`` are in the downloader, so they do not count as a stall.
    """

    REASON = "stalled"
    STAT = "newscrawl/stalled"
    # How often the guard looks: often enough to stop close to the limit, never more than a minute apart.
    CHECKS_PER_LIMIT = 4

    def __init__(self, crawler, minutes: float, clock=time.monotonic):
        self.crawler = crawler
        self.limit = minutes * 60
        self.clock = clock
        self.idle_since: float | None = None
        self.stopping = False
        self.task = None

    @classmethod
    def from_crawler(cls, crawler):
        minutes = enabled_by(crawler, "NEWSCRAWL_STALL_MINUTES", 10.0)
        if not minutes < math.inf:  # inf: no limit; nan would stop a run at its first idle look
            raise NotConfigured
        ext = cls(crawler, minutes)
        return connected(ext, crawler, spider_opened=ext.opened, spider_closed=ext.closed,
                         response_received=ext.response)

    def opened(self, spider):
        self.task = create_looping_call(self.check)
        self.task.start(min(60.0, self.limit / self.CHECKS_PER_LIMIT), now=False)

    def closed(self, spider, reason):
        if self.task is not None and self.task.running:
            self.task.stop()

    def response(self, response, request, spider):
        self.idle_since = self.clock()  # no response *for N minutes*: counted from this one

    def waiting_on_nothing(self) -> bool:
        """Requests queued, none in the downloader, no response being processed."""
        engine = self.crawler.engine
        scheduler = getattr(engine, "scheduler", None)
        queued = len(scheduler) if scheduler is not None and hasattr(scheduler, "__len__") else 0
        downloading = getattr(getattr(engine, "downloader", None), "active", ())
        slot = getattr(getattr(engine, "scraper", None), "slot", None)
        return queued > 0 and not downloading and not getattr(slot, "active", ())

    def check(self) -> bool:
        """One look (the looping call's); True when it closed the spider."""
        if self.stopping:
            return False
        now = self.clock()
        if not self.waiting_on_nothing():
            self.idle_since = None
            return False
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.limit:
            return False
        self.stopping = True
        message = (f"stalled: {len(self.crawler.engine.scheduler)} requests queued, none in flight and no "
                   f"response for {self.limit / 60:g} minutes (NEWSCRAWL_STALL_MINUTES); the request queue "
                   "may be unreadable")
        self.crawler.stats.set_value(self.STAT, 1)
        # What `scrapy crawl` (newscrawl/core/commands/crawl.py) prints when it exits 1.
        self.crawler.stats.set_value(RUN_FAILED_STAT, message)
        logger.error("%s; closing", message)
        self.close()
        return True

    def close(self) -> None:
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=self.REASON))
