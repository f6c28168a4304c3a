"""A feed storage that never leaves half a line behind.

Scrapy's file storage writes through a buffered file: a crawl killed mid-run can leave
the last line cut anywhere. Here the file is opened unbuffered in append mode, and the
JSON Lines exporter writes each record with one ``write`` call, so each line reaches
the kernel whole with a single system call: a killed process leaves only whole lines.
(Power loss is another matter: no fsync per line, by design.)

One system call is not always enough: ``write`` may write only part of the bytes (a
signal, a nearly full disk), and Scrapy's exporter ignores the count it returns. So
``WholeLineFile`` finishes short writes, and when a write fails (no space left) it cuts
the file back to where that line began before raising: no partial line in either case.

stdout (``-o -:jsonlines``) is written the same way, one unbuffered ``write`` per record, and a
failed write there (the reader of the pipe went away: ``| head``) stops the run as a full disk
does. ``LineFeedExporter`` counts the records whose line was written (the run summary's and the
progress line's counts) and keeps Scrapy from logging a traceback per record for a failure the
storage has already reported in one line.
"""

from __future__ import annotations

import dataclasses
import errno
import io
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Callable, Optional, cast
from urllib.parse import urlsplit

from scrapy.exporters import JsonLinesItemExporter
from scrapy.extensions.feedexport import FeedExporter, FileFeedStorage, StdoutFeedStorage
from scrapy.utils.python import to_bytes
from w3lib.url import file_uri_to_path

from .items import Article, BreakingItem, PostCheck
from .runfacts import run_facts


