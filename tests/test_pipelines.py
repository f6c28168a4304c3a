"""Pipelines and the cross-run store, alone (synthetic items) and in real crawls of the replica."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newscrawl.core.items import Article, BreakingItem, content_hash
from newscrawl.core.dates import FUTURE, UNREADABLE, note_date_problems
from newscrawl.core.pipelines import DedupePipeline, RangePipeline, ValidatePipeline, printable
from newscrawl.outlets.almayadeen.spider import AlmayadeenSpider
from newscrawl.core.state import StateError, StateKeeper, Store, state_wanted
from newscrawl.core.testing import ROOT, FAST_SETTINGS, read_jsonl, run_crawl


def article(**changes) -> Article:
    base = dict(
        url="http://127.0.0.1:5/news/politics/a", canonical_url="https://english.almayadeen.net/news/politics/a",
        post_id="1700001", edition="en", language="en", post_type="News", section="Politics", regions=[], coverage=[],
        title="Talks resume", summary=None, authors=["Al Mayadeen English"], source=None,
        published_at="2024-10-09T06:01:00+00:00", published_at_raw="9 Oct 2024 09:01", modified_at=None,
        read_time_minutes=1, word_count=None, tags=[], body="Body text.", images=[], video_duration_seconds=None,
        related=[], read_next=[], content_hash=content_hash("Talks resume", "Body text."), extracted_from={},
        discovered_via="url", crawled_at="2026-11-20T09:00:00+00:00",
    )
    base.update(changes)
    return Article(**base)


def crawler_with(tmp_path, edition="en", **settings):
    """A crawler with its spider and the state keeper, set up in the order of a real crawl
    (the spider publishes its run facts when it is made)."""
    crawler = get_crawler(AlmayadeenSpider, {"NEWSCRAWL_NOW": "2026-11-20T09:00:00+00:00",
                                             "NEWSCRAWL_STATE_PATH": str(tmp_path / "state-%(edition)s.sqlite3"),
                                             "EXTENSIONS": {StateKeeper: 505}, **settings})
    crawler.settings = crawler.settings.copy()
    crawler.settings.frozen = False  # a copy keeps the flag
    crawler.spider = crawler._create_spider(base_url="http://127.0.0.1:5", edition=edition)
    crawler.settings.freeze()
    return crawler


def keeper_of(crawler) -> StateKeeper:
    return crawler.get_extension(StateKeeper)


@pytest.mark.parametrize(
    "changes,reason",
    [({"title": ""}, "missing_title"), ({"canonical_url": ""}, "missing_canonical_url"),
     ({"published_at": ""}, "missing_published_at"), ({"title": "Just a moment..."}, "challenge_page")],
)
def test_validation_drops_with_counted_reason(tmp_path, changes, reason):
    crawler = crawler_with(tmp_path)
    with pytest.raises(DropItem):
        ValidatePipeline.from_crawler(crawler).process_item(article(**changes))
    assert crawler.stats.get_value(f"newscrawl/dropped/{reason}") == 1


@pytest.mark.parametrize("changes, reason", [
    ({"word_count": 10 ** 30}, "bad_type:word_count"),  # what metadata "1e30" once gave
    ({"read_time_minutes": "5"}, "bad_type:read_time_minutes"),
    ({"extracted_from": {"title": 1}}, "bad_type:extracted_from"),
    ({"body": "Body \ud800 text."}, "lone_surrogate:body"),
])
def test_record_outside_the_schema_is_dropped_counted_and_warned_once(tmp_path, caplog, changes, reason):
    # A parser bug: the line would be skipped by merge and dataset (records.check), so it is
    # never written.
    crawler = crawler_with(tmp_path)
    pipeline = ValidatePipeline.from_crawler(crawler)
    for _ in range(2):
        with pytest.raises(DropItem, match=reason):
            pipeline.process_item(article(**changes))
    assert crawler.stats.get_value(f"newscrawl/dropped/{reason}") == 2
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warned) == 1 and reason in warned[0] and "parser bug" in warned[0]
    kept = article()
    assert pipeline.process_item(kept) is kept


def test_text_post_without_body_is_kept(tmp_path):
    # A complete page whose body was not found is kept (the parser flags it body_empty):
    # its title, date and links are still of use, and it usually means changed markup.
    crawler = crawler_with(tmp_path)
    record = article(body="", flags=["body_empty"])
    assert ValidatePipeline.from_crawler(crawler).process_item(record) is record
    assert not any(k.startswith("newscrawl/dropped/") for k in crawler.stats.get_stats())


def with_problems(item: Article, **problems: str) -> Article:
    """A record as the parser leaves it when a date it found is null (see test_parser)."""
    note_date_problems(item, problems)
    return item


def test_validation_drops_unreadable_and_future_dates_and_counts_bad_modified(tmp_path, caplog):
    crawler = crawler_with(tmp_path)
    pipeline = ValidatePipeline.from_crawler(crawler)
    for _ in range(2):
        with pytest.raises(DropItem):
            pipeline.process_item(with_problems(article(published_at=None, published_at_raw="sometime\x1b[31m"),
                                                published_at=UNREADABLE))
    assert crawler.stats.get_value("newscrawl/dropped/bad_date") == 2
    logged = [r.getMessage() for r in caplog.records if "unreadable date" in r.getMessage()]
    # One line per bad value, without the control characters the page put in it.
    assert len(logged) == 1 and "\x1b" not in logged[0] and "sometime" in logged[0]
    with pytest.raises(DropItem, match="future date"):
        pipeline.process_item(with_problems(article(published_at=None, published_at_raw="2031-01-01T10:00:00+02:00"),
                                            published_at=FUTURE))
    assert crawler.stats.get_value("newscrawl/dropped/future_date") == 1
    kept = with_problems(article(modified_at=None), modified_at=UNREADABLE)
    assert pipeline.process_item(kept) is kept
    assert crawler.stats.get_value("newscrawl/dates/bad_modified") == 1
    # No date found at all: missing, as before.
    with pytest.raises(DropItem):
        pipeline.process_item(article(published_at=None, published_at_raw=None))
    assert crawler.stats.get_value("newscrawl/dropped/missing_published_at") == 1


def test_since_until_filter(tmp_path):
    crawler = get_crawler(AlmayadeenSpider, {"NEWSCRAWL_NOW": "2026-11-20T09:00:00+00:00"})
    crawler.settings = crawler.settings.copy()
    crawler.settings.frozen = False  # the spider publishes its range before the settings freeze
    crawler.spider = crawler._create_spider(since="2024-10-10", until="2024-12-31")
    crawler.settings.freeze()
    pipeline = RangePipeline.from_crawler(crawler)
    with pytest.raises(DropItem):
        pipeline.process_item(article())
    assert crawler.stats.get_value("newscrawl/dropped/out_of_range") == 1
    # UTC days: 02:30 in Beirut on the 10th is still the 9th in UTC; 22:00 UTC on the 10th is kept.
    with pytest.raises(DropItem):
        pipeline.process_item(article(published_at="2024-10-09T23:30:00+00:00"))
    inside = article(published_at="2024-10-10T22:00:00+00:00")
    assert pipeline.process_item(inside) is inside


@pytest.mark.parametrize(
    "variant",
    ["http://english.almayadeen.net/news/politics/a", "https://ENGLISH.almayadeen.net/news/politics/a/",
     "https://english.almayadeen.net/news/politics/a?utm_source=x", "https://english.almayadeen.net/news/politics/a#top",
     "https://english.almayadeen.net/news/politics//a"],
)
def test_url_variants_collapse_within_a_run(tmp_path, variant):
    crawler = crawler_with(tmp_path, NEWSCRAWL_STATE="off")
    pipeline = DedupePipeline.from_crawler(crawler)
    keeper_of(crawler).open(crawler.spider)
    pipeline.process_item(article(post_id=None))
    with pytest.raises(DropItem):
        pipeline.process_item(article(post_id=None, canonical_url=variant))
    assert crawler.stats.get_value("newscrawl/dropped/duplicate") == 1


def run_pipeline(tmp_path, items, now="2026-11-20T09:00:00+00:00"):
    """One 'run': open, pass items through, 'export' the kept ones, close."""
    crawler = crawler_with(tmp_path, NEWSCRAWL_NOW=now)
    pipeline, keeper = DedupePipeline.from_crawler(crawler), keeper_of(crawler)
    keeper.open(crawler.spider)
    kept = []
    for item in items:
        try:
            kept.append(pipeline.process_item(item))
            keeper.item_written(kept[-1])
        except DropItem:
            pass
    keeper.close(crawler.spider)
    return kept, crawler.stats


def test_store_revisions_across_runs(tmp_path):
    first, _ = run_pipeline(tmp_path, [article(), article(post_id="1700002", canonical_url="https://english.almayadeen.net/news/politics/b")])
    assert [a.revision for a in first] == [1, 1]
    second, stats = run_pipeline(tmp_path, [article(), article(post_id="1700002", canonical_url="https://english.almayadeen.net/news/politics/b")])
    assert second == [] and stats.get_value("newscrawl/dropped/unchanged") == 2
    edited = article(body="Body text, edited.", content_hash=content_hash("Talks resume", "Body text, edited."))
    third, _ = run_pipeline(tmp_path, [edited, article(post_id="1700002", canonical_url="https://english.almayadeen.net/news/politics/b")])
    assert [(a.post_id, a.revision) for a in third] == [("1700001", 2)]


def test_state_off_remembers_nothing(tmp_path):
    crawler = crawler_with(tmp_path, NEWSCRAWL_STATE="off")
    pipeline = DedupePipeline.from_crawler(crawler)
    keeper_of(crawler).open(crawler.spider)
    assert pipeline.store is None and not list(tmp_path.iterdir())


def test_ticker_deduped_across_runs(tmp_path):
    line = BreakingItem(text="Strike  reported", edition="en", first_seen_at="2026-11-20T09:00:00+00:00")
    kept, _ = run_pipeline(tmp_path, [line, replace(line, text="strike reported")])
    assert kept == [line]
    assert run_pipeline(tmp_path, [line])[0] == []


def test_ticker_line_is_news_again_only_after_a_gap(tmp_path):
    line = BreakingItem(text="Strike reported", edition="en", first_seen_at="2026-11-20T09:00:00+00:00")
    assert run_pipeline(tmp_path, [line], now="2026-11-20T09:00:00+00:00")[0] == [line]
    # Still on the ticker an hour later, and 23 hours after that: the same news.
    assert run_pipeline(tmp_path, [line], now="2026-11-20T10:00:00+00:00")[0] == []
    assert run_pipeline(tmp_path, [line], now="2026-11-21T09:00:00+00:00")[0] == []
    # Not seen for more than 24 hours, then back on the ticker: emitted again.
    assert run_pipeline(tmp_path, [line], now="2026-11-22T09:30:00+00:00")[0] == [line]
    assert run_pipeline(tmp_path, [line], now="2026-11-22T10:00:00+00:00")[0] == []


def test_state_of_an_older_version_gains_ticker_last_seen(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE ticker (text_key TEXT PRIMARY KEY, text TEXT NOT NULL, first_seen TEXT NOT NULL)")
    db.execute("INSERT INTO ticker VALUES ('strike reported', 'Strike reported', '2026-11-20T09:00:00+00:00')")
    db.commit()
    db.close()
    store = Store(path)
    assert store.ticker_last_seen("strike reported") == "2026-11-20T09:00:00+00:00"
    store.close()


def test_corrupted_state_database_gives_clear_error(tmp_path):
    bad = tmp_path / "state.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateError) as info:
        Store(bad)
    assert str(bad) in str(info.value) and "move it aside" in str(info.value)


def test_locked_state_database_gives_clear_error(tmp_path):
    path = tmp_path / "state.sqlite3"
    Store(path).close()
    holder = sqlite3.connect(str(path), isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StateError) as info:
            Store(path, timeout=0.1)
        assert "locked" in str(info.value) and "NEWSCRAWL_STATE=off" in str(info.value)
    finally:
        holder.close()


def test_printable_escapes_control_characters():
    assert printable("a\x00b\x1b[2Jc\u0085") == "a\\x00b\\x1b[2Jc\\x85"


# --- real crawls --------------------------------------------------------------------------


def test_second_crawl_emits_nothing_and_an_edit_emits_revision_2(fresh_site, fresh_server, tmp_path):
    settings = {"NEWSCRAWL_NOW": fresh_site.now.isoformat(), "NEWSCRAWL_STATE_PATH": str(tmp_path / "state.sqlite3"),
                "NEWSCRAWL_BROWSER_ENABLED": "False"}
    first = run_crawl(fresh_server.url, tmp_path / "1.jsonl", settings=settings)
    expected = fresh_site.reachable(js=False)
    assert first.returncode == 0 and {r["post_id"] or r["canonical_url"] for r in first.records} == set(expected)
    second = run_crawl(fresh_server.url, tmp_path / "2.jsonl", settings=settings)
    assert second.returncode == 0 and second.records == []
    edited = next(iter(expected))
    fresh_site.edit(edited)
    third = run_crawl(fresh_server.url, tmp_path / "3.jsonl", settings=settings)
    assert [(r["post_id"] or r["canonical_url"], r["revision"]) for r in third.records] == [(edited, 2)]
    assert third.records[0]["content_hash"] == fresh_site.truth()[edited]["content_hash"]


def test_killed_crawl_leaves_only_whole_lines(site, server, tmp_path):
    """SIGKILL while records are being written: every line that is there parses."""
    out = tmp_path / "killed.jsonl"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "almayadeen", "-a", f"base_url={server.url}", "-O", str(out)]
    for key, value in {**FAST_SETTINGS, "NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False",
                       "NEWSCRAWL_NOW": site.now.isoformat()}.items():
        cmd += ["-s", f"{key}={value}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        # Wait (by polling the file, not sleeping blind) until records are flowing.
        while time.monotonic() < deadline and (not out.exists() or out.stat().st_size < 40_000):
            if proc.poll() is not None:
                break
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the crawl ended before it could be killed"
    data = out.read_bytes()
    assert data and data.endswith(b"\n"), "the file ends in a partial line"
    records = read_jsonl(out)
    assert len(records) > 5 and all(r["canonical_url"] for r in records)


def test_next_run_catches_up_on_a_line_written_but_not_remembered(tmp_path):
    """The kill window between a line's write and the store's commit: the next run
    reads the previous run's output back and does not emit the post again."""
    out = tmp_path / "killed.jsonl"
    item = article()
    out.write_text(json.dumps({**ItemAdapter(item).asdict(), "published_at": "2024-10-09T06:01:00+00:00"}) + "\n")
    store = Store(tmp_path / "state-en.sqlite3")
    store.set_meta("last_outputs", json.dumps([str(out)]))
    store.close()
    kept, stats = run_pipeline(tmp_path, [article()])
    assert kept == [] and stats.get_value("newscrawl/state/reconciled") == 1
    assert stats.get_value("newscrawl/dropped/unchanged") == 1


