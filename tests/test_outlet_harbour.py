"""The Harbour Gazette, a second outlet that exists only in the tests (issue 17): its replica
serves three page kinds, and its page class, built on the shared parser machinery, turns every
story page into exactly the record its truth expects."""

from __future__ import annotations

import dataclasses
import urllib.error
import urllib.request
from urllib.parse import urljoin, urlsplit

import pytest
from parsel import Selector

from tests.outlets.harbour import truth
from tests.outlets.harbour.model import LIVE, OLDER_LABEL, RELATED_LABEL, SECTIONS, Gazette, lisbon
from tests.outlets.harbour.pages import GazetteArticlePage, GazetteHomePage, GazetteListingPage, to_utc
from tests.outlets.harbour.server import gazette_server


@pytest.fixture(scope="module")
def gazette() -> Gazette:
    return Gazette(seed=1, articles=36)


@pytest.fixture(scope="module")
def gazette_url(gazette):
    with gazette_server(gazette) as server:
        yield server.url


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url) as reply:
            return reply.status, reply.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


def path_of(href: str) -> str:
    """The path an href names, on the mirror or the live host alike."""
    return urlsplit(href).path


def test_home_page_links_every_section_listing(gazette_url):
    status, page = get(gazette_url + "/")
    assert status == 200
    sel = Selector(text=page)
    menu = dict(zip(sel.css("nav.sections a::text").getall(), sel.css("nav.sections a::attr(href)").getall()))
    assert menu == {label: f"/section/{slug}" for slug, label in SECTIONS.items()}
    assert not sel.css("main a::attr(href)").getall(), "the front page links no story"


def test_listings_page_through_older_stories(gazette, gazette_url):
    for slug in SECTIONS:
        url, pages, teasers = f"{gazette_url}/section/{slug}", 0, []
        while url:
            status, page = get(url)
            assert status == 200, url
            sel = Selector(text=page)
            pages += 1
            teasers += [path_of(h) for h in sel.css("li.teaser h2 a::attr(href)").getall()]
            older = sel.xpath(f"//a[normalize-space(.)='{OLDER_LABEL}']/@href").get()
            url = urljoin(url, older) if older else None
        assert 2 <= pages <= 3, slug
        assert teasers == [gazette.stories[j].path for j in gazette.listings[slug]], slug
        assert get(f"{gazette_url}/section/{slug}?page={pages + 1}")[0] == 404
    unlisted = [s for s in gazette.stories if not s.listed]
    assert unlisted, "some stories are in no listing (reached only through related links)"


def test_story_pages_show_json_ld_byline_body_figure_and_related_links(gazette, gazette_url):
    for story in gazette.stories:
        status, page = get(gazette_url + story.path)
        assert status == 200, story.path
        sel = Selector(text=page)
        assert len(sel.xpath('//script[@type="application/ld+json"]')) == 1
        assert sel.css("article h1::text").get() == story.title
        assert sel.css("article p.byline time::attr(datetime)").get()
        assert len(sel.css("article div.story-body > p")) == len(story.paragraphs)
        assert len(sel.css("article figure figcaption")) == 1
        assert sel.xpath(f"//article//*[normalize-space(text())='{RELATED_LABEL}']"), story.path


def test_unknown_paths_are_not_found(gazette, gazette_url):
    story = gazette.stories[0]
    for path in ("/nope", "/section/sports", "/section/port?page=0", "/section/port?page=x", story.path + "-x"):
        assert get(gazette_url + path)[0] == 404, path


def test_truth_covers_both_date_forms_on_both_sides_of_summer_time(gazette):
    records = truth.truth(gazette).values()
    endings = {r["published_at_raw"][19:] for r in records}
    assert endings == {"", "+00:00", "+01:00"}, "dates with and without offset, winter and summer"
    bare = [r for r in records if len(r["published_at_raw"]) == 19]
    shifted = {r["published_at_raw"][11:16] != r["published_at"][11:16] for r in bare}
    assert shifted == {True, False}, "wall times without offset in summer (1 h ahead of UTC) and in winter"


def test_every_story_page_parses_to_its_truth(gazette, gazette_url):
    expected = truth.truth(gazette)
    for story in gazette.stories:
        url = gazette_url + story.path
        status, page = get(url)
        assert status == 200
        item = GazetteArticlePage(page, url).to_item(discovered_via="listing:port", crawled_at="2026-11-20T09:00:00+00:00")
        got = dataclasses.asdict(item)
        assert (got["url"], got["discovered_via"], got["warc"]) == (url, "listing:port", None)
        want = expected[story.story_id]
        assert set(got) == set(want)
        for name in set(want) - set(truth.CRAWL_FIELDS):
            assert got[name] == want[name], f"{story.path}: {name}"


def test_page_class_gives_no_record_for_pages_that_are_not_stories(gazette_url):
    for path in ("/", "/section/town"):
        _, page = get(gazette_url + path)
        assert GazetteArticlePage(page, gazette_url + path).to_item(discovered_via="url", crawled_at="x") is None


def test_wall_times_are_read_in_lisbon_time():
    assert to_utc("2026-07-01T10:00:00") == "2026-07-01T09:00:00+00:00"  # WEST
    assert to_utc("2026-01-15T10:00:00") == "2026-01-15T10:00:00+00:00"  # WET
    assert to_utc("2026-07-01T10:00:00+02:00") == "2026-07-01T08:00:00+00:00"  # a stated offset wins
    # The hour the autumn change repeats is read as its first (summer) occurrence.
    assert to_utc("2026-10-25T01:30:00") == "2026-10-25T00:30:00+00:00"


