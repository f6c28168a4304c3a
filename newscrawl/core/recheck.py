"""Scheduled re-checks of stored posts: how edits and removals are found.

A stored post is due again at fixed ages after its publication
(``NEWSCRAWL_RECHECK_INTERVALS``: 1 h, 6 h, 1 d, 3 d, 7 d and 30 d by default): once for the
latest age it has passed since it was last fetched, and never after the last. The store
keeps, per post, when it was last fetched, what that found and when it is due next
(:mod:`newscrawl.core.state`). An incremental run (as every scheduled run is) asks it for
the posts due at the run's "now", youngest first (edits cluster early), and re-fetches at
most ``NEWSCRAWL_RECHECK_BUDGET`` of them; the rest stay due for the next run.

What a re-check finds:

- the same content: a ``PostCheck`` (``unchanged``) is written to the run's checks file, the
  post's last sighting for the merge (the dedupe pipeline turns the record into it);
- another content, or the post back after a removal: the record, as a new version
  (``revision`` + 1, ``discovered_via`` ``recheck``);
- no answer, or a page that is not an article: counted as ``failed``; the post is due again at
  its next age, as after any re-check;
- 404 or 410, or a redirect to a page the edition declares no post (the home page, a
  listing): a ``PostCheck`` (``removed``), once; later re-checks that find it still gone write
  nothing;
- a redirect to any other page is followed (a moved post is checked at its new URL); if that
  page is not a post, or is another post, the re-check counts as a removal of the first.

Counts (``newscrawl/recheck/*``, and the run summary's ``recheck`` section): ``due``, ``made``,
``skipped_budget``, ``changed``, ``unchanged``, ``gone`` (of which ``removed`` new removals),
``back`` and ``failed``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Iterable, Optional
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from .clock import iso_utc, now_iso
from .config import get_int
from .items import Article, PostCheck, WarcRecordRef
from .urls import canonical_url, could_be_post
from .warc.records import META_KEY

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from .args import CrawlArgs
    from .editions import Edition
    from .state import Store
    from .urls import HostMap

# The schedule (intervals, next due time) is in recheck_schedule, which the store uses too.
__all__ = ["COUNTS", "RECHECK", "RecheckMixin", "count", "summary_of", "unchanged"]

# discovered_via of the records a re-check brings.
RECHECK = "recheck"
STAT = "newscrawl/recheck/"
GONE = (404, 410)
REDIRECTS = (301, 302, 303, 307, 308)
# Redirects followed from one re-check to the post's new URL.
MAX_HOPS = 3
# Counted in every run summary, 0 when nothing happened, so that a reader sees the schedule ran.
COUNTS = ("due", "made", "skipped_budget", "changed", "unchanged", "gone", "removed", "back", "failed")


def count(stats: Any, name: str, n: int = 1) -> None:
    stats.inc_value(STAT + name, n)


def summary_of(stats: dict) -> dict:
    """The run summary's ``recheck`` section, from the crawl's stats."""
    return {"budget": stats.get(STAT + "budget", 0), **{name: stats.get(STAT + name, 0) for name in COUNTS}}


def unchanged(item: Article) -> PostCheck:
    """The sighting a re-check that found the stored version writes instead of the record."""
    return PostCheck(post_id=item.post_id, canonical_url=item.canonical_url, edition=item.edition,
                     checked_at=item.crawled_at, outcome="unchanged", status=200,
                     version_hash=item.version_hash, warc=item.warc)


def _warc_of(response: Response) -> Optional[WarcRecordRef]:
    place = response.meta.get(META_KEY)
    return WarcRecordRef(place["file"], place["offset"], place["record_id"]) if place else None


class RecheckMixin:
    """The re-checks of :class:`newscrawl.core.spider.NewsSpider`: the due requests for its
    ``start``, and the callbacks that read their answers (spider methods, so that a stopped
    job's queue keeps them)."""

    if TYPE_CHECKING:
        # What the spider it is mixed into provides.
        crawler: Crawler
        args: CrawlArgs
        hosts: HostMap
        edition: str

        @property
        def store(self) -> Optional[Store]: ...

        @property
        def now(self) -> datetime: ...

        def parse_article(self, response: Response, discovered_via: str) -> Iterable[Any]: ...

        def fetch_failed(self, failure: Any) -> None: ...

    def recheck_requests(self) -> Iterable[scrapy.Request]:
        """Requests for the stored posts due now, youngest first, at most the budget."""
        store = self.store
        settings, stats = self.crawler.settings, self.crawler.stats
        budget = get_int(settings, "NEWSCRAWL_RECHECK_BUDGET")
        if store is None or budget <= 0:
            return []
        now = iso_utc(self.now)
        # A run limited to a date range re-checks only posts in it (the others would be dropped
        # as out of range, never checked, and due again at every run).
        since = f"{self.args.since.isoformat()}T00:00:00+00:00" if self.args.since else None
        until = f"{(self.args.until + timedelta(days=1)).isoformat()}T00:00:00+00:00" if self.args.until else None
        due = store.due_count(now, since, until)
        chosen = store.due(now, budget, since, until)
        stats.set_value(STAT + "budget", budget)
        for name in COUNTS:
            stats.inc_value(STAT + name, 0)
        count(stats, "due", due)
        count(stats, "skipped_budget", due - len(chosen))
        requests = []
        for key, url in chosen:
            crawl_url = self.hosts.to_crawl_url(url)
            if crawl_url is None:
                count(stats, "failed")
                continue
            requests.append(self._recheck_request(crawl_url, key))
        count(stats, "made", len(requests))
        return requests

    def _recheck_request(self, url: str, key: str, hops: int = 0, via: Optional[int] = None) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_recheck, errback=self.recheck_failed, priority=40,
            cb_kwargs={"key": key, "hops": hops, "via": via},
            # The answers that mean "gone" must reach the callback, redirects unfollowed.
            meta={"dont_redirect": True, "handle_httpstatus_list": list(GONE + REDIRECTS)},
        )

    def parse_recheck(self, response: Response, key: str, hops: int = 0, via: Optional[int] = None) -> Iterable[Any]:
        """The answer to a re-check: removed, moved, or the article (to the pipelines)."""
        status = response.status
        if status in GONE:
            yield from self._gone(response, key, via or status, None)
            return
        if status in REDIRECTS:
            location = response.headers.get("Location")
            target = response.urljoin(location.decode("latin-1")) if location else ""
            crawl_url = self.hosts.to_crawl_url(target) if target else None
            if crawl_url and could_be_post(urlsplit(crawl_url).path, self.args.edition) and hops < MAX_HOPS:
                yield self._recheck_request(crawl_url, key, hops + 1, via or status)
                return
            yield from self._gone(response, key, via or status, self._shown(target))
            return
        found = False
        for item in self.parse_article(response, discovered_via=RECHECK):
            if isinstance(item, Article):
                found = True
                if via and _key_of(item, self.args.edition) != key:
                    # Redirected to another post: the one asked for is no longer served.
                    yield from self._gone(response, key, via, item.canonical_url)
            elif isinstance(item, scrapy.Request) and item.callback == self.parse_recheck:
                found = True  # a page cut short, asked for again
            yield item
        if not found and via:
            # Redirected to a page that is not a post after all: the post is not served.
            yield from self._gone(response, key, via, self._shown(response.url))
        elif not found:
            self._failed(key, "not an article")

    def recheck_failed(self, failure: Any) -> None:
        """A re-check that could not be fetched (or was refused): counted, and the post due at
        its next age (one that always fails must not take a share of every run's budget)."""
        request = getattr(failure, "request", None)
        self._failed((request.cb_kwargs or {}).get("key") if request is not None else None,
                     failure.type.__name__ if failure.type else "error")
        if not failure.check(IgnoreRequest):
            self.fetch_failed(failure)

    def _failed(self, key: Optional[str], why: str) -> None:
        count(self.crawler.stats, "failed")
        if key and self.store is not None:
            self.store.checked(key, iso_utc(self.now), f"failed ({why})")

    def _shown(self, url: str) -> Optional[str]:
        """A redirect's target as the dataset shows it: on the edition's host when in scope."""
        if not url:
            return None
        return canonical_url(url, self.args.edition) if self.hosts.to_crawl_url(url) else url

    def _gone(self, response: Response, key: str, status: int, redirect_to: Optional[str]) -> Iterable[PostCheck]:
        stats = self.crawler.stats
        count(stats, "gone")
        store = self.store
        post = store.post(key) if store is not None else None
        if store is None or post is None:
            return
        if post.removed_at:
            store.checked(key, iso_utc(self.now), "gone")  # recorded once, when first found gone
            return
        count(stats, "removed")
        # The time of the fetch, as a record's crawled_at (the merge orders both together).
        yield PostCheck(post_id=post.post_id, canonical_url=post.canonical_url, edition=self.edition,
                        checked_at=now_iso(), outcome="removed", status=status,
                        redirect_to=redirect_to, warc=_warc_of(response))


def _key_of(item: Article, edition: Edition) -> str:
    return item.post_id or canonical_url(item.canonical_url, edition)
