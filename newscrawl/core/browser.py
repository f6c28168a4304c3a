"""The few requests that need a real browser (Chromium through scrapy-playwright).

- ``BrowserMiddleware`` sends through scrapy-playwright only the requests that need a
  real browser, one rule per reason (``request.meta["newscrawl_render"]``):
  ``load_more`` (listing steps filled in by JavaScript), ``js_fragment`` (a page whose
  needed block is filled in by JavaScript) and ``challenge`` (a challenge retry). It
  sets scrapy-playwright's per-request meta (``playwright``, ``playwright_context``,
  ``playwright_page_methods``); every other request uses Scrapy's plain downloader.
- ``abort_request`` is the ``PLAYWRIGHT_ABORT_REQUEST`` filter (no images, fonts, ...).
- ``OnDemandBrowserProvider`` (in ``browser_provider.py``, so that a crawl without the
  browser never imports Playwright) is a ``PLAYWRIGHT_BROWSER_PROVIDER`` (scrapy-playwright's
  documented extension point) that starts Playwright on the first rendered request
  instead of when the crawl starts.

Everything else is scrapy-playwright's stock download handler and settings.
"""

from __future__ import annotations

import functools
import logging
import os
from typing import Optional

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy_playwright.page import PageMethod

from .challenge import CHALLENGE_PASSED_JS
from .config import get_bool
from .scope import Origin, crawl_origins, in_scope, origin

logger = logging.getLogger(__name__)

RENDER_KEY = "newscrawl_render"
# Options of every browser context the crawl creates.
CONTEXT_OPTIONS = {"service_workers": "block"}
RENDER_REASONS = ("load_more", "js_fragment", "challenge")

# Clicks "Load more" up to `steps` times, waiting after each click until new links
# appear (or 10 s pass); stops early when the button is gone or nothing new came.
# The button is found by its visible label, or by one of the edition's classes for it
# (Arabic listings: "loadmorebtn", label unknown).
LOAD_MORE_JS = """
async ([label, steps, classes]) => {
  const visible = e => e.offsetParent !== null;
  const button = () => [...document.querySelectorAll('button, a, [role=button]')]
      .find(e => e.textContent.trim().toLowerCase() === label.toLowerCase() && visible(e))
    || classes.flatMap(c => [...document.getElementsByClassName(c)]).find(visible);
  let clicks = 0;
  for (; clicks < steps; clicks++) {
    const b = button();
    if (!b) break;
    const before = document.querySelectorAll('a[href]').length;
    b.click();
    const grew = await new Promise(resolve => {
      const started = Date.now();
      const timer = setInterval(() => {
        const now = document.querySelectorAll('a[href]').length;
        if (now > before || Date.now() - started > 10000) { clearInterval(timer); resolve(now > before); }
      }, 50);
    });
    if (!grew) break;
  }
  return clicks;
}
"""


