"""What the crawl fetches and keeps (issue 21): the page decides what is a post, URL shapes only
guide the walk, and listings page by plain links too.

The real Arabic metadata blocks of May 2024 (``../shared/real-samples/ar-metadata-2024-05.jsonl``:
296 posts, ten URL roots, newscasts of type ``videoobject``) are served verbatim, one page each,
by a replica of only those posts; a sitemap backfill, a ``urls_file`` and a listing walk must each
keep every one of them once, with every metadata field equal to its block.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from newscrawl.core.clock import iso_utc
from newscrawl.core.testing import run_crawl
from tests.outlets.almayadeen.replica import Replica, ReplicaServer, real_blocks_available
from tests.outlets.almayadeen.replica.text import normalise

# Read here straight from the evidence, not through the replica that serves it.
SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "real-samples" / "ar-metadata-2024-05.jsonl"


def load_blocks() -> list[dict]:
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]

needs_blocks = pytest.mark.skipif(not real_blocks_available(), reason="../shared/real-samples is not beside this checkout")


def key_of(record: dict) -> str:
    return record["post_id"] or record["canonical_url"]


def fields_off_truth(site: Replica, records: list[dict]) -> list[tuple]:
    truth = site.truth()
    return [(key_of(r), f, r.get(f), v) for r in records for f, v in truth[key_of(r)].items() if r.get(f) != v]


def crawl(server, site, out, args=(), settings=()):
    result = run_crawl(server.url, out, args={"edition": site.ed.code, **dict(args)},
                       settings={"NEWSCRAWL_NOW": site.now.isoformat(), "NEWSCRAWL_STATE": "off",
                                 "NEWSCRAWL_BROWSER_ENABLED": "False", **dict(settings)})
    assert result.returncode == 0, result.stderr[-3000:]
    return result


# --- all 296 real blocks -------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_site():
    if not real_blocks_available():
        pytest.skip("../shared/real-samples is not beside this checkout")
    # 40 cards a page, older ones behind a plain rel=next link (no browser needed).
    site = Replica(edition="ar", real_posts=True, pager="next", page_size=40)
    with ReplicaServer(site) as server:
        yield site, server


def _classes(block: dict, mapping: str) -> list[str]:
    return [normalise(c["value"]) for c in block["classes"] if c["mapping"] == mapping]


def assert_every_block_kept_once(records: list[dict]) -> None:
    """Every real post once, each metadata field equal to what its block printed."""
    blocks = {json.loads(b["raw"])["postid"]: json.loads(b["raw"]) for b in load_blocks()}
    keys = [r["post_id"] for r in records]
    assert len(keys) == len(set(keys)), "one record per post"
    assert set(keys) == set(blocks) and len(blocks) == 296
    for record in records:
        block = blocks[record["post_id"]]
        assert record["canonical_url"] == block["url"]
        assert record["title"] == normalise(block["title"])
        assert record["published_at_raw"] == block["published_time"]
        assert record["published_at"] == iso_utc(datetime.fromisoformat(block["published_time"]))
        assert record["modified_at"] == iso_utc(datetime.fromisoformat(block["last_updated"]))
        assert record["word_count"] == int(block["word_count"])
        assert record["post_type"] == _classes(block, "posttype")[0]
        assert record["authors"] == _classes(block, "author")
        assert record["regions"] == _classes(block, "country")
        assert record["coverage"] == _classes(block, "coverage")
        assert record["tags"] == list(dict.fromkeys(t for t in map(normalise, block["keywords"].split(",")) if t))
        assert record["summary"] == (normalise(block["description"]) or None)
        assert record["video_duration_seconds"] is None and record["language"] == "ar"


@needs_blocks
def test_a_sitemap_backfill_keeps_every_real_post(real_site, tmp_path):
    site, server = real_site
    result = crawl(server, site, tmp_path / "sitemap.jsonl",
                   args={"discover": "sitemap", "since": "2024-05-19", "until": "2024-05-31", "follow": "none"})
    assert_every_block_kept_once(result.records)
    assert not fields_off_truth(site, result.records)
    types = {k.rsplit("/", 1)[1]: v for k, v in result.stats.items() if k.startswith("newscrawl/page_types/")}
    assert types == {"article": 262, "videoobject": 34}
    # The sitemap's pages that are not posts: declared paths never requested, the others fetched
    # and counted (the price of judging by the page).
    listed = site.sitemap_non_posts()
    assert result.stats["newscrawl/sitemaps/not_post_paths"] == listed["authors"] + listed["coverage"]
    fetched = listed["type_page"] + listed["posttype_pages"]
    assert fetched and result.stats["newscrawl/not_post/found_via/sitemap"] == fetched
    summary = json.loads(result.output.with_name(result.output.stem + ".summary.json").read_text())
    assert summary["coverage"]["not_posts"]["found_via"] == {"sitemap": fetched}
    assert summary["coverage"]["page_types_unseen"] == []


@needs_blocks
def test_a_urls_file_of_every_real_post_and_a_listing_keeps_them_all(real_site, tmp_path):
    site, server = real_site
    urls = [b["url"] for b in load_blocks()]
    listing, tag = "https://www.almayadeen.net/news", "https://www.almayadeen.net/tags/غزة"
    (tmp_path / "urls.txt").write_text("\n".join([urls[0], listing, *urls[1:], tag]) + "\n", encoding="utf-8")
    result = crawl(server, site, tmp_path / "urls.jsonl", args={"urls_file": str(tmp_path / "urls.txt")})
    assert_every_block_kept_once(result.records)
    assert {r["discovered_via"] for r in result.records} == {"url"}
    # The listing and the tag page were fetched, judged by their pages, and the run went on.
    assert result.stats["newscrawl/not_post/found_via/url"] == 2
    assert result.stats["newscrawl/skipped/not_article"] == 2


@needs_blocks
def test_a_listing_walk_by_plain_next_links_keeps_every_real_post(real_site, tmp_path):
    site, server = real_site
    start = len(server.log)
    result = crawl(server, site, tmp_path / "walk.jsonl", args={"sections": "news", "max_pages": "10", "follow": "none"})
    assert_every_block_kept_once(result.records)
    assert not fields_off_truth(site, result.records)
    pages = sorted(unquote(r.path) for r in server.log[start:] if urlsplit(r.path).path == "/news")
    assert pages == sorted(["/news"] + [f"/news?page={n}" for n in range(2, 9)])  # 296 posts, 40 a page
    assert not {k for k in result.stats if k.startswith("newscrawl/browser/")}
    roots = {urlsplit(r["canonical_url"]).path.split("/")[1] for r in result.records}
    assert roots == {"news", "tv-reports", "newscast", "video", "misc", "press", "articles", "research-papers",
                     "health", "podcasts"}


# --- plain pagers on a generated replica ------------------------------------------------
@pytest.mark.parametrize("pager", ["next", "numbered"])
def test_a_listings_second_page_is_reached_by_its_plain_link(pager, tmp_path):
    site = Replica(seed=3, articles=120, pager=pager)
    with ReplicaServer(site) as server:
        result = crawl(server, site, tmp_path / "out.jsonl", args={"sections": "politics", "max_pages": "2",
                                                                   "follow": "none"})
        requested = [unquote(r.path) for r in server.log]
    members = site.listings["politics"]
    assert len(members) > 2 * site.page_size, "the listing must have a third page"
    assert "/news/politics?page=2" in requested and "/news/politics?page=3" not in requested
    found = {key_of(r) for r in result.records}
    second = {site.heads[j].key for j in members[site.page_size: 2 * site.page_size]}
    assert second <= found and found == set(site.reachable(js=False, follow=(), max_pages=2, sections=["politics"]))
    assert not fields_off_truth(site, result.records)
    assert result.stats["newscrawl/listing_pages"] == 2


def test_links_of_unknown_shape_outside_cards_are_counted_not_followed(tmp_path):
    # A footer naming pages of a shape the table does not list, on every page: not fetched, but
    # the summary names the shape with a count and an example, for the operator to judge.
    from tests.outlets.almayadeen.replica.server import respond

    footer = b'<footer><a href="/programs/weekly-show">Weekly</a> <a href="/programs/evening-talk">Talk</a></footer>'

    def with_footer(site, method, target, host_url, headers=None):
        reply = respond(site, method, target, host_url, headers)
        if reply.content_type.startswith("text/html"):
            reply.body = reply.body.replace(b"</body>", footer + b"</body>")
        return reply

    site = Replica(seed=5, articles=40)
    with ReplicaServer(site, responder=with_footer) as server:
        result = crawl(server, site, tmp_path / "out.jsonl", args={"sections": "politics,economy"})
        requested = [unquote(r.path) for r in server.log]
    assert not [p for p in requested if p.startswith("/programs/")]
    pages = result.stats["newscrawl/links/unknown_shape"]
    summary = json.loads(result.output.with_name(result.output.stem + ".summary.json").read_text())
    shapes = summary["coverage"]["unknown_link_shapes"]
    assert list(shapes) == ["/programs/<slug>"] and shapes["/programs/<slug>"]["count"] == pages > 0
    assert shapes["/programs/<slug>"]["example"].endswith(("/programs/weekly-show", "/programs/evening-talk"))


def test_each_post_is_asked_for_once_however_many_pages_link_it(tmp_path):
    # Every article page links the same "Most Read" posts, and cards repeat across listings: the
    # spider asks for each URL once (repeats never reach Scrapy's duplicate filter), and still
    # finds every post it can reach, by a way it can be reached.
    site = Replica(seed=4, articles=80)
    with ReplicaServer(site) as server:
        result = crawl(server, site, tmp_path / "out.jsonl")
        requested = [unquote(r.path) for r in server.log]
    summary = json.loads(result.output.with_name(result.output.stem + ".summary.json").read_text())
    assert len(requested) == len(set(requested))
    assert summary["stats"].get("dupefilter/filtered", 0) == 0
    reachable = site.reachable(js=False, max_pages=1)
    assert {key_of(r) for r in result.records} == set(reachable)
    assert all(r["discovered_via"] in reachable[key_of(r)] for r in result.records)
