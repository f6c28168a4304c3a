"""Re-extraction: the current parser over stored responses gives the crawl's records, reflects
a parser change without a single request, and reads WARCs written by other tools."""

from __future__ import annotations

import gzip
import io
import json
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawl.core.args import CrawlArgs
from newscrawl.core.merge import merge
from newscrawl.outlets.almayadeen.pages import ArticlePage
from newscrawl.core.reextract import main as reextract_main
from newscrawl.core.reextract import reextract
from newscrawl.core.testing import ROOT, read_jsonl, run_crawl
from newscrawl.core.warc import warc_files
from tests.outlets.almayadeen.replica import Replica, ReplicaServer, pages

CRAWL_DEPENDENT = ("crawled_at", "discovered_via")


def key_of(record):
    return record["post_id"] or record["canonical_url"]


def mirror_name(base_url: str) -> str:
    return CrawlArgs.from_kwargs({"base_url": base_url}).dataset("almayadeen")


def without(record, fields=CRAWL_DEPENDENT):
    return {k: v for k, v in record.items() if k not in fields}


@pytest.fixture(scope="module")
def small_site():
    return Replica(seed=5, articles=60)


@pytest.fixture(scope="module")
def small_server(small_site):
    with ReplicaServer(small_site) as running:
        yield running


