"""WARC capture: every response the crawl receives is kept, with its request, in files that
standard tools read; repeats are revisits; articles point at their record; a killed crawl
leaves whole records; a crawl replays from the files without the network."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import ipaddress
import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from scrapy.exceptions import CloseSpider, IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawl.core.reextract import main as reextract_main
from newscrawl.core.testing import FAST_SETTINGS, ROOT, CrawlResult, read_jsonl, run_crawl
from newscrawl.core.warc import RENDERED_HEADER, Capturer, DigestMemory, WarcCapture, iter_records
from tests.outlets.almayadeen.replica import Replica, ReplicaServer

WARCIO = [sys.executable, "-m", "warcio.cli"]


def key_of(record):
    return record["post_id"] or record["canonical_url"]


def warc_records(path: Path) -> list[dict]:
    """Every record of a WARC file as warcio's own reader sees it."""
    out = []
    with path.open("rb") as fh:
        it = ArchiveIterator(fh)
        for record in it:
            headers = dict(record.rec_headers.headers)
            payload = record.content_stream().read() if record.rec_type == "response" else b""
            out.append({"type": record.rec_type, "url": headers.get("WARC-Target-URI"), "headers": headers,
                        "offset": it.offset, "payload": payload})
    return out


def warcs(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.warc.gz"))


@pytest.fixture(scope="module")
def small_site():
    return Replica(seed=11, articles=60)


@pytest.fixture(scope="module")
def small_server(small_site):
    with ReplicaServer(small_site) as running:
        yield running


@pytest.fixture(scope="module")
def captured(small_site, small_server, tmp_path_factory):
    """One crawl of the small replica with WARC capture on (the default)."""
    out = tmp_path_factory.mktemp("captured") / "run.jsonl"
    start = len(small_server.log)
    result = run_crawl(small_server.url, out, settings={
        "NEWSCRAWL_NOW": small_site.now.isoformat(), "NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False"})
    assert result.returncode == 0, result.stderr[-3000:]
    return result, small_server.log[start:]


def test_crawl_writes_warcs_that_warcio_checks_and_indexes(captured):
    result, _ = captured
    files = warcs(result.warc_dir())
    assert len(files) == 1 and files[0].name.endswith("-00000.warc.gz")
    check = subprocess.run(WARCIO + ["check", "-v", *map(str, files)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]
    assert "digest pass" in check.stdout and "fail" not in check.stdout
    index = subprocess.run(WARCIO + ["index", "-f", "warc-type,warc-target-uri,offset", *map(str, files)],
                           capture_output=True, text=True)
    assert index.returncode == 0, index.stderr[-2000:]
    kinds = Counter(json.loads(line)["warc-type"] for line in index.stdout.splitlines())
    assert kinds["warcinfo"] == 1 and kinds["response"] == kinds["request"] > 60


def test_one_response_per_fetched_page_with_its_request(captured, small_server):
    result, log = captured
    records = [r for f in warcs(result.warc_dir()) for r in warc_records(f)]
    responses = Counter(r["url"] for r in records if r["type"] == "response")
    requests = Counter(r["url"] for r in records if r["type"] == "request")
    fetched = Counter(small_server.url + entry.path for entry in log if entry.status < 300)
    assert small_server.url + "/robots.txt" in fetched
    assert responses == fetched
    assert requests == fetched
    response_ids = {r["headers"]["WARC-Record-ID"] for r in records if r["type"] == "response"}
    assert {r["headers"]["WARC-Concurrent-To"] for r in records if r["type"] == "request"} == response_ids


def test_warcinfo_names_software_edition_arguments_and_settings(captured, small_server):
    result, _ = captured
    info = warc_records(warcs(result.warc_dir())[0])[0]
    assert info["type"] == "warcinfo"
    with warcs(result.warc_dir())[0].open("rb") as fh:
        text = next(iter(ArchiveIterator(fh))).content_stream().read().decode()
    assert "software: newscrawl/" in text and "Scrapy 2.19.0" in text and "warcio 1.8.1" in text
    assert "newscrawl-edition: en" in text
    assert f'newscrawl-arguments: {{"base_url": "{small_server.url}"}}' in text
    assert "newscrawl-setting-ROBOTSTXT_OBEY: True" in text


def test_every_article_points_at_the_response_it_was_read_from(captured):
    result, _ = captured
    directory = result.warc_dir()
    assert result.records
    for record in result.records:
        pointer = record["warc"]
        with (directory / pointer["file"]).open("rb") as fh:
            fh.seek(pointer["offset"])
            stored = next(iter(ArchiveIterator(fh)))
            assert stored.rec_type == "response"
            assert stored.rec_headers.get_header("WARC-Target-URI") == record["url"]
            assert stored.rec_headers.get_header("WARC-Record-ID") == pointer["record_id"]
            assert b"</html>" in stored.content_stream().read()[-4096:]
            assert stored.rec_headers.get_header("WARC-Date").replace("Z", "+00:00") <= record["crawled_at"]


def test_second_scheduled_run_writes_revisits_for_unchanged_pages(fresh_site, fresh_server, tmp_path):
    settings = {"NEWSCRAWL_STATE_PATH": str(tmp_path / "state.sqlite3"), "NEWSCRAWL_BROWSER_ENABLED": "False",
                "NEWSCRAWL_INCREMENTAL": "True", "NEWSCRAWL_NOW": fresh_site.now.isoformat()}
    first = run_crawl(fresh_server.url, tmp_path / "first.jsonl", settings=settings)
    assert first.returncode == 0, first.stderr[-2000:]
    (first_warc,) = warcs(first.warc_dir())
    start = len(fresh_server.log)
    second = run_crawl(fresh_server.url, tmp_path / "second.jsonl", settings=settings)
    assert second.returncode == 0, second.stderr[-2000:]
    second_warc = next(p for p in warcs(first.warc_dir()) if p != first_warc)

    originals = {r["headers"]["WARC-Record-ID"]: r for r in warc_records(first_warc) if r["type"] == "response"}
    again = [r for r in warc_records(second_warc) if r["type"] in ("response", "revisit")]
    fetched = Counter(fresh_server.url + e.path for e in fresh_server.log[start:] if e.status < 300)
    assert Counter(r["url"] for r in again) == fetched
    revisits = [r for r in again if r["type"] == "revisit"]
    # Nothing changed on the site: home, listings and robots.txt are all the same bytes.
    assert revisits and len(revisits) == len(again)
    for revisit in revisits:
        original = originals[revisit["headers"]["WARC-Refers-To"]]
        assert original["url"] == revisit["url"] == revisit["headers"]["WARC-Refers-To-Target-URI"]
        assert original["headers"]["WARC-Payload-Digest"] == revisit["headers"]["WARC-Payload-Digest"]
        assert revisit["headers"]["WARC-Profile"].endswith("/revisit/identical-payload-digest")
    assert second_warc.stat().st_size < first_warc.stat().st_size / 3
    check = subprocess.run(WARCIO + ["check", str(second_warc)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-2000:]

    # An edited article is fetched again (refresh) and stored in full, not as a revisit.
    edited = sorted(key_of(r) for r in first.records if r["published_at"] >= "2026-11-10")[0]
    fresh_site.edit(edited)
    third = run_crawl(fresh_server.url, tmp_path / "third.jsonl", args={"refresh": "10"}, settings=settings)
    assert third.returncode == 0, third.stderr[-2000:]
    (record,) = third.records
    third_warc = max(warcs(first.warc_dir()), key=lambda p: p.name)
    stored = [r for r in warc_records(third_warc) if r["url"] == record["url"] and r["type"] != "request"]
    assert [r["type"] for r in stored] == ["response"]
    assert record["warc"]["file"] == third_warc.name and record["warc"]["offset"] == stored[0]["offset"]


def test_rendered_pages_are_marked_and_repeats_are_revisits(tmp_path):
    capturer = Capturer(tmp_path, "2026-01-01T00-00-00+00-00", 10_000_000, {"software": "test"})
    body = b"<html><body><p>Load more</p></body></html>"
    plain = Request("http://127.0.0.1:1/news/politics")
    rendered = Request("http://127.0.0.1:1/news/politics", meta={"playwright": True, "newscrawl_render": "load_more"})
    for request in (plain, rendered, plain, rendered):
        capturer.capture(HtmlResponse(request.url, body=body, request=request), request)
    capturer.close()
    records = [r for r in warc_records(warcs(tmp_path)[0]) if r["type"] != "request"]
    assert [(r["type"], r["headers"].get(RENDERED_HEADER)) for r in records] == [
        ("warcinfo", None), ("response", None), ("response", "load_more"), ("revisit", None), ("revisit", "load_more")]


def test_digest_memory_writes_in_batches_and_a_crash_loses_only_dedup(tmp_path, monkeypatch):
    monkeypatch.setattr(DigestMemory, "MAX_AGE", 3600.0)
    path = tmp_path / "digests.sqlite3"
    memory = DigestMemory(path)
    for n in range(DigestMemory.BATCH - 1):
        memory.remember(f"u{n}", "sha1:A", "2026-01-01T00:00:00Z", f"<urn:{n}>", "f.warc.gz", n)
    other = sqlite3.connect(str(path))
    assert other.execute("SELECT count(*) FROM captures").fetchone() == (0,), "no commit per capture"
    # Held entries still count for this run's revisits.
    assert memory.last("u3") == ("sha1:A", "2026-01-01T00:00:00Z", "<urn:3>", "f.warc.gz", 3)
    memory.remember("last", "sha1:B", "2026-01-01T00:00:00Z", "<urn:x>", "f.warc.gz", 9)
    assert other.execute("SELECT count(*) FROM captures").fetchone() == (DigestMemory.BATCH,), "a full batch is written"
    memory.remember("after", "sha1:C", "2026-01-01T00:00:00Z", "<urn:y>", "f.warc.gz", 10)
    memory.db.close()  # killed before close(): only the entry not yet written is forgotten
    other.close()
    reopened = DigestMemory(path)
    assert reopened.last("after") is None and reopened.last("last") is not None
    reopened.close()


def test_digest_memory_writes_what_it_holds_once_it_is_old_enough(tmp_path, monkeypatch):
    path = tmp_path / "digests.sqlite3"
    memory = DigestMemory(path)
    memory.remember("a", "sha1:A", "2026-01-01T00:00:00Z", "<urn:a>", "f.warc.gz", 0)
    monkeypatch.setattr(DigestMemory, "MAX_AGE", 0.0)  # as if MAX_AGE seconds had passed
    memory.remember("b", "sha1:B", "2026-01-01T00:00:00Z", "<urn:b>", "f.warc.gz", 1)
    other = sqlite3.connect(str(path))
    assert other.execute("SELECT key FROM captures ORDER BY key").fetchall() == [("a",), ("b",)]
    other.close()
    memory.close()


def _as_warcio_writes(record) -> bytes:
    out = io.BytesIO()
    WARCWriter(out, gzip=False).write_record(record)
    return out.getvalue()


def test_records_are_the_bytes_warcio_writes(tmp_path, monkeypatch):
    """The hand-written records equal warcio's builder's, byte for byte (record ids fixed)."""
    ids = iter(range(1, 1000))
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(ids)))
    capturer = Capturer(tmp_path, "2026-01-01T00-00-00+00-00", 10_000_000, {"software": "test"})
    url = "http://127.0.0.1:1/news/politics/a?x=1"
    request = Request(url, headers={"User-Agent": "newscrawl/0.1", "Accept": "text/html"},
                      meta={"playwright": True, "newscrawl_render": "challenge"})
    body = "<html><body>Gaza – talks</body></html>".encode()
    headers = {"Content-Type": "text/html; charset=utf-8", "X-Note": "café", "Content-Encoding": "gzip"}
    moment = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for _ in range(2):  # a response, then a revisit
        capturer.capture(HtmlResponse(url, status=299, body=body, headers=headers, request=request,
                                      ip_address=ipaddress.ip_address("127.0.0.1")), request, now=moment)
    capturer.close()
    ours = gzip.decompress(warcs(tmp_path)[0].read_bytes())
    builder = WARCWriter(io.BytesIO(), gzip=False)
    http = [("Content-Type", "text/html; charset=utf-8"), ("X-Note", "caf\xc3\xa9"), ("Content-Length", str(len(body)))]
    date = "2026-01-01T00:00:00Z"
    digest = "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()
    common = {"WARC-Date": date, "WARC-IP-Address": "127.0.0.1", RENDERED_HEADER: "challenge"}
    request_head = [("Host", "127.0.0.1:1"), ("User-Agent", "newscrawl/0.1"), ("Accept", "text/html")]
    expected = []
    for n, kind in ((1, "response"), (4, "revisit")):  # 3: the warcinfo record
        response_id = f"<urn:uuid:{uuid.UUID(int=n)}>"
        monkeypatch.setattr(uuid, "uuid4", lambda n=n: uuid.UUID(int=n))
        if kind == "response":
            record = builder.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body),
                                                http_headers=StatusAndHeaders("299", http, protocol="HTTP/1.1"),
                                                warc_headers_dict={**common, "WARC-Payload-Digest": digest})
        else:
            record = builder.create_revisit_record(
                url, digest, url, date, http_headers=StatusAndHeaders("299", http, protocol="HTTP/1.1"),
                warc_headers_dict={**common, "WARC-Refers-To": "<urn:uuid:%s>" % uuid.UUID(int=1)})
        monkeypatch.setattr(uuid, "uuid4", lambda n=n: uuid.UUID(int=n + 1))
        request_record = builder.create_warc_record(
            url, "request", http_headers=StatusAndHeaders("GET /news/politics/a?x=1 HTTP/1.1", request_head,
                                                          protocol="", is_http_request=True),
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": response_id})
        expected += [_as_warcio_writes(record), _as_warcio_writes(request_record)]
    assert ours[ours.index(b"WARC/1.0\r\nWARC-Date"):] == b"".join(expected)


def test_files_rotate_at_the_size_setting(tmp_path):
    capturer = Capturer(tmp_path, "2026-01-01T00-00-00+00-00", 3000, {"software": "test"})
    rng = random.Random(3)
    for n in range(6):
        request = Request(f"http://127.0.0.1:1/news/politics/p{n}")
        body = bytes(rng.getrandbits(8) for _ in range(1500))  # incompressible
        capturer.capture(HtmlResponse(request.url, body=body, request=request), request)
    capturer.close()
    files = warcs(tmp_path)
    assert [f.name[-13:] for f in files] == ["00000.warc.gz", "00001.warc.gz", "00002.warc.gz"]
    for f in files:
        kinds = [r["type"] for r in warc_records(f)]
        assert kinds == ["warcinfo", "response", "request", "response", "request"]


def test_warc_off_turns_capture_off():
    with pytest.raises(NotConfigured):
        WarcCapture(get_crawler(settings_dict={"NEWSCRAWL_WARC": "off"}))
    assert WarcCapture(get_crawler(settings_dict={"NEWSCRAWL_WARC": "on"})).capturer is None


def test_killed_crawl_leaves_whole_records_and_the_next_run_a_new_file(small_site, small_server, tmp_path):
    out = tmp_path / "killed.jsonl"
    directory = CrawlResult(0, [], "", out, small_server.url).warc_dir()
    cmd = [sys.executable, "-m", "scrapy", "crawl", "almayadeen", "-a", f"base_url={small_server.url}", "-O", str(out)]
    for key, value in {**FAST_SETTINGS, "NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False",
                       "NEWSCRAWL_NOW": small_site.now.isoformat()}.items():
        cmd += ["-s", f"{key}={value}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    killed = False
    while proc.poll() is None and time.monotonic() < deadline:
        files = warcs(directory) if directory.exists() else []
        if files and files[0].stat().st_size > 60_000:
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.002)
    proc.wait()
    assert killed, "the crawl ended before it could be killed"
    (killed_warc,) = warcs(directory)
    size = killed_warc.stat().st_size
    check = subprocess.run(WARCIO + ["check", str(killed_warc)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-2000:]
    gzip.decompress(killed_warc.read_bytes())  # raises on a cut-off gzip member

    again = run_crawl(small_server.url, tmp_path / "again.jsonl", settings={
        "NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False", "NEWSCRAWL_NOW": small_site.now.isoformat()})
    assert again.returncode == 0, again.stderr[-2000:]
    assert killed_warc.stat().st_size == size, "the next run appended to the killed run's file"
    assert len(warcs(directory)) == 2


def test_a_record_cut_off_mid_write_ends_the_file_at_the_last_whole_record(captured, tmp_path):
    result, _ = captured
    (whole,) = warcs(result.warc_dir())
    records = warc_records(whole)
    last = records[-1]["offset"]
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole.read_bytes()[: last + 40])  # the last record's first 40 bytes only
    cuts = []
    with cut.open("rb") as fh:
        seen = [offset for _, offset in iter_records(fh, cut.name, lambda name, why: cuts.append(name))]
    assert seen == [r["offset"] for r in records[:-1]]
    assert cuts == [cut.name]
    # The last record was a request: every article response survives, and re-extraction reads them.
    out = tmp_path / "re.jsonl"
    assert reextract_main(["--edition", "en", "--workers", "1", "--output", str(out), str(cut)]) == 0
    summary = json.loads((tmp_path / "re.summary.json").read_text())
    assert summary["counts"]["truncated_files"] == 1
    assert sorted(map(key_of, read_jsonl(out))) == sorted(map(key_of, result.records))


def test_a_warc_gzipped_whole_is_named_in_one_line(tmp_path):
    """``gzip file.warc`` makes one stream, not a member per record: warcio's error was a
    dozen lines of advice inside one warning (issue 22, fresh hostile pass)."""
    record = (b"WARC/1.0\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:%d>\r\n"
              b"WARC-Target-URI: https://english.almayadeen.net/x\r\nContent-Length: 100\r\n\r\n" + b"x" * 100 + b"\r\n\r\n")
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(record % 1 + record % 2))
    why = []
    with whole.open("rb") as fh:
        list(iter_records(fh, whole.name, lambda name, reason: why.append(str(reason))))
    assert len(why) == 1 and "\n" not in why[0], why
    assert "one gzip stream" in why[0] and "warcio recompress" in why[0]


