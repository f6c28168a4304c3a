"""The article parser: stored pages with the expected record beside each (fundus-style),
plus the page kinds and broken inputs the stored cases do not cover."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from itemadapter import ItemAdapter

from newscrawl.core import records
from newscrawl.core.dates import FUTURE, UNREADABLE, date_problems
from newscrawl.core.pages import TickerLine, as_int, as_str, first, number_out_of_range
from newscrawl.outlets.almayadeen.editions import ARABIC, ENGLISH, SPANISH
from newscrawl.outlets.almayadeen.pages import ArticlePage, HomePage, ListingPage
from tests.outlets.almayadeen.fixtures.regen import HERE, parse_case

CASES = sorted(p for p in HERE.iterdir() if p.is_dir())
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
# Fields every article record must fill (dates in UTC).
NEVER_EMPTY = ("url", "canonical_url", "edition", "language", "title", "published_at", "published_at_raw", "content_hash")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_stored_page_gives_expected_record(case: Path):
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    assert all(expected[f] for f in NEVER_EMPTY), "an expected record must not be empty where it matters"
    actual = parse_case(case)
    for field in expected:
        assert actual[field] == expected[field], f"{case.name}: field {field}"
    assert actual.keys() == expected.keys()


def test_cases_cover_every_layer():
    sources = set()
    for case in CASES:
        sources |= set(json.loads((case / "expected.json").read_text())["extracted_from"].values())
    assert {"metadata", "html", "text", "url"} <= sources


def test_first_tries_candidates_in_order_and_stops_at_a_value():
    def never():
        raise AssertionError("a fallback after a found value was computed")

    assert first(("metadata", lambda: None), ("meta", lambda: []), ("html", lambda: "T"), ("url", never)) == ("T", "html")
    assert first(("metadata", lambda: 0)) == (0, "metadata")  # 0 is a value (a word count of 0)
    assert first(("metadata", lambda: ""), ("meta", lambda: None)) == (None, None)


def page(html: str, url: str = "http://127.0.0.1:5/news/politics/a") -> ArticlePage:
    return ArticlePage(html, url, ENGLISH)


def test_cms_page_is_not_an_article():
    html = '<html><head><script id="tawsiyat-metadata" type="text/tawsiyat">{"type": "page", "title": "Authors"}</script></head><body><h1>Authors</h1></body></html>'
    assert page(html).to_item(discovered_via="url", crawled_at="t", now=NOW) is None


def test_invalid_metadata_json_falls_back_to_meta_tags():
    html = (
        '<html lang="en"><head><script id="tawsiyat-metadata" type="text/tawsiyat">{"title": "broken",</script>'
        '<meta property="og:title" content="Title from &quot;meta&quot;">'
        '<meta property="article:published_time" content="2024-01-09T09:01:00+02:00"></head>'
        "<body><article><h1>Title from html</h1><div class='p-content'><p>Body.</p></div></article></body></html>"
    )
    parsed = page(html)
    item = parsed.to_item(discovered_via="url", crawled_at="t", now=NOW)
    assert parsed.metadata_invalid
    assert item.title == 'Title from "meta"' and item.extracted_from["title"] == "meta"
    assert item.published_at_raw == "2024-01-09T09:01:00+02:00" and item.extracted_from["published_at"] == "meta"


def test_metadata_of_wrong_types_is_coerced_or_ignored():
    metadata = {"type": "article", "postid": 1780001, "title": ["not", "a", "string"], "word_count": "many",
                "video_duration": 95, "keywords": None, "classes": "nope", "published_time": "2024-01-09T09:01:00+02:00"}
    html = (f'<html><head><script id="tawsiyat-metadata" type="text/tawsiyat">{json.dumps(metadata)}</script></head>'
            "<body><article><h1>Html title</h1></article></body></html>")
    item = page(html).to_item(discovered_via="url", crawled_at="t", now=NOW)
    assert item.post_id == "1780001" and item.title == "Html title"
    assert item.word_count is None and item.video_duration_seconds == 95
    assert item.tags == [] and item.regions == [] and item.post_type is None


def test_home_menu_and_ticker():
    html = (
        "<html><body><nav><a href='/news/politics'>Politics</a><a href='/region/us-canada'>US &amp; Canada</a>"
        "<a href='javascript:void(0)'>Health</a></nav>"
        "<div><strong>BREAKING</strong><ul><li> Strike  reported </li><li>Strike reported</li></ul></div></body></html>"
    )
    home = HomePage(html, "http://127.0.0.1:5/", ENGLISH)
    assert home.menu() == {"Politics": "http://127.0.0.1:5/news/politics", "US & Canada": "http://127.0.0.1:5/region/us-canada"}
    assert home.ticker() == [TickerLine("Strike reported")]


def test_listing_cards_by_url_shape_and_load_more():
    html = (
        "<html><body><div><a href='/news/politics/one'>One</a><a href='/authors/someone'>Someone</a>"
        "<a href='/news/politics'>Politics</a><a href='mailto:x@y.z'>mail</a><a href='/videos/clip-two?x=1'>Two</a></div>"
        "<button type='button'>Load more</button>"
        "<section><h2>Most Read</h2><a href='/articles/opinion/three'>Three</a></section></body></html>"
    )
    listing = ListingPage(html, "http://127.0.0.1:5/news/politics", ENGLISH)
    assert [l.url for l in listing.article_links()] == [
        "http://127.0.0.1:5/news/politics/one",
        "http://127.0.0.1:5/videos/clip-two?x=1",
    ]
    assert [l.url for l in listing.most_read()] == ["http://127.0.0.1:5/articles/opinion/three"]
    assert listing.has_load_more()
    assert not ListingPage("<html><body><p>Load more soon</p></body></html>", "http://h/x", ENGLISH).has_load_more()


def test_listing_card_dates_exclude_most_read():
    html = (
        "<html><body><div><a href='/news/politics/one'>One</a><span>14 Nov 2025</span></div>"
        "<div><a href='/news/politics/two'>Two</a><span>9 Oct</span></div>"
        "<section><h2>Most Read</h2><div><a href='/articles/opinion/three'>Three</a><span>1 Jan 2020</span></div></section>"
        "</body></html>"
    )
    assert ListingPage(html, "http://h/news/politics", ENGLISH).card_dates() == ["14 Nov 2025", "9 Oct"]


def test_listing_card_dates_keep_page_order_when_most_read_repeats_a_date():
    # Most Read after the cards, sharing the first card's date: removing its dates by text
    # would drop the first card's and keep Most Read's at the end, so the last date would
    # no longer be the last card's.
    html = (
        "<html><body>"
        "<div><a href='/news/politics/one'>One</a><span>3 Nov 2025</span></div>"
        "<div><a href='/news/politics/two'>Two</a><span>1 Nov 2025</span></div>"
        "<aside><h2>Most Read</h2><div><a href='/articles/opinion/x'>X</a><span>3 Nov 2025</span></div></aside>"
        "</body></html>"
    )
    assert ListingPage(html, "http://h/news/politics", ENGLISH).card_dates() == ["3 Nov 2025", "1 Nov 2025"]


# --- what looks odd is flagged, never refused (issue: live-site fidelity) --------------
def _metadata_page(metadata: dict, body: str, url_path: str = "/news/politics/a", edition=ENGLISH) -> ArticlePage:
    data = json.dumps({"type": "article", "title": "T", "published_time": "2024-10-09T09:01:00+03:00", **metadata})
    html = (f'<html><head><script id="tawsiyat-metadata" type="text/tawsiyat">{data}</script></head>'
            f"<body><article><h1>T</h1><div class='p-content'>{body}</div></article></body></html>")
    return ArticlePage(html, "http://127.0.0.1:5" + url_path, edition)


def test_body_far_shorter_than_word_count_is_kept_and_flagged():
    item = _metadata_page({"word_count": "300"}, "<p>Only ten words here, the rest was counted elsewhere by the CMS.</p>").to_item(
        discovered_via="url", crawled_at="t", now=NOW)
    assert item.body.startswith("Only ten words")
    assert item.flags == ["body_shorter_than_word_count"]
    half = _metadata_page({"word_count": "20"}, "<p>" + "word " * 10 + "</p>").to_item(discovered_via="url", crawled_at="t", now=NOW)
    assert half.flags == []  # at least half the count: nothing odd


def test_text_post_without_body_is_flagged_but_a_video_is_not():
    assert _metadata_page({}, "").to_item(discovered_via="url", crawled_at="t", now=NOW).flags == ["body_empty"]
    video = _metadata_page({}, "", "/videos/clip").to_item(discovered_via="url", crawled_at="t", now=NOW)
    assert video.flags == []
    zero = _metadata_page({"word_count": "0"}, "").to_item(discovered_via="url", crawled_at="t", now=NOW)
    assert zero.flags == []


def test_paragraphs_in_a_wrapper_are_the_body_rather_than_nothing():
    body = ("<div class='inner'><p>First paragraph.</p><figure><p>caption</p></figure>"
            "<ul><li><p>list</p></li></ul><h3>Sub</h3><p>Second <a href='/x'>one</a>.</p></div>")
    item = _metadata_page({}, body).to_item(discovered_via="url", crawled_at="t", now=NOW)
    assert item.body == "First paragraph.\n\nSub\n\nSecond one."
    assert item.flags == []


def test_authors_only_from_the_metadata_author_string_are_flagged():
    item = _metadata_page({"author": "Al Mayadeen English"}, "<p>Text.</p>").to_item(discovered_via="url", crawled_at="t", now=NOW)
    assert item.authors == ["Al Mayadeen English"] and item.flags == ["authors_from_metadata_only"]
    classes = [{"key": "c", "mapping": "author", "value": "Ali Hassan"}]
    item = _metadata_page({"author": "Ali Hassan", "classes": classes}, "<p>Text.</p>").to_item(discovered_via="url", crawled_at="t", now=NOW)
    assert item.flags == []


@pytest.mark.parametrize("value, expected, out_of_range", [
    ("5", 5, False), (5, 5, False), ("5.0", 5, False), (5.5, 5, False), ("9223372036854775807", (1 << 63) - 1, False),
    ("many", None, False), (None, None, False), (True, None, False), ("-3", None, False),
    ("1e30", None, True), (10 ** 30, None, True), ("9223372036854775808", None, True),  # past int64
    ("1e400", None, True), (float("inf"), None, True), (float("nan"), None, True), ("-1e400", None, True),
    ("nan", None, True),
])
def test_number_readers_give_none_for_numbers_no_record_holds(value, expected, out_of_range):
    assert as_int(value) == expected
    assert number_out_of_range(value) is out_of_range
    as_str(value)  # never raises either (float(10 ** 400) would)
    assert as_str(float("inf")) is None and as_str(10 ** 400) == "1" + "0" * 400


@pytest.mark.parametrize("raw", ['"1e400"', "1e400", '"1e30"', "1e30", "NaN", '"99999999999999999999"'])
def test_metadata_number_beyond_int64_gives_a_flagged_record_not_a_lost_page(raw):
    data = ('{"type": "article", "title": "T", "published_time": "2024-10-09T09:01:00+03:00", '
            f'"word_count": {raw}, "video_duration": {raw}}}')
    html = (f'<html><head><script id="tawsiyat-metadata" type="text/tawsiyat">{data}</script></head>'
            "<body><article><h1>T</h1><div class='p-content'><p>Text. 99999999999999999999 Min Read</p></div>"
            "</article></body></html>")
    item = page(html).to_item(discovered_via="url", crawled_at="2024-10-09T10:00:00+00:00", now=NOW)
    assert item is not None and item.title == "T"
    assert item.word_count is None and item.video_duration_seconds is None and item.read_time_minutes is None
    assert item.flags == ["metadata_invalid"]
    record = ItemAdapter(item).asdict()
    assert records.check(record) is record  # what merge and the dataset read


def test_a_lone_surrogate_escape_in_metadata_gives_a_flagged_record_not_a_lost_page():
    # "\ud800" alone is valid JSON but no UTF-8 text: the record's hash and line could not be
    # written, and the page was lost (UnicodeEncodeError in to_item).
    data = ('{"type": "article", "title": "Gaza \\ud800 talks", "published_time": "2024-10-09T09:01:00+03:00", '
            '"keywords": "a\\udc00b, \\ud83d\\ude00"}')
    html = (f'<html><head><script id="tawsiyat-metadata" type="text/tawsiyat">{data}</script></head>'
            "<body><article><h1>x</h1><div class='p-content'><p>Text.</p></div></article></body></html>")
    item = page(html).to_item(discovered_via="url", crawled_at="2024-10-09T10:00:00+00:00", now=NOW)
    assert item is not None and item.title == "Gaza \ufffd talks"
    assert "a\ufffdb" in item.tags and "\U0001F600" in item.tags  # a valid pair stays one character
    assert item.flags == ["metadata_invalid"]
    record = ItemAdapter(item).asdict()
    assert records.check(record) is record


def test_deeply_nested_metadata_falls_back_instead_of_failing():
    html = ('<html><head><script id="tawsiyat-metadata" type="text/tawsiyat">' + "[" * 100_000 + "</script>"
            '<meta property="og:title" content="From meta"><meta property="article:published_time" '
            'content="2024-01-09T09:01:00+02:00"></head><body><article><div class="p-content"><p>B.</p></div>'
            "</article></body></html>")
    parsed = page(html)
    item = parsed.to_item(discovered_via="url", crawled_at="t", now=NOW)
    assert parsed.metadata_invalid and item.title == "From meta" and item.flags == ["metadata_invalid"]


# --- the page decides what is a post; URL shapes only guide the walk (issue 21) -------------
def _block_page(metadata: dict, url_path: str = "/press/a-post", body: str = "<p>Text.</p>", edition=ARABIC,
                head: str = "") -> ArticlePage:
    data = json.dumps(metadata, ensure_ascii=False)
    html = (f'<html><head><script id="tawsiyat-metadata" type="text/tawsiyat">{data}</script>{head}</head>'
            f"<body><article><h1>{metadata.get('title', 'T')}</h1><div class='p-content'>{body}</div></article>"
            "</body></html>")
    return ArticlePage(html, "http://127.0.0.1:5" + url_path, edition)


POST = {"title": "T", "published_time": "2024-05-30T23:49:00+03:00", "postid": "1864628"}


@pytest.mark.parametrize("page_type", ["article", "videoobject", "liveblog", "program", None])
def test_any_metadata_type_but_page_is_a_post(page_type):
    parsed = _block_page({**POST, **({"type": page_type} if page_type else {})})
    item = parsed.to_item(discovered_via="url", crawled_at="t", now=NOW)
    assert parsed.not_post_reason() is None and item is not None and item.post_id == "1864628"
    assert parsed.page_type() == page_type


def test_type_page_and_posttype_pages_are_not_posts():
    assert _block_page({**POST, "type": "page"}).not_post_reason() == "type_page"
    assert _block_page({**POST, "type": "Page"}).to_item(discovered_via="url", crawled_at="t", now=NOW) is None
    classes = [{"key": "class1", "mapping": "posttype", "value": " الصفحات"}]
    pages = _block_page({**POST, "type": "article", "classes": classes})
    assert pages.not_post_reason() == "post_type" and not pages.is_article()


def test_a_newscast_keeps_its_description_as_summary_and_is_not_flagged():
    classes = [{"key": "class1", "mapping": "posttype", "value": "نشرة الأخبار"}]
    item = _block_page({**POST, "type": "videoobject", "word_count": "763", "description": "نشرة\r\nالأخبار الكاملة",
                        "classes": classes}, "/newscast/2024/5/30/المسائية", body="").to_item(
        discovered_via="sitemap", crawled_at="t", now=NOW)
    assert item.summary == "نشرة الأخبار الكاملة" and item.body == "" and item.flags == []
    assert item.post_type == "نشرة الأخبار" and item.word_count == 763
    # The same page under a root nobody listed, with a type nobody has seen: still no body flag.
    other = _block_page({**POST, "type": "videoobject", "word_count": "763"}, "/clips/x", body="").to_item(
        discovered_via="url", crawled_at="t", now=NOW)
    assert other.flags == []


@pytest.mark.parametrize("head,body,is_post", [
    ('<meta property="article:published_time" content="2024-10-09T09:01:00+03:00">', "", True),
    ('<meta name="postid" content="123">', "", True),
    ("", "<div>By Ali Hassan 9 Oct 2024 09:01</div>", True),
    ("", "<div>Politics</div><div><a href='/news/politics/a'>A</a><span>14 Nov 2025</span></div>", False),
])
def test_without_a_metadata_block_a_title_and_a_date_or_id_make_a_post(head, body, is_post):
    html = f"<html><head>{head}</head><body><article><h1>Title</h1>{body}</article></body></html>"
    parsed = ArticlePage(html, "http://127.0.0.1:5/some/page", ENGLISH)
    assert parsed.is_article() is is_post
    if not is_post:
        assert parsed.not_post_reason() == "no_date_or_id"


def test_listing_cards_are_posts_whatever_their_shape_and_menus_are_only_counted():
    html = (
        "<html><body><header><nav><a href='/news/politics'>Politics</a><a href='/programs/weekly'>Weekly</a></nav></header>"
        "<div class='cards'>"
        "<div class='white-card'><a href='/news/politics/one'><img src='x.jpg'><h4>One</h4></a>"
        "<a class='category-meta' href='/news/politics'>سياسة</a></div>"
        "<div class='white-card'><a href='/press/two'><h4>Two</h4></a></div>"
        "<div class='news-card'><a class='card-img' href='/research-papers/three'><img src='y.jpg'></a>"
        "<a class='card-title' href='/research-papers/three'><h3>Three</h3></a></div>"
        "<div class='white-card'><a href='/opinion-pieces/four'>Four, no heading, a card like the others</a></div>"
        "<p>An <a href='/stray/five'>inline mention</a> of something.</p>"
        "<a href='/authors/someone'>Someone</a><a href='https://twitter.com/x/status/1'>tweet</a>"
        "</div><footer><a href='/about/team'>Team</a></footer></body></html>"
    )
    listing = ListingPage(html, "http://127.0.0.1:5/news", ARABIC)
    assert [(l.url.rsplit("5", 1)[1], l.title) for l in listing.article_links()] == [
        ("/news/politics/one", "One"), ("/press/two", "Two"), ("/research-papers/three", "Three"),
        ("/opinion-pieces/four", "Four, no heading, a card like the others")]
    assert sorted(u.rsplit("5", 1)[1] for u in listing.unknown_links()) == ["/about/team", "/programs/weekly", "/stray/five"]


def test_link_blocks_take_posts_of_any_shape_but_inline_links_go_by_shape():
    html = (
        "<html><body><article><h1>T</h1><div class='p-content'><p>Text <a href='/stray/x'>x</a> and "
        "<a href='/news/politics/known'>known</a>.</p>"
        "<div><span>Related News</span><ul><li><a href='/press/related-one'>R</a></li></ul></div></div></article>"
        "<section><h2>Read Next</h2><div><a href='/podcasts/next-one'>N</a><a href='/tags/gaza'>Gaza</a></div></section>"
        "<section><h2>Most Read</h2><div><a href='/news/politics/popular'>P</a></div></section></body></html>"
    )
    parsed = ArticlePage(html, "http://127.0.0.1:5/news/politics/a", ENGLISH)
    paths = {(l.url.rsplit("5", 1)[1], l.kind) for l in parsed.followable_links()}
    assert paths == {("/press/related-one", "related"), ("/news/politics/known", "related"),
                     ("/podcasts/next-one", "read_next"), ("/news/politics/popular", "most_read")}
    assert [u.rsplit("5", 1)[1] for u in parsed.unknown_links()] == ["/stray/x"]


@pytest.mark.parametrize("pager,page_url,expected", [
    ("<a rel='next' href='/news/politics?page=2'>Next</a>", "/news/politics", "/news/politics?page=2"),
    ("<link rel='next' href='/news/politics?page=3'>", "/news/politics?page=2", "/news/politics?page=3"),
    ("<a href='/news/politics?page=1'>1</a><a href='/news/politics?page=3'>3</a>", "/news/politics?page=2",
     "/news/politics?page=3"),
    ("<span>1</span><a href='/news/politics/page/2'>2</a><a href='/news/politics/page/3'>3</a>", "/news/politics",
     "/news/politics/page/2"),
    ("<a href='/news/politics?page=1'>1</a><span>2</span>", "/news/politics?page=2", None),
    ("<a rel='next' href='https://evil.example/news/politics?page=2'>Next</a>", "/news/politics", None),
])
def test_listings_page_by_plain_links(pager, page_url, expected):
    html = f"<html><head></head><body><div><a href='/news/politics/one'><h3>One</h3></a></div>{pager}</body></html>"
    if pager.startswith("<link"):
        html = html.replace("<head></head>", f"<head>{pager}</head>")
    listing = ListingPage(html, "http://127.0.0.1:5" + page_url, ENGLISH)
    assert listing.next_page() == (None if expected is None else "http://127.0.0.1:5" + expected)


def test_arabic_ticker_items_link_their_posts_and_english_ones_are_text():
    arabic = ("<html><body><nav><ul><li><a href='/news/politics'>سياسة</a></li></ul></nav>"
              "<div id='ticker-box'><span>عاجل</span><ul>"
              "<li><div class='ticker-item'><a class='ticker-text' href='/news/politics/خبر'><p>خبر عاجل</p></a></div></li>"
              "<li><div class='ticker-item'><a class='ticker-text' href='/press/x'><p>آخر</p></a></div></li>"
              "</ul></div></body></html>")
    lines = HomePage(arabic, "http://127.0.0.1:5/", ARABIC).ticker()
    assert lines == [TickerLine("خبر عاجل", "http://127.0.0.1:5/news/politics/خبر"), TickerLine("آخر", "http://127.0.0.1:5/press/x")]
    # Without the label, the classes are the second signal.
    assert HomePage(arabic.replace("<span>عاجل</span>", ""), "http://127.0.0.1:5/", ARABIC).ticker() == lines
    english = "<html><body><ul><li class='ticker__item'>Strike reported</li></ul></body></html>"
    assert HomePage(english, "http://127.0.0.1:5/", ENGLISH).ticker() == [TickerLine("Strike reported")]


def test_an_empty_ticker_is_not_mistaken_for_the_menu():
    html = ("<html><body><div><span>BREAKING</span><ul></ul></div>"
            "<ul><li><a href='/news/politics'>Politics</a></li><li><a href='/live'>LIVE</a></li></ul></body></html>")
    home = HomePage(html, "http://127.0.0.1:5/", ENGLISH)
    assert home.ticker() == [] and home.blocks_left_to_scripts() == ["breaking"]


def test_a_tag_with_zero_width_spaces_is_the_same_tag():
    parsed = _block_page({**POST, "keywords": "\u200bإسماعيل هنية\u200b,إسماعيل هنية,غزة\u200f"})
    assert parsed.tags() == (["إسماعيل هنية", "غزة"], "metadata")


def test_load_more_found_by_class_when_its_label_differs():
    html = "<html><body><div class='white-card'><a href='/reports/x'><h4>X</h4></a></div>" \
           "<button class='btn loadmorebtn'>عرض الأخبار الإضافية</button></body></html>"
    assert ListingPage(html, "http://h/news", ARABIC).has_load_more()
    assert not ListingPage(html.replace("loadmorebtn", "loadmore"), "http://h/news", ARABIC).has_load_more()


@pytest.mark.parametrize("byline,authors,source", [
    # site-notes section 5, as page text: the name twice, counts that are neither authors nor dates.
    ("<div>• Bouthaina Shaaban Bouthaina Shaaban • Fuente: Exclusivo para Al Mayadeen English • 18 Mayo 2022 06:33 "
     "• 216 Visualizaciones • 6 Compartidos</div>", ["Bouthaina Shaaban"], "Exclusivo para Al Mayadeen English"),
    ("<ul><li><img alt='Al Mayadeen Español'><span>Al Mayadeen Español</span></li><li>Autor: Al Mayadeen Español</li>"
     "<li>Fuente: Resumen Latinoamericano-Cuba</li><li>15 Mayo 14:51</li><li><span>98</span> Visualizaciones</li>"
     "<li>4 Compartidos</li></ul><button>Escuchar</button>", ["Al Mayadeen Español"], "Resumen Latinoamericano-Cuba"),
    ("<ul><li><img alt='Ana Ruiz'><a href='/autores/ana'>Ana Ruiz</a></li><li>3 Enero 2024 10:00</li>"
     "<li>5 Visualizaciones</li></ul>", ["Ana Ruiz"], None),
])
def test_spanish_byline_as_the_real_pages_print_it(byline, authors, source):
    html = (f"<html lang='es'><body><div class='crumbs'><a href='/'>Inicio</a> › <a href='/noticias'>Noticias</a> › "
            f"<a href='/noticias/cultura'>Cultura</a></div><article><h1>Título</h1>{byline}"
            "<div class='p-content'><p>Texto del artículo.</p></div></article></body></html>")
    item = ArticlePage(html, "http://h/noticias/politica/2016121/un-diálo", SPANISH).to_item(discovered_via="url", crawled_at="t", now=NOW)
    assert (item.authors, item.extracted_from["authors"]) == (authors, "text")
    assert item.source == source
    assert item.read_time_minutes is None
    assert item.post_id == "2016121"
    # The breadcrumb says Cultura while the URL says politica: the breadcrumb wins.
    assert (item.section, item.extracted_from["section"]) == ("Cultura", "html")
    assert item.flags == ["date_from_visible_text"]


def test_spanish_menu_is_not_taken_for_a_breadcrumb():
    menu = "".join(f"<li><a href='/s{i}'>S{i}</a></li>" for i in range(8))
    html = (f"<html><body><nav><ul><li><a href='/'>Inicio</a></li>{menu}</ul></nav><article><h1>T</h1>"
            "<div>18 Mayo 2022 06:33</div></article></body></html>")
    item = ArticlePage(html, "http://h/entrevistas/2046797/x", SPANISH).to_item(discovered_via="url", crawled_at="t", now=NOW)
    assert (item.section, item.extracted_from["section"]) == ("Entrevistas", "url")


def test_visible_date_found_without_a_byline_label():
    # "By" renamed on the site: the date still comes from the page, the article is not lost.
    html = ("<html><body><article><h1>T</h1><ul><li>Written by <a>Ali Hassan</a></li><li>9 Oct 2024 09:01</li></ul>"
            "<div class='p-content'><p>Body.</p></div></article></body></html>")
    item = page(html).to_item(discovered_via="url", crawled_at="t", now=NOW)
    assert item.published_at_raw == "9 Oct 2024 09:01" and item.authors == []
    assert item.published_at == "2024-10-09T06:01:00+00:00"  # Beirut summer time
    assert item.flags == ["date_from_visible_text"]


# --- dates leave the parser in UTC, read at the crawl's "now" --------------------------
def test_dates_leave_the_parser_in_utc():
    item = _metadata_page({"last_updated": "2024-10-09T10:12:45+03:00"}, "<p>Text.</p>").to_item(
        discovered_via="url", crawled_at="t", now=NOW)
    assert (item.published_at, item.published_at_raw) == ("2024-10-09T06:01:00+00:00", "2024-10-09T09:01:00+03:00")
    assert item.modified_at == "2024-10-09T07:12:45+00:00"
    assert date_problems(item) == {}


def test_a_year_less_date_takes_its_year_from_the_crawls_now():
    html = "<html><body><article><h1>T</h1><div>By Ali • 21 Nov 10:00</div></article></body></html>"
    assert page(html).to_item(discovered_via="url", crawled_at="t", now=NOW).published_at == "2025-11-21T08:00:00+00:00"
    later = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
    assert page(html).to_item(discovered_via="url", crawled_at="t", now=later).published_at == "2026-11-21T08:00:00+00:00"


@pytest.mark.parametrize("published,why", [("sometime", UNREADABLE), ("2031-01-01T10:00:00+02:00", FUTURE)])
def test_unreadable_or_future_publication_date_is_left_null_with_the_reason(published, why):
    item = _metadata_page({"published_time": published}, "<p>Text.</p>").to_item(discovered_via="url", crawled_at="t", now=NOW)
    assert item.published_at is None and item.published_at_raw == published
    assert date_problems(item) == {"published_at": why}


def test_unreadable_modification_date_is_null_with_the_reason():
    item = _metadata_page({"last_updated": "soon"}, "<p>Text.</p>").to_item(discovered_via="url", crawled_at="t", now=NOW)
    assert item.modified_at is None and item.published_at == "2024-10-09T06:01:00+00:00"
    assert date_problems(item) == {"modified_at": UNREADABLE}


@pytest.mark.parametrize("edition,card,expected", [
    (ENGLISH, "14 Nov 2025", "2025-11-13T22:00:00+00:00"),
    (SPANISH, "23 Julio", "2026-07-22T21:00:00+00:00"),
    (ARABIC, "3 تشرين الثاني 2024", "2024-11-02T22:00:00+00:00"),
])
def test_listing_card_dates_are_read_by_the_editions_reader(edition, card, expected):
    listing = ListingPage(f"<html><body><div><a href='/x'>X</a><span>{card}</span></div></body></html>", "http://h/x", edition)
    assert listing.dates.read(listing.card_dates()[-1], NOW).isoformat() == expected


def test_hrefs_judged_on_one_page_are_judged_alike_on_the_next_of_each_origin():
    # The crawl-wide memo of page-independent hrefs (absolute paths, absolute URLs): a page of
    # another origin (a mirror) resolves the same path on its own host, and a relative href is
    # resolved against each page's own path.
    from newscrawl.core import pages as core_pages

    html = ("<html><body><article><h1>T</h1><div class='p-content'><p>x</p></div></article>"
            "<section><h2>Most Read</h2><div><a href='/news/politics/popular'>P</a>"
            "<a href='sibling'>S</a></div></section></body></html>")
    urls = {}
    for page_url in ("http://127.0.0.1:5/news/politics/a", "http://127.0.0.1:6/news/politics/a",
                     "http://127.0.0.1:5/news/world/b", "http://127.0.0.1:5/news/politics/a"):
        urls[page_url] = sorted(l.url for l in ArticlePage(html, page_url, ENGLISH).most_read())
    assert urls["http://127.0.0.1:5/news/politics/a"] == ["http://127.0.0.1:5/news/politics/popular",
                                                          "http://127.0.0.1:5/news/politics/sibling"]
    assert urls["http://127.0.0.1:6/news/politics/a"] == ["http://127.0.0.1:6/news/politics/popular",
                                                          "http://127.0.0.1:6/news/politics/sibling"]
    assert urls["http://127.0.0.1:5/news/world/b"] == ["http://127.0.0.1:5/news/politics/popular",
                                                       "http://127.0.0.1:5/news/world/sibling"]
    memo = core_pages._crawl_memo(ENGLISH, "http://127.0.0.1:5")
    assert memo.post_url.get("/news/politics/popular") == "http://127.0.0.1:5/news/politics/popular"
    assert "sibling" not in memo.post_url
