"""Item pipelines: what is kept. validate -> since/until -> dedupe (within and across runs).

Records arrive complete from the parser, dates in UTC.

Every drop raises ``DropItem`` with a short reason and counts it under
``newscrawl/dropped/<reason>``; the run summary lists them. Pipelines speak ItemAdapter.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta
from typing import Any, Optional
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy import signals
from pathlib import Path

from scrapy.exceptions import CloseSpider, DropItem, NotConfigured
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.utils.defer import deferred_from_coro
from scrapy.extensions.feedexport import FeedExporter
from w3lib.url import file_uri_to_path

from .dates import FUTURE, UNREADABLE, crawl_now, date_problems, iso_utc
from ..outlets.almayadeen.editions import ENGLISH
from .feeds import FEED_FAILURE_STAT, WRITE_FAILED_STAT, cannot_open
from .items import Article, BreakingItem, normalise_text
from .state import StateError, Store
from .urls import canonical_url, escape_controls

logger = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Control characters but tab and newline (which JSON escapes anyway); DEL and C1 would
# otherwise reach the JSON Lines raw (U+009B is a terminal's CSI).
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CHALLENGE_TITLES = re.compile(r"^(just a moment|attention required|checking your browser)", re.I)


def printable(text: Any, limit: int = 200) -> str:
    """Page text made safe for a log line: control characters escaped, length capped."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", str(text))[:limit]


# Set (to one line) when the run failed in a way Scrapy would call "finished": the crawl
# command then exits 1 with that line (newscrawl/commands/crawl.py).
RUN_FAILED_STAT = "newscrawl/run_failed"
_CMDLINE = SETTINGS_PRIORITIES["cmdline"]


def state_wanted(settings) -> tuple[bool, str]:
    """Whether this run uses the cross-run memory, and why not when it does not.

    ``NEWSCRAWL_STATE=auto`` (the default): on, except for a run given ``-O``/``-o`` (the
    crawl command sets ``NEWSCRAWL_NAMED_OUTPUT``), whose file is a full snapshot, unless
    ``-s NEWSCRAWL_STATE_PATH`` names the memory to use.
    """
    state = str(settings.get("NEWSCRAWL_STATE", "auto")).strip().lower()
    if state in ("off", "0", "false", "no"):
        return False, "NEWSCRAWL_STATE=off"
    if state == "auto" and settings.getbool("NEWSCRAWL_NAMED_OUTPUT") \
            and settings.getpriority("NEWSCRAWL_STATE_PATH") < _CMDLINE:
        return False, "an -O/-o run; add -s NEWSCRAWL_STATE=on to use it"
    return True, ""


def state_path(settings, spider) -> str:
    """``NEWSCRAWL_STATE_PATH`` filled in for this spider (edition, name, dataset)."""
    args = getattr(spider, "args", None)
    return settings.get("NEWSCRAWL_STATE_PATH") % {
        "edition": getattr(spider, "edition", "en"),
        "name": spider.name,
        "dataset": args.dataset(spider.name) if args is not None else spider.name,
    }


def post_key(adapter: ItemAdapter) -> str:
    """Identity of a post: its CMS id, else its canonical URL."""
    return adapter.get("post_id") or adapter["canonical_url"]


class _Counting:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def drop(self, reason: str, detail: str = "") -> DropItem:
        self.stats.inc_value(f"newscrawl/dropped/{reason.replace(' ', '_')}")
        return DropItem(f"{reason}: {detail}" if detail else reason)


def clean_controls(item: Article) -> None:
    """No raw control character in any field: URLs (``url``, ``images[].url``, link URLs)
    get them percent-encoded, other text loses them. One place for every record, so no
    page path (parser, fallback, future field) can let one through."""
    item.url = escape_controls(item.url)
    for image in item.images:
        image.url = escape_controls(image.url)
        if image.caption and _RAW_CONTROL.search(image.caption):
            image.caption = _RAW_CONTROL.sub("", image.caption)
        if image.credit and _RAW_CONTROL.search(image.credit):
            image.credit = _RAW_CONTROL.sub("", image.credit)
    for link in (*item.related, *item.read_next):
        link.url = escape_controls(link.url)
        if _RAW_CONTROL.search(link.title):
            link.title = _RAW_CONTROL.sub("", link.title)
    for name in ("title", "summary", "source", "body", "published_at_raw", "section", "post_type"):
        value = getattr(item, name)
        if isinstance(value, str) and _RAW_CONTROL.search(value):
            setattr(item, name, _RAW_CONTROL.sub("", value))
    for name in ("authors", "tags", "regions", "coverage"):
        values = getattr(item, name)
        if any(_RAW_CONTROL.search(v) for v in values if isinstance(v, str)):
            setattr(item, name, [_RAW_CONTROL.sub("", v) if isinstance(v, str) else v for v in values])


