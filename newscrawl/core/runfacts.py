"""The facts of one crawl (spider, edition, hosts, dataset, date range, arguments), built once.

The spider builds them when Scrapy makes it (``NewsSpider.from_crawler``) and publishes them
for its crawler; every component reads them through :func:`run_facts`, never through the
spider's attributes or a settings dict. A crawler whose spider is not a newscrawl spider
(``scrapy shell`` of a bare URL, a test's plain ``scrapy.Spider``) has none: ``run_facts``
returns None and each component says what it does without them.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:  # the arguments import the outlet registry; the facts need only their type
    from .args import CrawlArgs
    from .editions import Edition
    from .outlet import Outlet
    from .urls import HostMap

__all__ = ["RunFacts", "publish", "run_facts"]


@dataclass(frozen=True)
class RunFacts:
    """What a crawl is: the spider's name and outlet, its edition and hosts, the dataset its records go
    to (the spider's name for the live host, another for a mirror or the replica) and the
    parsed arguments (``CrawlArgs``)."""

    spider: str
    outlet: "Outlet"
    edition: "Edition"
    hosts: "HostMap"
    dataset: str
    args: "CrawlArgs"

    @property
    def since(self) -> Optional[date]:
        return self.args.since

    @property
    def until(self) -> Optional[date]:
        return self.args.until

    def names(self) -> dict[str, str]:
        """The values of ``%(edition)s``, ``%(name)s`` and ``%(dataset)s`` in path settings."""
        return {"edition": self.edition.code, "name": self.spider, "dataset": self.dataset}


# Keyed by the crawler, held weakly: a process that runs several crawlers (tests, scrapyd)
# keeps each crawl's facts apart and frees them with their crawler.
_PUBLISHED: "weakref.WeakKeyDictionary[Any, RunFacts]" = weakref.WeakKeyDictionary()


def publish(crawler: Any, facts: RunFacts) -> RunFacts:
    """Make ``facts`` the run facts of ``crawler`` (the spider does, once, when it is made)."""
    _PUBLISHED[crawler] = facts
    return facts


def run_facts(crawler: Any) -> Optional[RunFacts]:
    """The run facts of ``crawler``, or None when its spider published none."""
    return _PUBLISHED.get(crawler) if crawler is not None else None
