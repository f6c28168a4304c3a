"""WARC capture of every response the crawl receives, and replay of a crawl from WARCs.

Capture (``WarcCapture``, an extension on Scrapy's ``response_received`` signal): each
response that reaches the crawl (articles, listings, the home page, sitemaps, robots.txt,
pages rendered by the browser) is written with its request to
``<output root>/warc/<edition>/<UTC start>-<serial>.warc.gz`` (ISO 28500, WARC/1.0). Retried
and redirected responses are not: the crawl never parses them. A file starts with a
``warcinfo`` record and is closed for the next serial at ``NEWSCRAWL_WARC_MAX_SIZE`` bytes.

Line-safe like the feeds: every record is its own gzip member, a response and its request
are written with one ``write`` system call and never buffered, so a crawl killed at any moment
leaves a file that WARC tools read up to the last whole record; the next run writes new files.

A payload identical (by ``WARC-Payload-Digest``) to the last capture of the same URL is
written as a ``revisit`` record (headers only), as Heritrix does: listings re-read by
scheduled runs cost a few hundred bytes. The last capture of each URL is remembered across
runs in ``digests.sqlite3`` beside the WARC files, so deleting the directory forgets both.

Each response's place (file name, offset) is put in ``response.meta["newscrawl_warc"]``;
``WarcPointerMiddleware`` copies it into the ``warc`` field of the articles parsed from it.

Replay (``ReplayMiddleware``, ``-s NEWSCRAWL_REPLAY=<path or glob>[,...]``): requests are
answered from the stored responses and never reach the network; a request with no stored
response is counted (``newscrawl/replay/missing``) and ignored.
"""

from __future__ import annotations

import base64
import glob
import hashlib
import io
import json
import logging
import os
import sqlite3
import tempfile
import time
import uuid
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Optional
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import CloseSpider, IgnoreRequest, NotConfigured
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.defer import deferred_from_coro
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from .clock import file_stamp, utc_now
from .feeds import WRITE_FAILED_STAT, WholeLineFile, local_feed_paths
from .items import Article, WarcRecordRef
from .runfacts import RunFacts, run_facts
from .state import RUN_FAILED_STAT, file_in_the_way

logger = logging.getLogger(__name__)

META_KEY = "newscrawl_warc"
# A WARC extension field (ISO 28500 allows them) naming why the browser rendered the
# page: the body is the DOM after scripts ran, not the bytes the server sent.
RENDERED_HEADER = "WARC-Newscrawl-Rendered"
# HTTP headers that no longer describe the stored body: Scrapy has already decoded it.
_DECODED_AWAY = {b"content-encoding", b"transfer-encoding", b"content-length"}
# Settings that change what is fetched or how a page is read: named in each warcinfo record.
INFO_SETTINGS = ("USER_AGENT", "ROBOTSTXT_OBEY", "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED",
                 "CONCURRENT_REQUESTS_PER_DOMAIN", "NEWSCRAWL_INCREMENTAL", "NEWSCRAWL_STATE",
                 "NEWSCRAWL_NOW", "NEWSCRAWL_BROWSER_ENABLED")
_OFF = ("off", "0", "false", "no", "")


def switched_on(value: Any) -> bool:
    return str(value).strip().lower() not in _OFF