def test_replay_answers_from_the_warc_and_never_the_network(captured, small_site, small_server, tmp_path):
    result, _ = captured
    directory = result.warc_dir()
    start = len(small_server.log)
    replayed = run_crawl(small_server.url, tmp_path / "replay.jsonl", settings={
        "NEWSCRAWL_NOW": small_site.now.isoformat(), "NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False",
        "NEWSCRAWL_REPLAY": str(directory / "*.warc.gz")})
    assert replayed.returncode == 0, replayed.stderr[-2000:]
    assert small_server.log[start:] == [], "a replayed crawl reached the site"
    assert not (tmp_path / "warc").exists(), "a replayed crawl wrote WARCs"
    by_key = {key_of(r): r for r in result.records}
    assert {key_of(r) for r in replayed.records} == set(by_key)
    for record in replayed.records:
        original = by_key[key_of(record)]
        assert {k: v for k, v in record.items() if k not in ("crawled_at", "discovered_via")} == \
               {k: v for k, v in original.items() if k not in ("crawled_at", "discovered_via")}
    assert replayed.stats["newscrawl/replay/answered"] == replayed.stats["downloader/response_count"]

    # A page that is not in the WARC is counted and skipped, still without a request.
    unknown = small_server.url + "/news/politics/a-post-never-captured"
    alone = run_crawl(small_server.url, tmp_path / "alone.jsonl", args={"url": unknown}, settings={
        "NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False", "NEWSCRAWL_REPLAY": str(directory)})
    assert alone.returncode == 0, alone.stderr[-2000:]
    assert alone.records == [] and alone.stats["newscrawl/replay/missing"] == 1
    assert small_server.log[start:] == []


