"""Scheduled runs cost little when little is new: known articles are not fetched again."""

from __future__ import annotations

from urllib.parse import unquote

from newscrawl.core.testing import run_crawl


def key_of(record):
    return record["post_id"] or record["canonical_url"]


def article_requests(site, log):
    return [r.path for r in log if site.article_at(unquote(r.path.split("?")[0])) is not None]


def test_second_run_fetches_no_article_and_new_posts_are_emitted(fresh_site, fresh_server, tmp_path):
    settings = {"NEWSCRAWL_STATE_PATH": str(tmp_path / "state.sqlite3"), "NEWSCRAWL_BROWSER_ENABLED": "False",
                "NEWSCRAWL_INCREMENTAL": "True"}

    def crawl(name):
        settings["NEWSCRAWL_NOW"] = fresh_site.now.isoformat()
        start = len(fresh_server.log)
        result = run_crawl(fresh_server.url, tmp_path / f"{name}.jsonl", settings=settings)
        assert result.returncode == 0, result.stderr[-2000:]
        return result, fresh_server.log[start:]

    first, _ = crawl("first")
    assert {key_of(r) for r in first.records} == set(fresh_site.reachable(js=False))
    # Pages whose body is far shorter than their word count are written once and then known:
    # they used to be retried, never stored, and fetched again by every scheduled run.
    assert [r for r in first.records if "body_shorter_than_word_count" in r["flags"]]

    second, log = crawl("second")
    assert second.records == []
    assert article_requests(fresh_site, log) == []
    assert second.stats["newscrawl/listing_stopped/nothing_new"] > 0

    new = fresh_site.publish(5)
    third, log = crawl("third")
    assert sorted(key_of(r) for r in third.records) == sorted(new)
    assert len(article_requests(fresh_site, log)) == 5
    # Listings whose first page now starts with new posts but ends with a stored one are
    # not paged further: no "Load more" session (counted as unavailable, the browser being off).
    assert third.stats["newscrawl/listing_stopped/reached_known"] > 0
    assert "newscrawl/browser/unavailable/load_more" not in third.stats


def test_refresh_refetches_recent_posts(fresh_site, fresh_server, tmp_path):
    settings = {"NEWSCRAWL_STATE_PATH": str(tmp_path / "state.sqlite3"), "NEWSCRAWL_BROWSER_ENABLED": "False",
                "NEWSCRAWL_INCREMENTAL": "True", "NEWSCRAWL_NOW": fresh_site.now.isoformat()}
    first = run_crawl(fresh_server.url, tmp_path / "a.jsonl", settings=settings)
    assert first.returncode == 0
    recent = {key_of(r) for r in first.records if r["published_at"] >= "2026-11-10"}
    edited = sorted(recent)[0]
    fresh_site.edit(edited)
    start = len(fresh_server.log)
    again = run_crawl(fresh_server.url, tmp_path / "b.jsonl", args={"refresh": "10"}, settings=settings)
    assert again.returncode == 0
    assert [(key_of(r), r["revision"]) for r in again.records] == [(edited, 2)]
    fetched = {unquote(p) for p in article_requests(fresh_site, fresh_server.log[start:])}
    assert len(fetched) >= len(recent)


def test_second_run_drops_are_short_quiet_lines_and_the_summary_tells_kinds_apart(fresh_site, fresh_server, tmp_path):
    import json

    settings = {"NEWSCRAWL_STATE_PATH": str(tmp_path / "state.sqlite3"), "NEWSCRAWL_BROWSER_ENABLED": "False",
                "NEWSCRAWL_NOW": fresh_site.now.isoformat()}
    first = run_crawl(fresh_server.url, tmp_path / "a.jsonl", args={"follow": "none"}, settings=settings)
    assert first.returncode == 0 and first.records
    summary = json.loads((tmp_path / "a.summary.json").read_text())
    ticker = [r for r in map(json.loads, (tmp_path / "a.breaking.jsonl").read_text().splitlines())]
    assert summary["articles"] == len(first.records) and summary["ticker_lines"] == len(ticker) > 0
    assert summary["outputs"] == [str(tmp_path / "a.jsonl"), str(tmp_path / "a.breaking.jsonl")]

    # Not incremental: every article is fetched again and dropped as unchanged.
    again = run_crawl(fresh_server.url, tmp_path / "b.jsonl", args={"follow": "none"}, settings=settings)
    assert again.returncode == 0 and again.records == []
    unchanged = again.stats["newscrawl/dropped/unchanged"]
    assert unchanged == len(first.records)
    # Expected drops are DEBUG lines (the log is at INFO): no warning, no record in the log.
    assert "Dropped" not in again.stderr and first.records[0]["body"][:80] not in again.stderr
    summary = json.loads((tmp_path / "b.summary.json").read_text())
    assert summary["articles"] == 0 and summary["ticker_lines"] == 0
    assert summary["dropped"] == {"unchanged": unchanged}  # a ticker line seen before is not a drop
    assert summary["ticker"]["already_seen"] == len(ticker)
    # Nothing new: an -O file is a snapshot of the run, so it is written (empty) and listed.
    assert summary["outputs"] == [str(tmp_path / "b.jsonl"), str(tmp_path / "b.breaking.jsonl")]
    assert (tmp_path / "b.jsonl").read_bytes() == b"" == (tmp_path / "b.breaking.jsonl").read_bytes()


def test_plain_next_pages_obey_the_incremental_stop_rules_too(tmp_path):
    # Listings paged by a plain rel=next link: the second run finds nothing new on the first
    # pages and does not ask for page 2 of any listing.
    from tests.outlets.almayadeen.replica import Replica, ReplicaServer

    site = Replica(seed=7, articles=80, pager="next")
    settings = {"NEWSCRAWL_STATE_PATH": str(tmp_path / "state.sqlite3"), "NEWSCRAWL_BROWSER_ENABLED": "False",
                "NEWSCRAWL_INCREMENTAL": "True", "NEWSCRAWL_NOW": site.now.isoformat()}
    with ReplicaServer(site) as server:
        first = run_crawl(server.url, tmp_path / "first.jsonl", settings=settings)
        assert first.returncode == 0, first.stderr[-2000:]
        assert any("page=2" in r.path for r in server.log)
        start = len(server.log)
        second = run_crawl(server.url, tmp_path / "second.jsonl", settings=settings)
        assert second.returncode == 0, second.stderr[-2000:]
        later = server.log[start:]
    assert second.records == []
    assert not [r.path for r in later if "page=" in r.path]
    assert second.stats["newscrawl/listing_stopped/nothing_new"] > 0
