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

Which module holds what (every name below is also importable from this package):

- ``records.py``: the records themselves. Writing: ``warc_record``, ``gzip_member``,
  ``payload_digest``, ``http_head``, ``response_head``, ``request_record``, ``new_record_id``,
  ``warc_date``, ``RotatingWarcFile``; reading: ``warc_files``, ``iter_records``,
  ``stored_response``/``StoredResponse``, ``read_payload``/``PayloadTooLarge``,
  ``read_warcinfo``, ``warc_fields``; the shared names ``META_KEY``, ``RENDERED_HEADER``,
  ``REVISIT_PROFILE`` and ``switched_on``.
- ``scan.py``: ``scan_heads``/``RecordHead``, the fast read of every record's head.
- ``digests.py``: ``DigestMemory`` (``digests.sqlite3``, the last capture of each URL) and
  ``move_aside``.
- ``capture.py``: the crawl's side: ``WarcCapture`` (the extension), ``Capturer`` (responses to
  records, revisits for repeats), ``WarcPointerMiddleware``, ``warcinfo``, ``output_root``,
  ``cannot_write_in``, ``WARC_FAILED``, ``INFO_SETTINGS``.
- ``replay.py``: ``ReplayMiddleware`` and ``replay_specs``, ``replay_files``,
  ``replay_problem``, ``ReplayError``.

The arrows go one way: ``capture`` and ``replay`` use ``records`` (and ``digests``), ``scan``
uses ``records``; none of them imports the cross-run store (``newscrawl/core/state.py``).
"""

from __future__ import annotations

from .capture import (
    INFO_SETTINGS,
    WARC_FAILED,
    Capturer,
    WarcCapture,
    WarcPointerMiddleware,
    cannot_write_in,
    output_root,
    warcinfo,
)
from .digests import DigestMemory, move_aside
from .records import (
    GZIP_LEVEL,
    META_KEY,
    RENDERED_HEADER,
    REVISIT_PROFILE,
    PayloadTooLarge,
    RotatingWarcFile,
    StoredResponse,
    gzip_member,
    http_head,
    iter_records,
    new_record_id,
    payload_digest,
    read_payload,
    read_warcinfo,
    request_record,
    response_head,
    stored_response,
    switched_on,
    warc_date,
    warc_fields,
    warc_files,
    warc_record,
)
from .replay import ReplayError, ReplayMiddleware, replay_files, replay_problem, replay_specs
from .scan import RecordHead, scan_heads

__all__ = [
    "GZIP_LEVEL", "INFO_SETTINGS", "META_KEY", "RENDERED_HEADER", "REVISIT_PROFILE", "WARC_FAILED",
    "Capturer", "DigestMemory", "PayloadTooLarge", "RecordHead", "ReplayError", "ReplayMiddleware",
    "RotatingWarcFile", "StoredResponse", "WarcCapture", "WarcPointerMiddleware",
    "cannot_write_in", "gzip_member", "http_head", "iter_records", "move_aside", "new_record_id", "output_root",
    "payload_digest", "read_payload", "read_warcinfo", "replay_files", "replay_problem", "replay_specs",
    "request_record", "response_head", "scan_heads", "stored_response", "switched_on", "warc_date", "warc_fields",
    "warc_files", "warc_record", "warcinfo",
]
