"""The state database when another process holds its lock, or it cannot be written: the run
stops (finish reason ``state_unusable``, exit 1) and never forgets what it emitted (issue 22 case 4)."""

from __future__ import annotations

import json
import sqlite3
from types import SimpleNamespace

import pytest
from scrapy.exceptions import CloseSpider, DropItem

from newscrawl import settings as project_settings
from newscrawl.core import state
from newscrawl.core.pipelines import DedupePipeline
from newscrawl.core.runstatus import RUN_FAILED_STAT
from newscrawl.core.state import StateError, Store
from newscrawl.core.testing import run_crawl
from tests.test_pipelines import article, crawler_with, keeper_of


def key_of(record):
    return record["post_id"] or record["canonical_url"]


@pytest.fixture
def holder():
    """Another connection holding the write lock of a state database (``holder(path)``)."""
    held = []

    def hold(path):
        db = sqlite3.connect(str(path), isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        held.append(db)
        return db

    yield hold
    for db in held:
        db.close()


def test_a_write_lock_held_elsewhere_is_found_at_open(tmp_path, holder):
    # In WAL mode reads pass under another writer's lock: only a write finds it.
    path = tmp_path / "state.sqlite3"
    Store(path).close()
    holder(path)
    with pytest.raises(StateError) as info:
        Store(path, timeout=0.05)
    assert f"state database {path} is locked by another process" in str(info.value)
    assert "NEWSCRAWL_STATE=off" in str(info.value)


def test_a_state_directory_that_is_a_file_is_named_as_such(tmp_path):
    (tmp_path / "state").write_text("not a directory")
    for path in (tmp_path / "state" / "almayadeen-en.sqlite3", tmp_path / "state" / "deeper" / "x.sqlite3"):
        with pytest.raises(StateError) as info:
            Store(path)
        message = str(info.value)
        assert f"{tmp_path / 'state'} is a file, where a directory is expected" in message
        assert "locked" not in message and "mv " not in message


def test_a_read_only_state_database_is_not_called_corrupt(tmp_path, monkeypatch):
    path = tmp_path / "state.sqlite3"
    Store(path).close()
    real_connect = sqlite3.connect
    # As a file the crawler may not write (root ignores modes: opened read-only instead).
    monkeypatch.setattr(state.sqlite3, "connect",
                        lambda name, **kw: real_connect(f"file:{name}?mode=ro", uri=True, **kw))
    with pytest.raises(StateError) as info:
        Store(path)
    assert "cannot be written" in str(info.value) and "mv " not in str(info.value)


def test_the_keeper_stops_before_the_first_request_when_the_lock_is_held(tmp_path, holder, monkeypatch):
    monkeypatch.setattr(state, "STATE_TIMEOUT", 0.05)
    Store(tmp_path / "state-en.sqlite3").close()
    holder(tmp_path / "state-en.sqlite3")
    crawler = crawler_with(tmp_path)
    with pytest.raises(CloseSpider) as info:
        keeper_of(crawler).open(crawler.spider)
    assert info.value.reason == "state_unusable"
    assert "is locked by another process" in crawler.stats.get_value(RUN_FAILED_STAT)


def _opened(tmp_path, monkeypatch):
    """A keeper and dedupe pipeline opened on a fresh store, with an engine that records the close."""
    monkeypatch.setattr(state, "STATE_TIMEOUT", 0.05)
    crawler = crawler_with(tmp_path)
    closed = []
    # Not a coroutine: deferred_from_coro hands it back as it is.
    crawler.engine = SimpleNamespace(close_spider_async=lambda reason: closed.append(reason))
    keeper = keeper_of(crawler)
    keeper.open(crawler.spider)
    return crawler, keeper, DedupePipeline.from_crawler(crawler), closed


def _other(n):
    return article(post_id=f"17000{n:02d}", canonical_url=f"https://english.almayadeen.net/news/politics/p{n}")


def test_a_store_write_that_fails_mid_run_stops_the_run(tmp_path, holder, monkeypatch):
    crawler, keeper, pipeline, closed = _opened(tmp_path, monkeypatch)
    keeper.item_written(pipeline.process_item(_other(1)))
    holder(tmp_path / "state-en.sqlite3")  # another process takes the lock mid-run
    keeper.item_written(pipeline.process_item(_other(2)))
    assert closed == ["state_unusable"]
    assert "is locked by another process" in crawler.stats.get_value(RUN_FAILED_STAT)
    assert crawler.stats.get_value("newscrawl/not_remembered/state_failed") == 1
    # What comes after is neither exported nor waits out the lock again.
    with pytest.raises(DropItem):
        pipeline.process_item(_other(3))
    keeper.item_written(_other(4))
    assert crawler.stats.get_value("newscrawl/not_remembered/state_failed") == 2
    assert closed == ["state_unusable"]
    keeper.close(crawler.spider)


def test_a_store_read_that_fails_in_the_pipeline_drops_the_record_and_stops(tmp_path, monkeypatch):
    crawler, keeper, pipeline, closed = _opened(tmp_path, monkeypatch)
    keeper.store.db.close()  # any SQLite error: the disk went away, the file was replaced ...
    with pytest.raises(DropItem, match="the state database failed"):
        pipeline.process_item(_other(1))
    assert closed == ["state_unusable"] and crawler.stats.get_value(RUN_FAILED_STAT)
    keeper.close(crawler.spider)


# --- real crawls --------------------------------------------------------------------------


def test_a_crawl_with_the_state_locked_stops_before_its_first_request(fresh_site, fresh_server, tmp_path, holder):
    path = tmp_path / "state.sqlite3"
    Store(path).close()
    holder(path)
    result = run_crawl(fresh_server.url, tmp_path / "out.jsonl", settings={
        "NEWSCRAWL_NOW": fresh_site.now.isoformat(), "NEWSCRAWL_BROWSER_ENABLED": "False",
        "NEWSCRAWL_STATE_PATH": str(path)})
    assert result.returncode == 1, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"scrapy crawl almayadeen: error: state database {path} is locked by another process")
    assert last.endswith("(finish reason state_unusable)")
    assert "Traceback" not in result.stderr
    assert not [r for r in fresh_server.log if r.path != "/robots.txt"] and result.records == []


