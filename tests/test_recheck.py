"""The re-check schedule on its own: ages, due times in the store (a state file written before
re-checks too), youngest first within a limit, and the default budget's politeness."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from newscrawl import settings
from newscrawl.core.outlet import outlet
from newscrawl.core.recheck_schedule import next_check, parse_intervals
from newscrawl.core.state import Store

ROOT = Path(__file__).resolve().parents[1]
AGES = parse_intervals(settings.NEWSCRAWL_RECHECK_INTERVALS)


def test_intervals_are_read_sorted_and_bad_ones_named():
    assert parse_intervals("1d, 30m,6h,1h,1h") == (timedelta(minutes=30), timedelta(hours=1), timedelta(hours=6),
                                                   timedelta(days=1))
    assert AGES == tuple(timedelta(hours=h) for h in (1, 6, 24, 72, 168, 720))
    for bad in ("1w", "0h", "-1h", "soon", "1h,,2h"):
        with pytest.raises(ValueError, match="NEWSCRAWL_RECHECK_INTERVALS"):
            parse_intervals(bad)


def test_a_post_is_due_at_the_first_age_after_its_last_fetch_and_never_after_the_last():
    published = "2026-11-20T09:00:00+00:00"
    assert next_check(published, "2026-11-20T09:10:00+00:00", AGES) == "2026-11-20T10:00:00+00:00"
    assert next_check(published, "2026-11-20T11:00:00+00:00", AGES) == "2026-11-20T15:00:00+00:00"  # 1 h passed: 6 h
    assert next_check(published, "2026-12-20T09:00:00+00:00", AGES) is None  # fetched at 30 d: done
    assert next_check("", "2026-11-20T09:10:00+00:00", AGES) is None  # no publication time: never


def _record(store: Store, key: str, published: str, seen: str) -> None:
    store.record(key, key, f"https://english.almayadeen.net/news/politics/{key}", "c" + key, 1, published, seen, "v" + key)


def test_the_store_gives_the_due_posts_youngest_first_within_the_limit(tmp_path):
    store = Store(tmp_path / "state.sqlite3")
    for n in range(5):  # published an hour apart, all first stored at 09:00
        _record(store, f"p{n}", f"2026-11-20T0{3 + n}:00:00+00:00", "2026-11-20T09:00:00+00:00")
    # p0's 6 h age came as it was stored (next: 1 d); p4's 6 h age is at 13:00
    now = "2026-11-20T12:30:00+00:00"
    assert store.due_count(now) == 3
    assert [k for k, _ in store.due(now, 2)] == ["p3", "p2"]
    store.touch("p3", now)  # re-checked: next at 1 d
    assert [k for k, _ in store.due(now, 5)] == ["p2", "p1"]
    store.removed("p1", now, 404)
    assert store.post("p1").removed_at == now and store.due_count(now) == 1
    store.removed("p1", "2026-11-21T09:00:00+00:00", 404)  # reported again: the first time stays
    assert store.post("p1").removed_at == now
    _record(store, "p1", "2026-11-20T04:00:00+00:00", "2026-11-22T09:00:00+00:00")  # back
    assert store.post("p1").removed_at is None
    assert [r[0] for r in store.versions("p1")] == [1]
    store.close()


def test_a_state_file_from_before_rechecks_gets_its_due_times(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(str(path))
    db.execute("CREATE TABLE posts (key TEXT PRIMARY KEY, post_id TEXT, canonical_url TEXT NOT NULL, "
               "content_hash TEXT NOT NULL, revision INTEGER NOT NULL, published_at TEXT, first_seen TEXT NOT NULL, "
               "last_seen TEXT NOT NULL)")
    db.execute("INSERT INTO posts VALUES ('1', '1', 'https://english.almayadeen.net/news/politics/a', 'h', 2, "
               "'2026-11-20T08:00:00+00:00', '2026-11-20T08:30:00+00:00', '2026-11-20T08:30:00+00:00')")
    db.commit()
    db.close()
    store = Store(path)
    seen = store.get("1")
    assert (seen.revision, seen.version_hash, seen.removed_at) == (2, None, None)
    assert seen.same_version("anything", "h")  # compared by content hash until a fetch fills the version hash in
    assert store.due_count("2026-11-20T09:00:00+00:00") == 1  # last seen 08:30, the 1 h age at 09:00
    store.touch("1", "2026-11-20T09:00:00+00:00", "vh")
    assert store.get("1").version_hash == "vh" and store.due_count("2026-11-20T13:59:00+00:00") == 0
    store.close()
    # Other intervals: every due time computed again when the store opens.
    store = Store(path, intervals="30m")
    assert store.due_count("2026-11-20T09:00:00+00:00") == 0  # fetched after its only age
    store.close()


def test_the_default_budget_is_at_most_a_fifth_of_the_smallest_hourly_run_of_every_edition():
    budget = settings.NEWSCRAWL_RECHECK_BUDGET
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    stated = dict((code, int(n)) for n, code in re.findall(r"(\d+) (?:on|requests on) `(\w\w)`", readme))
    for code, edition in outlet().editions.items():
        smallest = 2 + len(edition.listings)  # robots.txt, the home page, each listing's first page
        assert budget / (smallest + budget) <= 0.2, code
        assert stated[code] == smallest, f"README's request count of the {code} edition"


def test_the_readme_documents_the_schedule_files_tables_and_history():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for needle in ("NEWSCRAWL_RECHECK_INTERVALS", "NEWSCRAWL_RECHECK_BUDGET", "Politeness cost per run",
                   ".checks.jsonl", "almayadeen-en.versions.jsonl", "almayadeen-en.removals.jsonl",
                   "versions/almayadeen-en-versions.parquet", "removals/almayadeen-en-removals.parquet",
                   "python -m newscrawl.history", "skipped_budget"):
        assert needle in readme, needle
    assert f"default {settings.NEWSCRAWL_RECHECK_BUDGET};" in readme
    assert f"default `{settings.NEWSCRAWL_RECHECK_INTERVALS}`" in readme


def test_the_due_posts_of_a_date_range(tmp_path):
    store = Store(tmp_path / "state.sqlite3")
    _record(store, "old", "2026-11-19T23:30:00+00:00", "2026-11-19T23:40:00+00:00")
    _record(store, "new", "2026-11-20T00:30:00+00:00", "2026-11-20T00:40:00+00:00")
    now = "2026-11-20T02:00:00+00:00"
    assert store.due_count(now) == 2
    assert [k for k, _ in store.due(now, 5, since="2026-11-20T00:00:00+00:00")] == ["new"]
    assert store.due_count(now, before="2026-11-20T00:00:00+00:00") == 1
    store.close()


def test_a_recheck_that_fails_is_counted_and_waits_for_the_next_age(tmp_path):
    """A post that answers 500 is not re-checked at every run (it would take a share of each
    run's budget for ever): it is due again at its next age, like any re-checked post."""
    from urllib.parse import unquote

    from newscrawl.core.state import Store as Reader
    from newscrawl.core.testing import run_crawl
    from tests.outlets.almayadeen.replica import Replica, ReplicaServer
    from tests.outlets.almayadeen.replica.server import Reply, respond

    site = Replica(seed=5, articles=30)
    new = site.publish(3)
    broken = site.heads[site.index_of(new[-1])].path
    failing = []

    def answer(site, method, target, host_url, headers=None):
        if failing and unquote(target.split("?")[0]) == broken:
            return Reply(500, b"Internal Server Error", "text/plain")
        return respond(site, method, target, host_url, headers)

    state = tmp_path / "state.sqlite3"
    with ReplicaServer(site, responder=answer) as server:
        def crawl(name, at, **args):
            result = run_crawl(server.url, tmp_path / f"{name}.jsonl", args=args, settings={
                "NEWSCRAWL_NOW": at.isoformat(), "NEWSCRAWL_STATE_PATH": str(state), "NEWSCRAWL_INCREMENTAL": "True",
                "NEWSCRAWL_BROWSER_ENABLED": "False", "RETRY_TIMES": "0"})
            assert result.returncode == 0, result.stderr[-2000:]
            return result.summary.data["recheck"]

        t0 = site.now
        crawl("first", t0)
        failing.append(True)
        second = crawl("second", t0 + timedelta(minutes=65), since=t0.date().isoformat())
        assert second["due"] == second["made"] >= 3 and second["failed"] == 1
        recheck = crawl("third", t0 + timedelta(minutes=70))
    assert (recheck["due"], recheck["made"]) == (0, 0)
    store = Reader(state)
    outcome = store.db.execute("SELECT check_outcome, next_check FROM posts WHERE key = ?", (new[-1],)).fetchone()
    store.close()
    assert outcome[0] == "failed (HttpError)" and outcome[1] > (t0 + timedelta(hours=5)).isoformat()