def test_discovered_via_is_how_a_breadth_first_walk_from_the_home_page_first_finds_each_story(gazette, gazette_url):
    """The truth's ``discovered_via`` agrees with the served pages: walked level by level from
    the home page, listing pages before stories on each level."""
    found: dict[str, str] = {}
    level = [(gazette_url + "/", None)]
    seen = {gazette_url + "/"}
    while level:
        following = []
        # Listing pages first: a story they list at the same distance is found by its listing.
        for url, way in sorted(level, key=lambda entry: entry[1] not in (None, "page")):
            if way and way != "page" and path_of(url) not in found:
                found[path_of(url)] = way
            sel = Selector(text=get(url)[1])
            if path_of(url).startswith("/section/"):
                slug = path_of(url).rsplit("/", 1)[1]
                links = [(h, f"listing:{slug}") for h in sel.css("li.teaser h2 a::attr(href)").getall()]
                links += [(h, "page") for h in sel.xpath(f"//a[normalize-space(.)='{OLDER_LABEL}']/@href").getall()]
            elif path_of(url) == "/":
                links = [(h, "page") for h in sel.css("nav.sections a::attr(href)").getall()]
            else:
                links = [(h, "related") for h in sel.css("aside.more-from a::attr(href)").getall()]
            for href, kind in links:
                target = urljoin(url, href.replace(LIVE, gazette_url))
                if target not in seen:
                    seen.add(target)
                    following.append((target, kind))
        level = following
    expected = {s.path: truth.record(gazette, s.index)["discovered_via"] for s in gazette.stories}
    assert found == expected


def test_home_page_class_gives_the_menu_and_nothing_else(gazette_url):
    url = gazette_url + "/"
    home = GazetteHomePage(get(url)[1], url)
    assert home.menu() == {label: f"{gazette_url}/section/{slug}" for slug, label in SECTIONS.items()}
    assert (home.ticker(), home.most_read(), home.blocks_left_to_scripts()) == ([], [], [])


def test_listing_page_class_gives_teasers_their_dates_and_the_older_page(gazette, gazette_url):
    for slug in SECTIONS:
        url, page = f"{gazette_url}/section/{slug}", 0
        while url:
            page += 1
            listing = GazetteListingPage(get(url)[1], url)
            stories = [gazette.stories[j] for j in gazette.listing_page(slug, page)]
            assert [(path_of(l.url), l.title, l.kind) for l in listing.article_links()] == \
                [(s.path, s.title, "listing") for s in stories]
            assert listing.card_dates() == [f"{lisbon(s.published):%d %B %Y}" for s in stories]
            assert not listing.has_load_more()
            url = listing.next_page()
        assert page == gazette.listing_pages(slug)


def test_article_page_class_follows_the_more_from_the_gazette_links(gazette, gazette_url):
    for story in gazette.stories:
        url = gazette_url + story.path
        links = GazetteArticlePage(get(url)[1], url).followable_links()
        assert [(path_of(l.url), l.kind) for l in links] == [(gazette.stories[j].path, "related") for j in story.related]


# --- the shared crawler on the second outlet --------------------------------------------
def _ways_to_find(gazette: Gazette) -> dict[str, set[str]]:
    """Every way a crawl can first reach each story (by post id): its section's listing when
    it is listed, and "related" when another story links it. Which one comes first depends on
    the order responses arrive in, so the crawl test accepts any of them."""
    ways: dict[str, set[str]] = {s.story_id: set() for s in gazette.stories}
    for slug in SECTIONS:
        for page in range(1, gazette.listing_pages(slug) + 1):
            for i in gazette.listing_page(slug, page):
                ways[gazette.stories[i].story_id].add(f"listing:{slug}")
    for story in gazette.stories:
        for i in story.related:
            ways[gazette.stories[i].story_id].add("related")
    return ways


def test_the_shared_spider_crawls_the_gazette_to_its_truth(gazette, gazette_url, tmp_path):
    from newscrawl.core.testing import run_crawl

    result = run_crawl(gazette_url, tmp_path / "harbour.jsonl", spider="harbour",
                       settings={"SPIDER_MODULES": "tests.outlets.harbour.spider", "NEWSCRAWL_BROWSER_ENABLED": "False"})
    assert result.returncode == 0, result.stderr[-3000:]
    expected = truth.truth(gazette)
    got = {r["post_id"]: r for r in result.records}
    assert set(got) == set(expected), "every story, and nothing else, once"
    ways = _ways_to_find(gazette)
    for post_id, want in expected.items():
        record = got[post_id]
        assert urlsplit(record["url"]).path == urlsplit(want["url"]).path
        assert record["discovered_via"] in ways[post_id]
        assert record["crawled_at"] and record["warc"]
        same = {k: v for k, v in record.items() if k not in truth.CRAWL_FIELDS}
        assert same == {k: v for k, v in want.items() if k not in truth.CRAWL_FIELDS}, post_id
    assert result.stats["newscrawl/listing_pages"] == sum(gazette.listing_pages(s) for s in SECTIONS)