def test_warc_directory_follows_the_feeds_output_root():
    from newscrawl.core.warc import output_root

    # The project's feeds and cron's --output-dir: <root>/almayadeen/<edition>/<UTC start>.jsonl
    assert output_root(Path("/srv/out/almayadeen/ar/2026-11-30T02-18-39+00-00.jsonl"), "ar", "almayadeen") == \
        (Path("/srv/out/warc/ar"), "2026-11-30T02-18-39+00-00")
    # A mirror's (or the replica's) runs have a dataset of their own: their WARCs are kept apart.
    assert output_root(Path("/srv/out/almayadeen-mirror-127.0.0.1-8000/en/T.jsonl"), "en", "almayadeen") == \
        (Path("/srv/out/warc/almayadeen-mirror-127.0.0.1-8000-en"), "T")
    # -O dir/file.jsonl: beside the file, with a time of its own.
    assert output_root(Path("/tmp/x/run.jsonl"), "en", "almayadeen") == (Path("/tmp/x/warc/en"), None)
    # ... and a mirror's under its own name there too: `-O output/x.jsonl` of the replica never
    # writes into the live output/warc/<edition> (issue 24).
    mirror = "almayadeen-mirror-127.0.0.1-8000"
    assert output_root(Path("/srv/out/x.jsonl"), "en", "almayadeen", mirror) == (Path(f"/srv/out/warc/{mirror}-en"), None)
    assert output_root(Path(f"/srv/out/{mirror}/en/T.jsonl"), "en", "almayadeen", mirror) == \
        (Path(f"/srv/out/warc/{mirror}-en"), "T")
    # A live run's feed in a directory that looks like a mirror's is still the live run's.
    assert output_root(Path(f"/srv/out/{mirror}/en/T.jsonl"), "en", "almayadeen", "almayadeen") == \
        (Path(f"/srv/out/{mirror}/en/warc/en"), None)