# --- a state database that cannot be used (issue 14 item 2) -------------------------------
def _random_bytes(tmp_path):
    path = tmp_path / "state.sqlite3"
    path.write_bytes(os.urandom(64 * 1024))
    return path


def _directory(tmp_path):
    path = tmp_path / "state.sqlite3"
    path.mkdir()
    return path


@pytest.mark.parametrize("make,movable", [(_random_bytes, True), (_directory, False),
                                          (lambda tmp_path: Path("/dev/zero"), False)],
                         ids=["random-bytes", "directory", "dev-zero"])
def test_an_unusable_state_database_stops_the_crawl_before_it_starts(fresh_site, fresh_server, tmp_path, make, movable):
    state = make(tmp_path)
    result = run_crawl(fresh_server.url, tmp_path / "out.jsonl",
                       settings={"NEWSCRAWL_NOW": fresh_site.now.isoformat(), "NEWSCRAWL_BROWSER_ENABLED": "False",
                                 "NEWSCRAWL_STATE_PATH": str(state)})
    assert result.returncode == 1, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"scrapy crawl almayadeen: error: state database {state} ")
    assert last.endswith("(finish reason state_unusable)")
    assert ("mv " in last) == movable  # moving aside is never suggested for a device or a directory
    assert "Traceback" not in result.stderr
    assert not [r for r in fresh_server.log if r.path != "/robots.txt"] and result.records == []


