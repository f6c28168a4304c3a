"""Capture of a crawl: every response it receives goes, with its request, to the run's WARC files.

``WarcCapture`` (an extension on Scrapy's ``response_received`` signal) finds where a run's
files go (``output_root``, or ``NEWSCRAWL_WARC_DIR``) and hands each response to a
``Capturer``, which writes it as a response record, or as a revisit when its payload is the
last capture's of its URL (``digests.DigestMemory``). Each response's place goes into
``response.meta[META_KEY]``; ``WarcPointerMiddleware`` copies it into the ``warc`` field of the
articles parsed from it. ``warcinfo`` gives the fields of each file's first record.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.defer import deferred_from_coro

from ..clock import file_stamp, utc_now
from ..component import connected
from ..config import get_int, get_str
from ..feeds import WRITE_FAILED_STAT, local_feed_paths
from ..items import Article, WarcRecordRef
from ..outlet import default_edition
from ..paths import file_in_the_way
from ..runfacts import RunFacts, run_facts
from ..runstatus import RUN_FAILED_STAT
from .digests import Capture, DigestMemory
from .records import (
    META_KEY,
    RENDERED_HEADER,
    REVISIT_PROFILE,
    RotatingWarcFile,
    new_record_id,
    payload_digest,
    request_record,
    response_head,
    switched_on,
    warc_date,
    warc_record,
)

logger = logging.getLogger(__name__)

# Settings that change what is fetched or how a page is read: named in each warcinfo record.
INFO_SETTINGS = ("USER_AGENT", "ROBOTSTXT_OBEY", "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED",
                 "CONCURRENT_REQUESTS_PER_DOMAIN", "NEWSCRAWL_INCREMENTAL", "NEWSCRAWL_STATE",
                 "NEWSCRAWL_NOW", "NEWSCRAWL_BROWSER_ENABLED")


def output_root(feed_path: Path, edition: str, spider_name: str,
                dataset: Optional[str] = None) -> tuple[Path, Optional[str]]:
    """Where a run's WARC files go, and the UTC start of its feed name if it has one.

    ``dataset`` is the name the run's data is kept under (``CrawlArgs.dataset``: the spider's
    name for the live site, ``<spider>-mirror-<host>-<port>`` for a mirror or the replica;
    when not given, read from the feed's path). The project's feeds are
    ``<root>/<dataset>/<edition>/<UTC start>.jsonl`` (``output/`` by default, ``--output-dir``
    under cron): WARCs go to ``<root>/warc/<edition>``, a mirror's to
    ``<root>/warc/<dataset>-<edition>`` (kept apart like its data). With ``-O dir/file.jsonl``
    they go to ``dir/warc/<edition>``, a mirror's to ``dir/warc/<dataset>-<edition>``: a
    replica crawled with ``-O output/x.jsonl`` never writes into the live ``output/warc/<edition>``.
    """
    parent = feed_path.parent
    named = parent.parent.name
    if dataset is None:
        dataset = named if named == spider_name or named.startswith(spider_name + "-mirror-") else spider_name
    where = edition if dataset == spider_name else f"{dataset}-{edition}"
    if parent.name == edition and named == dataset:
        stamp = feed_path.name[: -len(feed_path.suffix)] if feed_path.suffix else feed_path.name
        return parent.parent.parent / "warc" / where, stamp
    return parent / "warc" / where, None




class Capturer:
    """Writes responses with their requests to rotating WARC files, revisits for repeats."""

    def __init__(self, directory: Path, stamp: str, max_size: int, warcinfo: dict[str, str]):
        self.directory = directory
        self.memory = DigestMemory(directory / "digests.sqlite3")
        self.out = RotatingWarcFile(directory, stamp, max_size, warcinfo)
        self.counts = {"response": 0, "revisit": 0, "bytes": 0, "revisit_target_missing": 0}
        self._present: dict[str, bool] = {}

    def _still_there(self, name: str) -> bool:
        """Whether the WARC file a remembered capture is in still exists (asked once per file):
        a revisit pointing at a deleted file would leave its URL with no payload anywhere."""
        if name not in self._present:
            self._present[name] = (self.directory / name).is_file()
            if not self._present[name]:
                logger.warning("WARC file %s, where digests.sqlite3 says earlier captures are, is gone: "
                               "those pages are stored in full again", self.directory / name)
        return self._present[name]

    def _repeated(self, key: str, digest: str) -> Optional[Capture]:
        """The last capture of ``key`` when this payload repeats it and its file is still there
        (then a revisit is written), else None."""
        last = self.memory.last(key)
        if last is None or last[0] != digest:
            return None
        if not self._still_there(last[3]):
            self.counts["revisit_target_missing"] += 1
            return None
        return last

    def capture(self, response: Response, request: Request, now: Optional[datetime] = None) -> dict[str, Any]:
        """Store one response; the place of the record holding its payload (file, offset, id)."""
        date = warc_date(now or datetime.now(timezone.utc))
        url = response.url
        rendered = str(request.meta.get("newscrawl_render") or "") if request.meta.get("playwright") else ""
        body = response.body
        digest = payload_digest(body)
        key = f"{rendered}:{url}" if rendered else url
        first = self._repeated(key, digest)
        fields = [("WARC-Date", date)]
        if response.ip_address is not None:
            fields.append(("WARC-IP-Address", str(response.ip_address)))
        if rendered:
            fields.append((RENDERED_HEADER, rendered))
        record_id = new_record_id()
        http = response_head(response, len(body))
        if first is not None:
            _, first_date, first_id, first_file, first_offset = first
            fields += [("WARC-Refers-To", first_id), ("WARC-Type", "revisit"), ("WARC-Record-ID", record_id),
                       ("WARC-Target-URI", url), ("WARC-Profile", REVISIT_PROFILE),
                       ("WARC-Refers-To-Target-URI", url), ("WARC-Refers-To-Date", first_date),
                       ("WARC-Payload-Digest", digest)]
            record = warc_record(fields, http, "application/http; msgtype=response")
        else:
            fields += [("WARC-Payload-Digest", digest), ("WARC-Type", "response"), ("WARC-Record-ID", record_id),
                       ("WARC-Target-URI", url)]
            record = warc_record(fields, http + body, "application/http; msgtype=response")
        places = self.out.write([record, request_record(request, url, date, record_id)])
        kind = "revisit" if first is not None else "response"
        self.counts[kind] += 1
        self.counts["bytes"] += sum(length for _, _, length in places)
        if first is not None:
            # Articles point at the record that holds the payload, not at the revisit.
            return {"file": first_file, "offset": first_offset, "record_id": first_id, "kind": kind}
        name, offset, _ = places[0]
        self.memory.remember(key, digest, date, record_id, name, offset)
        return {"file": name, "offset": offset, "record_id": record_id, "kind": kind}

    def close(self) -> None:
        self.out.close()
        self.memory.close()


# The finish reason of a run that was asked to keep WARC files and cannot write them.
WARC_FAILED = "warc_write_failed"


def cannot_write_in(directory: Path) -> Optional[str]:
    """Why WARC files cannot be created in ``directory`` (created if missing), or None."""
    blocking = file_in_the_way(directory)
    if blocking is not None:
        return f"cannot write WARC files in {directory}: {blocking} is a file, where a directory is expected"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # Mode bits say nothing to root, nor about a read-only mount: a file is created.
        fd, probe = tempfile.mkstemp(prefix=".newscrawl-write-check-", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return f"cannot write WARC files in {directory}: {exc.strerror or exc}"
    return None


@dataclass(frozen=True)
class _WarcConfig:
    """The capture's settings, read once when it is built."""

    on: bool
    replay: bool
    directory: str  # NEWSCRAWL_WARC_DIR: a template; empty: beside the run's feed
    max_size: int

    @classmethod
    def from_settings(cls, settings: Any) -> "_WarcConfig":
        return cls(on=switched_on(get_str(settings, "NEWSCRAWL_WARC")),
                   replay=switched_on(get_str(settings, "NEWSCRAWL_REPLAY")),
                   directory=get_str(settings, "NEWSCRAWL_WARC_DIR"),
                   max_size=get_int(settings, "NEWSCRAWL_WARC_MAX_SIZE"))


