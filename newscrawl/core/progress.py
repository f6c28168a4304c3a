"""Progress of a run: a log line every ``NEWSCRAWL_PROGRESS_INTERVAL`` seconds (0 turns it off),
a last one when the spider closes, and on a terminal one live line updated in place.

The log line (logger ``newscrawl.core.progress``, INFO)::

    progress: 120 pages fetched (48/min), 57 articles and 2 ticker lines written, 3 dropped
    (duplicate 2, out_of_range 1), 14 requests queued, 2 in flight; sitemap backfill: 5/5 monthly
    sitemaps read, 110/160 pages of the range done (69%), ETA 0:00:21 at 2.4 pages/s

It replaces Scrapy's own per-minute line (``LOGSTATS_INTERVAL`` is 0 in the settings): that one
counts items *scraped*, articles and ticker lines together, and says "scraped 0 items" through
a backfill of posts the store already holds (every one dropped ``unchanged``). Here articles and
ticker lines are counted apart, and drops by reason (``newscrawl/dropped/<reason>``, ticker lines
already seen left out: they are not lost records).

**The live line.** When the stream at ``NEWSCRAWL_LIVE_PROGRESS_FD`` (default 2, stderr) is a
terminal and ``NEWSCRAWL_LIVE_PROGRESS`` is ``auto`` (the default; ``off`` turns it off), the same
counts, shorter, are drawn on one line every ``NEWSCRAWL_LIVE_PROGRESS_INTERVAL`` seconds (``\\r``,
cut to the terminal's width), erased before each log record that goes to that terminal and
when the spider closes. In a pipe, a file or under cron nothing is drawn. ``newscrawl.cron``
on a terminal hands the crawl its own stderr for it (the crawl's log goes to a file).

**The ETA**, wherever the work is known, for the part of the run that is bounded:

- a sitemap backfill (``-a discover=sitemap`` or ``both``): the article requests the monthly
  sitemaps produced so far; until every monthly sitemap of the range is read, more may come (the
  line says how many are read). A run that resumed a stopped one's queue (JOBDIR) did not
  schedule what it inherited: there the pages left are every queued and in-flight request;
- ``-a url`` / ``-a urls_file``: the list;
- listings that follow no links (``-a follow=none``), ``max_pages`` deep: the sections not yet
  done are taken to cost what the done ones cost on average (an estimate, shown with ``~``);
- any planned batch of requests a component announces: a stat ``newscrawl/planned/<kind>`` (the
  number) and its requests tagged ``meta["newscrawl_work"] = <kind>`` (re-checks of stored posts,
  for one); the line then has ``<kind>: done/planned``.

Links followed from pages (related, read next, most read) make the work grow as it is read:
such a listing crawl shows its counts and sections done, without an ETA. Requests are counted
when scheduled and when they come back from the downloader, answered or failed (``WorkCounter``,
a downloader middleware next to the download handler, sees both, refusals by other middlewares
included); a retry counts as a new request on both sides. The rate of an ETA is that of the
part it is for, since its first request came back.
"""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Optional, Union

from scrapy.utils.asyncio import create_looping_call

from .component import connected
from .config import get_float, get_int, get_str
from .extensions import TICKER_DROPS
from .runfacts import run_facts

logger = logging.getLogger(__name__)

DROPPED = "newscrawl/dropped/"
PLANNED = "newscrawl/planned/"
# Kinds of work a request belongs to, apart from the ones named in its meta.
SITEMAP, URL, LISTING_PAGE, LISTING = "sitemap", "url", "listing_page", "listing"
ERASE = "\r\x1b[K"


def work_of(request) -> tuple[Optional[str], Optional[str]]:
    """(kind of work, listing slug) of a request: ``meta["newscrawl_work"]``, else what its
    callback arguments say (an article's ``discovered_via``, a listing page's slug)."""
    kind = request.meta.get("newscrawl_work")
    if kind:
        return kind, None
    kwargs = request.cb_kwargs or {}
    via = kwargs.get("discovered_via")
    if isinstance(via, str):
        if via.startswith("listing:"):
            return LISTING, via.split(":", 1)[1]
        return via, None
    if getattr(request.callback, "__name__", "") == "parse_listing":
        return LISTING_PAGE, kwargs.get("slug")
    return None, None


def _is_monthly_sitemap(request) -> bool:
    return getattr(request.callback, "__name__", "") == "parse_sitemap"