def test_an_unusable_state_path_is_never_offered_to_mv(tmp_path):
    for path in (Path("/dev/zero"), _directory(tmp_path)):
        with pytest.raises(StateError) as info:
            Store(path)
        assert "mv " not in str(info.value) and "NEWSCRAWL_STATE=off" in str(info.value)


# --- a callback that raises loses records: the run fails (issue 14 item 4) ----------------
def test_a_callback_error_fails_the_run_and_is_counted(fresh_site, fresh_server, tmp_path):
    reachable = fresh_site.reachable(js=False)
    head = next(h for h in fresh_site.heads if h.key in reachable and h.path.isascii() and "." not in h.path)
    result = run_crawl(fresh_server.url, tmp_path / "out.jsonl",
                       settings={"NEWSCRAWL_NOW": fresh_site.now.isoformat(), "NEWSCRAWL_BROWSER_ENABLED": "False",
                                 "NEWSCRAWL_STATE": "off", "SPIDER_MIDDLEWARES": json.dumps({"tests.raising.RaiseOn": 950})},
                       env={"NEWSCRAWL_TEST_RAISE_ON": head.path})
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stats["newscrawl/callback_errors"] == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("scrapy crawl almayadeen: error: 1 page(s) raised an error in the spider")
    assert head.path not in {urlsplit(r["url"]).path for r in result.records}
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["newscrawl"]["newscrawl/callback_errors"] == 1


