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
    reachable = set(site.reachable(js=False, max_pages=3))  # the crawl's default max_pages
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


def test_pages_that_are_not_posts_are_counted_not_stored(edition, static_crawl):
    # The Arabic replica's listings link a programme page (type "page") and an "About us" page
    # (type article, posttype "Pages"): both fetched, both counted, neither stored. Spanish: none.
    code, site, server = edition
    linked = [p for p in site.ed.non_posts if p.listing]
    stats = static_crawl.stats
    assert stats.get("newscrawl/skipped/not_article_type", 0) == len(linked)
    assert stats.get("newscrawl/not_post/reason/type_page", 0) == sum(p.kind == "type_page" for p in linked)
    assert stats.get("newscrawl/not_post/reason/post_type", 0) == sum(p.kind == "posttype_pages" for p in linked)
    for extra in linked:
        assert [r for r in server.log if unquote(r.path) == extra.path], "the page must have been fetched"
        assert not [r for r in static_crawl.records if unquote(r["url"]).endswith(extra.path)]
    if code == "ar":
        assert len(linked) == 2


# Every article URL shape each replica uses, as the run summary names them.
SHAPES = {
    "ar": ["/news/<section>/<slug>", "/articles/<slug>", "/reports/<slug>", "/tv-reports/<slug>", "/video/<slug>",
           "/newscast/<y>/<m>/<d>/<slug>", "/misc/<slug>", "/press/<slug>", "/research-papers/<slug>",
           "/podcasts/<slug>", "/health/<slug>",
           # A root the crawler's table does not list: found through cards, kept, named by its root.
           "/investigations/<slug>"],
    "es": ["/noticias/<section>/<id>/<slug>", "/news/<id>/<slug>", "/articles/<id>/<slug>", "/entrevistas/<id>/<slug>",
           "/videos/<id>/<slug>", "/<root>/<id>/<slug>"],
}


def test_every_url_shape_is_in_the_crawl_and_spanish_bylines_are_read(edition, static_crawl):
    code, site, _ = edition
    shapes = json.loads(static_crawl.output.with_name(static_crawl.output.stem + ".summary.json").read_text())[
        "coverage"]["url_shapes"]
    # Every shape of the posts this crawl could reach, named as the table names it (an unlisted
    # root by its own name); and the list above covers every root of the whole replica.
    reachable = site.truth()
    roots = {reachable[k]["canonical_url"].split("/")[3] for k in site.reachable(js=False, max_pages=3)}
    assert sorted(shapes) == sorted(s for s in SHAPES[code] if s.split("/")[1] in roots | {"<root>"}), shapes
    if "/<root>/<id>/<slug>" not in SHAPES[code]:  # Spanish: any root with an id is one shape
        assert {r["canonical_url"].split("/")[3] for r in reachable.values()} <= {s.split("/")[1] for s in SHAPES[code]}
    records = list(static_crawl.records)
    by_text = [r for r in records if r["extracted_from"].get("authors") == "text"]
    assert by_text and all(r["authors"] for r in by_text)
    if code == "es":  # no reading time; the breadcrumb, which can disagree with the URL, names the section
        assert all(r["read_time_minutes"] is None for r in records)
        crumbs = [r for r in records if r["extracted_from"]["section"] == "html"]
        assert crumbs and any(r["section"] != site.ed.url_sections.get(r["canonical_url"].split("/")[4])
                              for r in crumbs if "/noticias/" in r["canonical_url"])


def test_ticker_lines_and_the_posts_they_link(edition, static_crawl):
    # Arabic ticker items are links (kept in url, followed as posts); Spanish ones are text.
    code, site, _ = edition
    lines = [json.loads(l) for l in static_crawl.output.with_name(static_crawl.output.stem + ".breaking.jsonl")
             .read_text(encoding="utf-8").splitlines()]
    assert [{"text": l["text"], "url": l["url"]} for l in lines] == site.breaking_truth()
    linked = [l["url"] for l in site.breaking_truth() if l["url"]]
    if code == "ar":
        assert linked
        only = [h.key for h in site.heads if getattr(h, "ticker_only", False)]
        assert only, "the replica must have a post that only the ticker links"
        assert [r["discovered_via"] for r in static_crawl.records if key_of(r) in only] == ["ticker"]
    else:
        assert not linked


def test_unlisted_roots_and_unseen_types_are_kept_and_named(edition, static_crawl):
    # Posts under a root the table does not list (Arabic /investigations/, Spanish roots found by
    # their id) and of a metadata type never seen ("liveblog") are kept, and the summary names them.
    code, site, _ = edition
    coverage = json.loads(static_crawl.output.with_name(static_crawl.output.stem + ".summary.json").read_text())[
        "coverage"]
    table_roots = set(EDITIONS[code].article_roots)
    kept_roots = {}
    for r in static_crawl.records:
        kept_roots.setdefault(r["canonical_url"].split("/")[3], []).append(r["canonical_url"])
    expected = {f"/{root}/": len(urls) for root, urls in kept_roots.items() if root not in table_roots}
    assert {k: v["count"] for k, v in coverage["unlisted_roots"].items()} == expected
    for root, info in coverage["unlisted_roots"].items():
        assert info["example"] in kept_roots[root.strip("/")]
    if code == "ar":
        assert "/investigations/" in expected
        liveblogs = [h.key for h in site.heads if h.kind == "liveblog"]
        reachable = set(site.reachable(js=False, max_pages=3))
        assert liveblogs and set(liveblogs) & reachable
        assert coverage["page_types_unseen"] == ["liveblog"]
        assert coverage["page_types"]["liveblog"] == len(set(liveblogs) & reachable)
        assert coverage["page_types"]["videoobject"] > 0  # real newscasts
    else:
        assert coverage["page_types_unseen"] == []


def test_invisible_characters_never_reach_a_record(edition, static_crawl):
    code, site, _ = edition
    invisible = ("\u200b", "\u200e", "\u200f", "\ufeff")
    for r in static_crawl.records:
        for text in [r["title"], r["summary"] or "", r["body"], *r["tags"], *r["authors"]]:
            assert not any(ch in text for ch in invisible), (key_of(r), text)
        assert len(r["tags"]) == len(set(r["tags"]))
    if code == "ar":  # the replica does print them (titles, keywords with a zero-width space)
        raw = [site.heads[i].title for i in range(len(site.heads))]
        assert any("\u200b" in t for t in raw) and any("\u200f" in t for t in raw)
        truth = site.truth()
        joined = [r for r in static_crawl.records if "\u200c" in r["title"]]  # kept between letters
        assert joined == [r for r in static_crawl.records if "\u200c" in truth[key_of(r)]["title"]]


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
def test_deep_enough_every_article_is_found_and_right(edition, tmp_path):
    # Arabic listings page by "Load more" (the browser); Spanish ones by a plain next link,
    # which needs no browser at all.
    code, site, _ = edition
    result = crawl(edition, tmp_path, args={"max_pages": str(deep_enough(site))})
    found = {key_of(r) for r in result.records}
    browser = {k: v for k, v in result.stats.items() if k.startswith("newscrawl/browser/requests/")}
    if site.ed.pager == "load_more":
        behind_js = set(site.truth()) - set(site.reachable(js=False))
        assert behind_js and behind_js <= found and browser
    else:
        first_pages = set(site.reachable(js=False, max_pages=1))
        assert set(site.truth()) - first_pages, "the replica must hide some articles behind the next link"
        assert browser == {} and result.stats.get("newscrawl/listing_pages", 0) > len(site.listings)
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
