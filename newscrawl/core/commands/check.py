"""``scrapy check <spider>``: Scrapy's contracts, writing nothing under ``output/``.

Scrapy's own command turns the item pipelines off; the cross-run memory is an extension
(``StateKeeper``), so it is turned off here as well, with the feeds.
"""

from __future__ import annotations

from scrapy.commands.check import Command as ScrapyCheck

from ._tools import check_spider_arguments, keep_out_of_output


class Command(ScrapyCheck):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        keep_out_of_output(self.settings)
        for spider in args:
            check_spider_arguments("check", self.settings, spider, opts.spargs)
