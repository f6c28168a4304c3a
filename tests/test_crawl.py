"""The whole crawl against the replica: every reachable article found, every field right.

The crawl runs once per session (``scrapy crawl almayadeen`` in a subprocess, as a user
runs it) and several tests read its output. Expected values come from the replica's
ground truth, never from an earlier run of the crawler.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from newscrawl.core.coverage import coverage_of
from newscrawl.outlets.almayadeen.editions import ENGLISH
from newscrawl.core.testing import ROOT, run_crawl

# Depend on the crawl, not on the truth.
CRAWL_DEPENDENT = ("url", "crawled_at", "discovered_via")


def key_of(record: dict) -> str:
    return record["post_id"] or record["canonical_url"]


@pytest.fixture(scope="session")
def static_crawl(site, server, tmp_path_factory):
    """A crawl without a browser: what the static HTML offers."""
    out = tmp_path_factory.mktemp("crawl") / "static.jsonl"
    result = run_crawl(
        server.url,
        out,
        settings={"NEWSCRAWL_NOW": site.now.isoformat(), "NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_static_crawl_finds_every_article_reachable_without_javascript(site, static_crawl):
    reachable = site.reachable(js=False)
    found = {key_of(r) for r in static_crawl.records}
    assert reachable, "the replica must have reachable articles"
    missing = set(reachable) - found
    assert not missing, f"{len(missing)} of {len(reachable)} reachable articles missing, e.g. {sorted(missing)[:5]}"
    assert found <= set(reachable), f"records for unreachable or non-article pages: {sorted(found - set(reachable))[:5]}"


def test_one_record_per_article(static_crawl):
    keys = [key_of(r) for r in static_crawl.records]
    assert len(keys) == len(set(keys))


def test_every_field_equals_the_truth(site, static_crawl):
    truth = site.truth()
    wrong = []
    for record in static_crawl.records:
        expected = truth[key_of(record)]
        for field, value in expected.items():
            if record.get(field) != value:
                wrong.append((key_of(record), field, record.get(field), value))
    assert not wrong, f"{len(wrong)} wrong fields, first: {wrong[:3]}"


def test_crawl_dependent_fields(site, server, static_crawl):
    reachable = site.reachable(js=False)
    host = urlsplit(server.url).netloc
    for record in static_crawl.records:
        assert urlsplit(record["url"]).netloc == host
        assert record["discovered_via"] in reachable[key_of(record)]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", record["crawled_at"])


def test_a_named_output_is_the_runs_only_output(server, static_crawl):
    """-O names the run's file: the project's default feeds (output/<dataset>/...) step aside,
    and the ticker lines go to the named file's sibling."""
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    assert not (ROOT / "output" / f"almayadeen-mirror-{host}-{port}").exists()
    siblings = sorted(p.name for p in static_crawl.output.parent.iterdir() if p.suffix == ".jsonl")
    assert siblings == ["static.breaking.jsonl", "static.jsonl"]


def test_robots_disallowed_paths_never_requested(server, static_crawl):
    assert not [r.path for r in server.log if r.path.startswith(("/search", "/articles/blog/members-only-"))]


def test_without_browser_load_more_is_counted_and_named(site, static_crawl):
    listings_with_more = sum(1 for members in site.listings.values() if len(members) > 10)
    assert static_crawl.stats["newscrawl/browser/unavailable/load_more"] == listings_with_more
    assert "no browser at" in static_crawl.stderr


def test_since_until_emit_only_the_range_and_stop_old_listings(site, server, tmp_path):
    # 200 days back: some listings' first pages end inside the range (paged further), others
    # end before it although they start inside it (not paged).
    since, until = (site.now.date().fromordinal(site.now.date().toordinal() - 200)), site.now.date()
    log_start = len(server.log)
    result = run_crawl(
        server.url, tmp_path / "range.jsonl", args={"since": since.isoformat(), "until": until.isoformat()},
        settings={"NEWSCRAWL_NOW": site.now.isoformat(), "NEWSCRAWL_STATE": "off"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    truth = site.truth()
    in_range = {k for k in site.reachable(js=True, max_pages=3)
                if since.isoformat() <= truth[k]["published_at"][:10] <= until.isoformat()}
    found = {key_of(r) for r in result.records}
    assert found == in_range and in_range
    # Listings whose first page ends before `since` are not paged further in the browser,
    # including those whose first page straddles `since`.
    old = {slug for slug, members in site.listings.items()
           if members and site.heads[members[:10][-1]].published.date() < since}
    straddling = {slug for slug in old if site.heads[site.listings[slug][0]].published.date() >= since}
    assert straddling, "the replica must have a first page that straddles `since`"
    assert result.stats["newscrawl/listing_stopped/since"] == len(old)
    paged = {parse_qs(urlsplit(r.path).query)["section"][0] for r in server.log[log_start:] if r.path.startswith("/api/listing")}
    assert paged and not paged & old


def test_summary_coverage_equals_the_truths(site, static_crawl):
    # The coverage table of a run is the one computed from the truth records of what it found.
    summary = json.loads(static_crawl.output.with_name(static_crawl.output.stem + ".summary.json").read_text())
    truth = site.truth()
    expected = coverage_of([truth[key_of(r)] for r in static_crawl.records], ENGLISH)
    table = summary["coverage"]
    assert {k: table[k] for k in ("records", "text_posts", "fields", "flags", "url_shapes", "unlisted_roots")} == expected.table()
    assert table["flags"]["body_shorter_than_word_count"] > 0 and table["flags"]["date_from_visible_text"] > 0
    assert "/articles/<slug>" in table["url_shapes"]  # the section-less English shape
    assert table["below_minimum"] == []
    # Every label of the table is on the replica's pages.
    assert table["labels_missing"] == []