# --- -O runs and the cross-run memory (issue 14 item 16) ----------------------------------
def test_an_O_run_twice_gives_the_whole_snapshot_both_times(fresh_site, fresh_server, tmp_path):
    """-O without -s NEWSCRAWL_STATE=on (or a NEWSCRAWL_STATE_PATH) neither reads nor writes the memory."""
    settings = {"NEWSCRAWL_NOW": fresh_site.now.isoformat(), "NEWSCRAWL_BROWSER_ENABLED": "False"}
    default_state = ROOT / "output" / "state" / f"almayadeen-mirror-127.0.0.1-{urlsplit(fresh_server.url).port}-en.sqlite3"
    first = run_crawl(fresh_server.url, tmp_path / "out.jsonl", settings=settings)
    second = run_crawl(fresh_server.url, tmp_path / "out.jsonl", settings=settings)
    expected = set(fresh_site.reachable(js=False))
    for run in (first, second):
        assert run.returncode == 0, run.stderr[-2000:]
        assert {r["post_id"] or r["canonical_url"] for r in run.records} == expected
    assert not default_state.exists()
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["newscrawl"]["newscrawl/state/memory"].startswith("off (an -O/-o run")


def test_an_O_run_asked_to_remember_uses_the_memory(fresh_site, fresh_server, tmp_path):
    settings = {"NEWSCRAWL_NOW": fresh_site.now.isoformat(), "NEWSCRAWL_BROWSER_ENABLED": "False",
                "NEWSCRAWL_STATE": "on", "NEWSCRAWL_STATE_PATH": str(tmp_path / "state.sqlite3")}
    first = run_crawl(fresh_server.url, tmp_path / "out.jsonl", settings=settings)
    assert first.records and first.returncode == 0
    second = run_crawl(fresh_server.url, tmp_path / "out.jsonl", settings=settings)
    # nothing new: the file named by -O is replaced by this run's (empty) output, not left stale
    assert second.returncode == 0 and second.records == [] and (tmp_path / "out.jsonl").read_bytes() == b""
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["newscrawl"]["newscrawl/state/memory"] == f"on ({tmp_path / 'state.sqlite3'})"