class ValidatePipeline(_Counting):
    """Drops records that are not articles at all: no title, URL or publication date (none
    found, unreadable, or in the future: the parser leaves those null and notes why), or a
    bot challenge. A text post without body text is kept (the parser flags it ``body_empty``):
    its title, date and links are still of use, and a missing body usually means changed markup.
    An unreadable modification date is counted (``newscrawl/dates/bad_modified``), not dropped.

    Kept records leave with no raw control character in any field (``clean_controls``)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self._logged_bad: set[str] = set()

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        clean_controls(item)
        a = ItemAdapter(item)
        url = printable(a.get("url"))
        problems = date_problems(item)
        for field in ("canonical_url", "title"):
            if not a.get(field):
                raise self.drop(f"missing {field}", url)
        if not a.get("published_at") and "published_at" not in problems:
            raise self.drop("missing published_at", url)
        if _CHALLENGE_TITLES.match(a["title"]):
            raise self.drop("challenge page", url)
        self._check_dates(a, problems)
        return item

    def _check_dates(self, a: ItemAdapter, problems: dict[str, str]) -> None:
        raw = a.get("published_at_raw")
        if problems.get("published_at") == UNREADABLE:
            if raw not in self._logged_bad:
                self._logged_bad.add(raw)
                logger.warning("unreadable date %r on %s", printable(raw, 80), printable(a.get("url")))
            raise self.drop("bad date", printable(raw, 80))
        if problems.get("published_at") == FUTURE:
            # The site does not date the future; such a date is a broken page, not news.
            raise self.drop("future date", printable(raw, 80))
        if problems.get("modified_at") == UNREADABLE:
            self.stats.inc_value("newscrawl/dates/bad_modified")


class RangePipeline(_Counting):
    """Drops records published outside the run's since/until (UTC days)."""

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        args = getattr(self.crawler.spider, "args", None)
        if args is not None and (args.since or args.until):
            day = datetime.fromisoformat(item.published_at).date()
            if (args.since and day < args.since) or (args.until and day > args.until):
                raise self.drop("out of range", item.published_at)
        return item


