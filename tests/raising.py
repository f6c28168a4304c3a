"""A spider middleware that makes the spider's callback fail on chosen pages, for crawl tests
in a subprocess: ``-s SPIDER_MIDDLEWARES={"tests.raising.RaiseOn": 950}`` with the URL path
suffix in ``NEWSCRAWL_TEST_RAISE_ON``. Stands for a parser bug: the page's records are lost."""

from __future__ import annotations

import os


class RaiseOn:
    def process_spider_output(self, response, result):
        if response.url.endswith(os.environ["NEWSCRAWL_TEST_RAISE_ON"]):
            raise RuntimeError("a callback bug (tests.raising)")
        yield from result

    async def process_spider_output_async(self, response, result):
        if response.url.endswith(os.environ["NEWSCRAWL_TEST_RAISE_ON"]):
            raise RuntimeError("a callback bug (tests.raising)")
        async for item in result:
            yield item
