"""The few requests that need a real browser (Chromium through scrapy-playwright).

- ``BrowserMiddleware`` sends through scrapy-playwright only the requests that need a
  real browser, one rule per reason (``request.meta["newscrawl_render"]``):
  ``load_more`` (listing steps filled in by JavaScript), ``js_fragment`` (a page whose
  needed block is filled in by JavaScript) and ``challenge`` (a challenge retry). It
  sets scrapy-playwright's per-request meta (``playwright``, ``playwright_context``,
  ``playwright_page_methods``); every other request uses Scrapy's plain downloader.
- ``abort_request`` is the ``PLAYWRIGHT_ABORT_REQUEST`` filter (no images, fonts, ...).
- ``OnDemandBrowserProvider`` is a ``PLAYWRIGHT_BROWSER_PROVIDER`` (scrapy-playwright's
  documented extension point) that starts Playwright on the first rendered request
  instead of when the crawl starts.

Everything else is scrapy-playwright's stock download handler and settings.
"""

from __future__ import annotations

import asyncio
import logging
import os

from playwright.async_api import Browser, BrowserContext
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy_playwright.page import PageMethod
from scrapy_playwright.provider import PlaywrightBrowserProvider

from .challenge import CHALLENGE_PASSED_JS

logger = logging.getLogger(__name__)

RENDER_KEY = "newscrawl_render"
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

    @classmethod
    def from_crawler(cls, crawler):
        launch = crawler.settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
        executable = launch.get("executable_path") or "/usr/bin/chromium"
        if not crawler.settings.getbool("NEWSCRAWL_BROWSER_ENABLED", True):
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
            request.meta["playwright_page_init_callback"] = self._guard_page
        return None

    def _in_scope(self, url: str) -> bool:
        from .middlewares import ScopeMiddleware, origin
        scope = self._middleware(ScopeMiddleware)
        allowed = scope._allowed() if scope is not None else None
        return allowed is None or origin(url) in allowed

    def _middleware(self, kind):
        engine = getattr(self.crawler, "engine", None)
        chain = getattr(getattr(getattr(engine, "downloader", None), "middleware", None), "middlewares", ())
        return next((m for m in chain if isinstance(m, kind)), None)

    async def _guard_page(self, page, request: Request) -> None:
        """Puts every request the page (and any popup it opens) makes through the crawl's
        scope rule and request cap; refuses navigation of the page away from the requested URL.

        Registered after scrapy-playwright's own ``page.route``, so it is consulted first
        (Playwright tries the newest route first); an allowed request falls back to it. The
        context route covers popups, whose first request no page route sees.
        """
        wanted = request.url.rstrip("/")
        first = {"done": False}

        async def guard(route, pw_request) -> None:
            url = pw_request.url
            if not url.startswith(("http:", "https:")):
                # data:, blob:, about: never reach the network.
                await route.fallback()
                return
            if not self._in_scope(url):
                self.stats.inc_value("newscrawl/out_of_scope")
                self.stats.inc_value("newscrawl/browser/out_of_scope")
                logger.info("browser request not made, outside the crawled origin: %s", url[:300])
                await route.abort("blockedbyclient")
                return
            if pw_request.is_navigation_request():
                try:
                    frame = pw_request.frame
                    frame_page = frame.page
                    main = frame_page.main_frame is frame
                except Exception:  # a frame already gone, a popup's first request
                    frame_page, main = None, False
                popup = frame_page is not page
                # A reload of the requested URL (the challenge script's) is the page's own.
                if popup or (main and url.rstrip("/") != wanted):
                    self.stats.inc_value("newscrawl/browser/navigation_refused")
                    logger.info("browser navigation refused (page %s): %s", request.url[:200], url[:300])
                    await route.abort("blockedbyclient")
                    return
                if main and not first["done"]:
                    # The page's own load; Scrapy's downloader middlewares counted it already.
                    first["done"] = True
                    await route.fallback()
                    return
            if abort_request(pw_request):
                await route.fallback()  # scrapy-playwright aborts it: nothing is sent
                return
            from .limits import RequestCapMiddleware
            cap = self._middleware(RequestCapMiddleware)
            if cap is not None:
                try:
                    cap.process_request(request)
                except IgnoreRequest:
                    await route.abort("blockedbyclient")
                    return
            self.stats.inc_value("newscrawl/browser/subrequests")
            await route.fallback()

        await page.route("**", guard)
        context = page.context
        if not getattr(context, "_newscrawl_guarded", False):
            context._newscrawl_guarded = True
            await context.route("**", guard)
            # WebSockets bypass page.route: only in-scope ones may connect.
            async def ws_guard(ws) -> None:
                if not self._in_scope(ws.url.replace("ws", "http", 1)):
                    self.stats.inc_value("newscrawl/out_of_scope")
                    self.stats.inc_value("newscrawl/browser/out_of_scope")
                    await ws.close()
                else:
                    ws.connect_to_server()
            await context.route_web_socket("**", ws_guard)

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


def abort_request(request) -> bool:
    """Playwright request filter: skip what a text crawl never needs."""
    return request.resource_type in {"image", "media", "font", "stylesheet"}


class OnDemandBrowserProvider(PlaywrightBrowserProvider):
    """scrapy-playwright's default browser provider, with the Playwright driver started
    by the first request that needs the browser rather than when the crawl starts.

    The stock handler awaits ``start()`` as the engine starts, and the default provider
    starts Playwright's driver there (a Node.js process, one per handler: two, for http
    and https) even when no request will ever be rendered; bench/notes.md has what that
    costs a crawl without rendering. Here ``start()`` does nothing; ``launch_browser()``
    (which the handler calls behind its lock, on the first rendered request) starts the
    driver once and then launches the browser as the default provider does.
    """

    def __init__(self, config) -> None:
        super().__init__(config)
        self._start_lock = asyncio.Lock()

    async def start(self) -> None:
        return None

    async def _started(self) -> None:
        async with self._start_lock:
            if self.playwright is None:
                await super().start()

    async def launch_browser(self) -> Browser:
        await self._started()
        return await super().launch_browser()

    async def launch_persistent_context(self, context_kwargs: dict) -> BrowserContext:
        await self._started()
        return await super().launch_persistent_context(context_kwargs)
