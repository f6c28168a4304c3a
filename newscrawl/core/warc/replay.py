"""Replay of a crawl from stored WARC files (``-s NEWSCRAWL_REPLAY=<path or glob>[,...]``).

``ReplayMiddleware`` (a downloader middleware, last before the download handler) answers every
request from the stored responses and never lets one reach the network; a request with no
stored response is counted (``newscrawl/replay/missing``) and ignored. ``replay_problem`` lets
the crawl command refuse an unusable ``NEWSCRAWL_REPLAY`` before the crawl opens anything.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

from scrapy.exceptions import CloseSpider, IgnoreRequest, NotConfigured
from scrapy.http import Request, Response

from ..component import connected
from ..config import get_str
from ..runstatus import RUN_FAILED_STAT
from .records import META_KEY, RENDERED_HEADER, iter_records, stored_response, switched_on, warc_files

logger = logging.getLogger(__name__)


class ReplayError(ValueError):
    """``NEWSCRAWL_REPLAY`` names no WARC file to replay; the message is one line."""


def replay_specs(settings: Any) -> list[str]:
    """The paths and globs of ``NEWSCRAWL_REPLAY`` ([] when replay is off)."""
    spec = get_str(settings, "NEWSCRAWL_REPLAY")
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
        try:
            files = replay_files(specs)
        except ReplayError as exc:
            # `scrapy crawl` refuses this before the crawl (exit 2); for the other commands the
            # crawl stops at open with this line, answering nothing (never the network).
            self.problem = str(exc)
            connected(self, crawler, spider_opened=self._refuse)
            return
        self._index(files)
        logger.info("replaying %d stored responses from %d WARC files", len(self.index), len(files))

    def _index(self, files: list[Path]) -> None:
        """The last capture of each URL (key) in ``files``; a revisit stands for the response it refers to."""
        by_id: dict[str, tuple[Path, int]] = {}
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
        assert stored is not None, "the index holds response records only"
        self.stats.inc_value("newscrawl/replay/answered")
        request.meta[META_KEY] = {"file": stored.file, "offset": stored.offset, "record_id": stored.record_id}
        return stored.response(request)