@dataclass
class Tally:
    """Requests of one kind of work: scheduled, back from the downloader, first attempts."""

    scheduled: int = 0
    done: int = 0
    firsts: int = 0  # first attempts scheduled (not retries)
    first_done_at: Optional[float] = None

    @property
    def in_pipeline(self) -> int:
        return max(self.scheduled - self.done, 0)

    def rate(self, now: float) -> float:
        """Requests back per second since the first one came back."""
        if self.first_done_at is None or self.done < 2 or now <= self.first_done_at:
            return 0.0
        return (self.done - 1) / (now - self.first_done_at)


@dataclass
class Part:
    """One bounded part of the run as the log line (``long``) and the live line (``short``) say
    it, with the requests left and the rate for its ETA (none without a rate)."""

    text: str
    brief: str
    left: float = 0.0
    rate: float = 0.0
    approximate: bool = False

    def eta(self) -> str:
        return f"{'~' if self.approximate else ''}{timedelta(seconds=round(self.left / self.rate))}"

    def long(self) -> str:
        return self.text + (f", ETA {self.eta()} at {self.rate:.1f} pages/s" if self.rate > 0 else "")

    def short(self) -> str:
        return self.brief + (f" ETA {self.eta()}" if self.rate > 0 else "")


class LiveLine:
    """One line redrawn in place on a terminal; erased before log records reach that terminal."""

    def __init__(self, stream: IO[str]):
        self.stream = stream
        self.shown = False

    @classmethod
    def from_settings(cls, settings) -> Optional["LiveLine"]:
        """The live line on ``NEWSCRAWL_LIVE_PROGRESS_FD`` when it is a terminal, else None."""
        if get_str(settings, "NEWSCRAWL_LIVE_PROGRESS").lower() != "auto":
            return None
        fd = get_int(settings, "NEWSCRAWL_LIVE_PROGRESS_FD")
        try:
            if not os.isatty(fd):
                return None
            stream = os.fdopen(os.dup(fd), "w", encoding="utf-8", errors="replace", buffering=1)
        except OSError:
            return None
        return cls(stream)

    def width(self) -> int:
        try:
            return max(os.get_terminal_size(self.stream.fileno()).columns - 1, 20)
        except OSError:
            return 79

    def draw(self, text: str) -> None:
        width = self.width()
        if len(text) > width:
            text = text[: width - 1] + "…"
        self._write(ERASE + text)
        self.shown = True

    def erase(self) -> None:
        if self.shown:
            self._write(ERASE)
            self.shown = False

    def close(self) -> None:
        self.erase()
        self.stream.close()

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: nothing more to draw
            self.shown = False

    def filter(self, record: logging.LogRecord) -> bool:
        """A logging filter on the handlers writing to the same terminal: the line is erased
        before each record (and drawn again at the next tick)."""
        self.erase()
        return True

    def watch_logging(self) -> list[logging.Handler]:
        """Put ``filter`` on the root handlers that write to this terminal; return them."""
        try:
            ours = os.stat(self.stream.fileno())
        except OSError:
            return []
        handlers = []
        for handler in logging.getLogger().handlers:
            stream = getattr(handler, "stream", None)
            try:
                theirs = os.fstat(stream.fileno()) if stream is not None else None
            except (OSError, ValueError, AttributeError):
                continue
            if theirs is not None and (theirs.st_dev, theirs.st_ino, theirs.st_rdev) == (
                ours.st_dev,
                ours.st_ino,
                ours.st_rdev,
            ):
                handler.addFilter(self)
                handlers.append(handler)
        return handlers


