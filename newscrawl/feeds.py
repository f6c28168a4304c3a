"""A feed storage that never leaves half a line behind.

Scrapy's file storage writes through a buffered file: a crawl killed mid-run can leave
the last line cut anywhere. Here the file is opened unbuffered in append mode, and the
JSON Lines exporter writes each record with one ``write`` call, so each line reaches
the kernel whole with a single system call: a killed process leaves only whole lines.
(Power loss is another matter: no fsync per line, by design.)
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from scrapy.extensions.feedexport import FileFeedStorage


class LineAtomicFileStorage(FileFeedStorage):
    """FileFeedStorage whose file is unbuffered, so records are written line by line."""

    def open(self, spider: Any) -> IO[Any]:
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, self.write_mode, buffering=0)  # noqa: SIM115 (closed by store())
