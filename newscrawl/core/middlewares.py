"""Downloader middlewares: how a request is fetched.

- ``SlowServerMiddleware`` bounds the time spent per URL (all its attempts) and per
  host (timeouts in a row).
- ``ScopeMiddleware`` lets through only requests to the crawled origin (scheme, host and
  port of ``base_url``; on the live site, the edition's hosts), redirects included.

- ``ChallengeMiddleware`` recognises bot-challenge interstitials (Cloudflare's "Just a
  moment..." and the like), counts them, never lets them reach the parser, and retries
  each once through the browser.
- ``RetryAfterMiddleware`` honours ``Retry-After`` on 429 and 503: the request is retried
  after the delay the server asked for (capped), and every request to that host waits
  meanwhile. Scrapy's own RetryMiddleware retries these at once, ignoring the header.

What a challenge page looks like is in ``newscrawl/core/challenge.py``; the browser, for the
few requests that need one, in ``newscrawl/core/browser.py``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Optional
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred
from twisted.internet.error import TimeoutError as TwistedTimeoutError

from .browser import RENDER_KEY
from .challenge import looks_like_challenge
from .component import Component
from .config import FromSettings, get_bool, get_float, setting
from .extensions import Postponed, prompt_stop, take_waiting
from .runfacts import run_facts
from .scope import Origin, crawl_origins, in_scope

logger = logging.getLogger(__name__)


def retry_after_seconds(value: Optional[bytes], now: Optional[datetime] = None) -> Optional[float]:
    """Seconds asked for by a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class ScopeMiddleware:
    """Refuses any request outside the crawled origin, redirects included.

    Scrapy's offsite check compares host names only, lets subdomains through, and
    skips ``dont_filter`` requests: a redirect from ``127.0.0.1:A`` to ``127.0.0.1:B``
    (another server) or to ``x.<edition host>`` would be fetched and stored
    under the edition's host. Here scheme, host and port must be those of ``base_url``
    (or, crawling the live site, one of the edition's hosts over https). Counted in
    ``newscrawl/out_of_scope``.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @functools.cached_property
    def _origins(self) -> Optional[set[Origin]]:
        # Looked up at the first request: the spider has published its run facts by then.
        return crawl_origins(self.crawler)

    def process_request(self, request: Request):
        if in_scope(request.url, self._origins):
            return None
        self.crawler.stats.inc_value("newscrawl/out_of_scope")
        facts = run_facts(self.crawler)
        logger.info("not fetched, outside %s: %s", facts.hosts.netloc if facts else "?", request.url[:300])
        raise IgnoreRequest(f"outside the crawled origin: {request.url[:300]}")


class CrawlDelayMiddleware:
    """Honours robots.txt ``Crawl-delay``, which Scrapy parses but does not apply.

    The delay is read from the robots.txt response as it passes (with the project's
    User-Agent) and kept as a floor under the host's download delay, which
    AutoThrottle would otherwise lower. A delay above ``NEWSCRAWL_CRAWL_DELAY_MAX``
    (``Crawl-delay: 86400`` would stall the crawl for a day per page) is capped there,
    logged once and counted (``newscrawl/robots/crawl_delay_capped``).
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.user_agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get("USER_AGENT")
        self.delays: dict[str, float] = {}
        self.max_delay = get_float(crawler.settings, "NEWSCRAWL_CRAWL_DELAY_MAX")

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        return cls(crawler)

    def process_response(self, request: Request, response: Response):
        if urlsplit(request.url).path == "/robots.txt" and response.status == 200:
            from scrapy.robotstxt import ProtegoRobotParser

            delay = ProtegoRobotParser.from_crawler(self.crawler, response.body).crawl_delay(self.user_agent)
            if delay:
                delay = float(delay)
                self.crawler.stats.set_value("newscrawl/robots/crawl_delay", delay)
                if delay > self.max_delay > 0:
                    logger.warning("robots.txt of %s asks for Crawl-delay %g s; using %g s (NEWSCRAWL_CRAWL_DELAY_MAX)",
                                   urlsplit(request.url).netloc, delay, self.max_delay)
                    self.crawler.stats.set_value("newscrawl/robots/crawl_delay_capped", self.max_delay)
                    delay = self.max_delay
                else:
                    logger.info("robots.txt of %s asks for Crawl-delay %g s", urlsplit(request.url).netloc, delay)
                self.delays[urlsplit(request.url).netloc] = delay
        return response

    def process_request(self, request: Request):
        delay = self.delays.get(urlsplit(request.url).netloc)
        if delay:
            downloader = self.crawler.engine.downloader
            slot = downloader.slots.get(downloader.get_slot_key(request))
            if slot is not None:
                # Jitter spreads delays around slot.delay (±jitter); Crawl-delay is a floor.
                floor = delay / (1.0 - slot.jitter) if 0 < slot.jitter < 1 else delay
                if slot.delay < floor:
                    slot.delay = floor
        return None


