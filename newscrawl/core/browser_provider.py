"""scrapy-playwright's browser provider, started on the first rendered request.

Apart from ``browser.py`` because it is the one part of the browser that imports Playwright
itself: the middleware is loaded by every crawl, this only by scrapy-playwright's download
handler, which a crawl with ``NEWSCRAWL_BROWSER_ENABLED=False`` never loads (the spider gives it
Scrapy's own handler instead; Playwright's import is about 0.3 s of CPU, docs/benchmarks.md 8d).
"""

from __future__ import annotations

import asyncio

from playwright.async_api import Browser, BrowserContext
from scrapy_playwright.provider import PlaywrightBrowserProvider

from .browser import CONTEXT_OPTIONS


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
        return await super().launch_persistent_context({**context_kwargs, **CONTEXT_OPTIONS})
