"""Feed files: every record is a whole line, even when the disk fills up mid-write."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.core import feeds
from newscrawl.core.feeds import WholeLineFile
from newscrawl.core.testing import FAST_SETTINGS, ROOT, read_jsonl, run_crawl


def _final_counts(stderr):
    """(articles, ticker lines) of the progress line's final counts."""
    line = next(line for line in stderr.splitlines() if "progress (final): " in line)
    found = re.search(r"(\d+) articles and (\d+) ticker lines written", line)
    return int(found[1]), int(found[2])


def _stdout_crawl(server, site, *args):
    cmd = [sys.executable, "-m", "scrapy", "crawl", "almayadeen", "-a", f"base_url={server.url}", *args,
           "-o", "-:jsonlines"]
    for key, value in {**FAST_SETTINGS, "NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False",
                       "NEWSCRAWL_NOW": site.now.isoformat()}.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


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


def test_a_pipe_whose_reader_went_away_is_reported_and_raises():
    """A pipe cannot be cut back (no lseek): the failure is reported, the write raises."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    failures = []
    out = WholeLineFile(open(write_end, "wb", buffering=0), failures.append)
    with pytest.raises(BrokenPipeError):
        out.write(b'{"n": 1}\n')
    out.close()
    assert [type(exc) for exc in failures] == [BrokenPipeError]


def test_overwrite_mode_still_truncates(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"old": 1}\n')
    out = WholeLineFile(open(path, "wb", buffering=0))
    out.write(b'{"new": 1}\n')
    out.close()
    assert path.read_bytes() == b'{"new": 1}\n'


def test_disk_full_mid_crawl_stops_and_the_next_run_loses_nothing(fresh_site, fresh_server, tmp_path):
    site, server = fresh_site, fresh_server
    storage = "tests.disk_full.DiskFullAfter"
    common = {"NEWSCRAWL_NOW": site.now.isoformat(), "NEWSCRAWL_BROWSER_ENABLED": "False",
              "NEWSCRAWL_STATE_PATH": str(tmp_path / "state.sqlite3")}
    first = run_crawl(server.url, tmp_path / "one.jsonl",
                      settings={**common, "FEED_STORAGES": json.dumps({"file": storage, "": storage})},
                      env={"NEWSCRAWL_TEST_FEED_BYTES": "40000"})
    summary = json.loads((tmp_path / "one.summary.json").read_text())
    assert summary["finish_reason"] == "feed_write_failed"
    assert first.returncode == 1 and "No space left on device" in first.stderr.strip().splitlines()[-1]
    assert first.stats["newscrawl/not_remembered/feed_write_failed"] >= 1
    assert first.stats["newscrawl/feed/write_failed"] >= 1
    assert 0 < len(first.records) < len(site.reachable(js=False))  # whole lines only, or reading fails
    # The counts are of lines in the files, not of records scraped (issue 22); one error line, no traceback.
    breaking = read_jsonl(tmp_path / "one.breaking.jsonl")
    assert (summary["articles"], summary["ticker_lines"]) == (len(first.records), len(breaking))
    assert _final_counts(first.stderr) == (len(first.records), len(breaking))
    assert "Traceback" not in first.stderr
    second = run_crawl(server.url, tmp_path / "two.jsonl", settings=common)
    assert second.returncode == 0, second.stderr[-2000:]
    keys = [r["post_id"] or r["canonical_url"] for r in first.records + second.records]
    assert len(keys) == len(set(keys)), "a record written once was emitted again"
    assert set(keys) == set(site.reachable(js=False)), "a record lost by the full disk was never emitted"


# --- outputs that cannot be opened (issue 14 item 1) ----------------------------------------
def _unwritable(tmp_path, kind):
    if kind == "sys":
        return Path("/sys/kernel/newscrawl-x.jsonl")
    if kind == "directory":
        (tmp_path / "a-directory").mkdir()
        return Path(f"{tmp_path / 'a-directory'}:jsonlines")
    (tmp_path / "a-file").write_text("")
    return tmp_path / "a-file" / "x.jsonl"  # its parent cannot be created


def _state_posts(path):
    from newscrawl.core.state import Store

    store = Store(path)
    try:
        return store.count()
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["sys", "directory", "parent-is-a-file"])
def test_an_output_that_cannot_be_opened_stops_the_run_before_it_starts(fresh_site, fresh_server, tmp_path, kind):
    state = tmp_path / "state.sqlite3"
    result = run_crawl(fresh_server.url, _unwritable(tmp_path, kind),
                       settings={"NEWSCRAWL_NOW": fresh_site.now.isoformat(), "NEWSCRAWL_BROWSER_ENABLED": "False",
                                 "NEWSCRAWL_STATE_PATH": str(state)})
    assert result.returncode == 1, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("scrapy crawl almayadeen: error: cannot ") and "(finish reason feed_write_failed)" in last
    assert "Traceback" not in result.stderr  # the one line is all (issue 22): no WARC, summary in the log
    assert "Spider closed (feed_write_failed)" in result.stderr
    assert not [r for r in fresh_server.log if r.path != "/robots.txt"], "the crawl fetched pages it could not store"
    assert not state.exists() or _state_posts(state) == 0


def test_an_output_that_fails_to_open_at_the_first_record_remembers_nothing(fresh_site, fresh_server, tmp_path):
    state = tmp_path / "state.sqlite3"
    storage = "tests.disk_full.OpenFails"
    result = run_crawl(fresh_server.url, tmp_path / "out.jsonl",
                       settings={"NEWSCRAWL_NOW": fresh_site.now.isoformat(), "NEWSCRAWL_BROWSER_ENABLED": "False",
                                 "NEWSCRAWL_STATE_PATH": str(state),
                                 "FEED_STORAGES": json.dumps({"file": storage, "": storage})})
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Spider closed (feed_write_failed)" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("scrapy crawl almayadeen: error: cannot open the output /sys/")
    assert _state_posts(state) == 0
    assert result.stats["newscrawl/not_remembered/feed_write_failed"] >= 1
    # Nothing reached a file: nothing is counted as written (it said "6 ticker lines written"),
    # and no traceback beside the one line (issue 22).
    assert not list(tmp_path.glob("*.jsonl"))
    assert (result.summary.data["articles"], result.summary.data["ticker_lines"]) == (0, 0)
    assert _final_counts(result.stderr) == (0, 0)
    assert "Traceback" not in result.stderr


def test_stdout_feed_holds_articles_only_and_leaves_no_file(fresh_site, fresh_server, tmp_path):
    before = set(ROOT.iterdir())
    cmd = _stdout_crawl(fresh_server, fresh_site, "-a", "sections=politics", "-a", "follow=none")
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    expected = fresh_site.reachable(js=False, follow=(), sections=["politics"])
    assert records and all("canonical_url" in r for r in records)  # no ticker line among them
    assert {r["post_id"] or r["canonical_url"] for r in records} == set(expected)
    assert set(ROOT.iterdir()) == before, "files left in the project directory"
    assert "run summary: {" in proc.stderr


def test_stdout_into_a_pipe_closed_early_stops_the_run_in_one_line(fresh_site, fresh_server, tmp_path):
    """``-o -:jsonlines | head -c 300`` (issue 22 case 9): the reader goes away after the first
    line. The run stops as for a full disk (exit 1, one line, no traceback per record) and
    counts only the records whose line went into the pipe."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)  # the crawl's output fills it: the writer waits for us
    with open(tmp_path / "stderr", "w+") as stderr:
        proc = subprocess.Popen(_stdout_crawl(fresh_server, fresh_site), cwd=ROOT, stdout=write_end,
                                stderr=stderr, stdin=subprocess.DEVNULL)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as reader:
            first = reader.readline()  # then the reader closes, as head does
        try:
            returncode = proc.wait(timeout=300)
        finally:
            proc.kill()
        stderr.seek(0)
        log = stderr.read()
    assert json.loads(first)["canonical_url"]
    assert returncode == 1, log[-3000:]
    assert log.strip().splitlines()[-1] == ("scrapy crawl almayadeen: error: cannot write to stdout: its reader "
                                            "closed the pipe (Broken pipe) (finish reason feed_write_failed)")
    assert "Traceback" not in log and "BrokenPipeError" not in log
    assert "Dropped (not written)" not in log  # the records still coming: counted, not a WARNING each
    assert "Spider closed (feed_write_failed)" in log
    summary = json.loads(log.split("run summary: ", 1)[1].splitlines()[0])
    assert summary["finish_reason"] == "feed_write_failed"
    # The line read, and at most what the 4 KiB pipe held when it closed (an article's line is
    # over 1,000 bytes): not every article scraped.
    assert 1 <= summary["articles"] <= 1 + 4096 // 1000 < len(fresh_site.reachable(js=False))
    assert _final_counts(log) == (summary["articles"], 0)


def test_stdout_closed_stops_the_run_at_the_first_record_in_one_line(fresh_site, fresh_server):
    """``-o -:jsonlines >&-``: Scrapy's stdout storage raised at start (AttributeError, traceback)."""
    cmd = ["sh", "-c", 'exec "$@" >&-', "sh", *_stdout_crawl(fresh_server, fresh_site, "-a", "sections=politics")]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert proc.stderr.strip().splitlines()[-1] == (
        "scrapy crawl almayadeen: error: cannot write to stdout: it is closed (finish reason feed_write_failed)")
    assert "Traceback" not in proc.stderr and "exception was never retrieved" not in proc.stderr
    assert _final_counts(proc.stderr) == (0, 0)
