"""``scrapy parse <url>``: Scrapy's command, writing nothing under ``output/``.

With the spider's ``parse`` (which picks the callback by the URL's shape),
``scrapy parse <article URL of an edition's host>`` prints the record with no
``-c``/``--cbkwargs`` (the spider is found by the URL's host); add ``--spider <name> -a
base_url=...`` for a mirror or the replica.
"""

from __future__ import annotations

from scrapy.commands.parse import Command as ScrapyParse

from ._tools import keep_out_of_output


class Command(ScrapyParse):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        keep_out_of_output(self.settings)
