"""The Arabic and Spanish editions: the same ground-truth crawl tests as English.

Each edition's replica (right-to-left Arabic pages with Levantine visible dates and
Arabic-Indic read times; Spanish id-bearing URLs and year-less dates) is crawled with
``-a edition=ar|es``, and the records must equal the replica's truth field for field.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from urllib.parse import unquote

import pytest

from newscrawl.core.coverage import coverage_of
from newscrawl.outlets.almayadeen.editions import EDITIONS
from newscrawl.core.testing import run_crawl
from tests.outlets.almayadeen.replica import Replica, ReplicaServer
from tests.outlets.almayadeen.replica.model import BEIRUT

CHROMIUM = os.environ.get("NEWSCRAWL_CHROMIUM", "/usr/bin/chromium")
ARTICLES = 200


def key_of(record: dict) -> str:
    return record["post_id"] or record["canonical_url"]


def deep_enough(site: Replica) -> int:
    return -(-max(len(members) for members in site.listings.values()) // 10)


def fields_off_truth(site: Replica, records: list[dict]) -> list[tuple]:
    truth = site.truth()
    return [(key_of(r), f, r.get(f), v) for r in records for f, v in truth[key_of(r)].items() if r.get(f) != v]


@pytest.fixture(scope="module", params=["ar", "es"])
def edition(request):
    """(code, replica, running server) for one non-English edition."""
    site = Replica(seed=1, articles=ARTICLES, edition=request.param)
    with ReplicaServer(site) as server:
        yield request.param, site, server


def crawl(edition, tmp_path, args=(), settings=()):
    code, site, server = edition
    result = run_crawl(
        server.url, tmp_path / f"{code}.jsonl", args={"edition": code, **dict(args)},
        settings={"NEWSCRAWL_NOW": site.now.isoformat(), "NEWSCRAWL_STATE": "off", **dict(settings)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def static_crawl(edition, tmp_path_factory):
    return crawl(edition, tmp_path_factory.mktemp("static"), settings={"NEWSCRAWL_BROWSER_ENABLED": "False"})


def test_static_crawl_finds_exactly_the_reachable_articles(edition, static_crawl):
    _, site, _ = edition
    reachable = set(site.reachable(js=False))
    keys = [key_of(r) for r in static_crawl.records]
    assert reachable and set(keys) == reachable
    assert len(keys) == len(set(keys)), "one record per article"


def test_static_records_equal_the_truth(edition, static_crawl):
    _, site, _ = edition
    wrong = fields_off_truth(site, static_crawl.records)
    assert not wrong, f"{len(wrong)} wrong fields, first: {wrong[:3]}"


def test_summary_coverage_equals_the_truths(edition, static_crawl):
    code, site, _ = edition
    summary = json.loads(static_crawl.output.with_name(static_crawl.output.stem + ".summary.json").read_text())
    truth = site.truth()
    expected = coverage_of([truth[key_of(r)] for r in static_crawl.records], EDITIONS[code]).table()
    table = summary["coverage"]
    assert {k: table[k] for k in expected} == expected
    assert table["below_minimum"] == []
    assert table["flags"]["body_shorter_than_word_count"] > 0


def test_non_article_metadata_type_is_counted_not_stored(edition, static_crawl):
    # The Arabic replica links one page whose metadata type is "program"; the Spanish none.
    code, site, server = edition
    extra = site.ed.non_article
    assert static_crawl.stats.get("newscrawl/skipped/not_article_type", 0) == (1 if extra else 0)
    if extra:
        assert [r for r in server.log if unquote(r.path) == extra[1]], "the page must have been fetched"
        assert not [r for r in static_crawl.records if unquote(r["url"]).endswith(extra[1])]


# Every article URL shape each replica uses, as the run summary names them.
SHAPES = {
    "ar": ["/news/<section>/<slug>", "/articles/<slug>", "/reports/<slug>", "/tv-reports/<slug>", "/video/<slug>",
           "/newscast/<y>/<m>/<d>/<slug>"],
    "es": ["/noticias/<section>/<id>/<slug>", "/news/<id>/<slug>", "/articles/<id>/<slug>", "/entrevistas/<id>/<slug>",
           "/videos/<id>/<slug>", "/<root>/<id>/<slug>"],
}


def test_every_url_shape_is_in_the_crawl_and_spanish_bylines_are_read(edition, static_crawl):
    code, site, _ = edition
    shapes = json.loads(static_crawl.output.with_name(static_crawl.output.stem + ".summary.json").read_text())[
        "coverage"]["url_shapes"]
    assert sorted(shapes) == sorted(SHAPES[code]), shapes
    records = list(static_crawl.records)
    by_text = [r for r in records if r["extracted_from"].get("authors") == "text"]
    assert by_text and all(r["authors"] for r in by_text)
    if code == "es":  # no reading time; the breadcrumb, which can disagree with the URL, names the section
        assert all(r["read_time_minutes"] is None for r in records)
        crumbs = [r for r in records if r["extracted_from"]["section"] == "html"]
        assert crumbs and any(r["section"] != site.ed.url_sections.get(r["canonical_url"].split("/")[4])
                              for r in crumbs if "/noticias/" in r["canonical_url"])


def test_menu_labels_all_found(static_crawl):
    # Every listing was reached through its menu label, none through the fallback path.
    assert "newscrawl/menu_label_missing" not in static_crawl.stats


def test_non_ascii_paths_are_percent_encoded_once_on_the_wire(edition, static_crawl):
    code, site, server = edition
    requested = [r.path for r in server.log if site.article_at(unquote(r.path.split("?")[0])) is not None]
    assert requested
    assert all(p.isascii() for p in requested), "raw Unicode sent on the wire"
    assert not [p for p in requested if "%25" in p], "percent-encoded twice"
    non_ascii = [r["canonical_url"] for r in static_crawl.records if not r["canonical_url"].isascii()]
    assert non_ascii, f"the {code} replica must have non-ASCII slugs"
    assert all("%" not in url for url in non_ascii), "canonical_url must be stored readable"


def test_robots_disallowed_posts_never_requested(edition, static_crawl):
    _, site, server = edition
    members = {h.path for h in site.heads if h.members_only}
    assert members
    assert not [r.path for r in server.log if unquote(r.path) in members]


@pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"no Chromium at {CHROMIUM} (make setup installs it)")
def test_with_the_browser_every_article_is_found_and_right(edition, tmp_path):
    _, site, _ = edition
    result = crawl(edition, tmp_path, args={"max_pages": str(deep_enough(site))})
    behind_js = set(site.truth()) - set(site.reachable(js=False))
    found = {key_of(r) for r in result.records}
    assert behind_js and behind_js <= found
    assert found == set(site.truth())
    assert not fields_off_truth(site, result.records)


def test_sitemap_discovery_emits_exactly_a_month(edition, tmp_path):
    _, site, server = edition
    since, until = "2025-03-01", "2025-03-31"
    start = len(server.log)
    result = crawl(edition, tmp_path, args={"discover": "sitemap", "since": since, "until": until, "follow": "none"},
                   settings={"NEWSCRAWL_BROWSER_ENABLED": "False"})
    expected = {k for k, r in site.truth().items() if since <= r["published_at"][:10] <= until}
    assert expected and {key_of(r) for r in result.records} == expected
    assert not fields_off_truth(site, result.records)
    months = {r.path for r in server.log[start:] if r.path.startswith("/sitemaps/all/")}
    local = {(h.published.astimezone(BEIRUT).year, h.published.astimezone(BEIRUT).month) for h in site.heads}
    first, last = date.fromisoformat(since), date.fromisoformat(until) + timedelta(days=1)
    assert months == {f"/sitemaps/all/sitemap-{y}-{m}.xml" for y, m in local
                      if (first.year, first.month) <= (y, m) <= (last.year, last.month)}
