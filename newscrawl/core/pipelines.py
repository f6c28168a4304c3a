"""Item pipelines: what is kept. validate -> since/until -> dedupe (within and across runs).

Records arrive complete from the parser, dates in UTC.

The cross-run memory they consult is owned by ``newscrawl.core.state.StateKeeper``.

Every drop raises ``DropItem`` with a short reason and counts it under
``newscrawl/dropped/<reason>``; the run summary lists them. Pipelines speak ItemAdapter.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable, Optional

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from . import records
from .challenge import title_is_challenge
from .clock import iso_utc
from .component import Component
from .config import get_float
from .dates import FUTURE, UNREADABLE, crawl_now, date_problems
from .editions import Edition
from .feeds import plain_record
from .items import Article, BreakingItem, normalise_text, version_hash
from .recheck import RECHECK, count, unchanged
from .runfacts import run_facts
from .state import StateError, StateKeeper, Store, post_key
from .urls import canonical_url, escape_controls

logger = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Control characters but tab and newline (which JSON escapes anyway); DEL and C1 would
# otherwise reach the JSON Lines raw (U+009B is a terminal's CSI).
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: Any, limit: int = 200) -> str:
    """Page text made safe for a log line: control characters escaped, length capped."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", str(text))[:limit]


class _Counting(Component):
    """A pipeline that counts what it drops."""

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


@dataclass(frozen=True)
class Drop:
    """Why a record is not kept: a short reason (counted as ``newscrawl/dropped/<reason>``,
    spaces made underscores) and what it concerns (a URL, a date as printed)."""

    reason: str
    detail: str = ""
    # Outside the record schema (``records.check``): a parser bug, worth a warning.
    schema: bool = False


def validate(item: Article, note: Callable[[str], None] = lambda stat: None) -> Optional[Drop]:
    """The validate step, for the pipeline and ``reextract`` alike: why ``item`` is not an
    article at all (no title, URL or publication date, a bot challenge, a record outside the
    record schema), or None to keep it. A kept record leaves with no raw control character in
    any field and with the ``version_hash`` of what it keeps; an unreadable modification date
    is kept and noted (``note("newscrawl/dates/bad_modified")``)."""
    clean_controls(item)
    a = ItemAdapter(item)
    url = printable(a.get("url"))
    problems = date_problems(item)
    for field in ("canonical_url", "title"):
        if not a.get(field):
            return Drop(f"missing {field}", url)
    if not a.get("published_at") and "published_at" not in problems:
        return Drop("missing published_at", url)
    if title_is_challenge(a["title"]):
        return Drop("challenge page", url)
    raw = printable(a.get("published_at_raw"), 80)
    if problems.get("published_at") == UNREADABLE:
        return Drop("bad date", raw)
    if problems.get("published_at") == FUTURE:
        # The site does not date the future; such a date is a broken page, not news.
        return Drop("future date", raw)
    if problems.get("modified_at") == UNREADABLE:
        note("newscrawl/dates/bad_modified")
    item.version_hash = version_hash(item)  # of the cleaned fields
    # The check merge, dataset and reextract make of every line, made before the line is
    # written (on the dict the exporter encodes; ItemAdapter's copy costs 5 times as much).
    record = plain_record(item)
    assert record is not None  # an Article is one of our records
    problem = records.check(record)
    if isinstance(problem, str):
        return Drop(problem, url, schema=True)
    return None


def in_range(item: Article, since: Optional[date], until: Optional[date]) -> Optional[Drop]:
    """The since/until step: a record published outside [since, until] (UTC days) is dropped."""
    if since is None and until is None:
        return None
    day = datetime.fromisoformat(item.published_at).date()
    if (since is not None and day < since) or (until is not None and day > until):
        return Drop("out of range", item.published_at)
    return None


def dedupe_key(item: Any, edition: Optional[Edition]) -> str:
    """The dedupe step's key of a record: its post id, else its canonical URL, the URL's
    variants collapsed first (the record's ``canonical_url`` is set to that form)."""
    a = ItemAdapter(item)
    if edition is not None:
        a["canonical_url"] = canonical_url(a["canonical_url"], edition)
    return post_key(a)