def test_a_lock_taken_mid_run_fails_the_run_and_the_next_run_emits_nothing_twice(fresh_site, fresh_server, tmp_path):
    settings = {"NEWSCRAWL_NOW": fresh_site.now.isoformat(), "NEWSCRAWL_BROWSER_ENABLED": "False",
                "NEWSCRAWL_STATE_PATH": str(tmp_path / "state.sqlite3")}
    extensions = {**project_settings.EXTENSIONS, "tests.state_lock.LockAfter": 506}
    first = run_crawl(fresh_server.url, tmp_path / "1.jsonl",
                      settings={**settings, "EXTENSIONS": json.dumps(extensions)}, env={"NEWSCRAWL_TEST_LOCK_AFTER": "5"})
    assert first.returncode == 1, first.stderr[-2000:]
    assert first.summary.finish_reason == "state_unusable"
    assert "is locked by another process" in first.stderr.strip().splitlines()[-1]
    assert first.stderr.count("Traceback") == 0
    assert 5 <= len(first.records) < len(fresh_site.reachable(js=False)), first.stderr[-2000:]
    second = run_crawl(fresh_server.url, tmp_path / "2.jsonl", settings=settings)
    assert second.returncode == 0, second.stderr[-2000:]
    keys = [key_of(r) for r in first.records + second.records]
    assert len(keys) == len(set(keys)), "a post emitted by the stopped run was emitted again"
    assert set(keys) == set(fresh_site.reachable(js=False))


def test_a_post_and_its_version_are_remembered_together_or_not_at_all(tmp_path):
    # The version insert fails (a trigger stands in for a disk error between the two writes):
    # the post is not remembered without its version, and the failure is the store's.
    store = Store(tmp_path / "state.sqlite3")
    store.db.execute("CREATE TRIGGER no_versions BEFORE INSERT ON versions BEGIN SELECT RAISE(FAIL, 'disk'); END")
    with pytest.raises(StateError):
        store.record("k1", "1", "https://x/news/a", "h", 1, "2026-11-01T00:00:00+00:00", "2026-11-02T00:00:00+00:00")
    assert store.get("k1") is None
    assert not store.db.in_transaction
    store.db.execute("DROP TRIGGER no_versions")
    store.record("k1", "1", "https://x/news/a", "h", 1, "2026-11-01T00:00:00+00:00", "2026-11-02T00:00:00+00:00")
    assert store.get("k1").revision == 1
    store.close()