def test_a_failed_warc_write_is_counted_and_leaves_whole_records(tmp_path, monkeypatch):
    import errno
    import os

    crawler = get_crawler(settings_dict={"NEWSCRAWL_WARC": "on"})
    ext = WarcCapture(crawler)
    ext.capturer = Capturer(tmp_path, "2026-01-01T00-00-00+00-00", 10_000_000, {"software": "test"})
    first = Request("http://127.0.0.1:1/news/politics/first")
    response = HtmlResponse(first.url, body=b"<html>first</html>", request=first)
    ext.received(response, first)
    assert response.meta["newscrawl_warc"]["offset"] > 0
    real_write = os.write
    warc_fd = ext.capturer.out.file.fd

    def disk_full(fd, data):
        if fd != warc_fd:
            return real_write(fd, data)
        real_write(fd, bytes(data[:10]))  # part of the record lands, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", disk_full)
    second = Request("http://127.0.0.1:1/news/politics/second")
    failed = HtmlResponse(second.url, body=b"<html>second</html>", request=second)
    ext.received(failed, second)
    monkeypatch.setattr(os, "write", real_write)
    assert "newscrawl_warc" not in failed.meta
    assert crawler.stats.get_value("newscrawl/warc/write_failed") == 1
    ext.closed()
    (path,) = warcs(tmp_path)
    assert [(r["type"], r["url"]) for r in warc_records(path)][1:] == [
        ("response", first.url), ("request", first.url)]