class Progress:
    """The progress line in the log and the live line on a terminal; see the module docstring."""

    def __init__(self, crawler, interval: float, live: Optional[LiveLine] = None, live_interval: float = 1.0,
                 clock=time.monotonic):
        self.crawler = crawler
        self.clock = clock
        self.interval = interval
        self.live = live
        self.live_interval = live_interval
        self.tasks: list = []
        self.handlers: list[logging.Handler] = []
        self.tally: dict[str, Tally] = defaultdict(Tally)
        self.all = Tally()
        self.sitemaps_read = 0
        self.resumed = False
        self.backfill = False
        self.planned_urls = 0
        self.sections: list[str] = []
        self.max_pages = 1
        self.bounded_listings = False
        # Listing sections: requests in the pipeline, and every request made for them.
        self.section_pending: dict[str, int] = defaultdict(int)
        self.section_requests: dict[str, int] = defaultdict(int)
        self.started_at = clock()
        self.name = ""

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy.exceptions import NotConfigured

        interval = get_float(crawler.settings, "NEWSCRAWL_PROGRESS_INTERVAL")
        live = LiveLine.from_settings(crawler.settings)
        if interval <= 0 and live is None:
            raise NotConfigured
        ext = cls(crawler, interval, live, get_float(crawler.settings, "NEWSCRAWL_LIVE_PROGRESS_INTERVAL"))
        return connected(ext, crawler, spider_opened=ext.opened, spider_closed=ext.closed,
                         request_scheduled=ext.scheduled_request, request_dropped=ext.dropped_request,
                         response_received=ext.response)

    # --- the run ------------------------------------------------------------------------
    def opened(self, spider):
        self.plan(spider)
        # The scheduler is open (its disk queue loaded) before spider_opened is sent.
        self.resumed = self._queue()[0] > 0
        if self.interval > 0:
            task = create_looping_call(self.log)
            # now=False: the first line after one interval, not an empty one at the start.
            task.start(self.interval, now=False)
            self.tasks.append(task)
        if self.live is not None:
            self.handlers = self.live.watch_logging()
            task = create_looping_call(self.draw)
            task.start(self.live_interval, now=True)
            self.tasks.append(task)

    def plan(self, spider) -> None:
        """What the spider's arguments say of the work: backfill, list of URLs, listings."""
        self.started_at = self.clock()
        facts = run_facts(self.crawler)
        if facts is None:  # not a newscrawl spider: nothing planned to count against
            self.backfill, self.planned_urls, self.sections, self.max_pages = False, 0, [], 1
            self.bounded_listings, self.name = False, str(spider.name or "")
            return
        args = facts.args
        self.backfill = args.discover in ("sitemap", "both")
        self.planned_urls = len(args.urls)
        listings = not self.planned_urls and args.discover in ("listings", "both")
        self.sections = list(args.sections) if listings else []
        self.max_pages = args.max_pages or 1
        self.bounded_listings = bool(self.sections) and not args.follow and not self.backfill
        self.name = f"{facts.spider} {facts.edition.code}"

    def closed(self, spider, reason):
        for task in self.tasks:
            if task.running:
                task.stop()
        if self.live is not None:
            for handler in self.handlers:
                handler.removeFilter(self.live)
            self.live.close()
        if self.interval > 0:
            self.log(final=True)

    # --- counting -----------------------------------------------------------------------
    def scheduled_request(self, request, spider):
        kind, slug = work_of(request)
        self.all.scheduled += 1
        if kind is None:
            return
        tally = self.tally[kind]
        tally.scheduled += 1
        if "retry_times" not in request.meta:
            tally.firsts += 1
        if slug is not None:
            self.section_requests[slug] += 1
            if kind == LISTING_PAGE:
                self.section_pending[slug] += 1

    def dropped_request(self, request, spider):
        # Refused by the duplicate filter: never fetched.
        kind, slug = work_of(request)
        self.all.scheduled -= 1
        if kind is None:
            return
        tally = self.tally[kind]
        tally.scheduled -= 1
        if "retry_times" not in request.meta:
            tally.firsts -= 1
        if slug is not None:
            self.section_requests[slug] -= 1
            if kind == LISTING_PAGE:
                self.section_pending[slug] -= 1

    def finished(self, request) -> None:
        """A request came back from the downloader, answered or failed (``WorkCounter``)."""
        now = self.clock()
        kind, slug = work_of(request)
        for tally in (self.all, self.tally[kind]) if kind else (self.all,):
            tally.done += 1
            if tally.first_done_at is None:
                tally.first_done_at = now
        if kind == LISTING_PAGE and slug is not None:
            self.section_pending[slug] -= 1

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

    def counts(self) -> dict:
        stats = self.crawler.stats
        drops = {k[len(DROPPED):]: v for k, v in sorted(stats.get_stats().items())
                 if k.startswith(DROPPED) and k[len(DROPPED):] not in TICKER_DROPS}
        queued, in_flight = self._queue()
        minutes = (self.clock() - self.started_at) / 60
        pages = stats.get_value("response_received_count", 0)
        return {
            "pages": pages, "per_minute": round(pages / minutes) if minutes > 0 else 0,
            "articles": stats.get_value("newscrawl/emitted/articles", 0),
            "ticker_lines": stats.get_value("newscrawl/emitted/ticker_lines", 0),
            "drops": drops, "queued": queued, "in_flight": in_flight,
        }

    def line(self, final: bool = False) -> str:
        """The log line (see the module docstring)."""
        c = self.counts()
        dropped = f"{sum(c['drops'].values())} dropped"
        if c["drops"]:
            dropped += " (" + ", ".join(f"{k} {v}" for k, v in c["drops"].items()) + ")"
        text = (f"progress{' (final)' if final else ''}: {c['pages']} pages fetched ({c['per_minute']}/min), "
                f"{c['articles']} articles and {c['ticker_lines']} ticker lines written, "
                f"{dropped}, {c['queued']} requests queued, {c['in_flight']} in flight")
        return text + "".join(f"; {part.long()}" for part in self.parts(c["queued"] + c["in_flight"]))

    def live_text(self) -> str:
        """The live line: the bounded work first (what is cut on a narrow terminal is the end),
        then the same counts as the log line, shorter."""
        c = self.counts()
        work = "".join(f"{part.short()}; " for part in self.parts(c["queued"] + c["in_flight"]))
        return (f"{self.name}: {work}{c['pages']} pages ({c['per_minute']}/min), {c['articles']} articles + "
                f"{c['ticker_lines']} ticker lines written, {sum(c['drops'].values())} dropped, "
                f"{c['queued']} queued, {c['in_flight']} in flight")

    def work_parts(self, pending: int) -> list[str]:
        """The bounded parts of the run as the log line has them."""
        return [part.long() for part in self.parts(pending)]

    def parts(self, pending: int) -> list["Part"]:
        """The bounded parts of the run, each with its share done and what is left."""
        parts = []
        if self.backfill:
            parts.append(self._backfill(pending))
        if self.planned_urls:
            parts.append(self._planned("urls", self.tally[URL], self.planned_urls))
        for key, value in sorted(self.crawler.stats.get_stats().items()):
            if key.startswith(PLANNED) and isinstance(value, int):
                kind = key[len(PLANNED):]
                parts.append(self._planned(kind, self.tally[kind], value))
        if self.sections:
            parts.append(self._listings(pending))
        return parts

    def _backfill(self, pending: int) -> "Part":
        tally = self.tally[SITEMAP]
        monthly = self.crawler.stats.get_value("newscrawl/sitemaps/monthly", 0)
        if self.resumed or tally.scheduled < tally.done:
            left = pending  # the inherited queue: not scheduled by this run
        else:
            left = tally.scheduled - tally.done
        total = tally.done + left
        share = f" ({100 * tally.done // total}%)" if total else ""
        return Part(f"sitemap backfill: {self.sitemaps_read}/{monthly} monthly sitemaps read, "
                    f"{tally.done}/{total} pages of the range done{share}",
                    f"range {tally.done}/{total}{share}, {self.sitemaps_read}/{monthly} sitemaps",
                    left, tally.rate(self.clock()))

    def _planned(self, label: str, tally: Tally, planned: int) -> "Part":
        left = max(planned - tally.firsts, 0) + tally.in_pipeline
        done = max(planned - left, 0)
        share = f" ({100 * done // planned}%)" if planned else ""
        return Part(f"{label}: {done}/{planned} pages done{share}", f"{label} {done}/{planned}{share}",
                    left, tally.rate(self.clock()))

    def _listings(self, pending: int) -> "Part":
        seen = [s for s in self.sections if self.section_requests.get(s)]
        done = [s for s in seen if self.section_pending.get(s, 0) <= 0]
        long = f"listings: {len(done)}/{len(self.sections)} sections done ({self.max_pages} pages deep)"
        short = f"listings {len(done)}/{len(self.sections)} sections"
        if not self.bounded_listings or not done:
            return Part(long, short)
        # Every request still coming: what is in the pipeline now, and for each section not
        # done, what a done one cost on average less what it has already had.
        per_section = sum(self.section_requests[s] for s in done) / len(done)
        to_come = sum(max(per_section - self.section_requests.get(s, 0), 0)
                      for s in self.sections if s not in done)
        return Part(long, short, pending + to_come, self.all.rate(self.clock()), approximate=True)

    def log(self, final: bool = False) -> None:
        logger.info(self.line(final))

    def draw(self) -> None:
        if self.live is not None:
            self.live.draw(self.live_text())


class WorkCounter:
    """Downloader middleware next to the download handler: tells ``Progress`` each request that
    came back, answered or failed (refusals by other middlewares reach ``process_exception`` too).
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self._progress: Union[Progress, bool, None] = None  # False: looked up, not running

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _notify(self, request) -> None:
        if self._progress is None:
            self._progress = self.crawler.get_extension(Progress) or False
        if isinstance(self._progress, Progress):
            self._progress.finished(request)

    def process_response(self, request, response):
        self._notify(request)
        return response

    def process_exception(self, request, exception):
        self._notify(request)
        return None
