"""WARC records: writing them (whole gzip members, rotating files) and reading them back.

Records are written by hand in the bytes warcio would write (``warc_record``), each its own
gzip member (``gzip_member``), appended to ``<dir>/<stamp>-<serial>.warc.gz`` by
``RotatingWarcFile``. Reading: ``warc_files`` (paths and globs to files), ``iter_records``
(every whole record and its offset), ``stored_response`` (a response record as the response the
crawl had) and ``read_warcinfo``. The fast scan of record heads is in ``scan.py``.
"""

from __future__ import annotations

import base64
import glob
import hashlib
import io
import os
import uuid
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import AbstractSet, Any, BinaryIO, Callable, Iterator, Optional
from urllib.parse import urlsplit

from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ..feeds import WholeLineFile

# Told where a file stops being readable: (file name, why).
OnTruncated = Callable[[str, str], None]

META_KEY = "newscrawl_warc"
# A WARC extension field (ISO 28500 allows them) naming why the browser rendered the
# page: the body is the DOM after scripts ran, not the bytes the server sent.
RENDERED_HEADER = "WARC-Newscrawl-Rendered"
# HTTP headers that no longer describe the stored body: Scrapy has already decoded it.
_DECODED_AWAY = {b"content-encoding", b"transfer-encoding", b"content-length"}

_OFF = ("off", "0", "false", "no", "")


def switched_on(value: Any) -> bool:
    """Whether a setting such as ``NEWSCRAWL_WARC`` or ``NEWSCRAWL_REPLAY`` is on (not off, 0, false, no, empty)."""
    return str(value).strip().lower() not in _OFF

def warc_date(moment: datetime) -> str:
    """A WARC-Date: UTC, to the second."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# zlib's fast strategy (levels 1-3): on the replica's pages level 3 takes about half
# level 6's CPU for 5% more bytes (docs/benchmarks.md section 8); level 9 costs twice level 6.
GZIP_LEVEL = 3


def gzip_member(data: bytes) -> bytes:
    """``data`` as one whole gzip member."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return compressor.compress(data) + compressor.flush()


def _headers(headers: Any, drop: AbstractSet[bytes] = frozenset()) -> list[tuple[str, str]]:
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
    """A fresh WARC-Record-ID."""
    return f"<urn:uuid:{uuid.uuid4()}>"


def response_head(response: Response, length: int) -> bytes:
    """The stored response's status line and headers (those still true of the decoded body)."""
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    protocol = response.protocol if response.protocol and response.protocol.startswith("HTTP/") else "HTTP/1.1"
    status_line = f"{protocol} {response.status} {reason}".strip()
    return http_head(status_line, _headers(response.headers, _DECODED_AWAY) + [("Content-Length", str(length))])


def request_record(request: Request, url: str, date: str, concurrent_to: str) -> bytes:
    """The request record written after the response record ``concurrent_to``."""
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    head = http_head(f"{request.method} {target} HTTP/1.1", [("Host", parts.netloc)] + _headers(request.headers))
    fields = [("WARC-Date", date), ("WARC-Concurrent-To", concurrent_to), ("WARC-Type", "request"),
              ("WARC-Record-ID", new_record_id()), ("WARC-Target-URI", url), ("WARC-Payload-Digest", _EMPTY_DIGEST)]
    return warc_record(fields, head, "application/http; msgtype=request")


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

    def _open(self) -> WholeLineFile:
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
        self.file = file = WholeLineFile(os.fdopen(fd, "ab", buffering=0))
        self.size = 0
        self.files.append(self.directory / name)
        self.write([self._warcinfo(name)])
        return file

    def write(self, records: list[bytes]) -> list[tuple[str, int, int]]:
        """Write whole records (uncompressed), each as its own gzip member, in one system
        call; (file name, offset, length) of each member."""
        file = self.file
        if file is None or self.size >= self.max_size:
            self.close()
            file = self._open()
        members = [gzip_member(r) for r in records]
        places = []
        offset = self.size
        for member in members:
            places.append((self.name, offset, len(member)))
            offset += len(member)
        file.write(b"".join(members))
        self.size = offset
        return places

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


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


def iter_records(fh: BinaryIO, name: str, on_truncated: Optional[OnTruncated] = None) -> Iterator[tuple[Any, int]]:
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


def warc_fields(text: str) -> dict[str, str]:
    """The ``name: value`` lines of a WARC head or a warcinfo block."""
    fields = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


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
    return warc_fields(record.content_stream().read().decode("utf-8", "replace"))


