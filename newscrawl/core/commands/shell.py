"""``scrapy shell [url]``: Scrapy's command, writing nothing under ``output/``."""

from __future__ import annotations

from scrapy.commands.shell import Command as ScrapyShell

from ._tools import keep_out_of_output


class Command(ScrapyShell):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        keep_out_of_output(self.settings)
