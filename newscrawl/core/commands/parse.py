"""``scrapy parse <url>``: Scrapy's command, writing nothing under ``output/``.

With the spider's ``parse`` (which picks the callback by the URL's shape),
``scrapy parse <article URL of an edition's host>`` prints the record with no
``-c``/``--cbkwargs`` (the spider is found by the URL's host); add ``--spider <name> -a
base_url=...`` for a mirror or the replica.

Scrapy 2.19's own command wraps every callback in one that returns a Deferred, which
Scrapy itself deprecates (a ``ScrapyDeprecationWarning`` on each page). Here the wrapper
is a coroutine that awaits it: the same output, no warning.
"""

from __future__ import annotations

import functools

from scrapy import Request
from scrapy.commands.parse import Command as ScrapyParse
from scrapy.utils.defer import maybe_deferred_to_future

from ._tools import check_spider_arguments, keep_out_of_output


class Command(ScrapyParse):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        keep_out_of_output(self.settings)
        check_spider_arguments("parse", self.settings, opts.spider, opts.spargs)

    def prepare_request(self, spider, request, opts):
        return _awaiting(super().prepare_request(spider, request, opts))

    def scraped_data(self, args):
        # Requests followed to the next depth (--depth) get Scrapy's wrapper again.
        return [_awaiting(x) if isinstance(x, Request) else x for x in super().scraped_data(args)]


def _awaiting(request):
    """The request with its callback's Deferred awaited in a coroutine."""
    wrapped = request.callback

    @functools.wraps(wrapped)
    async def callback(response, **cb_kwargs):
        return await maybe_deferred_to_future(wrapped(response, **cb_kwargs))

    request.callback = callback
    return request
