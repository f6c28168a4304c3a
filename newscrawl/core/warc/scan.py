"""The fast scan of a WARC file's record heads (``scan_heads``), for re-extraction and the history.

Files of one record per gzip member are read with zlib alone, as far as each record's head;
any other layout is read by warcio (``records.iter_records``).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, Optional

from .records import OnTruncated, iter_records, read_warcinfo, warc_fields

# Told of a gzip member zlib cannot inflate: (file name, its offset, the error).
OnCorrupt = Callable[[str, int, Exception], None]


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


class _NotOnePerMember(Exception):
    """A gzip member that is not exactly one WARC record: warcio reads the rest."""


# Compressed bytes handed to zlib at a time; most records are one member below this.
_SCAN_STEP = 32768


def scan_heads(path: Path, on_truncated: Optional[OnTruncated] = None,
               on_corrupt: Optional[OnCorrupt] = None) -> Iterator[RecordHead]:
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
    fields = warc_fields(data[:end].decode("utf-8", "replace"))
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
        head.info = warc_fields(block[:length].decode("utf-8", "replace"))
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


