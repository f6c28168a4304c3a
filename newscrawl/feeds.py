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
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any, Callable, Optional

from scrapy.extensions.feedexport import FileFeedStorage


class LineAtomicFileStorage(FileFeedStorage):
    """FileFeedStorage whose file is unbuffered, so records are written line by line."""

    stats: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any, uri: str, *, feed_options: Optional[dict] = None) -> "LineAtomicFileStorage":
        storage = cls(uri, feed_options=feed_options)
        storage.stats = crawler.stats
        return storage

    def open(self, spider: Any) -> IO[Any]:
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        on_failure = (lambda: self.stats.inc_value(WRITE_FAILED_STAT)) if self.stats is not None else None
        return WholeLineFile(open(path, self.write_mode, buffering=0), on_failure)  # noqa: SIM115 (closed by store())


# Counted in the crawl's stats; the dedupe pipeline reads it: once a write failed it
# remembers no more records (one whose line is not in the file must be emitted again).
WRITE_FAILED_STAT = "newscrawl/feed/write_failed"


class WholeLineFile:
    """An unbuffered binary file whose every ``write`` lands whole or not at all."""

    def __init__(self, raw: Any, on_failure: Optional[Callable[[], None]] = None):
        self.raw = raw
        self.fd = raw.fileno()
        self.on_failure = on_failure

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        start = os.lseek(self.fd, 0, os.SEEK_END)
        done = 0
        try:
            while done < len(view):
                done += os.write(self.fd, view[done:])
        except BaseException:
            if self.on_failure is not None:
                self.on_failure()
            if done:
                os.ftruncate(self.fd, start)
            raise
        return done

    def __getattr__(self, name: str) -> Any:
        # close, flush, name, closed, ...: the raw file's own.
        return getattr(self.raw, name)