class BrowserMiddleware:
    """Routes requests that need a browser to scrapy-playwright, and only those."""

    def __init__(self, crawler, executable: str):
        self.crawler = crawler
        self.stats = crawler.stats
        self.executable = executable
        self.available = os.access(executable, os.X_OK)
        self._warned = False
        # The pages being rendered for us, each with what its guard needs to know.
        self._pages: dict = {}

    @classmethod
    def from_crawler(cls, crawler):
        launch = crawler.settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
        executable = launch.get("executable_path") or "/usr/bin/chromium"
        if not get_bool(crawler.settings, "NEWSCRAWL_BROWSER_ENABLED"):
            executable = ""
        return cls(crawler, executable)

    def process_request(self, request: Request):
        reason = request.meta.get(RENDER_KEY)
        if reason is None:
            return None
        if reason not in RENDER_REASONS:
            raise ValueError(f"unknown render reason {reason!r}")
        if not self.available:
            self.stats.inc_value(f"newscrawl/browser/unavailable/{reason}")
            if not self._warned:
                self._warned = True
                logger.warning(
                    "no browser at %r (set NEWSCRAWL_CHROMIUM or install Debian's chromium): "
                    "requests that need one are skipped and counted in newscrawl/browser/unavailable/*",
                    self.executable,
                )
            raise IgnoreRequest(f"no browser for {reason}: {request.url}")
        if not request.meta.get("playwright"):
            self.stats.inc_value(f"newscrawl/browser/requests/{reason}")
            request.meta["playwright"] = True
            request.meta.setdefault("playwright_context", "newscrawl")
            request.meta["playwright_page_methods"] = self._page_methods(request, reason)
        # Set on every pass (a request may come back with "playwright" set): a rendered
        # page always has its guard, and its context, created by the first request that
        # needs it, blocks service workers, whose requests no page route sees. (A context
        # named in PLAYWRIGHT_CONTEXTS would do it too, but scrapy-playwright launches
        # those, and so the browser, as the crawl starts.)
        request.meta["playwright_page_init_callback"] = self._guard_page
        request.meta["playwright_context_kwargs"] = {**(request.meta.get("playwright_context_kwargs") or {}),
                                                     **CONTEXT_OPTIONS}
        return None

    @functools.cached_property
    def _origins(self) -> Optional[set[Origin]]:
        """The crawl's origins, looked up once (None: a spider without a scope of ours, e.g.
        scrapy shell): the scope middleware's own rule, so that the two never disagree."""
        return crawl_origins(self.crawler)

    def _in_scope(self, url: str) -> bool:
        return in_scope(url, self._origins)

    def _middleware(self, kind):
        engine = getattr(self.crawler, "engine", None)
        chain = getattr(getattr(getattr(engine, "downloader", None), "middleware", None), "middlewares", ())
        return next((m for m in chain if isinstance(m, kind)), None)

    async def _guard_page(self, page, request: Request) -> None:
        """Puts every request the page makes through the crawl's scope rule and request cap;
        refuses navigation of the page away from the requested URL, and every request of a
        page or worker that is not one of ours (popups, service workers).

        Registered after scrapy-playwright's own ``page.route``, so it is consulted first
        (Playwright tries the newest route first); an allowed request falls back to it. The
        context route sees what no page route does: popups, service workers.

        Fails closed: scrapy-playwright logs an exception raised here and loads the page all
        the same, so a guard that cannot be installed closes the page instead (its load then
        fails, and the request with it).
        """
        try:
            await self._install_guard(page, request)
        except Exception as exc:
            self.stats.inc_value("newscrawl/browser/guard_failed")
            logger.warning("browser page closed unloaded, its request guard could not be installed: %s: %s",
                           type(exc).__name__, str(exc).splitlines()[0][:200] if str(exc) else "")
            self._pages.pop(page, None)
            try:
                await page.close()
            except Exception:  # nothing else can be done; the handler's own error follows
                pass
            raise

    async def _install_guard(self, page, request: Request) -> None:
        self._pages[page] = _PageGuard(request)
        page.on("close", lambda closed: self._pages.pop(closed, None))
        await page.route("**", self._route)
        context = page.context
        if not getattr(context, "_newscrawl_guarded", False):
            await context.route("**", self._route)
            # WebSockets bypass page.route: only in-scope ones may connect.
            await context.route_web_socket("**", self._ws_route)
            # Set last: a context whose routes failed is retried by its next page.
            context._newscrawl_guarded = True

    async def _route(self, route, pw_request) -> None:
        """The route handler: lets a request through (to scrapy-playwright's handler) only
        when it is decided in scope and allowed; any doubt, and any error, aborts it."""
        try:
            refusal = self._refusal(pw_request)
        except Exception as exc:
            refusal = "undecided/error"
            logger.info("browser request not made, its scope could not be decided (%s: %s)",
                        type(exc).__name__, str(exc)[:200])
        if refusal is None:
            try:
                await route.fallback()
                return
            except Exception:
                refusal = "undecided/error"
        for key in _REFUSAL_STATS[refusal.split("/")[0]]:
            self.stats.inc_value(key)
        if refusal.startswith("undecided"):
            self.stats.inc_value(f"newscrawl/browser/{refusal}")
        try:
            await route.abort("blockedbyclient")
        except Exception:  # the page or context is gone, and the request with it
            pass

    def _refusal(self, pw_request) -> str | None:
        """Why the browser must not make this request, or None to let it through."""
        url = pw_request.url
        scheme = url.split(":", 1)[0].lower()
        if scheme not in ("http", "https"):
            # data:, blob:, about: never reach the network (Chromium does not even route
            # them); any other scheme that does get here is not ours to judge.
            return None if scheme in ("data", "blob", "about") else "undecided/scheme"
        try:
            where = origin(url)
        except ValueError:
            return "undecided/unparsable_url"
        allowed = self._origins
        if allowed is not None and where not in allowed:
            logger.info("browser request not made, outside the crawled origin: %s", url[:300])
            return "out_of_scope"
        try:
            frame = pw_request.frame
            page, main = frame.page, frame.page.main_frame is frame
        except Exception:  # a service worker's request, a popup's first one, a frame gone
            page, main = None, False
        guard = self._pages.get(page) if page is not None else None
        if guard is None:
            if pw_request.is_navigation_request():
                logger.info("browser navigation refused (no page of ours): %s", url[:300])
                return "navigation_refused"
            logger.info("browser request not made, from no page of ours: %s", url[:300])
            return "undecided/unknown_page"
        if pw_request.is_navigation_request():
            # A reload of the requested URL (the challenge script's) is the page's own.
            if main and url.rstrip("/") != guard.wanted:
                logger.info("browser navigation refused (page %s): %s", guard.request.url[:200], url[:300])
                return "navigation_refused"
            if main and not guard.loaded:
                # The page's own load; Scrapy's downloader middlewares counted it already.
                guard.loaded = True
                return None
        if abort_request(pw_request):
            return None  # scrapy-playwright aborts it: nothing is sent
        from .limits import RequestCapMiddleware
        cap = self._middleware(RequestCapMiddleware)
        if cap is not None:
            try:
                cap.process_request(guard.request)
            except IgnoreRequest:
                return "capped"
        self.stats.inc_value("newscrawl/browser/subrequests")
        return None

    async def _ws_route(self, ws) -> None:
        try:
            allowed = self._in_scope(ws.url.replace("ws", "http", 1))
        except Exception:
            allowed = False
        if allowed:
            ws.connect_to_server()
            return
        self.stats.inc_value("newscrawl/out_of_scope")
        self.stats.inc_value("newscrawl/browser/out_of_scope")
        try:
            await ws.close()
        except Exception:
            pass

    def _page_methods(self, request: Request, reason: str) -> list[PageMethod]:
        if reason == "load_more":
            label = request.meta.get("newscrawl_load_more_label", "Load more")
            steps = int(request.meta.get("newscrawl_load_more_steps", 1))
            classes = list(request.meta.get("newscrawl_load_more_classes", ()))
            return [PageMethod("evaluate", LOAD_MORE_JS, [label, steps, classes])]
        if reason == "challenge":
            # The challenge script sets a cookie and reloads; wait for the real page.
            return [PageMethod("wait_for_function", CHALLENGE_PASSED_JS, timeout=15000),
                    PageMethod("wait_for_load_state", "domcontentloaded")]
        return [PageMethod("wait_for_load_state", "networkidle")]


