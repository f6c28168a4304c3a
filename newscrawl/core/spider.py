"""The shared crawl plan: what every outlet's spider does, whatever the site.

It starts from the home page (menu and BREAKING ticker), walks every selected section
and region listing, and follows article links by the block they sit in (related, read
next, most read); or reads the monthly sitemaps of a date range. All extraction is done
by the outlet's page classes (``Outlet.home_page`` and the rest); what is kept is decided
by the pipelines. An outlet's spider is this class with a ``name`` and an ``outlet``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterable, Mapping, Optional, Self
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from .args import CrawlArgs
from .browser import without_browser
from .clock import now_iso
from .component import connected
from .config import FromSettings, setting
from .dates import crawl_now
from .items import BreakingItem
from .outlet import ArticlePageContract, ListingPageContract, Outlet
from .pages import PageLink, looks_complete
from .pipelines import printable
from .reading import read_article
from .recheck import RecheckMixin
from .runfacts import RunFacts, publish
from .sitemap_plan import SitemapCallbacks, SitemapConfig, SitemapPlan
from .state import StateKeeper, Store
from .urls import HostMap, canonical_url, could_be_post, is_article_path, is_fetchable

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

    from .coverage import ShapeTally  # imported where used, once the crawl's extensions exist


def _request_of(response: Response) -> scrapy.Request:
    """The request a callback's response answers (Scrapy sets it before any callback runs)."""
    request = response.request
    if request is None:
        raise ValueError(f"{response.url} came without its request")
    return request


@dataclass(frozen=True)
class PlanConfig(FromSettings):
    """The settings of the crawl plan, read once when the spider is made (not on every response)."""

    incomplete_retries: int = setting("NEWSCRAWL_INCOMPLETE_RETRIES")
    """How many more times a page cut short is fetched before it is parsed as it came."""
    ticker: bool = setting("NEWSCRAWL_TICKER")
    """Whether the home page's BREAKING lines are collected (off when no feed takes them)."""
    per_listing: int = setting("NEWSCRAWL_PER_LISTING")
    """Article links taken from each listing page, 0 for all."""
    max_links_per_page: int = setting("NEWSCRAWL_MAX_LINKS_PER_PAGE")
    """Article links taken from one page, 0 for no cap."""
    incremental: bool = setting("NEWSCRAWL_INCREMENTAL")
    """Whether posts the cross-run store knows are skipped."""


