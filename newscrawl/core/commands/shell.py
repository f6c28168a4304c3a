"""``scrapy shell [url]``: Scrapy's command, writing nothing under ``output/``, with spider
arguments.

Scrapy's shell builds the spider without arguments, so ``--spider almayadeen`` would crawl
the live site's scope, and a replica URL would be refused with only an INFO line (``response``
None). Here ``-a NAME=VALUE`` works as for ``crawl``: the values reach the spider through
``NEWSCRAWL_SPIDER_ARGS`` (read by ``NewsSpider.from_crawler``), and ``-a`` alone picks the
project's default spider. A URL the spider does not fetch (outside its host) gets one line
on stderr saying why and how to look at it.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

from scrapy.commands.shell import Command as ScrapyShell
from scrapy.exceptions import UsageError
from scrapy.utils.conf import arglist_to_dict

from ..outlet import default_spider
from ..runfacts import run_facts
from ._tools import PRIORITY, check_spider_arguments, keep_out_of_output

OUT_OF_SCOPE_STAT = "newscrawl/out_of_scope"


class Command(ScrapyShell):
    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("-a", dest="spargs", action="append", default=[], metavar="NAME=VALUE",
                            help="set spider argument (may be repeated), as for crawl; picks the project's "
                                 "default spider unless --spider names another")

    def process_options(self, args, opts):
        super().process_options(args, opts)
        keep_out_of_output(self.settings)
        try:
            opts.spargs = arglist_to_dict(opts.spargs)
        except ValueError:
            raise UsageError("Invalid -a value, use -a NAME=VALUE", print_help=False) from None
        if opts.spargs:
            opts.spider = opts.spider or default_spider()
            settings = self.settings
            assert settings is not None  # Scrapy gives a command its settings before its options
            check_spider_arguments("shell", settings, opts.spider, opts.spargs)
            settings.set("NEWSCRAWL_SPIDER_ARGS", opts.spargs, priority=PRIORITY)
        self._refused = 0

    def update_vars(self, vars):  # noqa: A002 (Scrapy's name)
        """After every fetch: one line when the spider refused the URL as out of its scope."""
        crawler, request = vars.get("crawler"), vars.get("request")
        refused = crawler.stats.get_value(OUT_OF_SCOPE_STAT, 0) if crawler is not None else 0
        if request is not None and vars.get("response") is None and refused > self._refused:
            print(out_of_scope_message(vars.get("spider"), request.url), file=sys.stderr)
        self._refused = refused


def out_of_scope_message(spider, url: str) -> str:
    parts = urlsplit(url)
    facts = run_facts(getattr(spider, "crawler", None))
    crawled = f"{facts.hosts.scheme}://{facts.hosts.netloc}" if facts is not None else "its host"
    name = facts.spider if facts is not None else default_spider()
    pick = "" if name == default_spider() else f"--spider {name} "
    return (f"scrapy shell: {url} not fetched: outside the {name} spider's crawled host {crawled}; "
            f"for a mirror or the replica: scrapy shell {pick}-a base_url={parts.scheme}://{parts.netloc} {url}")