class _PageGuard:
    """What the route guard knows of one page: the request it renders, whether it loaded."""

    def __init__(self, request: Request):
        self.request = request
        self.wanted = request.url.rstrip("/")
        self.loaded = False


# The stats a refused request is counted in, by the first part of its reason.
_REFUSAL_STATS = {
    "out_of_scope": ("newscrawl/out_of_scope", "newscrawl/browser/out_of_scope"),
    "navigation_refused": ("newscrawl/browser/navigation_refused",),
    "capped": (),  # the cap counts it (newscrawl/max_requests/refused)
    "undecided": ("newscrawl/browser/undecided",),
}


PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"


def without_browser(settings) -> None:
    """With ``NEWSCRAWL_BROWSER_ENABLED`` off, the schemes given to scrapy-playwright's handler
    get Scrapy's own again (for the spider's ``update_settings``): its handler would serve them
    the same way, but loading it imports Playwright (about 0.3 s of a crawl's CPU) for a
    crawl that never renders. A handler someone else named is left as it is."""
    if get_bool(settings, "NEWSCRAWL_BROWSER_ENABLED"):
        return
    handlers = settings.getdict("DOWNLOAD_HANDLERS")
    base = settings.getdict("DOWNLOAD_HANDLERS_BASE")
    plain = {scheme: base[scheme] for scheme, path in handlers.items() if path == PLAYWRIGHT_HANDLER and scheme in base}
    if plain:
        # Above the project's priority: Scrapy copies the process's settings into the crawler's
        # again (CrawlerProcess.crawl), which would undo a change at the same priority.
        priority = max(settings.getpriority("DOWNLOAD_HANDLERS") or 0, SETTINGS_PRIORITIES["spider"])
        settings.set("DOWNLOAD_HANDLERS", {**handlers, **plain}, priority=priority)


def abort_request(request) -> bool:
    """Playwright request filter: skip what a text crawl never needs."""
    return request.resource_type in {"image", "media", "font", "stylesheet"}
