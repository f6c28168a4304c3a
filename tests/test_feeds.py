"""Feed files: every record is a whole line, even when the disk fills up mid-write."""

from __future__ import annotations

import errno
import json
import os

import pytest

from newscrawl import feeds
from newscrawl.feeds import WholeLineFile


def open_feed(path):
    return WholeLineFile(open(path, "ab", buffering=0))


def test_short_writes_are_finished(tmp_path, monkeypatch):
    real_write = os.write
    calls = []

    def short(fd, data):
        calls.append(len(data))
        return real_write(fd, bytes(data[:5]))  # as after a signal: only part written

    monkeypatch.setattr(feeds.os, "write", short)
    out = open_feed(tmp_path / "x.jsonl")
    line = json.dumps({"body": "نص " * 20}, ensure_ascii=False).encode() + b"\n"
    assert out.write(line) == len(line)
    out.close()
    assert len(calls) > 1
    assert json.loads((tmp_path / "x.jsonl").read_bytes()) == {"body": "نص " * 20}


def test_a_write_that_fails_midway_leaves_no_partial_line(tmp_path, monkeypatch):
    path = tmp_path / "x.jsonl"
    out = open_feed(path)
    out.write(b'{"n": 1}\n')
    real_write = os.write
    state = {"calls": 0}

    def disk_fills(fd, data):
        state["calls"] += 1
        if state["calls"] == 1:
            return real_write(fd, bytes(data[:6]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(feeds.os, "write", disk_fills)
    with pytest.raises(OSError):
        out.write(b'{"n": 2, "pad": "' + b"x" * 100 + b'"}\n')
    monkeypatch.setattr(feeds.os, "write", real_write)
    out.write(b'{"n": 3}\n')  # space again: the next record starts on a clean line
    out.close()
    assert [json.loads(line)["n"] for line in path.read_bytes().splitlines()] == [1, 3]


def test_overwrite_mode_still_truncates(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"old": 1}\n')
    out = WholeLineFile(open(path, "wb", buffering=0))
    out.write(b'{"new": 1}\n')
    out.close()
    assert path.read_bytes() == b'{"new": 1}\n'