def test_state_is_on_for_the_project_feeds_and_off_for_named_outputs(tmp_path):
    from scrapy.settings import Settings

    from newscrawl import settings as project

    def wanted(**cmdline):
        settings = Settings()
        settings.setmodule(project, priority="project")
        settings.setdict(cmdline, priority="cmdline")
        return state_wanted(settings)[0]

    assert wanted() is True
    assert wanted(NEWSCRAWL_NAMED_OUTPUT=True) is False
    assert wanted(NEWSCRAWL_NAMED_OUTPUT=True, NEWSCRAWL_STATE="on") is True
    assert wanted(NEWSCRAWL_NAMED_OUTPUT=True, NEWSCRAWL_STATE_PATH=str(tmp_path / "s.sqlite3")) is True
    assert wanted(NEWSCRAWL_STATE="off") is False


# --- a crawl of a mirror or the replica stays out of the live dataset (issue 14 item 15) ----
def test_a_replica_crawl_keeps_its_data_and_memory_apart_from_the_live_dataset(fresh_site, fresh_server, tmp_path):
    """The README's replica command (no -O, memory on), run in a directory of its own."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "almayadeen", "-a", f"base_url={fresh_server.url}",
           "-a", "sections=politics", "-a", "max_pages=1"]
    for key, value in {**FAST_SETTINGS, "NEWSCRAWL_BROWSER_ENABLED": "False", "NEWSCRAWL_NOW": fresh_site.now.isoformat()}.items():
        cmd += ["-s", f"{key}={value}"]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newscrawl.settings", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dataset = f"almayadeen-mirror-127.0.0.1-{urlsplit(fresh_server.url).port}"
    out = tmp_path / "output"
    [articles] = [p for p in (out / dataset / "en").glob("*.jsonl") if not p.name.endswith(".breaking.jsonl")]
    assert read_jsonl(articles)
    assert (out / "state" / f"{dataset}-en.sqlite3").exists()
    assert sorted(p.name for p in out.iterdir()) == [dataset, "state", "warc"]  # no output/almayadeen/
    assert [p.name for p in (out / "warc").iterdir()] == [f"{dataset}-en"]  # its raw responses apart too
    assert sorted(p.name for p in (out / "state").iterdir() if p.suffix == ".sqlite3") == [f"{dataset}-en.sqlite3"]


def test_a_drop_is_one_short_line_quiet_when_expected():
    import logging

    from scrapy.exceptions import DropItem

    from newscrawl.core.logformatter import NewscrawlLogFormatter

    formatter = NewscrawlLogFormatter()
    item = article()
    expected = formatter.dropped(item, DropItem("unchanged: 1257172"), None, None)
    assert expected["level"] == logging.DEBUG
    assert expected["msg"] % expected["args"] == "Dropped (unchanged): 1257172"
    broken = formatter.dropped(item, DropItem("missing title: http://x/\x1b[31m" + "y" * 500), None, None)
    line = broken["msg"] % broken["args"]
    assert broken["level"] == logging.WARNING and "\n" not in line and "\x1b" not in line and len(line) < 260
    assert item.body[:40] not in line