class _ReportsFailures:
    """A feed storage that puts its failures (open, write) in the crawl's stats, one line."""

    stats: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any, uri: str, *, feed_options: Optional[dict] = None) -> Any:
        # A mixin: the Scrapy storage class it is mixed into takes these arguments.
        storage = cls(uri, feed_options=feed_options)  # type: ignore[call-arg]
        storage.stats = crawler.stats
        return storage

    def _failed(self, message: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(WRITE_FAILED_STAT)
            if not self.stats.get_value(FEED_FAILURE_STAT):
                self.stats.set_value(FEED_FAILURE_STAT, message)


class LineAtomicFileStorage(_ReportsFailures, FileFeedStorage):
    """FileFeedStorage whose file is unbuffered, so records are written line by line."""

    def open(self, spider: Any) -> IO[Any]:
        path = Path(self.path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            raw = open(path, self.write_mode, buffering=0)  # noqa: SIM115 (closed by store())
        except OSError as exc:
            # A /sys path, a read-only or missing directory, a directory: as fatal as a
            # failed write (Scrapy would only log it and carry on, remembering the records).
            self._failed(f"cannot open the output {path}: {exc.strerror or exc}")
            raise
        # Scrapy's feed slot only writes to and closes the file it gets.
        file = WholeLineFile(raw, lambda exc: self._failed(f"cannot write the output {path}: {_why(exc)}"))
        return cast(IO[Any], file)


class LineAtomicStdoutStorage(_ReportsFailures, StdoutFeedStorage):
    """stdout written as the files are: one unbuffered ``write`` per record (through Scrapy's
    buffered stdout, records still in the buffer counted as written), and a failed write (a
    broken pipe) reported like a full disk: the run stops with ``feed_write_failed``."""

    def __init__(self, uri: str, _stdout: Any = None, *, feed_options: Optional[dict] = None):
        # With stdout closed (>&-) Python has no sys.stdout (Scrapy's constructor would raise)
        # and fd 1 may since be another file: never written to; the first record says so.
        self.stdout_closed = _stdout is None and sys.stdout is None
        if _stdout is None and sys.stdout is not None:
            _stdout = sys.stdout.buffer
        super().__init__(uri, _stdout or io.BytesIO(), feed_options=feed_options)

    def open(self, spider: Any) -> IO[Any]:
        try:
            if self.stdout_closed:
                raise OSError(errno.EBADF, "it is closed")
            sys.stdout.flush()  # whatever was printed before comes first
            raw = os.fdopen(os.dup(self._stdout.fileno()), "wb", buffering=0)  # noqa: SIM115 (closed by store())
        except (OSError, ValueError) as exc:
            self._failed(f"cannot write to stdout: {_why(exc)}")
            raise
        return cast(IO[Any], WholeLineFile(raw, lambda exc: self._failed(_stdout_failure(exc))))

    def store(self, file: IO[Any]) -> None:
        file.close()  # our duplicate of fd 1; stdout itself stays open


def _stdout_failure(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
        return "cannot write to stdout: its reader closed the pipe (Broken pipe)"
    return f"cannot write to stdout: {_why(exc)}"


def cannot_open(path: Path) -> Optional[str]:
    """Why the feed file ``path`` could not be opened for writing, or None when it can.

    Tried at spider open by actually opening it (``os.access`` says yes to root on /sys),
    then undone: a file created for the test is removed (no empty file for a run that
    finds nothing). O_NONBLOCK: a FIFO without a reader is an error, not a hang.
    """
    try:
        if path.is_dir():
            return f"cannot open the output {path}: it is a directory"
        existed = path.exists()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return f"cannot create the output's directory {path.parent}: {exc.strerror or exc}"
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NONBLOCK | os.O_CLOEXEC, 0o666))
        if not existed:
            path.unlink()
    except OSError as exc:
        return f"cannot open the output {path}: {exc.strerror or exc}"
    return None


def _why(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


# Counted in the crawl's stats; the dedupe pipeline reads it: once a feed could not be
# opened or written it remembers no more records (one whose line is not in the file must
# be emitted again) and stops the run. FEED_FAILURE_STAT holds the first failure, one line.
WRITE_FAILED_STAT = "newscrawl/feed/write_failed"
FEED_FAILURE_STAT = "newscrawl/feed/failure"


class WholeLineFile:
    """An unbuffered binary file whose every ``write`` lands whole or not at all."""

    def __init__(self, raw: Any, on_failure: Optional[Callable[[BaseException], None]] = None):
        self.raw = raw
        self.fd = raw.fileno()
        self.on_failure = on_failure
        # A pipe or a terminal cannot be cut back: there a failed write is only reported.
        self.seekable = raw.seekable()

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        start = os.lseek(self.fd, 0, os.SEEK_END) if self.seekable else None
        done = 0
        try:
            while done < len(view):
                done += os.write(self.fd, view[done:])
        except BaseException as exc:
            if self.on_failure is not None:
                self.on_failure(exc)
            if done and start is not None:
                os.ftruncate(self.fd, start)
            raise
        return done

    def __getattr__(self, name: str) -> Any:
        # close, flush, name, closed, ...: the raw file's own.
        return getattr(self.raw, name)


# --- the JSON Lines exporter ------------------------------------------------------------


@lru_cache(maxsize=None)
def _plain_fields(cls: type) -> Optional[tuple[str, ...]]:
    """The field names of a record class the fast path can write, or None.

    Our records (``newscrawl.core.items``) are dataclasses without per-field serializers, so
    Scrapy's exporter writes every field, in declaration order, as is.
    """
    if not dataclasses.is_dataclass(cls) or not cls.__module__.startswith("newscrawl."):
        return None
    fields = dataclasses.fields(cls)
    if any("serializer" in f.metadata for f in fields):
        return None
    return tuple(f.name for f in fields)


_LEAVES = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """Lists and nested records as JSON-ready lists and dicts (what ScrapyJSONEncoder makes of
    them through ItemAdapter); anything else is left for the encoder, as before."""
    if type(value) in _LEAVES:  # most values: no isinstance or dataclass test (the pipeline's check uses this too)
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    fields = _plain_fields(type(value)) if dataclasses.is_dataclass(value) and not isinstance(value, type) else None
    if fields is not None:
        return {name: _plain(getattr(value, name)) for name in fields}
    return value


def plain_record(item: Any) -> Optional[dict]:
    """The dict the JSON Lines exporter writes for one of our records (None for another
    item): what a pipeline checks to judge the line before it is written."""
    kind: type = type(item)
    fields = _plain_fields(kind)
    return None if fields is None else {name: _plain(getattr(item, name)) for name in fields}


class JsonLinesExporter(JsonLinesItemExporter):
    """Scrapy's JSON Lines exporter, same bytes, without ItemAdapter per record and per
    nested image or link: our records become plain dicts the C JSON encoder writes in one go
    (the ItemAdapter path cost ~0.25 ms per article). Other items, and feeds with a field
    list, take Scrapy's path. Still one ``write`` per line (see LineAtomicFileStorage)."""

    def export_item(self, item: Any) -> None:
        kind: type = type(item)
        fields = _plain_fields(kind) if self.fields_to_export is None else None
        if fields is None:
            super().export_item(item)
            return
        data = self.encoder.encode({name: _plain(getattr(item, name)) for name in fields}) + "\n"
        self.file.write(to_bytes(data, self.encoding))


# The run's counts of records written, by record class (the run summary's "articles",
# "ticker_lines" and "checks", the progress line's "written").
WRITTEN_STATS = ((Article, "newscrawl/emitted/articles"), (BreakingItem, "newscrawl/emitted/ticker_lines"),
                 (PostCheck, "newscrawl/emitted/checks"))


class LineFeedExporter(FeedExporter):
    """Scrapy's feed exporter, counting the records written, and quiet about failed writes
    our storages report.

    A record counts once its line is in every feed that takes it (and it is in one): one
    that failed to open or to be written is not in the output, whatever Scrapy scraped.
    A write or open that failed has been reported by the storage (``WRITE_FAILED_STAT``, one
    line from the StateKeeper, which stops the run): Scrapy would log the same error again
    with a traceback, for this record and each one still coming. Anything else still raises.
    """

    def item_scraped(self, item: Any, spider: Any) -> None:
        stats = self.crawler.stats
        failures = stats.get_value(WRITE_FAILED_STAT, 0)
        try:
            super().item_scraped(item, spider)
        except Exception:
            if stats.get_value(WRITE_FAILED_STAT, 0) == failures:
                raise
            return
        name = next((stat for cls, stat in WRITTEN_STATS if isinstance(item, cls)), None)
        if name is not None and any(slot.filter.accepts(item) for slot in self.slots):
            stats.inc_value(name)


def uri_params(params: dict[str, Any], spider: Any) -> dict[str, Any]:
    """``FEED_URI_PARAMS``: adds ``%(dataset)s``, the directory name of this crawl's data:
    the spider's name for the edition's live host, a name of its own for a mirror or the
    replica (``CrawlArgs.dataset``), so that their records never land in the live dataset."""
    facts = run_facts(getattr(spider, "crawler", None))
    params["dataset"] = facts.dataset if facts is not None else spider.name
    return params


def local_feed_paths(crawler: Any, article_only: bool = False) -> list[Path]:
    """The local files this run's feeds write, in order: ``stdout:``, ``s3://`` and other
    schemes are not local (a one-letter scheme is a drive letter); with ``article_only``,
    only the feeds that take Article records (or every kind)."""
    exporter = crawler.get_extension(FeedExporter)
    paths = []
    for slot in getattr(exporter, "slots", []):
        classes = [str(c) for c in slot.feed_options.get("item_classes") or []]
        if article_only and classes and not any(c.endswith("Article") for c in classes):
            continue
        scheme = urlsplit(slot.uri).scheme
        if scheme == "file":
            paths.append(Path(file_uri_to_path(slot.uri)))
        elif len(scheme) <= 1:
            paths.append(Path(slot.uri))
    return paths