@pytest.fixture(scope="module")
def captured(small_site, small_server, tmp_path_factory):
    out = tmp_path_factory.mktemp("captured") / "run.jsonl"
    result = run_crawl(small_server.url, out, settings={
        "NEWSCRAWL_NOW": small_site.now.isoformat(), "NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(result.records) > 40
    return result


def test_reextract_gives_the_crawls_records_and_merge_takes_them(captured, small_server):
    root = captured.output.parent
    mirror = mirror_name(small_server.url)
    directory = captured.warc_dir()
    assert directory == root / "warc" / f"{mirror}-en"
    start = len(small_server.log)
    proc = subprocess.run([sys.executable, "-m", "newscrawl.reextract", "--edition", "en", "--output-dir", str(root),
                           "--dataset", mirror], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert small_server.log[start:] == []
    # The replica's pages, named so by the WARC's warcinfo: under the mirror's name, never the live one.
    (run_file,) = (root / mirror / "en").glob("*.jsonl")
    assert not (root / "almayadeen").exists()
    records = read_jsonl(run_file)
    crawl = {key_of(r): r for r in captured.records}
    assert sorted(map(key_of, records)) == sorted(crawl)
    for record in records:
        assert without(record) == without(crawl[key_of(record)])
        assert record["discovered_via"] == "warc"
        with (directory / record["warc"]["file"]).open("rb") as fh:
            fh.seek(record["warc"]["offset"])
            stored = next(iter(ArchiveIterator(fh)))
        assert record["crawled_at"] == stored.rec_headers.get_header("WARC-Date").replace("Z", "+00:00")
    summary = json.loads(run_file.with_name(run_file.stem + ".summary.json").read_text())
    assert summary["items"] == len(records) and summary["dataset"] == mirror

    # The run file is one more run for the merge, which finds the mirror's dataset alone.
    proc = subprocess.run([sys.executable, "-m", "newscrawl.merge", "--edition", "en", "--output-dir", str(root)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert sorted(map(key_of, read_jsonl(root / "merged" / f"{mirror}-en.jsonl"))) == sorted(crawl)
    assert sorted(p.name for p in (root / "merged").iterdir()) == [f"{mirror}-en.jsonl", f"{mirror}-en.manifest.json",
                                                                   f"{mirror}-en.removals.jsonl", f"{mirror}-en.versions.jsonl"]


def test_warcs_of_several_datasets_are_not_reextracted_together(captured, small_site, tmp_path, capsys):
    # The replica's WARC and a foreign (live-host) one: one run file would mix a mirror's
    # pages into the live dataset.
    foreign = tmp_path / "cc-news.warc.gz"
    _foreign_warc(small_site, foreign, [0])
    replica = warc_files([str(captured.warc_dir())])
    out = tmp_path / "out"
    assert reextract_main(["--edition", "en", "--output-dir", str(out), str(foreign), *map(str, replica)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"reextract: the WARC files come from several datasets: almayadeen (1 files), "
                   f"{mirror_name(captured.base_url)} ({len(replica)} files); re-extract each apart")
    assert not out.exists()
    # The live site's name is refused for the replica's pages.
    assert reextract_main(["--edition", "en", "--output-dir", str(out), "--dataset", "almayadeen", *map(str, replica)]) == 2
    assert capsys.readouterr().err.strip() == \
        f"reextract: not the live site's WARC files: {mirror_name(captured.base_url)} ({len(replica)} files)"
    # Foreign files of a mirror's host (--host) are that mirror's.
    assert reextract_main(["--edition", "en", "--output-dir", str(out), "--host", "mirror.example.org", "--workers", "1",
                           str(foreign)]) == 0
    assert [p.name for p in out.iterdir()] == ["almayadeen-mirror-mirror.example.org"]


def test_a_parser_change_is_reflected_without_a_network_request(captured, small_server, tmp_path, monkeypatch):
    read_title = ArticlePage.title

    def shouting_title(self):
        value, source = read_title(self)
        return (value.upper() if value else value), source

    monkeypatch.setattr(ArticlePage, "title", shouting_title)

    def no_network(*args, **kwargs):
        raise AssertionError("re-extraction opened a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    start = len(small_server.log)
    out = tmp_path / "changed.jsonl"
    files = warc_files([str(captured.warc_dir())])
    # Two workers: the pool's processes run the patched parser too.
    outcome = reextract(files, CrawlArgs.from_kwargs({"edition": "en"}), out, workers=2)
    assert small_server.log[start:] == []
    records = {key_of(r): r for r in read_jsonl(out)}
    assert outcome.written == len(records) == len(captured.records)
    for before in captured.records:
        after = records[key_of(before)]
        assert after["title"] == before["title"].upper() != before["title"]
        assert after["content_hash"] != before["content_hash"]
        assert without(after, CRAWL_DEPENDENT + ("title", "content_hash", "version_hash")) == \
               without(before, CRAWL_DEPENDENT + ("title", "content_hash", "version_hash"))


def _foreign_warc(site: Replica, path: Path, indexes: list[int]) -> None:
    """A WARC in Common Crawl's layout (warcinfo; request, response, metadata per page),
    written by warcio's own writer, with pages of the live host and others around them."""
    live = "https://english.almayadeen.net"
    date = site.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {
            "software": "StormCrawler 1.18 https://stormcrawler.net/", "isPartOf": "CC-NEWS",
            "operator": "Common Crawl Admin (info@commoncrawl.org)", "format": "WARC File Format 1.1"}))

        def page(url: str, body: bytes, status: str = "200 OK", gzipped: bool = False):
            headers = [("Content-Type", "text/html; charset=UTF-8"), ("Server", "nginx")]
            if gzipped:
                body = gzip.compress(body)
                headers.append(("Content-Encoding", "gzip"))
            headers.append(("Content-Length", str(len(body))))
            target = url.split("://", 1)[1].split("/", 1)
            request = writer.create_warc_record(url, "request", http_headers=StatusAndHeaders(
                f"GET /{target[1] if len(target) > 1 else ''} HTTP/1.1",
                [("Host", target[0]), ("User-Agent", "CCBot/2.0")], is_http_request=True),
                warc_headers_dict={"WARC-Date": date})
            response = writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body),
                                                 http_headers=StatusAndHeaders(status, headers, protocol="HTTP/1.1"),
                                                 warc_headers_dict={"WARC-Date": date})
            metadata = writer.create_warc_record(url, "metadata", payload=io.BytesIO(b"fetchTimeMs: 120\r\n"),
                                                 length=18, warc_content_type="application/warc-fields",
                                                 warc_headers_dict={"WARC-Date": date})
            for record in (request, response, metadata):
                writer.write_record(record)

        for n, i in enumerate(indexes):
            html = pages.article(site, i).encode("utf-8")
            url = live + quote(site.heads[i].path, safe="/")
            page(url, html, gzipped=n % 2 == 1)
            # The same article on another host, and a listing of the edition: not extracted.
            page("https://mirror.example.org" + quote(site.heads[i].path, safe="/"), html)
        page(live + "/news/politics", pages.listing(site, "politics").encode("utf-8"))
        page(live + "/news/politics/a-gone-post", b"<html><body>gone</body></html>", status="404 Not Found")


def test_a_foreign_warc_is_filtered_by_host_and_url_shape_and_extracted(small_site, tmp_path):
    truth = small_site.truth()
    indexes = [h.index for h in small_site.heads if h.key in truth][:12]
    path = tmp_path / "CC-NEWS-20261120090000-00001.warc.gz"
    _foreign_warc(small_site, path, indexes)
    out = tmp_path / "foreign.jsonl"
    outcome = reextract([path], CrawlArgs.from_kwargs({"edition": "en"}), out, workers=1)
    records = read_jsonl(out)
    assert sorted(map(key_of, records)) == sorted(small_site.heads[i].key for i in indexes)
    for record in records:
        expected = truth[key_of(record)]
        assert {f: record[f] for f in expected} == expected
        assert record["url"].startswith("https://english.almayadeen.net/")
        assert record["discovered_via"] == "warc" and record["warc"]["file"] == path.name
        assert record["crawled_at"] == small_site.now.isoformat()
    assert outcome.counts["skipped/not_article_url"] == len(indexes) + 1  # the mirror's pages, the listing
    assert outcome.counts["skipped/status"] == 1

    # --since/--until select by publication date, as in a crawl.
    days = sorted({truth[small_site.heads[i].key]["published_at"][:10] for i in indexes})
    since = days[len(days) // 2]
    later = reextract([path], CrawlArgs.from_kwargs({"edition": "en", "since": since}), tmp_path / "since.jsonl",
                      workers=1)
    assert sorted(map(key_of, read_jsonl(tmp_path / "since.jsonl"))) == sorted(
        small_site.heads[i].key for i in indexes if truth[small_site.heads[i].key]["published_at"][:10] >= since)
    assert later.counts["skipped/dropped/out_of_range"] > 0


def test_a_second_version_of_a_post_in_the_archive_is_its_next_revision(small_site, tmp_path):
    site = Replica(seed=5, articles=60)
    i = next(h.index for h in site.heads if h.key in site.truth())
    first = tmp_path / "a.warc.gz"
    _foreign_warc(site, first, [i])
    site.edit(site.heads[i].key)
    site.now += timedelta(hours=1)
    second = tmp_path / "b.warc.gz"
    _foreign_warc(site, second, [i])
    third = tmp_path / "c.warc.gz"
    _foreign_warc(site, third, [i])
    out = tmp_path / "versions.jsonl"
    outcome = reextract([first, second, third], CrawlArgs.from_kwargs({"edition": "en"}), out, workers=1)
    records = read_jsonl(out)
    assert [r["revision"] for r in records] == [1, 2]
    assert records[1]["body"] == site.truth()[site.heads[i].key]["body"] != records[0]["body"]
    assert outcome.counts["dropped/unchanged"] == 1


def test_the_benchmark_warc_is_read_back_whole(tmp_path):
    from bench.warc import make

    made = make(30, 3, tmp_path)
    assert made["articles"] == 30 and made["warc_bytes_per_article"] > 0
    outcome = reextract(warc_files([str(tmp_path / "warc" / "en")]), CrawlArgs.from_kwargs({"edition": "en"}),
                        tmp_path / "bench.jsonl", workers=1)
    truth = Replica(seed=3, articles=30).truth()
    records = read_jsonl(tmp_path / "bench.jsonl")
    assert outcome.written == len(records) == 30
    for record in records:
        if key_of(record) in truth:
            assert {f: record[f] for f in truth[key_of(record)]} == truth[key_of(record)]


# --- hostile inputs (issue 22, item 8) ----------------------------------------------------


def _articles_warc(site: Replica, path: Path, count: int = 4) -> list[int]:
    truth = site.truth()
    indexes = [h.index for h in site.heads if h.key in truth][:count]
    _foreign_warc(site, path, indexes)
    return indexes


def _member_offsets(path: Path) -> list[int]:
    with path.open("rb") as fh:
        return [offset for _, offset in __import__("newscrawl.core.warc", fromlist=["iter_records"]).iter_records(
            fh, path.name)]


def test_a_corrupt_gzip_member_is_skipped_and_the_scan_goes_on(small_site, tmp_path):
    path = tmp_path / "flipped.warc.gz"
    indexes = _articles_warc(small_site, path, 6)
    clean = reextract([path], CrawlArgs.from_kwargs({"edition": "en"}), tmp_path / "clean.jsonl", workers=1)
    # The second article's response member (warcinfo, then request/response/metadata per page).
    offsets = _member_offsets(path)
    start, end = offsets[1 + 3 * 2 + 1], offsets[1 + 3 * 2 + 2]
    data = bytearray(path.read_bytes())
    data[(start + end) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    outcome = reextract([path], CrawlArgs.from_kwargs({"edition": "en"}), tmp_path / "out.jsonl", workers=1)
    assert outcome.counts["corrupt_members"] == 1
    assert outcome.written == clean.written - 1 == len(indexes) - 1
    assert len(read_jsonl(tmp_path / "out.jsonl")) == outcome.written


def test_a_record_over_the_page_size_limit_is_skipped_and_counted(small_site, tmp_path, monkeypatch):
    import newscrawl.core.reextract as module

    path = tmp_path / "big.warc.gz"
    _articles_warc(small_site, path, 3)
    sizes = [len(pages.article(small_site, h.index).encode()) for h in small_site.heads[:60]]
    # A cap below every article page: each is skipped without being read whole.
    monkeypatch.setattr(module, "page_size_limit", lambda: min(sizes) - 1)
    outcome = reextract([path], CrawlArgs.from_kwargs({"edition": "en"}), tmp_path / "out.jsonl", workers=1)
    assert outcome.written == 0 and outcome.counts["skipped/too_large"] == 3
    # Unpatched, the cap is the crawl's page size limit.
    monkeypatch.undo()
    from newscrawl import settings

    assert module.page_size_limit() == settings.DOWNLOAD_MAXSIZE


@pytest.mark.parametrize("workers", ["100000", "-3", "two", "0x10"])
def test_workers_outside_one_to_the_core_count_are_one_line_and_exit_2(workers, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        reextract_main(["--edition", "en", "--output-dir", str(tmp_path / "o"), "--workers", workers,
                        str(tmp_path / "none.warc.gz")])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith("--workers must be a whole number from 1 to %d" % (__import__("os").cpu_count() or 1))
    assert not (tmp_path / "o").exists()


def test_an_existing_output_is_never_truncated_unless_asked(small_site, tmp_path, capsys):
    path = tmp_path / "a.warc.gz"
    _articles_warc(small_site, path, 2)
    existing = tmp_path / "existing.jsonl"
    existing.write_text("keep me\n")
    with pytest.raises(SystemExit) as stop:
        reextract_main(["--edition", "en", "--workers", "1", "--output", str(existing), str(path)])
    assert stop.value.code == 2
    assert "exists (pass --overwrite to replace it)" in capsys.readouterr().err
    assert existing.read_text() == "keep me\n"
    assert reextract_main(["--edition", "en", "--workers", "1", "--overwrite", "--output", str(existing),
                           str(path)]) == 0
    assert len(read_jsonl(existing)) == 2


def test_overwrite_never_replaces_a_warc_being_read(small_site, tmp_path, capsys):
    """--overwrite --output <the WARC> emptied the raw archive and wrote 0 articles into it
    (issue 22, fresh hostile pass)."""
    path = tmp_path / "a.warc.gz"
    _articles_warc(small_site, path, 2)
    before = path.read_bytes()
    with pytest.raises(SystemExit) as stop:
        reextract_main(["--edition", "en", "--workers", "1", "--overwrite", "--output", str(path), str(tmp_path)])
    assert stop.value.code == 2
    assert "is one of the WARC files read; not replaced" in capsys.readouterr().err
    assert path.read_bytes() == before


@pytest.mark.parametrize("output", ["/sys/x.jsonl", "/proc/x/y.jsonl", "DIR"])
def test_an_unwritable_output_is_one_line(output, small_site, tmp_path, capsys):
    path = tmp_path / "a.warc.gz"
    _articles_warc(small_site, path, 1)
    if output == "DIR":
        output = str(tmp_path)
    try:
        code = reextract_main(["--edition", "en", "--workers", "1", "--output", output, str(path)])
    except SystemExit as stop:
        code = stop.code
    assert code in (1, 2)
    err = capsys.readouterr().err.strip().splitlines()
    assert "Traceback" not in "\n".join(err)
    assert err[-1].startswith(("reextract: ", "python -m newscrawl.reextract: error: --output"))


def test_a_directory_named_like_a_warc_is_not_read(small_site, tmp_path, capsys):
    (tmp_path / "x.warc.gz").mkdir()
    path = tmp_path / "a.warc.gz"
    _articles_warc(small_site, path, 1)
    assert warc_files([str(tmp_path)]) == [path]
    assert warc_files([str(tmp_path / "*.warc.gz")]) == [path]
    out = tmp_path / "out.jsonl"
    assert reextract_main(["--edition", "en", "--workers", "1", "--output", str(out), str(tmp_path)]) == 0


def test_a_bad_edition_is_one_line_before_any_side_effect(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        reextract_main(["--edition", "en/../../x", "--output-dir", str(tmp_path / "o")])
    assert stop.value.code == 2 and not (tmp_path / "o").exists()


def _captured_twice(site: Replica, directory: Path, count: int = 3) -> tuple[Path, Path]:
    """Two runs' WARCs through the crawl's own writer: the first holds the article responses,
    the second, capturing the same pages again, only revisits of them."""
    from scrapy.http import HtmlResponse, Request

    from newscrawl.core.warc import Capturer

    base = "http://127.0.0.1:8765"
    info = {"software": "test", "newscrawl-edition": "en", "newscrawl-base-url": base,
            "newscrawl-setting-NEWSCRAWL_NOW": site.now.isoformat()}
    truth = site.truth()
    indexes = [h.index for h in site.heads if h.key in truth][:count]
    made = []
    for stamp in ("2026-11-20T09-00-00+00-00", "2026-11-20T10-00-00+00-00"):
        capturer = Capturer(directory, stamp, 1_000_000_000, info)
        for i in indexes:
            url = base + quote(site.heads[i].path, safe="/")
            request = Request(url)
            capturer.capture(HtmlResponse(url, status=200, body=pages.article(site, i).encode("utf-8"),
                                          headers={"Content-Type": "text/html; charset=utf-8"}, request=request),
                             request)
        capturer.close()
        made.append(capturer.counts)
        assert sorted(directory.glob("*.warc.gz"))  # one file per run
    assert made[0]["response"] == made[1]["revisit"] == count
    first, second = sorted(directory.glob("*.warc.gz"))
    return first, second


def test_revisits_whose_response_is_gone_are_counted_and_named_once(small_site, tmp_path, caplog):
    """Issue 22: WARCs of older runs hold revisits of files since deleted; reextract found
    nothing there and said nothing."""
    first, second = _captured_twice(small_site, tmp_path / "warc")
    whole = reextract([first, second], CrawlArgs.from_kwargs({"edition": "en"}), tmp_path / "whole.jsonl", workers=1)
    assert whole.written == 3 and "revisit_target_missing" not in whole.counts
    assert not [r for r in caplog.records if "revisit" in r.getMessage()]
    first.unlink()  # the damage: revisits left pointing at a deleted file
    outcome = reextract([second], CrawlArgs.from_kwargs({"edition": "en"}), tmp_path / "out.jsonl", workers=1)
    assert outcome.written == 0 and outcome.counts["revisit_target_missing"] == 3
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warned) == 1 and warned[0].startswith("3 revisit records refer to a response in none of the WARC files")
    # The command's summary has the count.
    assert reextract_main([str(second), "--edition", "en", "--output", str(tmp_path / "cmd.jsonl"), "--workers", "1"]) == 0
    summary = json.loads((tmp_path / "cmd.summary.json").read_text())
    assert summary["items"] == 0 and summary["counts"]["revisit_target_missing"] == 3