class WarcCapture:
    """The extension: every response the crawl receives goes to the run's WARC files."""

    def __init__(self, crawler: Any):
        self.config = _WarcConfig.from_settings(crawler.settings)
        if not self.config.on:
            raise NotConfigured("NEWSCRAWL_WARC is off")
        if self.config.replay:
            raise NotConfigured("a replayed crawl fetches nothing new to keep")
        self.crawler = crawler
        self.stats = crawler.stats
        self.capturer: Optional[Capturer] = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> "WarcCapture":
        ext = cls(crawler)
        return connected(ext, crawler, spider_opened=ext.opened, response_received=ext.received,
                         spider_closed=ext.closed)

    def _where(self, names: dict[str, str]) -> tuple[Optional[Path], Optional[str]]:
        """The run's WARC directory (None when it has none) and the UTC start of its feed's name."""
        feed = self._article_feed()
        directory: Optional[Path] = None
        stamp: Optional[str] = None
        if feed is not None:
            directory, stamp = output_root(feed, names["edition"], names["name"], names["dataset"])
        if self.config.directory:
            directory = Path(self.config.directory % names)
        return directory, stamp

    def _article_feed(self) -> Optional[Path]:
        feeds = local_feed_paths(self.crawler, article_only=True)
        return feeds[0] if feeds else None  # stdout:, s3://, ...: no local file to keep WARCs beside

    def opened(self, spider: Any) -> None:
        if self.stats.get_value(WRITE_FAILED_STAT):  # an output that cannot be opened: the run does not start
            return
        settings = self.crawler.settings
        facts = run_facts(self.crawler)
        # A spider without run facts (not ours): its files go under the default outlet's first edition.
        names = facts.names() if facts is not None else {"edition": default_edition(), "name": spider.name,
                                                          "dataset": spider.name}
        edition = names["edition"]
        directory, stamp = self._where(names)
        if directory is None:
            # No local output (-o - to stdout, scrapy parse/shell/check): the raw responses
            # have no run to go with; NEWSCRAWL_WARC_DIR asks for them all the same.
            logger.info("no local output file: no WARC is written (set NEWSCRAWL_WARC_DIR to keep one)")
            return
        problem = cannot_write_in(directory)
        if problem:
            # Scrapy would log a traceback and crawl on keeping no WARC, run after run (cron
            # exit 0): the run stops before its first request, as for an output it cannot open.
            self._fail(f"{problem}; run with -s NEWSCRAWL_WARC=off to crawl without WARC files")
            raise CloseSpider(WARC_FAILED)
        try:
            self.capturer = Capturer(directory, stamp or file_stamp(utc_now()), self.config.max_size,
                                     warcinfo(names["name"], edition, facts, settings))
        except OSError as exc:  # digests.sqlite3 could not even be moved aside
            self._fail(f"cannot write WARC files in {directory}: {exc}; run with -s NEWSCRAWL_WARC=off "
                       f"to crawl without WARC files")
            raise CloseSpider(WARC_FAILED) from None

    def _fail(self, message: str) -> None:
        self.stats.set_value(RUN_FAILED_STAT, message)
        logger.error("%s", message)

    def received(self, response: Response, request: Request, spider: Any = None) -> None:
        if self.capturer is None:
            return
        try:
            place = self.capturer.capture(response, request)
        except OSError as exc:
            first = not self.stats.get_value("newscrawl/warc/write_failed")
            self.stats.inc_value("newscrawl/warc/write_failed")
            if not (self.capturer.counts["response"] or self.capturer.counts["revisit"]):
                # Not one record written: a run asked to keep WARCs that keeps none fails.
                if first:
                    self._fail(f"writing the WARC file in {self.capturer.directory} failed ({exc}); no WARC "
                               f"record was written")
                    deferred_from_coro(self.crawler.engine.close_spider_async(reason=WARC_FAILED))
                return
            # A full disk later on must not stop the crawl (its feeds decide that); counted, said once.
            if first:
                logger.error("writing the WARC file failed: %s", exc)
            return
        self.stats.inc_value(f"newscrawl/warc/{place.pop('kind')}")
        response.meta[META_KEY] = place

    def closed(self, spider: Any = None) -> None:
        if self.capturer is not None:
            self.stats.set_value("newscrawl/warc/files", len(self.capturer.out.files))
            self.stats.set_value("newscrawl/warc/bytes", self.capturer.counts["bytes"])
            if self.capturer.counts["revisit_target_missing"]:
                self.stats.set_value("newscrawl/warc/revisit_target_missing",
                                     self.capturer.counts["revisit_target_missing"])
            self.capturer.close()
            self.capturer = None