class NewsSpider(RecheckMixin, scrapy.Spider):
    """The crawl plan of every outlet; a subclass sets ``name`` and ``outlet``.

    Arguments are documented in the README and validated by ``CrawlArgs``.
    """

    outlet: Outlet
    plan_config: PlanConfig
    sitemaps: SitemapPlan

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """Keep record types apart in every feed, including ``-O``/``-o`` ones (and, with the
        browser off, Scrapy's own download handlers: ``browser.without_browser``).

        A feed given without ``item_classes`` (as ``-O x.jsonl`` is) receives only
        articles, the BREAKING ticker lines go to a sibling ``x.breaking.jsonl`` and the
        re-checks' findings to ``x.checks.jsonl``: a dataset file loaded into pandas holds
        one kind of record. A feed on stdout (``-o -:jsonlines``) has no sibling: its run
        collects no ticker lines.
        """
        super().update_settings(settings)
        without_browser(settings)
        feeds = settings.getdict("FEEDS")
        if not feeds:
            return
        priority = settings.getpriority("FEEDS") or 0  # set, as FEEDS is not empty
        split = {}
        for uri, options in feeds.items():
            options = dict(options or {})
            if options.get("item_classes"):
                split[uri] = options
                continue
            split[uri] = {**options, "item_classes": ["newscrawl.core.items.Article"]}
            if str(uri).startswith("stdout:"):
                # A stream of articles for a pipe (-o -:jsonlines): the ticker lines have no
                # sibling file to go to, and must not be mixed into it.
                continue
            stem, dot, ext = str(uri).rpartition(".")
            # The checks file only when a re-check found something (runs of the memory only).
            for kind, record, extra in (("breaking", "BreakingItem", {}),
                                        ("checks", "PostCheck", {"store_empty": False})):
                sibling = f"{stem}.{kind}.{ext}" if dot and "/" not in ext else f"{uri}.{kind}"
                split.setdefault(sibling, {**options, **extra, "item_classes": [f"newscrawl.core.items.{record}"]})
        # Replace the whole value (a plain dict, one above the feeds' own priority): the
        # crawl command merges its settings into the crawler again afterwards, and an
        # equal priority would undo this.
        settings.set("FEEDS", split, priority=priority + 1)
        if not any("BreakingItem" in str(c) for o in split.values() for c in o.get("item_classes") or ()):
            # No feed takes ticker lines: not collected at all, so that none is remembered
            # as emitted by the cross-run memory without being written anywhere.
            settings.set("NEWSCRAWL_TICKER", False, priority=priority + 1)

    def __init__(self, *args: Any, **kwargs: Any):
        # Scrapy passes "_job" and similar private keys on some paths; keep only ours.
        spider_kwargs = {k: v for k, v in kwargs.items() if k in CrawlArgs.KNOWN}
        super().__init__(*args, **{k: v for k, v in kwargs.items() if k not in CrawlArgs.KNOWN})
        self.args = CrawlArgs.from_kwargs(spider_kwargs, self.outlet.editions)
        self.edition = self.args.edition.code
        self.language = self.args.edition.language
        self.hosts = HostMap(self.args.edition, self.args.base_url)
        self.allowed_domains = [urlsplit(self.args.base_url).hostname]
        self.facts = RunFacts(spider=self.name, outlet=self.outlet, edition=self.args.edition, hosts=self.hosts,
                              dataset=self.args.dataset(self.name), args=self.args)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        # `scrapy shell` builds the spider without arguments; its -a values come this way.
        kwargs = {**crawler.settings.getdict("NEWSCRAWL_SPIDER_ARGS"), **kwargs}
        spider = super().from_crawler(crawler, *args, **kwargs)
        # What components need of the arguments, published once: they read run_facts(crawler),
        # never the spider's attributes.
        publish(crawler, spider.facts)
        spider.plan_config = PlanConfig.from_settings(crawler.settings)
        spider.sitemaps = SitemapPlan(
            crawler, spider.args, spider.hosts, SitemapConfig.from_settings(crawler.settings),
            SitemapCallbacks(parse_sitemap=spider.parse_sitemap, sitemap_failed=spider.sitemap_failed,
                             article_request=spider._article_request),
            spider._sitemap_state, spider.logger)
        # Sitemap URLs are requested a batch at a time, the next when the crawl runs dry.
        return connected(spider, crawler, spider_idle=spider.sitemaps.idle)

    @property
    def now(self) -> datetime:
        """The crawl's "now" (NEWSCRAWL_NOW or the clock), for reading year-less card dates."""
        return crawl_now(self.crawler.settings)

    # --- plan ---------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.args.urls:
            for url in self.args.urls:
                request = self._article_request(url, "url")
                if request is not None:
                    yield request
            return
        for request in self.recheck_requests():  # stored posts due again (newscrawl/core/recheck.py)
            yield request
        if self.args.discover in ("sitemap", "both") and self.outlet.sitemap_index:
            yield scrapy.Request(self.args.base_url + self.outlet.sitemap_index, callback=self.parse_sitemap_index,
                                 errback=self.sitemap_failed, priority=100)
        if self.args.discover in ("listings", "both"):
            yield scrapy.Request(
                self.args.base_url + "/",
                callback=self.parse_home,
                errback=self.home_failed,
                priority=100,
            )

    # --- sitemaps (newscrawl/core/sitemap_plan.py) -----------------------------------
    # Spider methods only so that a request saved in a stopped job's queue (JOBDIR) can name
    # its callback; the work is the plan's.
    async def parse_sitemap_index(self, response: Response) -> AsyncIterator[scrapy.Request]:
        """Monthly sitemaps that overlap [since, until]; others are never requested."""
        async for request in self.sitemaps.parse_index(response):
            yield request

    async def parse_sitemap(self, response: Response) -> AsyncIterator[scrapy.Request]:
        """Article URLs of a monthly sitemap, queued and requested a batch at a time."""
        async for request in self.sitemaps.parse_monthly(response):
            yield request

    def sitemap_failed(self, failure: Any) -> None:
        """A sitemap that could not be fetched: counted, one line (no traceback)."""
        self.sitemaps.failed(failure)
        return self.fetch_failed(failure)

    def _sitemap_state(self) -> dict:
        """Where the sitemap plan keeps its queue: ``self.state`` when there is one (JOBDIR,
        set by Scrapy's SpiderState when the spider opens), else a dict of this spider's."""
        state = getattr(self, "state", None)
        if not isinstance(state, dict):
            state = self.__dict__.setdefault("_sitemap_state_dict", {})
        return state

    def parse(self, response: Response, **kwargs: Any) -> Iterable[Any]:
        """Any page of the edition, by the shape of its URL: an article as with ``-a url=``,
        the home page, or a listing. Requests without a callback (``scrapy parse <url>``,
        ``scrapy shell``'s ``fetch``) come here."""
        path = urlsplit(response.url).path
        if is_article_path(path, self.args.edition):
            return self.parse_article(response, discovered_via="url")
        if path in ("", "/"):
            return self.parse_home(response)
        for listing in self.args.edition.listings:
            if listing.path.rstrip("/") == path.rstrip("/"):
                return self.parse_listing(response, slug=listing.slug)
        # A shape the edition does not list: the page decides whether it is a post.
        return self.parse_article(response, discovered_via="url")

    @classmethod
    def handles_request(cls, request: scrapy.Request) -> bool:
        """URLs of any edition's host, so that ``scrapy parse <url>`` finds this spider."""
        host = (urlsplit(request.url).hostname or "").lower()
        return any(host in (e.host, e.host.removeprefix("www.")) for e in cls.outlet.editions.values())

    def _retry_incomplete(self, response: Response) -> scrapy.Request | None:
        """The request that fetches a page cut short (no closing </html>) again, or None once
        the retries are spent: then the page is parsed as it came, rather than lost."""
        self.crawler.stats.inc_value("newscrawl/incomplete/detected")
        return get_retry_request(
            _request_of(response), spider=self, reason="incomplete page",
            max_retry_times=self.plan_config.incomplete_retries,
            stats_base_key="newscrawl/incomplete",
            # Not an error: what came is parsed and kept (an article is flagged).
            give_up_log_level="WARNING",
        )

    def parse_home(self, response: Response, rendered: bool = False) -> Iterable[Any]:
        """The home page: its BREAKING ticker lines, the listings of its menu, Most Read."""
        if not looks_complete(response.body) and (retry := self._retry_incomplete(response)) is not None:
            yield retry
            return
        page = self.outlet.home_page(response.text, response.url, self.args.edition)
        crawled_at = now_iso()
        lines = page.ticker()
        if self.plan_config.ticker:
            for line in lines:
                url = canonical_url(line.url, self.args.edition) if line.url else None
                yield BreakingItem(text=line.text, edition=self.edition, first_seen_at=crawled_at, url=url)
        if not rendered:
            yield from self._listing_requests(page.menu())
            self._note_unknown_links(page.unknown_links())
        if "ticker" in self.args.follow:
            # The Arabic ticker's items link their posts: followed as posts, whatever their shape.
            yield from self._follow(
                [PageLink(ticker_line.url, "ticker", ticker_line.text) for ticker_line in lines if ticker_line.url],
                response.url,
            )
        if "most_read" in self.args.follow:
            yield from self._follow(page.most_read(), response.url)
        if rendered:
            return
        wanted = [b for b in page.blocks_left_to_scripts() if b == "breaking" or b in self.args.follow]
        if wanted:
            # The ticker or Most Read is filled in by JavaScript: the home page once more,
            # in the browser. Once per crawl is enough, as both are the same on every page.
            self.logger.info("home page blocks filled in by JavaScript: %s; rendering it", ", ".join(wanted))
            yield _request_of(response).replace(
                dont_filter=True,
                cb_kwargs={"rendered": True},
                errback=None,  # without a browser this is counted, not a failed home page
                meta={"newscrawl_render": "js_fragment"},
            )

    def home_failed(self, failure: Any) -> Iterable[scrapy.Request]:
        """Without the home page, fall back to the listing paths we know."""
        self.logger.warning("home page failed (%s); using the known listing paths", failure.value)
        self.crawler.stats.inc_value("newscrawl/home_failed")
        yield from self._listing_requests({})

    def _listing_requests(self, menu: Mapping[str, str]) -> Iterable[scrapy.Request]:
        for slug in self.args.sections:
            listing = self.args.edition.listing(slug)
            if listing is None:  # CrawlArgs takes only the edition's own slugs
                raise ValueError(f"no listing {slug!r} in edition {self.edition!r}")
            url = menu.get(listing.label)
            if url is None:
                self.crawler.stats.inc_value("newscrawl/menu_label_missing")
                url = self.args.base_url + listing.path
            crawl_url = self.hosts.to_crawl_url(url)
            if crawl_url is None:
                continue
            yield scrapy.Request(
                crawl_url,
                callback=self.parse_listing,
                cb_kwargs={"slug": slug},
                priority=50,
            )

    def parse_listing(self, response: Response, slug: str, rendered: bool = False, page: int = 1) -> Iterable[Any]:
        """A section or region listing: requests for its article cards (and "Load more")."""
        if not looks_complete(response.body) and (retry := self._retry_incomplete(response)) is not None:
            yield retry
            return
        listing = self.outlet.listing_page(response.text, response.url, self.args.edition)
        self.crawler.stats.inc_value("newscrawl/listing_pages/rendered" if rendered else "newscrawl/listing_pages")
        links = self._cap_links(listing.article_links(), response.url)
        per_listing = self.plan_config.per_listing
        if per_listing > 0:
            links = links[:per_listing]  # the newest few (the probe)
        requests = [r for r in (self._article_request(link.url, f"listing:{slug}") for link in links) if r is not None]
        # Counted before the repeats go: a card already asked for from elsewhere in this run
        # is still new to the store (the incremental stop below).
        yield from self._not_yet_requested(requests)
        self._note_unknown_links(listing.unknown_links())
        if "most_read" in self.args.follow:
            yield from self._follow(listing.most_read(), response.url)
        if rendered or self._listing_stops_here(listing, links, new=len(requests)):
            return
        yield from self._more_of_listing(listing, response, slug, page)

    def _listing_stops_here(self, listing: ListingPageContract, links: list[PageLink], new: int) -> bool:
        """Whether the older pages of this listing are not worth asking for (counted why)."""
        # Listings are newest first, so what the first page's last card says holds for
        # every card further down; the last card, not the first, as a pinned story on top
        # may be older than the rest. Each stop saves a browser session and its requests.
        if self.args.since and self._last_card_before_since(listing):
            reason = "since"
        elif self.store is not None and links and new == 0:
            # Incremental run: older items than a stored one were stored too.
            reason = "nothing_new"
        elif self.store is not None and links and self._already_stored(links[-1].url):
            reason = "reached_known"
        else:
            return False
        self.crawler.stats.inc_value(f"newscrawl/listing_stopped/{reason}")
        return True

    def _more_of_listing(
        self, listing: ListingPageContract, response: Response, slug: str, page: int
    ) -> Iterable[scrapy.Request]:
        """The next page of a listing: a plain link followed as it is, or "Load more" in the browser."""
        older = listing.next_page()
        if older:
            next_url = self.hosts.to_crawl_url(older) if page < self.args.max_pages else None
            if next_url is not None:
                yield scrapy.Request(next_url, callback=self.parse_listing,
                                     cb_kwargs={"slug": slug, "page": page + 1}, priority=50)
        elif self.args.max_pages > 1 and listing.has_load_more():
            # Further items come only from JavaScript: the same listing again, in the
            # browser, clicking "Load more" up to max_pages - 1 times.
            yield _request_of(response).replace(
                dont_filter=True,
                cb_kwargs={"slug": slug, "rendered": True},
                meta={
                    "newscrawl_render": "load_more",
                    "newscrawl_load_more_label": self.args.edition.labels["load_more"],
                    "newscrawl_load_more_classes": list(self.args.edition.load_more_classes),
                    "newscrawl_load_more_steps": self.args.max_pages - 1,
                },
            )

    def parse_article(self, response: Response, discovered_via: str) -> Iterable[Any]:
        """An article page: its record, and requests for the links it follows."""
        read = read_article(response, self.outlet.article_page, self.args.edition)
        page, unclosed = read.page, read.unclosed
        if unclosed:
            # A cut transfer: fetched again (bounded). A complete page is never refetched or
            # refused for looking odd: the record keeps it with its flags. A page that never
            # arrives closed is kept too, flagged, once the retries are spent.
            retry = self._retry_incomplete(response)
            if retry is not None:
                yield retry
                return
            self.crawler.stats.inc_value("newscrawl/incomplete/kept")
        if page.metadata_invalid:
            self.crawler.stats.inc_value("newscrawl/metadata_invalid")
        item = page.to_item(discovered_via=discovered_via, crawled_at=now_iso(), now=self.now)
        if item is not None and unclosed:
            item.flags.insert(0, "closing_markup_missing")
        if item is None:
            self._not_a_post(page, discovered_via)
        else:
            self.crawler.stats.inc_value(f"newscrawl/page_types/{page.page_type() or 'none'}")
            yield item
        if not self.args.urls:  # -a url / urls_file crawl just those pages
            yield from self._follow(page.followable_links(), response.url)
            self._note_unknown_links(page.unknown_links())

    def _not_a_post(self, page: ArticlePageContract, discovered_via: str) -> None:
        """A page that is not a post (the CMS says so, or it has no date or id): counted by
        why and by how it was found (a sitemap's or a urls file's listing pages are requests
        spent on nothing, which the summary shows), never stored."""
        stats = self.crawler.stats
        stats.inc_value("newscrawl/skipped/not_article")
        reason = page.not_post_reason()
        if page.page_type() is not None and reason != "no_title":
            # The CMS says it is not a post (metadata type "page", posttype "Pages"): counted apart.
            stats.inc_value("newscrawl/skipped/not_article_type")
        stats.inc_value(f"newscrawl/not_post/reason/{reason or 'not_a_post'}")
        stats.inc_value(f"newscrawl/not_post/found_via/{discovered_via.split(':', 1)[0]}")

    @property
    def store(self) -> Optional[Store]:
        """The cross-run store (owned by ``StateKeeper``), when the memory is on and the run is
        incremental (``NEWSCRAWL_INCREMENTAL``, as scheduled runs are): then known articles
        are not fetched again. A plain run re-fetches them, so edits are found."""
        keeper = self._keeper
        return keeper.store if keeper is not None else None

    @functools.cached_property
    def _keeper(self) -> Optional[StateKeeper]:
        # Asked for every link of every page: the setting and the extension looked up once
        # (the extensions exist by the time the first response comes).
        if not self.plan_config.incremental:
            return None
        return self.crawler.get_extension(StateKeeper)

    def _already_stored(self, url: str) -> bool:
        """Whether an earlier run emitted this post and it need not be fetched again.

        ``-a refresh=N`` re-fetches posts published in the last N days, to catch edits.
        """
        if self.store is None:
            return False
        published = self.store.published_at(canonical_url(url, self.args.edition))
        if published is None:
            return False
        if self.args.refresh_days is not None:
            horizon = self.now - timedelta(days=self.args.refresh_days)
            if not published or published >= horizon.isoformat():
                return False
        return True

    def _last_card_before_since(self, listing: ListingPageContract) -> bool:
        since, now, read = self.args.since, self.now, listing.dates.read
        dates = [d for d in (read(text, now) for text in listing.card_dates()) if d is not None]
        return bool(dates) and since is not None and dates[-1].date() < since

    # --- requests -----------------------------------------------------------------
    def _cap_links(self, links: list[PageLink], page_url: str) -> list[PageLink]:
        """At most NEWSCRAWL_MAX_LINKS_PER_PAGE links of one page; the rest counted, not taken.

        A real listing or article page links a few dozen articles; a hostile one with
        250,000 links would otherwise queue them all (and hold them in memory)."""
        cap = self.plan_config.max_links_per_page
        if cap <= 0 or len(links) <= cap:
            return links
        self.crawler.stats.inc_value("newscrawl/links_capped/pages")
        self.crawler.stats.inc_value("newscrawl/links_capped/links", len(links) - cap)
        self.logger.warning("%d article links on %s; only the first %d taken (NEWSCRAWL_MAX_LINKS_PER_PAGE)",
                            len(links), printable(page_url), cap)
        return links[:cap]

    def _follow(self, links: Iterable[PageLink], page_url: str = "") -> Iterable[scrapy.Request]:
        wanted = [link for link in links if link.kind in self.args.follow]
        requests = (self._article_request(link.url, link.kind) for link in self._cap_links(wanted, page_url))
        yield from self._not_yet_requested(r for r in requests if r is not None)

    def _not_yet_requested(self, requests: Iterable[scrapy.Request]) -> Iterable[scrapy.Request]:
        """The requests for URLs this run has not asked for yet. Every page links the same
        "Most Read" and "Related" posts: left to Scrapy's duplicate filter, each repeat is
        scheduled, fingerprinted and passed through every spider middleware first (of the order
        of ten repeats per page fetched; docs/benchmarks.md section 8d). The filter still
        catches what this does not (a resumed job's requests, URL variants it canonicalises)."""
        asked = self._asked_urls
        for request in requests:
            if request.url not in asked:
                asked.add(request.url)
                yield request

    @functools.cached_property
    def _asked_urls(self) -> set[str]:
        return set()

    def _article_request(self, url: str, discovered_via: str) -> scrapy.Request | None:
        """A request for an article link, or None when it is not an in-scope article URL.

        Query strings and fragments are dropped before fetching: article pages do not
        depend on them, and tracking parameters would otherwise make one post several
        requests.
        """
        if not is_fetchable(url):
            return None
        crawl_url = self.hosts.to_crawl_url(url)
        if crawl_url is None:
            self.crawler.stats.inc_value("newscrawl/offsite_link")
            return None
        parts = urlsplit(crawl_url)
        # URL shapes guide the walk, they never decide what is a post: any page of the site
        # is fetched when asked for by URL, and any but the declared non-posts (authors, tags,
        # listings, ...) when a sitemap, a card or a link block names it; its page decides.
        if discovered_via != "url" and not could_be_post(parts.path, self.args.edition):
            if discovered_via == "sitemap":
                self.crawler.stats.inc_value("newscrawl/sitemaps/not_post_paths")
            return None
        if discovered_via != "url" and self._already_stored(url):
            self.crawler.stats.inc_value("newscrawl/skipped/known")
            return None
        path = parts.path.rstrip("/") or "/"
        return scrapy.Request(
            urlunsplit((parts.scheme, parts.netloc, path, "", "")),
            callback=self.parse_article,
            errback=self.fetch_failed,
            cb_kwargs={"discovered_via": discovered_via},
        )

    @functools.cached_property
    def _link_shapes(self) -> Optional[ShapeTally]:
        # The summary's tally of link shapes the edition does not list (coverage); None when
        # the coverage extension is off.
        from .coverage import CoverageExtension

        extension = self.crawler.get_extension(CoverageExtension)
        return extension.unknown_links if extension is not None else None

    def _note_unknown_links(self, urls: Iterable[str]) -> None:
        """Links that may be posts of a shape the edition does not list, seen outside cards and
        link blocks: not followed, counted by shape (the summary names the most frequent)."""
        tally = self._link_shapes
        for url in urls:
            self.crawler.stats.inc_value("newscrawl/links/unknown_shape")
            if tally is not None:
                tally.add(url)

    def fetch_failed(self, failure: Any) -> None:
        """A page that could not be fetched: one counted, readable line, not a traceback."""
        if failure.check(IgnoreRequest):
            # Decided on purpose (robots.txt, no browser, a challenge not passed) and
            # counted where it was decided; not a failure to fetch.
            return
        reason = failure.type.__name__ if failure.type else "error"
        self.crawler.stats.inc_value(f"newscrawl/fetch_failed/{reason}")
        request = getattr(failure, "request", None)
        self.logger.warning("could not fetch %s: %s", printable(request.url if request else "?"),
                            printable(failure.getErrorMessage()))