# --- WARC capture that cannot go on as it was (issue 22 case 5) ----------------------------
def _capture(capturer, url, body=b"<html>same</html>"):
    request = Request(url)
    return capturer.capture(HtmlResponse(url, body=body, request=request), request)


def _random_bytes(path):
    path.write_bytes(random.Random(5).randbytes(64 * 1024))


@pytest.mark.parametrize("spoil", [_random_bytes, Path.mkdir], ids=["random-bytes", "directory"])
def test_an_unreadable_digest_memory_is_moved_aside_and_capture_goes_on(tmp_path, caplog, spoil):
    spoil(tmp_path / "digests.sqlite3")
    with caplog.at_level("WARNING", logger="newscrawl.core.warc"):
        capturer = Capturer(tmp_path, "2026-01-01T00-00-00+00-00", 10_000_000, {"software": "test"})
    (aside,) = tmp_path.glob("digests.sqlite3.broken-*")
    assert [r.getMessage() for r in caplog.records if "moved aside" in r.getMessage()] != []
    assert len(caplog.records) == 1 and aside.name in caplog.records[0].getMessage()
    assert _capture(capturer, "http://127.0.0.1:1/news")["kind"] == "response"
    assert _capture(capturer, "http://127.0.0.1:1/news")["kind"] == "revisit"  # the new memory works
    capturer.close()
    assert (tmp_path / "digests.sqlite3").is_file()
    assert aside.is_dir() if spoil is Path.mkdir else aside.read_bytes() == random.Random(5).randbytes(64 * 1024)