def warcinfo(spider: str, edition: str, facts: Optional[RunFacts], settings: Any) -> dict[str, str]:
    """The warcinfo fields of a run: software, edition, arguments and the settings that matter."""
    from importlib.metadata import version

    agent = str(settings.get("USER_AGENT") or "newscrawl")
    args = facts.args if facts is not None else None
    info = {
        "software": f"{agent.split(' ', 1)[0]} (Scrapy {version('scrapy')}, warcio {version('warcio')})",
        "format": "WARC File Format 1.0",
        "conformsTo": "http://bibnum.bnf.fr/WARC/WARC_ISO_28500_version1_latestdraft.pdf",
        "hostname": os.uname().nodename,
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "http-header-user-agent": agent,
        "isPartOf": f"{spider}-{edition}",
        "newscrawl-spider": spider,
        "newscrawl-edition": edition,
        "newscrawl-arguments": json.dumps(args.raw if args is not None else {}, ensure_ascii=False, sort_keys=True),
        "newscrawl-base-url": args.base_url if args is not None else "",
    }
    for name in INFO_SETTINGS:
        info[f"newscrawl-setting-{name}"] = str(settings.get(name, ""))
    return {k: v for k, v in info.items() if v}


class WarcPointerMiddleware(BaseSpiderMiddleware):
    """Puts the place of the stored response into the ``warc`` field of articles parsed from it."""

    def get_processed_item(self, item: Any, response: Optional[Response]) -> Any:
        if isinstance(item, Article) and response is not None and item.warc is None:
            place = response.meta.get(META_KEY)
            if place:
                item.warc = WarcRecordRef(file=place["file"], offset=place["offset"], record_id=place["record_id"])
        return item


