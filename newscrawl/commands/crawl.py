"""``scrapy crawl`` with the spider arguments checked before the crawl starts.

Scrapy builds the spider inside the running crawl, where an exception only becomes a
logged traceback. Checking in ``process_options`` (before Scrapy sets up logging and the
crawler process) turns a bad ``-a`` value into one line on stderr and exit status 2.
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl

from ..args import ArgumentError, CrawlArgs


class Command(ScrapyCrawl):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        if args and args[0] == "almayadeen":
            try:
                CrawlArgs.from_kwargs(opts.spargs)
            except ArgumentError as exc:
                print(f"scrapy crawl almayadeen: error: {exc}", file=sys.stderr)
                sys.exit(2)
