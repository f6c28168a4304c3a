"""The run summary: a JSON file beside each run's output saying what the run did; and the
stall guard, which ends a run that waits on nothing (``StallGuard``).

``<output stem>.summary.json`` holds counts (articles, BREAKING ticker lines and re-check findings apart,
article drops by reason, requests, responses by status, errors), start and end time,
the finish reason, the spider arguments, the host crawled (``base_url``), the politeness
settings the run used, and the output files that exist. Written to a
temporary name and renamed, so it is either whole or absent.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
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
from .runstatus import RUN_FAILED_STAT
from .runsummary import SUMMARY_PATH_SETTING, summary_beside

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
        return connected(ext, crawler, spider_opened=ext.opened, feed_exporter_closed=ext.closed,
                         spider_closed=ext.spider_closed)

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

    def _run(self) -> dict[str, Any]:
        """Which crawl this was: spider, edition, arguments, and where the pages came from (the
        dataset card says so: a mirror or the replica is not the live site)."""
        facts = run_facts(self.crawler)
        if facts is None:  # not a newscrawl spider
            spider = self.crawler.spider
            return {"spider": spider.name if spider is not None else None, "edition": None, "arguments": {},
                    "base_url": None}
        return {"spider": facts.spider, "edition": facts.edition.code, "arguments": facts.args.raw,
                "base_url": facts.args.base_url}

    def _summary(self) -> dict:
        stats = self.crawler.stats.get_stats()
        dropped = {k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith("newscrawl/dropped/")}
        summary = {
            **self._run(),
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
        self.task: Any = None  # the looping call, while the spider is open

    @classmethod
    def from_crawler(cls, crawler):
        minutes = enabled_by(crawler, "NEWSCRAWL_STALL_MINUTES")
        if not minutes < math.inf:  # inf: no limit; nan would stop a run at its first idle look
            raise NotConfigured
        ext = cls(crawler, minutes)
        return connected(ext, crawler, spider_opened=ext.opened, spider_closed=ext.closed,
                         response_received=ext.response)

    def opened(self, spider):
        task = self.task = create_looping_call(self.check)
        task.start(min(60.0, self.limit / self.CHECKS_PER_LIMIT), now=False)

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


class Postponed(IgnoreRequest):
    """A request not sent because the crawl is stopping; it is back in the scheduler's
    queue (saved in JOBDIR, so the next run fetches it)."""


class PromptStop:
    """Makes a stop (one SIGINT/SIGTERM, a CLOSESPIDER_* limit) take effect at once.

    Scrapy's graceful stop waits for every request the downloader holds, and a request
    waiting out a host's delay (a robots.txt ``Crawl-delay``, a ``Retry-After``) is
    held: with ``Crawl-delay: 86400`` one Ctrl-C waited for a day. Once the engine is
    closing, each request still waiting for its turn goes back to the scheduler (and so
    into JOBDIR's saved queue) instead of being sent, counted in
    ``newscrawl/stop/postponed``. Requests already on the wire finish (or time out).
    """

    # How often the engine is asked whether it is closing; the longest a stop waits for us.
    POLL_SECONDS = 0.25

    def __init__(self, crawler):
        self.crawler = crawler
        self.stopping = asyncio.Event()
        self._loop = None

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        return connected(ext, crawler, engine_started=ext.engine_started, engine_stopped=ext.engine_stopped)

    def engine_started(self):
        from twisted.internet import task

        self._loop = task.LoopingCall(self._check)
        self._loop.start(self.POLL_SECONDS, now=False)

    def engine_stopped(self):
        if self._loop is not None and self._loop.running:
            self._loop.stop()

    def _check(self):
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        if slot is None or slot.closing is None:
            return
        if not self.stopping.is_set():
            self.stopping.set()
            logger.info("stopping: requests waiting for their turn go back to the queue")
        # Checked on every tick until the engine stops: a request may still arrive in a
        # slot's queue after the first release (one leaving RetryAfterMiddleware's wait).
        self.release(engine)

    def release(self, engine) -> None:
        """Every request waiting in a downloader slot: back to the scheduler, not sent."""
        for request, deferred in take_waiting(engine, lambda r: True):
            self.postpone(request)
            deferred.errback(Postponed(f"crawl stopping: {request.url}"))

    def postpone(self, request: Request) -> None:
        """Put a request back in the scheduler's queue (it was already seen by the dupe filter)."""
        try:
            scheduler = self.crawler.engine._slot.scheduler
        except (RuntimeError, AttributeError):  # no engine (unit tests) or no open slot
            scheduler = None
        if scheduler is not None:
            scheduler.enqueue_request(request.replace(dont_filter=True))
        self.crawler.stats.inc_value("newscrawl/stop/postponed")


def take_waiting(engine, wanted) -> list:
    """(request, deferred) pairs taken out of the downloader slots' queues, for the
    requests ``wanted`` selects: they passed every middleware and only wait for their
    turn (a host's delay). The caller fails each deferred; the engine then lets go."""
    taken = []
    for slot in list(engine.downloader.slots.values()):
        keep = [entry for entry in slot.queue if not wanted(entry[0])]
        if len(keep) == len(slot.queue):
            continue
        taken += [entry for entry in slot.queue if wanted(entry[0])]
        slot.queue.clear()
        slot.queue.extend(keep)
        if not keep and slot.latercall is not None:
            slot.latercall.cancel()
            slot.latercall = None
    return taken


def prompt_stop(crawler) -> Optional[PromptStop]:
    """The crawl's PromptStop extension, when it runs (None without extensions: unit tests)."""
    return crawler.get_extension(PromptStop) if hasattr(crawler, "extensions") else None