def test_a_digest_memory_locked_elsewhere_is_left_alone_and_capture_goes_on(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(DigestMemory, "TIMEOUT", 0.05)
    path = tmp_path / "digests.sqlite3"
    DigestMemory(path).close()
    holder = sqlite3.connect(str(path), isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        capturer = Capturer(tmp_path, "2026-01-01T00-00-00+00-00", 10_000_000, {"software": "test"})
        assert _capture(capturer, "http://127.0.0.1:1/news")["kind"] == "response"
        assert _capture(capturer, "http://127.0.0.1:1/news")["kind"] == "revisit"
        capturer.close()
    finally:
        holder.close()
    assert not list(tmp_path.glob("digests.sqlite3.broken-*")), "a locked memory was moved aside"
    assert any("locked by another process" in r.getMessage() for r in caplog.records)


def test_a_digest_memory_that_fails_mid_run_is_said_once_and_capture_goes_on(tmp_path, caplog):
    capturer = Capturer(tmp_path, "2026-01-01T00-00-00+00-00", 10_000_000, {"software": "test"})
    capturer.memory.db.close()  # any SQLite error from here on
    kinds = [_capture(capturer, f"http://127.0.0.1:1/news/{n % 2}")["kind"] for n in range(4)]
    capturer.memory.flush()
    assert kinds == ["response", "response", "revisit", "revisit"]  # remembered in memory
    assert sum("failed" in r.getMessage() for r in caplog.records) == 1
    capturer.out.close()


def test_revisits_point_only_at_warc_files_that_still_exist(tmp_path, caplog):
    url = "http://127.0.0.1:1/news/politics"
    first = Capturer(tmp_path, "2026-01-01T00-00-00+00-00", 10_000_000, {"software": "test"})
    _capture(first, url)
    _capture(first, url + "/kept")
    first.close()
    (old,) = warcs(tmp_path)
    kept = Capturer(tmp_path, "2026-01-01T00-30-00+00-00", 10_000_000, {"software": "test"})
    assert _capture(kept, url)["kind"] == "revisit"  # the file is there: a revisit, as before
    kept.close()
    for path in warcs(tmp_path):
        path.unlink()  # the WARC files deleted, digests.sqlite3 kept
    again = Capturer(tmp_path, "2026-01-02T00-00-00+00-00", 10_000_000, {"software": "test"})
    place = _capture(again, url)
    assert place["kind"] == "response" and place["file"] != old.name
    assert _capture(again, url + "/kept")["kind"] == "response"
    assert _capture(again, url)["kind"] == "revisit"  # against this run's capture
    assert again.counts["revisit_target_missing"] == 2
    again.close()
    assert sum("is gone" in r.getMessage() for r in caplog.records) == 1  # once per missing file
    (new,) = warcs(tmp_path)
    assert [r["type"] for r in warc_records(new)].count("response") == 2


def test_a_run_whose_first_warc_write_fails_stops(tmp_path, monkeypatch):
    import errno
    import os
    from types import SimpleNamespace

    from newscrawl.core.warc import WARC_FAILED

    crawler = get_crawler(settings_dict={"NEWSCRAWL_WARC": "on"})
    closed = []
    crawler.engine = SimpleNamespace(close_spider_async=lambda reason: closed.append(reason))
    ext = WarcCapture(crawler)
    ext.capturer = Capturer(tmp_path, "2026-01-01T00-00-00+00-00", 10_000_000, {"software": "test"})
    real_open = os.open

    def refused(path, *args, **kwargs):
        if str(path).endswith(".warc.gz"):
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refused)
    for n in range(2):
        request = Request(f"http://127.0.0.1:1/news/{n}")
        ext.received(HtmlResponse(request.url, body=b"<html></html>", request=request), request)
    monkeypatch.setattr(os, "open", real_open)
    assert closed == [WARC_FAILED]
    assert "no WARC record was written" in crawler.stats.get_value("newscrawl/run_failed")
    assert crawler.stats.get_value("newscrawl/warc/write_failed") == 2
    ext.closed()


def _warc_is_a_file(out):
    (out.parent / "warc").write_text("not a directory")
    return {}


def _read_only_warc_dir(out):
    return {"NEWSCRAWL_WARC_DIR": "/sys/kernel/newscrawl-warc-test"}  # not creatable, even by root


@pytest.mark.parametrize("make", [_warc_is_a_file, _read_only_warc_dir], ids=["warc-is-a-file", "read-only-dir"])
def test_a_crawl_that_cannot_write_its_warc_stops_before_its_first_request(small_site, small_server, tmp_path, make):
    out = tmp_path / "out.jsonl"
    start = len(small_server.log)
    result = run_crawl(small_server.url, out, settings={
        "NEWSCRAWL_NOW": small_site.now.isoformat(), "NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False",
        **make(out)})
    assert result.returncode == 1, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("scrapy crawl almayadeen: error: cannot write WARC files in "), last
    assert last.endswith("(finish reason warc_write_failed)") and "NEWSCRAWL_WARC=off" in last
    assert "Traceback" not in result.stderr
    assert [e.path for e in small_server.log[start:] if e.path != "/robots.txt"] == [] and result.records == []


# --- replay of nothing (issue 22 case 3) -----------------------------------------------------
def _glob_matching_nothing(tmp_path):
    return str(tmp_path / "*.warc.gz")


def _directory_with_a_directory_named_like_a_warc(tmp_path):
    (tmp_path / "x.warc.gz").mkdir()
    return str(tmp_path)


def _path_that_does_not_exist(tmp_path):
    return str(tmp_path / "gone.warc.gz")


NOTHING_TO_REPLAY = pytest.mark.parametrize(
    "make", [_glob_matching_nothing, _directory_with_a_directory_named_like_a_warc, _path_that_does_not_exist],
    ids=["glob-matching-nothing", "sub-directory-x.warc.gz", "missing-path"])


@NOTHING_TO_REPLAY
def test_a_replay_of_nothing_stops_the_crawl_at_open_without_a_traceback(tmp_path, make):
    from newscrawl.core.warc import ReplayMiddleware

    spec = make(tmp_path)
    crawler = get_crawler(settings_dict={"NEWSCRAWL_REPLAY": spec})
    middleware = ReplayMiddleware.from_crawler(crawler)  # no ValueError out of the crawler's start
    with pytest.raises(CloseSpider) as info:
        middleware._refuse()
    assert info.value.reason == "replay_unusable"
    assert spec in crawler.stats.get_value("newscrawl/run_failed")
    with pytest.raises(IgnoreRequest):  # never the network
        middleware.process_request(Request("http://127.0.0.1:1/"))


@NOTHING_TO_REPLAY
def test_scrapy_crawl_refuses_a_replay_of_nothing_with_one_line_and_exit_2(small_server, tmp_path, make):
    spec = make(tmp_path)
    out = tmp_path / "out.jsonl"
    out.write_text('{"kept": true}\n')
    start = len(small_server.log)
    result = run_crawl(small_server.url, out, settings={"NEWSCRAWL_STATE": "off", "NEWSCRAWL_REPLAY": spec})
    assert result.returncode == 2, result.stderr[-2000:]
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("scrapy crawl almayadeen: error: NEWSCRAWL_REPLAY") and spec in line
    assert out.read_text() == '{"kept": true}\n' and small_server.log[start:] == []


def _link_to_dev_zero(tmp_path):
    (tmp_path / "zero.warc.gz").symlink_to("/dev/zero")
    return str(tmp_path / "zero.warc.gz")


def _directory_with_a_fifo_named_like_a_warc(tmp_path):
    import os

    os.mkfifo(tmp_path / "x.warc")
    return str(tmp_path)


@pytest.mark.parametrize("make", [_link_to_dev_zero, _directory_with_a_fifo_named_like_a_warc],
                         ids=["link-to-dev-zero", "fifo-x.warc"])
def test_a_replay_of_a_device_or_fifo_is_refused_unread(small_server, tmp_path, make):
    """The index was read from /dev/zero for ever (memory growing, SIGTERM not taken), and a
    FIFO waited for a writer (issue 22, fresh hostile pass)."""
    spec = make(tmp_path)
    out = tmp_path / "out.jsonl"
    result = run_crawl(small_server.url, out, settings={"NEWSCRAWL_STATE": "off", "NEWSCRAWL_REPLAY": spec},
                       timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("scrapy crawl almayadeen: error: NEWSCRAWL_REPLAY: ") and "is not a regular file" in line
    from newscrawl.core.warc import ReplayMiddleware

    middleware = ReplayMiddleware.from_crawler(get_crawler(settings_dict={"NEWSCRAWL_REPLAY": spec}))
    with pytest.raises(CloseSpider):  # the other commands: stopped at open, nothing read
        middleware._refuse()


def test_a_digest_memory_that_cannot_be_moved_aside_stops_the_run_at_open(tmp_path, monkeypatch):
    import os
    from types import SimpleNamespace

    from newscrawl.core.warc import WARC_FAILED

    (tmp_path / "digests.sqlite3").write_bytes(b"not a database" * 100)
    crawler = get_crawler(settings_dict={"NEWSCRAWL_WARC": "on", "NEWSCRAWL_WARC_DIR": str(tmp_path)})
    ext = WarcCapture(crawler)

    def refused(src, dst):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "rename", refused)
    with pytest.raises(CloseSpider) as info:
        ext.opened(SimpleNamespace(name="almayadeen", edition="en"))
    assert info.value.reason == WARC_FAILED
    assert "cannot write WARC files in" in crawler.stats.get_value("newscrawl/run_failed")
