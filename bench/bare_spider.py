"""A bare Scrapy spider for the throughput baseline (bench, measurement 1).

Fetches the same pages as ``scrapy crawl almayadeen`` without a browser: the home page,
every listing it links to, and every article-shaped URL found on home, listings and
articles. It extracts nothing, has no pipelines, no middlewares of ours and no feed.

    scrapy runspider bench/bare_spider.py -a base_url=http://127.0.0.1:PORT
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import scrapy

from newscrawl.outlets.almayadeen.editions import ENGLISH
from newscrawl.core.urls import is_article_path

LIVE_HOSTS = {"english.almayadeen.net", "www.english.almayadeen.net"}
LISTING_PATHS = {l.path.lower() for l in ENGLISH.listings}


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, base_url: str, **kwargs):
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    async def start(self):
        yield scrapy.Request(self.base_url + "/", callback=self.parse_page, cb_kwargs={"home": True})

    def _local(self, href: str) -> str | None:
        url = urljoin(self.base_url + "/", href.strip())
        parts = urlsplit(url)
        if parts.hostname in LIVE_HOSTS:  # absolute links to the live host, mapped to the mirror
            url = self.base_url + parts.path
            parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != self.base_url:
            return None
        return self.base_url + parts.path

    def parse_page(self, response, home: bool = False):
        if is_article_path(urlsplit(response.url).path, ENGLISH):
            self.crawler.stats.inc_value("bare/article_pages")
        for href in response.xpath("//a/@href").getall():
            url = self._local(href)
            if url is None:
                continue
            path = urlsplit(url).path
            if is_article_path(path, ENGLISH):
                yield scrapy.Request(url, callback=self.parse_page)
            elif home and path.rstrip("/").lower() in LISTING_PATHS:
                yield scrapy.Request(url, callback=self.parse_page)
