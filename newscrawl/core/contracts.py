"""Scrapy contracts for the spider's callbacks (``scrapy check <spider>``).

Scrapy's ``@url`` names one fixed URL; ours are written as a path on the crawled host
(``@path``), so the same contracts run against the live site (the default ``base_url``)
and against a mirror or the local replica (``scrapy check <spider> -a base_url=...``).
``@filled`` checks that fields have values, where Scrapy's ``@scrapes`` only checks that
they exist (a dataclass record always has every field).
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter, is_item
from scrapy.contracts import Contract
from scrapy.exceptions import ContractFail


class PathContract(Contract):
    """``@path /news/politics/some-slug``: request the spider's ``base_url`` plus this path."""

    name = "path"

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        spider = args["callback"].__self__  # the bound callback under test
        args["url"] = spider.args.base_url.rstrip("/") + self.args[0]
        return args


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
