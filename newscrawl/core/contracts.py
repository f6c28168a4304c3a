"""Scrapy contracts for the spider's callbacks (``scrapy check <spider>``).

Scrapy's ``@url`` names one fixed URL; ours are written as a path on the crawled host
(``@path``), so the same contracts run against the live site (the default ``base_url``)
and against a mirror or the local replica (``scrapy check <spider> -a base_url=...``).
An article has no path that every host serves (a live post can be taken down, and a replica
of another seed or size has other slugs): ``@first_article <listing path>`` tests the article
that listing links first, whatever the host. ``@filled`` checks that fields have values, where
Scrapy's ``@scrapes`` only checks that they exist (a dataclass record always has every field).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from itemadapter import ItemAdapter, is_item
from scrapy import Request
from scrapy.contracts import Contract
from scrapy.exceptions import ContractFail
from scrapy.http import TextResponse

from .urls import is_article_path


class PathContract(Contract):
    """``@path /news/politics/some-slug``: request the spider's ``base_url`` plus this path."""

    name = "path"

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        spider = args["callback"].__self__  # the bound callback under test
        args["url"] = spider.args.base_url.rstrip("/") + self.args[0]
        return args


class FirstArticleContract(Contract):
    """``@first_article /news/politics``: the callback gets the article that the first card of
    this listing (on the crawled host) links to.

    The listing is requested, its first article link read by the outlet's listing page class,
    and that article fetched through the downloader (same politeness and scope as a crawl)
    before the callback runs; Scrapy's other contracts (``@returns``, ``@cb_kwargs``, ...)
    then apply to the article as usual. A listing without an article link, or an article
    that does not answer 200, is a contract error that says so.
    """

    name = "first_article"

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        callback = args["callback"]
        spider = callback.__self__
        args["url"] = spider.args.base_url.rstrip("/") + self.args[0]

        async def article_of_listing(response: TextResponse, **cb_kwargs: Any) -> Any:
            article = await spider.crawler.engine.download_async(
                Request(first_article_url(spider, response), dont_filter=True))
            if article.status != 200:
                raise ContractFail(f"{article.url} answered {article.status}")
            return callback(article, **cb_kwargs)

        args["callback"] = article_of_listing
        return args


def first_article_url(spider: Any, listing: TextResponse) -> str:
    """The URL to fetch for the first article card of a listing response."""
    page = spider.outlet.listing_page(listing.text, listing.url, spider.args.edition)
    for link in page.article_links():
        url = spider.hosts.to_crawl_url(link.url)
        if url is not None and is_article_path(urlsplit(url).path, spider.args.edition):
            return url
    raise ContractFail(f"no article link on {listing.url}")


class FilledContract(Contract):
    """``@filled title body``: every record the callback returns has a value in these fields."""

    name = "filled"

    def post_process(self, output: list[Any]) -> None:
        for item in output:
            if not is_item(item):
                continue
            adapter = ItemAdapter(item)
            empty = [field for field in self.args if not adapter.get(field)]
            if empty:
                raise ContractFail(f"empty fields: {', '.join(empty)}")