class ValidatePipeline(_Counting):
    """Drops records that are not articles at all (``validate``): no title, URL or publication
    date (none found, unreadable, or in the future: the parser leaves those null and notes
    why), or a bot challenge. A text post without body text is kept (the parser flags it
    ``body_empty``): its title, date and links are still of use, and a missing body usually
    means changed markup. An unreadable modification date is counted
    (``newscrawl/dates/bad_modified``), not dropped.

    Kept records leave with no raw control character in any field (``clean_controls``), with
    the ``version_hash`` of what they keep, and within the record schema merge and the dataset
    read (``records.check``; a record outside it is dropped as ``bad_type:<field>`` and the like,
    a parser bug, one warning per reason)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self._logged_bad: set[str] = set()
        self._logged_schema: set[str] = set()

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        drop = validate(item, self.stats.inc_value)
        if drop is None:
            return item
        if drop.reason == "bad date":
            raw = item.published_at_raw
            if raw not in self._logged_bad:
                self._logged_bad.add(raw)
                logger.warning("unreadable date %r on %s", drop.detail, printable(item.url))
        elif drop.schema and drop.reason not in self._logged_schema:
            self._logged_schema.add(drop.reason)
            logger.warning("record of %s outside the record schema (%s), a parser bug: dropped "
                           "(such records are counted as newscrawl/dropped/%s)", drop.detail, drop.reason, drop.reason)
        raise self.drop(drop.reason, drop.detail)


class RangePipeline(_Counting):
    """Drops records published outside the run's since/until (UTC days, ``in_range``), as the
    spider published them from its arguments (``run_facts``)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        # The spider is created, and has published its run facts, before any pipeline.
        facts = run_facts(crawler)
        self.since, self.until = (facts.since, facts.until) if facts is not None else (None, None)

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        drop = in_range(item, self.since, self.until)
        if drop is not None:
            raise self.drop(drop.reason, drop.detail)
        return item


class DedupePipeline(_Counting):
    """One record per post per run; across runs, only new posts and changed content.

    A changed post (another ``version_hash``), or one back after a removal, is emitted again
    with ``revision`` + 1; a scheduled re-check that finds the stored version becomes a
    ``PostCheck`` (``unchanged``), the sighting the merge needs. The cross-run memory belongs to
    :class:`newscrawl.core.state.StateKeeper` (reached through the crawler): this pipeline
    only asks it what an earlier run emitted; the keeper remembers a record once it is written.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self.seen: set[str] = set()
        self.seen_urls: set[str] = set()
        self.seen_ticker: set[str] = set()
        self.now = crawl_now(crawler.settings)
        self.now_iso = iso_utc(self.now)
        self.ticker_gap = timedelta(hours=get_float(crawler.settings, "NEWSCRAWL_TICKER_REPEAT_HOURS"))
        # Extensions are built before pipelines: looked up once, not for every record.
        self.keeper: Optional[StateKeeper] = crawler.get_extension(StateKeeper)

    @property
    def store(self) -> Optional[Store]:
        return self.keeper.store if self.keeper is not None else None

    def process_item(self, item):
        if self.keeper is not None and self.keeper.stopping:
            # The output or the state database failed and the run is stopping: nothing more
            # is exported (it would not be written, or not remembered).
            raise self.drop("not written", "the run is stopping")
        try:
            return self._dedupe(item)
        except StateError:
            # The keeper stops the run (one error line); without the memory this record's
            # revision is unknown: not written, fetched again by the next run.
            raise self.drop("not written", "the state database failed") from None

    def _dedupe(self, item):
        if isinstance(item, BreakingItem):
            return self._ticker(item)
        if not isinstance(item, Article):
            return item
        a = ItemAdapter(item)
        # URL variants collapse even if a caller bypassed the parser's canonical form.
        key = dedupe_key(item, self._edition(a.get("edition")))
        if key in self.seen or a["canonical_url"] in self.seen_urls:
            raise self.drop("duplicate", key)
        self.seen.add(key)
        self.seen_urls.add(a["canonical_url"])
        if self.store is not None:
            before = self.store.get(key)
            if before is not None:
                recheck = item.discovered_via == RECHECK
                if not before.removed_at and before.same_version(item.version_hash, item.content_hash):
                    self.store.touch(key, self.now_iso, item.version_hash)
                    if recheck:
                        count(self.stats, "unchanged")
                        return unchanged(item)
                    raise self.drop("unchanged", key)
                a["revision"] = before.revision + 1
                self.stats.inc_value("newscrawl/revised")
                if before.removed_at:
                    count(self.stats, "back")
                elif recheck:
                    count(self.stats, "changed")
        return item

    def _edition(self, code: Optional[str]) -> Optional[Edition]:
        facts = run_facts(self.crawler)
        return facts.outlet.editions.get(code) if facts is not None and code else None

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
