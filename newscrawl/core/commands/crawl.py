"""``scrapy crawl`` with the spider arguments checked before the crawl starts, and an exit
status that says when records were lost.

Scrapy builds the spider inside the running crawl, where an exception only becomes a
logged traceback. Checking in ``process_options`` (before Scrapy sets up logging and the
crawler process) turns a bad ``-a`` value into one line on stderr and exit status 2.

Scrapy also exits 0 for a crawl whose output could not be written, whose state database
was unusable, or whose callbacks raised (the records of those pages are lost). Such a run
ends here with one line on stderr naming the problem and exit status 1 (the cron command
then reports it as failed).
"""

from __future__ import annotations

import sys
from typing import Any, Optional

from scrapy.commands.crawl import Command as ScrapyCrawl

from ..component import connected
from ..feeds import WRITE_FAILED_STAT
from ..gctuning import raise_threshold
from ..numeric_settings import settings_problem
from ..runstatus import RUN_FAILED_STAT
from ..warc import replay_problem
from ._tools import check_spider_arguments

CALLBACK_ERRORS_STAT = "newscrawl/callback_errors"


class Command(ScrapyCrawl):
    def process_options(self, args, opts):
        settings = self.settings
        assert settings is not None  # Scrapy gives a command its settings before its options
        # The project's own feeds (settings.py), before -O/-o are added to them.
        project_feeds = set(settings.getdict("FEEDS"))
        super().process_options(args, opts)  # -s values from here on
        self._refuse(settings_problem(settings), args)
        # Before the spider is loaded: its imports (outlet, dateparser) are a good part of what
        # a higher threshold saves.
        raise_threshold(settings)
        check_spider_arguments("crawl", settings, args[0] if args else None, opts.spargs)
        self._refuse(replay_problem(settings), args)
        if opts.output or opts.overwrite_output:
            # A file named on the command line is this run's snapshot: the cross-run memory
            # stays out of it unless asked for (NEWSCRAWL_STATE=auto, newscrawl/core/state.py),
            # and -O replaces the file even when the run finds nothing (no stale records).
            settings.set("NEWSCRAWL_NAMED_OUTPUT", True, priority="cmdline")
            # Only the files named here: the project's default feeds step aside, as a user who
            # names an output expects that file alone.
            feeds = {uri: dict(options) for uri, options in settings.getdict("FEEDS").items()
                     if uri not in project_feeds}
            for options in feeds.values():
                if options.get("overwrite"):
                    options.setdefault("store_empty", True)
            settings.set("FEEDS", feeds, priority="cmdline")

    @staticmethod
    def _refuse(problem: Optional[str], args) -> None:
        if problem:  # before the feeds are opened: an -O file is not emptied for nothing
            print(f"scrapy crawl{' ' + args[0] if args else ''}: error: {problem}", file=sys.stderr)
            sys.exit(2)

    def run(self, args, opts):
        if len(args) != 1:
            return super().run(args, opts)  # Scrapy's own usage errors
        self._closed: Optional[dict[str, Any]] = None
        process = self.crawler_process
        assert process is not None  # scrapy's cmdline makes it before run()
        crawler = process.create_crawler(args[0])
        self._crawler = crawler
        connected(self, crawler, spider_error=self._spider_error, spider_closed=self._spider_closed)
        process.crawl(crawler, **opts.spargs)
        process.start()
        if process.bootstrap_failed:
            self.exitcode = 1
        problem = run_failure(self._closed) if self._closed is not None else None
        if problem:
            print(f"scrapy crawl {args[0]}: error: {problem}", file=sys.stderr)
            self.exitcode = 1

    def _spider_error(self, failure, response, spider):
        # Counted before the run summary is written (it lists newscrawl/ stats).
        self._crawler.stats.inc_value(CALLBACK_ERRORS_STAT)

    def _spider_closed(self, spider, reason):
        self._closed = {"reason": reason, **self._crawler.stats.get_stats()}


def run_failure(stats: dict[str, Any]) -> Optional[str]:
    """Why a closed crawl failed although Scrapy would exit 0, or None."""
    message = stats.get(RUN_FAILED_STAT)
    if message:
        return f"{message} (finish reason {stats.get('reason')})"
    if stats.get(WRITE_FAILED_STAT):
        return f"an output could not be written (finish reason {stats.get('reason')})"
    errors = stats.get(CALLBACK_ERRORS_STAT, 0)
    if errors:
        return (f"{errors} page(s) raised an error in the spider, their records are lost "
                f"(see 'Spider error processing' in the log; counted in {CALLBACK_ERRORS_STAT})")
    return None

