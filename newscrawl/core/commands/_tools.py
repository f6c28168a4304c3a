"""What ``scrapy parse``, ``scrapy shell`` and ``scrapy check`` share: they look at pages, they do not archive.

Scrapy runs them with the project's settings, so they would open the run's feeds
(``output/<spider>/<edition>/...``, whose name needs the spider's edition: a
``KeyError: 'edition'`` in ``scrapy shell`` on another site's URL) and the cross-run
state database. Here neither is opened unless asked for on the command line (``-s``), and
no live progress line is drawn.
Their ``-a`` values are checked as ``scrapy crawl`` checks them: a bad one is one line on
stderr and exit status 2, before anything is fetched.
"""

from __future__ import annotations

import sys
from typing import Any, Optional

from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.spiderloader import get_spider_loader

from ..args import ArgumentError, CrawlArgs

# Above the spider's own settings, below the command line (which can set them back),
# as Scrapy's own `check` command does.
PRIORITY = (SETTINGS_PRIORITIES["spider"] + SETTINGS_PRIORITIES["cmdline"]) // 2


def keep_out_of_output(settings) -> None:
    """No feed files and no cross-run memory for an inspection command, and no live progress
    line drawn over its output (or over the shell's prompt)."""
    settings.set("FEEDS", {}, priority=PRIORITY)
    settings.set("NEWSCRAWL_STATE", "off", priority=PRIORITY)
    settings.set("NEWSCRAWL_LIVE_PROGRESS", "off", priority=PRIORITY)


def outlet_of(settings, name: str):
    """The outlet a spider of this name crawls, or None (not one of ours, or no such spider:
    Scrapy says so itself)."""
    try:
        spidercls = get_spider_loader(settings).load(name)
    except KeyError:
        return None
    return getattr(spidercls, "outlet", None)


def check_spider_arguments(command: str, settings, spider: Optional[str], spargs: dict[str, Any]) -> None:
    """Exit 2 with one line naming the argument when ``spider`` (one of ours) refuses an ``-a`` value."""
    outlet = outlet_of(settings, spider) if spider else None
    if outlet is None:
        return
    try:
        CrawlArgs.from_kwargs(spargs, outlet.editions)
    except ArgumentError as exc:
        print(f"scrapy {command} {spider}: error: {exc}", file=sys.stderr)
        sys.exit(2)