class DedupePipeline(_Counting):
    """One record per post per run; across runs, only new posts and changed content.

    A changed post is emitted again with ``revision`` + 1. The store remembers a
    version only after its line was exported (``item_scraped``, which fires after the
    feed exporter wrote it), so a kill never loses a record; a kill between the two is
    caught up by the next run, which reads the killed run's files back (``_reconcile``).
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self.seen: set[str] = set()
        self.seen_urls: set[str] = set()
        self.seen_ticker: set[str] = set()
        self.store: Optional[Store] = None
        self.state_on, self.state_why = state_wanted(crawler.settings)
        self.now = crawl_now(crawler.settings)
        self.now_iso = iso_utc(self.now)
        self._stopping = False
        self.ticker_gap = timedelta(hours=crawler.settings.getfloat("NEWSCRAWL_TICKER_REPEAT_HOURS", 24))

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.open, signals.spider_opened)
        crawler.signals.connect(pipeline.close, signals.spider_closed)
        crawler.signals.connect(pipeline.item_exported, signals.item_scraped)
        return pipeline

    def open(self, spider):
        # Every local feed file must be writable before the first request: otherwise the
        # run would fetch pages, fail at its first record, and (memory on) remember it.
        for path in self._feed_paths(article_only=False):
            problem = cannot_open(Path(path))
            if problem:
                self._stopping = True
                self.stats.inc_value(WRITE_FAILED_STAT)
                self.stats.set_value(FEED_FAILURE_STAT, problem)
                self.stats.set_value(RUN_FAILED_STAT, problem)
                self._no_empty_files()
                logger.error("%s; the crawl does not start", problem)
                raise CloseSpider("feed_write_failed")
        if not self.state_on:
            self.stats.set_value("newscrawl/state/memory", f"off ({self.state_why})")
            logger.info("cross-run memory off (%s): every post found is emitted", self.state_why)
            return
        path = state_path(self.crawler.settings, spider)
        try:
            self.store = Store(path)
        except StateError as exc:
            # Scrapy would log this and crawl on without memory, emitting every post again
            # as revision 1: the run stops before its first request instead.
            self.stats.set_value(RUN_FAILED_STAT, str(exc))
            logger.error("%s", exc)
            raise CloseSpider("state_unusable") from None
        self.stats.set_value("newscrawl/state/memory", f"on ({path})")
        spider.store = self.store  # the spider asks it what is already known
        self._reconcile()
        self.store.set_meta("last_outputs", json.dumps(self._article_outputs()))

    def _article_outputs(self) -> list[str]:
        """Paths of this run's article feeds (local files only)."""
        return self._feed_paths(article_only=True)

    def _feed_paths(self, article_only: bool) -> list[str]:
        exporter = self.crawler.get_extension(FeedExporter)
        paths = []
        for slot in getattr(exporter, "slots", []):
            classes = [str(c) for c in slot.feed_options.get("item_classes") or []]
            if article_only and classes and not any(c.endswith("Article") for c in classes):
                continue
            uri = file_uri_to_path(slot.uri) if slot.uri.startswith("file:") else slot.uri
            # Another scheme (stdout: for -O -, s3://, ...) is not a local file.
            if ":" not in uri.split("/", 1)[0]:
                paths.append(str(Path(uri).resolve()))
        return paths

    def _reconcile(self) -> None:
        """Record what the previous run wrote but did not live to remember.

        A run killed between writing a record's line and committing it to the store
        would otherwise emit that post again. Its output files are read back (only
        whole lines exist) and the store caught up before this run emits anything.
        """
        for name in json.loads(self.store.get_meta("last_outputs") or "[]"):
            path = Path(name)
            if not path.is_file():
                continue
            with path.open("rb") as fh:
                for line in fh:
                    try:
                        record = json.loads(line)
                        key = record.get("post_id") or record["canonical_url"]
                        seen = self.store.get(key)
                        if seen is None or (seen.content_hash != record["content_hash"]
                                            and record.get("revision", 1) > seen.revision):
                            self.store.record(key, record.get("post_id"), record["canonical_url"],
                                              record["content_hash"], record.get("revision", 1),
                                              record.get("published_at"), self.now_iso)
                            self.stats.inc_value("newscrawl/state/reconciled")
                    except (ValueError, KeyError, TypeError, AttributeError):
                        continue

    def _no_empty_files(self) -> None:
        # A feed that cannot be opened is not opened again at close to store it empty
        # (-O does that): one clear line, not a second traceback.
        for slot in getattr(self.crawler.get_extension(FeedExporter), "slots", []):
            slot.store_empty = False

    def close(self, spider):
        if self.store is not None:
            self.stats.set_value("newscrawl/state/posts", self.store.count())
            self.store.close()

    def process_item(self, item):
        if self._stopping:
            # The output failed and the run is stopping: nothing more is exported (it would
            # not be written) nor remembered.
            raise self.drop("not written", "the output failed")
        if isinstance(item, BreakingItem):
            return self._ticker(item)
        if not isinstance(item, Article):
            return item
        a = ItemAdapter(item)
        # URL variants collapse even if a caller bypassed the parser's canonical form.
        spider = self.crawler.spider
        if getattr(spider, "args", None) is not None:
            a["canonical_url"] = canonical_url(a["canonical_url"], spider.args.edition)
        key = post_key(a)
        if key in self.seen or a["canonical_url"] in self.seen_urls:
            raise self.drop("duplicate", key)
        self.seen.add(key)
        self.seen_urls.add(a["canonical_url"])
        if self.store is not None:
            before = self.store.get(key)
            if before is not None:
                if before.content_hash == a["content_hash"]:
                    self.store.touch(key, self.now_iso)
                    raise self.drop("unchanged", key)
                a["revision"] = before.revision + 1
                self.stats.inc_value("newscrawl/revised")
        return item

    def _ticker(self, item: BreakingItem):
        text_key = normalise_text(item.text).casefold()
        if not text_key:
            raise self.drop("empty ticker")
        if text_key in self.seen_ticker:
            raise self.drop("ticker seen", "")
        self.seen_ticker.add(text_key)
        if self.store is not None:
            last = self.store.ticker_last_seen(text_key)
            # A line still on the ticker is the same news; one back after a gap is news again.
            if last is not None and self.now - datetime.fromisoformat(last) <= self.ticker_gap:
                self.store.see_ticker(text_key, self.now_iso)
                raise self.drop("ticker seen", "")
        return item

    def item_exported(self, item, response=None, spider=None):
        if self.stats.get_value(WRITE_FAILED_STAT):
            # The feed exporter could not open its file, or its write raised (disk full):
            # this record may not be in the file, so it must not be remembered as emitted.
            # Stop the run rather than crawl on with nowhere to write (memory on or off).
            if self.store is not None:
                self.stats.inc_value("newscrawl/not_remembered/feed_write_failed")
            if not self._stopping:
                self._stopping = True
                self._no_empty_files()
                message = self.stats.get_value(FEED_FAILURE_STAT) or "writing the output failed"
                self.stats.set_value(RUN_FAILED_STAT, message)
                logger.error("%s; stopping the crawl (nothing unwritten is remembered)", message)
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="feed_write_failed"))
            return
        if self.store is None:
            return
        if isinstance(item, BreakingItem):
            self.store.record_ticker(normalise_text(item.text).casefold(), item.text, self.now_iso)
        elif isinstance(item, Article):
            self.store.record(post_key(ItemAdapter(item)), item.post_id, item.canonical_url, item.content_hash,
                              item.revision, item.published_at, self.now_iso)