class SlowServerMiddleware:
    """Bounds the time a slow or trickling server can take, per URL and per host.

    Scrapy's timeout is per attempt: with 30 s and 5 retries, a server sending one byte
    every few seconds held the host for 180 s per URL. Here:

    - the attempts of a URL, retries included, may take ``NEWSCRAWL_URL_TIME_BUDGET``
      seconds in all (each attempt's timeout is cut to what is left; waits asked for by
      Retry-After do not count); past it the URL is given up
      (``newscrawl/slow/url_budget_exceeded``);
    - a host that spends ``NEWSCRAWL_HOST_TIMEOUT_BUDGET`` seconds timing out in a row
      (no response in between) is given up: its remaining requests are skipped
      (``newscrawl/slow/host_gave_up``, ``newscrawl/slow/host_skipped``).

    A slow but honest server, one that answers within the timeout, is never affected:
    only attempts that time out count against its host, and any response resets that.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.url_budget = get_float(crawler.settings, "NEWSCRAWL_URL_TIME_BUDGET")
        self.host_budget = get_float(crawler.settings, "NEWSCRAWL_HOST_TIMEOUT_BUDGET")
        self.timed_out: dict[str, float] = {}  # host -> seconds lost to timeouts in a row
        self.given_up: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request: Request):
        host = urlsplit(request.url).netloc
        if host in self.given_up:
            self.stats.inc_value("newscrawl/slow/host_skipped")
            raise IgnoreRequest(f"host {host} given up (timing out): {request.url}")
        if self.url_budget > 0:
            left = self.url_budget - request.meta.get("newscrawl_spent", 0.0)
            if left <= 0:
                self.stats.inc_value("newscrawl/slow/url_budget_exceeded")
                logger.warning("giving up %s: %g s spent on its attempts (NEWSCRAWL_URL_TIME_BUDGET)",
                               request.url[:300], self.url_budget)
                raise IgnoreRequest(f"time budget spent: {request.url}")
            timeout = request.meta.get("download_timeout") or self.crawler.settings.getfloat("DOWNLOAD_TIMEOUT")
            request.meta["download_timeout"] = min(timeout, left) if timeout else left
        request.meta["newscrawl_attempt_started"] = time.monotonic()
        return None

    def _spent(self, request: Request) -> float:
        """Adds this attempt's time to the URL's (copied into its retry by RetryMiddleware)."""
        started = request.meta.pop("newscrawl_attempt_started", None)
        took = time.monotonic() - started if started is not None else 0.0
        request.meta["newscrawl_spent"] = request.meta.get("newscrawl_spent", 0.0) + took
        return took

    def process_response(self, request: Request, response: Response):
        self._spent(request)
        self.timed_out.pop(urlsplit(request.url).netloc, None)
        return response

    def process_exception(self, request: Request, exception: BaseException):
        took = self._spent(request)
        if not isinstance(exception, (DownloadTimeoutError, TwistedTimeoutError)):
            return None
        self.stats.inc_value("newscrawl/slow/timeouts")
        host = urlsplit(request.url).netloc
        lost = self.timed_out[host] = self.timed_out.get(host, 0.0) + took
        if self.host_budget > 0 and lost >= self.host_budget and host not in self.given_up:
            self.given_up.add(host)
            self.stats.inc_value("newscrawl/slow/host_gave_up")
            logger.warning("giving up %s: %.0f s spent timing out in a row (NEWSCRAWL_HOST_TIMEOUT_BUDGET %g s); "
                           "its remaining requests are skipped", host, lost, self.host_budget)
            # Requests already past this middleware wait in the downloader's slot: skip them too.
            for waiting, deferred in take_waiting(self.crawler.engine, lambda r: urlsplit(r.url).netloc == host):
                self.stats.inc_value("newscrawl/slow/host_skipped")
                deferred.errback(IgnoreRequest(f"host {host} given up (timing out): {waiting.url}"))
        return None


class ChallengeMiddleware(Component):
    """Counts challenge pages and retries each request once through the browser."""

    def process_response(self, request: Request, response: Response):
        challenge_retry = request.meta.get(RENDER_KEY) == "challenge"
        if not looks_like_challenge(response, rendered=challenge_retry):
            if challenge_retry:
                # The browser passed the challenge; the status is still the one of the
                # first navigation (the challenge's), the body is the real page.
                self.stats.inc_value("newscrawl/challenge/passed")
                return response.replace(status=200)
            return response
        self.stats.inc_value("newscrawl/challenge/detected")
        if challenge_retry or request.meta.get("playwright"):
            self.stats.inc_value("newscrawl/challenge/failed")
            logger.warning("challenge page not passed even in the browser: %s", request.url)
            raise IgnoreRequest(f"challenge page at {request.url}")
        retry = request.replace(dont_filter=True)
        retry.meta[RENDER_KEY] = "challenge"
        retry.meta.pop("playwright", None)
        return retry


@dataclass(frozen=True)
class _RetryAfterConfig(FromSettings):
    max_delay: float = setting("NEWSCRAWL_RETRY_AFTER_MAX")
    default_delay: float = setting("NEWSCRAWL_RETRY_AFTER_DEFAULT")
    max_times: int = setting("NEWSCRAWL_RETRY_AFTER_TIMES")


class RetryAfterMiddleware:
    """Retries 429/503 after the server's Retry-After delay and pauses the whole host."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.config = _RetryAfterConfig.from_settings(crawler.settings)
        # host -> monotonic time before which no request to it may start
        self.paused_until: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler):
        if not get_bool(crawler.settings, "NEWSCRAWL_RETRY_AFTER_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    async def process_request(self, request: Request):
        host = urlsplit(request.url).netloc
        wait = self.paused_until.get(host, 0.0) - time.monotonic()
        if wait > 0:
            self.stats.inc_value("newscrawl/retry_after/waited_requests")
            stop = prompt_stop(self.crawler)
            if stop is None:
                await asyncio.sleep(wait)
            else:
                # A stop must not wait out the server's Retry-After (up to 300 s).
                try:
                    await asyncio.wait_for(stop.stopping.wait(), wait)
                except asyncio.TimeoutError:
                    pass
                if stop.stopping.is_set():
                    stop.postpone(request)
                    raise Postponed(f"crawl stopping: {request.url}")
        return None

    def process_response(self, request: Request, response: Response):
        if response.status not in (429, 503) or request.meta.get("dont_retry"):
            return response
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        delay = min(asked if asked is not None else self.config.default_delay, self.config.max_delay)
        host = urlsplit(request.url).netloc
        self.paused_until[host] = max(self.paused_until.get(host, 0.0), time.monotonic() + delay)
        self.stats.inc_value(f"newscrawl/retry_after/{response.status}")
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=f"http {response.status}",
            max_retry_times=self.config.max_times,
            stats_base_key="newscrawl/retry_after",
        )
        if retry is None:
            # retry_after/max_reached is counted by get_retry_request; make the give-up
            # final so Scrapy's RetryMiddleware does not retry it again without waiting.
            request.meta["dont_retry"] = True
            return response
        return retry


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, for a robots.txt that cannot be read.

    Scrapy logs a failed robots.txt download as an ERROR with a traceback and then fetches
    everything, as if the site had none: a robots.txt over ``DOWNLOAD_MAXSIZE`` (a 50 MB one)
    would turn every ``Disallow`` off. Here that one is taken as ``Disallow: /`` (the site's
    rules are unknown, so nothing of the host is fetched: RFC 9309 lets a crawler stop at
    500 KiB, never ignore the rules), and any failure is one WARNING line, no traceback.
    """

    DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"

    async def robot_parser(self, request: Request):
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()
            url = urlparse_cached(request)
            robotsreq = Request(f"{url.scheme}://{netloc}/robots.txt", priority=self.DOWNLOAD_PRIORITY,
                                meta={"dont_obey_robotstxt": True}, callback=NO_CALLBACK)
            try:
                resp = await self.crawler.engine.download_async(robotsreq)
                await self._parse_robots(resp, netloc, request)
            except Exception as exc:  # noqa: BLE001 (every failure is one line, as Scrapy's own cases)
                if "download max size" in str(exc):
                    logger.warning("robots.txt of %s is over DOWNLOAD_MAXSIZE (%d bytes): read as Disallow: /, "
                                   "nothing of the host is fetched", printable_host(netloc),
                                   self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
                    self._stats.inc_value("newscrawl/robots/too_large")
                    self._stats.inc_value("robotstxt/response_count")
                    resp = Response(robotsreq.url, status=200, body=self.DISALLOW_ALL, request=robotsreq)
                    await self._parse_robots(resp, netloc, request)
                else:
                    if not isinstance(exc, IgnoreRequest):
                        logger.warning("robots.txt of %s could not be fetched (%s: %s); the host is crawled as "
                                       "if it had none", printable_host(netloc), type(exc).__name__,
                                       " ".join(str(exc).split())[:300])
                    self._robots_error(exc, netloc)
            self._stats.inc_value("robotstxt/request_count")
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser


def printable_host(netloc: str) -> str:
    return netloc.encode("ascii", "backslashreplace").decode()[:300]