def warc_date(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# zlib's fast strategy (levels 1-3): on the replica's pages level 3 takes about half
# level 6's CPU for 5% more bytes (docs/benchmarks.md section 8); level 9 costs twice level 6.
GZIP_LEVEL = 3


def gzip_member(data: bytes) -> bytes:
    """``data`` as one whole gzip member."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return compressor.compress(data) + compressor.flush()


def _headers(headers: Any, drop: set[bytes] = frozenset()) -> list[tuple[str, str]]:
    pairs = []
    for name, values in headers.items():
        if name.lower() in drop:
            continue
        for value in values:
            pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs


def payload_digest(data: bytes) -> str:
    """A WARC digest (``sha1:`` and base 32, as warcio and Heritrix write it)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


REVISIT_PROFILE = "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest"
_EMPTY_DIGEST = payload_digest(b"")


def http_head(first_line: str, headers: list[tuple[str, str]]) -> bytes:
    """An HTTP status or request line and its headers, as warcio writes them: ASCII, or
    non-ASCII values percent-encoded (RFC 8187) by warcio itself in that rare case."""
    text = first_line + "\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
    try:
        return text.encode("ascii")
    except UnicodeEncodeError:
        status = StatusAndHeaders(first_line, list(headers), protocol="")
        return status.to_ascii_bytes()


def warc_record(fields: list[tuple[str, str]], block: bytes, content_type: str) -> bytes:
    """One whole WARC/1.0 record, uncompressed: header fields in the order given, then the
    block digest, content type and length warcio would add, then the block.

    Written by hand rather than through warcio's record builder, which cost about twice
    the record's gzip compression in Python per record (docs/benchmarks.md section 8); the
    bytes are those warcio writes (tests/test_warc.py compares them).
    """
    fields = fields + [("WARC-Block-Digest", payload_digest(block)), ("Content-Type", content_type),
                       ("Content-Length", str(len(block)))]
    head = "WARC/1.0\r\n" + "".join(f"{name}: {value}\r\n" for name, value in fields) + "\r\n"
    return head.encode("utf-8") + block + b"\r\n\r\n"


def new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def output_root(feed_path: Optional[Path], edition: str, spider_name: str,
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


def _locked(exc: Exception) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def move_aside(path: Path) -> Path:
    """Rename ``path`` (and its SQLite ``-wal``/``-shm`` files) to ``<name>.broken-<UTC time>``;
    the new name. Nothing is deleted."""
    aside = path.with_name(f"{path.name}.broken-{file_stamp(utc_now())}")
    serial = 0
    while os.path.lexists(aside):
        serial += 1
        aside = path.with_name(f"{path.name}.broken-{file_stamp(utc_now())}-{serial}")
    os.rename(path, aside)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.is_file():
            os.rename(companion, aside.with_name(aside.name + suffix))
    return aside


class DigestMemory:
    """The last capture of each URL (payload digest, date, record id, file, offset).

    New entries are held in memory and written in one transaction per batch (a commit per
    capture cost ~0.07 s of a 900-page crawl), at most ``BATCH`` entries or ``MAX_AGE``
    seconds after the last write, and on ``close``. Between batches no lock is held on the
    file. A crash loses only the entries not yet written: those URLs are then stored as
    full responses instead of revisits by the next run; no WARC data is lost.
    """

    SCHEMA = ("CREATE TABLE IF NOT EXISTS captures (key TEXT PRIMARY KEY, digest TEXT NOT NULL, "
              "date TEXT NOT NULL, record_id TEXT NOT NULL, file TEXT NOT NULL, offset INTEGER NOT NULL)")
    UPSERT = ("INSERT INTO captures VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
              "digest = excluded.digest, date = excluded.date, record_id = excluded.record_id, "
              "file = excluded.file, offset = excluded.offset")
    BATCH = 256
    MAX_AGE = 2.0
    TIMEOUT = 5.0  # seconds a statement waits for another process's lock

    def __init__(self, path: Path):
        """Open (or create) the memory at ``path``. One that cannot be read (corrupted, a
        directory) is moved aside with one warning and a new one started: it only saves bytes,
        and without it every run would keep no WARC at all. One locked by another process
        is left alone: this run keeps its memory in RAM (full responses, no revisits)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.failed = False  # a statement failed mid-run: said once, the memory goes on in RAM
        self.pending: dict[str, tuple[str, str, str, str, int]] = {}
        self.written_at = time.monotonic()
        try:
            self.db = self._connect(str(path))
        except sqlite3.DatabaseError as exc:
            if _locked(exc):
                logger.warning("WARC digest memory %s is locked by another process (%s): this run stores "
                               "full responses, no revisits", path, exc)
                self.db = self._connect(":memory:")
                return
            aside = move_aside(path)
            logger.warning("WARC digest memory %s cannot be read (%s): moved aside to %s; a new one is "
                           "started (this run stores full responses where it would have written revisits)",
                           path, exc, aside.name)
            self.db = self._connect(str(path))

    def _connect(self, name: str) -> sqlite3.Connection:
        if name != ":memory:" and os.path.lexists(name) and not Path(name).is_file():
            raise sqlite3.DatabaseError("not a regular file")
        db = sqlite3.connect(name, timeout=self.TIMEOUT, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(check)
            db.execute(self.SCHEMA)
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _failed(self, exc: sqlite3.Error) -> None:
        if not self.failed:
            logger.warning("WARC digest memory %s failed (%s): the rest of this run stores full responses, "
                           "no revisits", self.path, exc)
        self.failed = True

    def last(self, key: str) -> Optional[tuple[str, str, str, str, int]]:
        if key in self.pending:
            return self.pending[key]
        if self.failed:
            return None
        try:
            return self.db.execute("SELECT digest, date, record_id, file, offset FROM captures WHERE key = ?",
                                   (key,)).fetchone()
        except sqlite3.Error as exc:
            self._failed(exc)
            return None

    def remember(self, key: str, digest: str, date: str, record_id: str, file: str, offset: int) -> None:
        self.pending[key] = (digest, date, record_id, file, offset)
        if len(self.pending) >= self.BATCH or time.monotonic() - self.written_at >= self.MAX_AGE:
            self.flush()

    def flush(self) -> None:
        """Write the entries held in memory, in one transaction (kept in memory if that fails)."""
        if self.pending and not self.failed:
            try:
                with self.db:
                    self.db.execute("BEGIN")
                    self.db.executemany(self.UPSERT, [(key, *entry) for key, entry in self.pending.items()])
                self.pending.clear()
            except sqlite3.Error as exc:
                self._failed(exc)
        self.written_at = time.monotonic()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.db.close()


class RotatingWarcFile:
    """Whole records appended to ``<dir>/<stamp>-<serial>.warc.gz``, a new serial past ``max_size``."""

    def __init__(self, directory: Path, stamp: str, max_size: int, warcinfo: dict[str, str]):
        self.directory = directory
        self.stamp = stamp
        self.max_size = max_size
        self.info = warcinfo
        self.serial = -1
        self.file: Optional[WholeLineFile] = None
        self.name = ""
        self.size = 0
        self.files: list[Path] = []
        self._buffer = io.BytesIO()
        self._writer = WARCWriter(self._buffer, gzip=False)

    def _warcinfo(self, name: str) -> bytes:
        """The file's first record (once per file: warcio writes it)."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.write_record(self._writer.create_warcinfo_record(name, self.info))
        return self._buffer.getvalue()

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            self.serial += 1
            name = f"{self.stamp}-{self.serial:05d}.warc.gz"
            try:
                fd = os.open(self.directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
            except FileExistsError:
                continue  # a run started in the same second
            break
        self.name = name
        self.file = WholeLineFile(os.fdopen(fd, "ab", buffering=0))
        self.size = 0
        self.files.append(self.directory / name)
        self.write([self._warcinfo(name)])

    def write(self, records: list[bytes]) -> list[tuple[str, int, int]]:
        """Write whole records (uncompressed), each as its own gzip member, in one system
        call; (file name, offset, length) of each member."""
        if self.file is None or self.size >= self.max_size:
            self.close()
            self._open()
        members = [gzip_member(r) for r in records]
        places = []
        offset = self.size
        for member in members:
            places.append((self.name, offset, len(member)))
            offset += len(member)
        self.file.write(b"".join(members))
        self.size = offset
        return places

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def _response_head(response: Response, length: int) -> bytes:
    """The stored response's status line and headers (those still true of the decoded body)."""
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    protocol = response.protocol if response.protocol and response.protocol.startswith("HTTP/") else "HTTP/1.1"
    status_line = f"{protocol} {response.status} {reason}".strip()
    return http_head(status_line, _headers(response.headers, _DECODED_AWAY) + [("Content-Length", str(length))])


def _request_record(request: Request, url: str, date: str, concurrent_to: str) -> bytes:
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    head = http_head(f"{request.method} {target} HTTP/1.1", [("Host", parts.netloc)] + _headers(request.headers))
    fields = [("WARC-Date", date), ("WARC-Concurrent-To", concurrent_to), ("WARC-Type", "request"),
              ("WARC-Record-ID", new_record_id()), ("WARC-Target-URI", url), ("WARC-Payload-Digest", _EMPTY_DIGEST)]
    return warc_record(fields, head, "application/http; msgtype=request")


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

    def capture(self, response: Response, request: Request, now: Optional[datetime] = None) -> dict[str, Any]:
        """Store one response; the place of the record holding its payload (file, offset, id)."""
        date = warc_date(now or datetime.now(timezone.utc))
        url = response.url
        rendered = str(request.meta.get("newscrawl_render") or "") if request.meta.get("playwright") else ""
        body = response.body
        digest = payload_digest(body)
        key = f"{rendered}:{url}" if rendered else url
        last = self.memory.last(key)
        revisit = last is not None and last[0] == digest
        if revisit and not self._still_there(last[3]):
            revisit = False
            self.counts["revisit_target_missing"] += 1
        fields = [("WARC-Date", date)]
        if response.ip_address is not None:
            fields.append(("WARC-IP-Address", str(response.ip_address)))
        if rendered:
            fields.append((RENDERED_HEADER, rendered))
        record_id = new_record_id()
        http = _response_head(response, len(body))
        if revisit:
            _, first_date, first_id, first_file, first_offset = last
            fields += [("WARC-Refers-To", first_id), ("WARC-Type", "revisit"), ("WARC-Record-ID", record_id),
                       ("WARC-Target-URI", url), ("WARC-Profile", REVISIT_PROFILE),
                       ("WARC-Refers-To-Target-URI", url), ("WARC-Refers-To-Date", first_date),
                       ("WARC-Payload-Digest", digest)]
            record = warc_record(fields, http, "application/http; msgtype=response")
        else:
            fields += [("WARC-Payload-Digest", digest), ("WARC-Type", "response"), ("WARC-Record-ID", record_id),
                       ("WARC-Target-URI", url)]
            record = warc_record(fields, http + body, "application/http; msgtype=response")
        places = self.out.write([record, _request_record(request, url, date, record_id)])
        kind = "revisit" if revisit else "response"
        self.counts[kind] += 1
        self.counts["bytes"] += sum(length for _, _, length in places)
        if revisit:
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


class WarcCapture:
    """The extension: every response the crawl receives goes to the run's WARC files."""

    def __init__(self, crawler: Any):
        settings = crawler.settings
        if not switched_on(settings.get("NEWSCRAWL_WARC", "on")):
            raise NotConfigured("NEWSCRAWL_WARC is off")
        if switched_on(settings.get("NEWSCRAWL_REPLAY", "")):
            raise NotConfigured("a replayed crawl fetches nothing new to keep")
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_size = settings.getint("NEWSCRAWL_WARC_MAX_SIZE", 1_000_000_000)
        self.capturer: Optional[Capturer] = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> "WarcCapture":
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signals.spider_opened)
        crawler.signals.connect(ext.received, signals.response_received)
        crawler.signals.connect(ext.closed, signals.spider_closed)
        return ext

    def _article_feed(self) -> Optional[Path]:
        feeds = local_feed_paths(self.crawler, article_only=True)
        return feeds[0] if feeds else None  # stdout:, s3://, ...: no local file to keep WARCs beside

    def opened(self, spider: Any) -> None:
        if self.stats.get_value(WRITE_FAILED_STAT):  # an output that cannot be opened: the run does not start
            return
        settings = self.crawler.settings
        facts = run_facts(self.crawler)
        names = facts.names() if facts is not None else {"edition": "en", "name": spider.name, "dataset": spider.name}
        edition = names["edition"]
        template = settings.get("NEWSCRAWL_WARC_DIR") or ""
        feed = self._article_feed()
        if feed is None and not template:
            # No local output (-o - to stdout, scrapy parse/shell/check): the raw responses
            # have no run to go with; NEWSCRAWL_WARC_DIR asks for them all the same.
            logger.info("no local output file: no WARC is written (set NEWSCRAWL_WARC_DIR to keep one)")
            return
        directory, stamp = (output_root(feed, edition, names["name"], names["dataset"]) if feed is not None
                            else (None, None))
        if template:
            directory = Path(template % names)
        problem = cannot_write_in(directory)
        if problem:
            # Scrapy would log a traceback and crawl on keeping no WARC, run after run (cron
            # exit 0): the run stops before its first request, as for an output it cannot open.
            self._fail(f"{problem}; run with -s NEWSCRAWL_WARC=off to crawl without WARC files")
            raise CloseSpider(WARC_FAILED)
        try:
            self.capturer = Capturer(directory, stamp or file_stamp(utc_now()), self.max_size,
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


# --- reading ----------------------------------------------------------------------------


@dataclass
class StoredResponse:
    """A response record read back from a WARC file."""

    url: str
    date: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    file: str
    offset: int
    record_id: str
    rendered: str = ""

    def response(self, request: Optional[Request] = None) -> Response:
        """The record as the Scrapy response the crawl had (same class, body and headers)."""
        headers = Headers([(k, v) for k, v in self.headers if k.lower().encode() not in _DECODED_AWAY])
        # As Scrapy's downloader picks the class: by Content-Type, then by name, then by body.
        cls = responsetypes.from_args(headers=headers, url=self.url, body=self.body)
        return cls(url=self.url, status=self.status, headers=headers, body=self.body, request=request,
                   flags=["warc"])


def warc_files(paths: list[str]) -> list[Path]:
    """Paths and globs to WARC files (a directory stands for its ``*.warc.gz`` and ``*.warc``)."""
    found: list[Path] = []
    for spec in paths:
        path = Path(spec)
        # A directory named like a WARC file, inside a directory or matched by a glob, is
        # not one: only what the names stand for is read.
        if path.is_dir():
            found += sorted((p for p in list(path.glob("*.warc.gz")) + list(path.glob("*.warc")) if not p.is_dir()),
                            key=lambda p: p.name)
        elif any(ch in spec for ch in "*?["):
            found += sorted((Path(p) for p in glob.glob(spec) if not Path(p).is_dir()), key=lambda p: p.name)
        else:
            found.append(path)
    return found


def iter_records(fh: BinaryIO, name: str, on_truncated: Optional[callable] = None) -> Iterator[tuple[Any, int]]:
    """(record, offset) of every whole record; a cut-off last record ends the file quietly."""
    iterator = ArchiveIterator(fh, arc2warc=True)
    records = iter(iterator)
    while True:
        try:
            record = next(records)
        except StopIteration:
            # warcio ends quietly at a record cut off inside its gzip member: what is left
            # after the last whole record says so.
            try:
                left = os.fstat(fh.fileno()).st_size - iterator.offset
            except (AttributeError, OSError, io.UnsupportedOperation):
                left = 0
            if left > 0 and on_truncated is not None:
                on_truncated(name, f"{left} bytes after the last whole record")
            return
        except Exception as exc:  # noqa: BLE001 (zlib, EOF or parse errors: all mean "cut here")
            if on_truncated is not None:
                on_truncated(name, _one_line(exc))
            return
        # Where this record starts; get_record_offset() would read the record to its end first.
        yield record, iterator.offset


def _one_line(exc: Exception) -> str:
    """Why a WARC file could not be read further, as one short line: warcio's error for a
    file gzipped whole (``gzip file.warc``) is a dozen lines of advice."""
    text = " ".join(str(exc).split())
    if "non-chunked gzip" in text:
        return ("it is one gzip stream, not one gzip member per record, so only its first record can be read; "
                "`warcio recompress FILE NEW` rewrites it")
    return text[:300] or type(exc).__name__


@dataclass
class RecordHead:
    """What a scan needs of a record: its type, place, target, date, HTTP status, warcinfo fields,
    its id and, for a revisit, the record it refers to (id, else target URI and date)."""

    kind: str
    offset: int
    url: str = ""
    date: str = ""
    status: Optional[int] = None
    info: Optional[dict[str, str]] = None
    record_id: str = ""
    refers_to: str = ""
    refers_to_date: str = ""


def _warc_fields(text: str) -> dict[str, str]:
    fields = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


class _NotOnePerMember(Exception):
    """A gzip member that is not exactly one WARC record: warcio reads the rest."""


# Compressed bytes handed to zlib at a time; most records are one member below this.
_SCAN_STEP = 32768


def scan_heads(path: Path, on_truncated: Optional[callable] = None,
               on_corrupt: Optional[callable] = None) -> Iterator[RecordHead]:
    """The head of every whole record of a WARC file, in order, fast.

    Files of one record per gzip member (ours, Common Crawl's, most tools') are read with
    zlib alone: each member is inflated only as far as its header lines (memory stays bounded
    whatever the body's size), then to its end without keeping the rest. A member zlib cannot
    inflate is reported to ``on_corrupt`` and skipped: the scan goes on at the next gzip magic.
    Any other layout (uncompressed, several records in one member) is handed to warcio from
    where it starts.
    """
    size = path.stat().st_size
    pos = 0
    # Plain reads, not a memory map: a 1 GB file would count whole in the process's memory.
    with path.open("rb") as fh:
        try:
            while pos < size:
                fh.seek(pos)
                chunk = fh.read(_SCAN_STEP)
                if chunk[:2] != b"\x1f\x8b":
                    raise _NotOnePerMember
                inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
                try:
                    data, whole = _inflate_member(fh, inflate, chunk, size - pos)
                except zlib.error as exc:
                    if on_corrupt is not None:
                        on_corrupt(path.name, pos, exc)
                    pos = _next_member(fh, pos + 1, size)
                    continue
                if not whole:
                    if on_truncated is not None:
                        on_truncated(path.name, f"{size - pos} bytes after the last whole record")
                    return
                head = _head_of(data, pos)
                pos = fh.tell() - len(inflate.unused_data)
                yield head
        except _NotOnePerMember:
            pass
    if pos < size:
        with path.open("rb") as fh:
            fh.seek(pos)
            for record, offset in iter_records(fh, path.name, on_truncated):
                yield _head_of_record(record, offset)


# Inflated bytes kept of a member: its WARC head, its HTTP status line and, for a warcinfo,
# its fields. The rest is inflated in steps and dropped.
_HEAD_KEEP = 65536


def _inflate_member(fh: BinaryIO, inflate: Any, chunk: bytes, left: int) -> tuple[bytes, bool]:
    """The first bytes of a gzip member (at most ``_HEAD_KEEP``) and whether it ends whole."""
    fed = len(chunk)
    data = inflate.decompress(chunk, _HEAD_KEEP)
    pending = inflate.unconsumed_tail
    while not inflate.eof:
        if not pending:
            if fed >= left:
                return data, False
            pending = fh.read(_SCAN_STEP * 4)
            fed += len(pending)
            if not pending:
                return data, False
        room = max(_HEAD_KEEP - len(data), 0)
        # Past the head, inflate in bounded steps and keep nothing.
        out = inflate.decompress(pending, room or _SCAN_STEP)
        if room:
            data += out
        pending = inflate.unconsumed_tail
    # What this member did not use belongs to the next one: the caller rewinds to it.
    fh.seek(fh.tell() - len(pending))
    return data, True


def _next_member(fh: BinaryIO, start: int, size: int) -> int:
    """Where the next gzip member (magic and deflate method) starts at or after ``start``."""
    pos = start
    while pos < size:
        fh.seek(pos)
        window = fh.read(_SCAN_STEP * 4 + 2)
        found = window.find(b"\x1f\x8b\x08")
        if found >= 0:
            return pos + found
        pos += max(len(window) - 2, 1)
    return size


def _head_of(data: bytes, offset: int) -> RecordHead:
    end = data.find(b"\r\n\r\n")
    if not data.startswith(b"WARC/") or end < 0:
        raise _NotOnePerMember
    fields = _warc_fields(data[:end].decode("utf-8", "replace"))
    try:
        length = int(fields.get("Content-Length", ""))
    except ValueError:
        raise _NotOnePerMember from None
    block = data[end + 4:]
    if len(block) > length + 4:  # more than one record in this member
        raise _NotOnePerMember
    kind = fields.get("WARC-Type", "")
    head = RecordHead(kind, offset, fields.get("WARC-Target-URI", ""), fields.get("WARC-Date", ""),
                      record_id=fields.get("WARC-Record-ID", ""))
    if kind == "revisit":
        head.refers_to, head.refers_to_date = fields.get("WARC-Refers-To", ""), fields.get("WARC-Refers-To-Date", "")
    if kind == "warcinfo":
        head.info = _warc_fields(block[:length].decode("utf-8", "replace"))
    elif kind == "response" and block.startswith(b"HTTP/"):
        status = block[: block.find(b"\n")].split()
        head.status = int(status[1]) if len(status) > 1 and status[1].isdigit() else None
    return head


def _head_of_record(record: Any, offset: int) -> RecordHead:
    headers = record.rec_headers
    head = RecordHead(record.rec_type, offset, headers.get_header("WARC-Target-URI") or "",
                      headers.get_header("WARC-Date") or "", record_id=headers.get_header("WARC-Record-ID") or "")
    if record.rec_type == "revisit":
        head.refers_to = headers.get_header("WARC-Refers-To") or ""
        head.refers_to_date = headers.get_header("WARC-Refers-To-Date") or ""
    if record.rec_type == "warcinfo":
        head.info = read_warcinfo(record)
    elif record.rec_type == "response" and record.http_headers is not None:
        code = record.http_headers.get_statuscode()
        head.status = int(code) if code and code.isdigit() else None
    return head


class PayloadTooLarge(ValueError):
    """A record's payload over the cap it was read with."""


def read_payload(record: Any, cap: Optional[int] = None) -> bytes:
    """The HTTP body of a response record, transfer and content encodings undone.

    With ``cap``, at most ``cap`` bytes are read: a longer payload raises PayloadTooLarge
    (one read of ``cap + 1`` bytes, so memory stays bounded whatever the record says)."""
    stream = record.content_stream()
    if cap is None:
        return stream.read()
    body = stream.read(cap + 1)
    if len(body) > cap:
        raise PayloadTooLarge(f"payload over {cap} bytes")
    return body


def stored_response(record: Any, name: str, offset: int, cap: Optional[int] = None) -> Optional[StoredResponse]:
    """A response record as a StoredResponse (None for other records and unreadable ones;
    PayloadTooLarge for a body over ``cap`` bytes)."""
    if record.rec_type != "response" or record.http_headers is None:
        return None
    try:
        status = int(record.http_headers.get_statuscode())
    except (TypeError, ValueError):
        return None
    headers = record.rec_headers
    return StoredResponse(
        url=headers.get_header("WARC-Target-URI") or "",
        date=headers.get_header("WARC-Date") or "",
        status=status,
        headers=list(record.http_headers.headers),
        body=read_payload(record, cap),
        file=name,
        offset=offset,
        record_id=headers.get_header("WARC-Record-ID") or "",
        rendered=headers.get_header(RENDERED_HEADER) or "",
    )


def read_warcinfo(record: Any) -> dict[str, str]:
    """The fields of a warcinfo record."""
    return _warc_fields(record.content_stream().read().decode("utf-8", "replace"))


# --- replay -----------------------------------------------------------------------------


class ReplayError(ValueError):
    """``NEWSCRAWL_REPLAY`` names no WARC file to replay; the message is one line."""


def replay_specs(settings: Any) -> list[str]:
    """The paths and globs of ``NEWSCRAWL_REPLAY`` ([] when replay is off)."""
    spec = str(settings.get("NEWSCRAWL_REPLAY") or "")
    return [s.strip() for s in spec.split(",") if s.strip()] if switched_on(spec) else []


def replay_files(specs: list[str]) -> list[Path]:
    """The WARC files ``specs`` stand for; ReplayError when a path does not exist or there is
    none at all (a glob that matches nothing, a directory without ``*.warc.gz`` or ``*.warc``)."""
    for spec in specs:
        if not any(ch in spec for ch in "*?[") and not Path(spec).exists():
            raise ReplayError(f"NEWSCRAWL_REPLAY: {spec} does not exist")
    files = warc_files(specs)
    if not files:
        raise ReplayError(f"NEWSCRAWL_REPLAY={','.join(specs)} names no WARC file (a glob that matches "
                          f"nothing, or no *.warc.gz / *.warc file in the directory)")
    for path in files:
        # /dev/zero (or a link to it) never ends: the index was read from it for ever, with
        # growing memory, before the crawl could even take a SIGTERM.
        if not path.is_file():
            raise ReplayError(f"NEWSCRAWL_REPLAY: {path} is not a regular file (a device, a FIFO, a "
                              "symlink loop); not read")
    return files


def replay_problem(settings: Any) -> Optional[str]:
    """Why ``NEWSCRAWL_REPLAY`` cannot be replayed (one line), or None; for a command to
    refuse it before the crawl opens anything."""
    specs = replay_specs(settings)
    try:
        if specs:
            replay_files(specs)
    except ReplayError as exc:
        return str(exc)
    return None


class ReplayMiddleware:
    """Answers every request from stored responses (``NEWSCRAWL_REPLAY``); never the network.

    The last capture of each URL wins (a rendered capture answers only rendered requests).
    A revisit record is answered with the payload of the capture it refers to.
    """

    def __init__(self, crawler: Any, specs: list[str]):
        self.stats = crawler.stats
        self.index: dict[str, tuple[Path, int]] = {}
        self.problem: Optional[str] = None
        by_id: dict[str, tuple[Path, int]] = {}
        try:
            files = replay_files(specs)
        except ReplayError as exc:
            # `scrapy crawl` refuses this before the crawl (exit 2); for the other commands the
            # crawl stops at open with this line, answering nothing (never the network).
            self.problem = str(exc)
            crawler.signals.connect(self._refuse, signals.spider_opened)
            return
        for path in files:
            with path.open("rb") as fh:
                for record, offset in iter_records(fh, path.name):
                    kind = record.rec_type
                    if kind not in ("response", "revisit"):
                        continue
                    headers = record.rec_headers
                    rendered = headers.get_header(RENDERED_HEADER) or ""
                    url = headers.get_header("WARC-Target-URI") or ""
                    key = f"{rendered}:{url}" if rendered else url
                    if kind == "response":
                        by_id[headers.get_header("WARC-Record-ID") or ""] = (path, offset)
                        self.index[key] = (path, offset)
                    else:
                        original = by_id.get(headers.get_header("WARC-Refers-To") or "")
                        if original is not None:
                            self.index[key] = original
        logger.info("replaying %d stored responses from %d WARC files", len(self.index), len(files))

    @classmethod
    def from_crawler(cls, crawler: Any) -> "ReplayMiddleware":
        specs = replay_specs(crawler.settings)
        if not specs:
            raise NotConfigured
        return cls(crawler, specs)

    def _refuse(self, spider: Any = None) -> None:
        self.stats.set_value(RUN_FAILED_STAT, self.problem)
        logger.error("%s; the crawl does not start", self.problem)
        raise CloseSpider("replay_unusable")

    def process_request(self, request: Request) -> Response:
        if self.problem is not None:
            raise IgnoreRequest(self.problem)
        rendered = str(request.meta.get("newscrawl_render") or "") if request.meta.get("playwright") else ""
        key = f"{rendered}:{request.url}" if rendered else request.url
        place = self.index.get(key)
        if place is None:
            self.stats.inc_value("newscrawl/replay/missing")
            raise IgnoreRequest(f"not in the replayed WARCs: {request.url}")
        path, offset = place
        with path.open("rb") as fh:
            fh.seek(offset)
            record, _ = next(iter_records(fh, path.name))
            stored = stored_response(record, path.name, offset)
        self.stats.inc_value("newscrawl/replay/answered")
        request.meta[META_KEY] = {"file": stored.file, "offset": stored.offset, "record_id": stored.record_id}
        return stored.response(request)
