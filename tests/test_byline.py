"""Al Mayadeen's byline (``newscrawl/outlets/almayadeen/byline.py``) read on its own, and the
labels and ``to_item`` default that the typed page classes give."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from parsel import Selector

from newscrawl.outlets.almayadeen.byline import Byline
from newscrawl.outlets.almayadeen.editions import ENGLISH, SPANISH
from newscrawl.outlets.almayadeen.pages import ArticlePage


def test_an_english_byline_gives_its_linked_names_source_and_date():
    scope = Selector(text="<article><h1>T</h1><div>By <a>Ali Hassan</a>, <a>Zeina Khoury</a> Source: Agencies "
                          "9 Oct 2024 09:01</div></article>").css("article")[0]
    byline = Byline(scope, ENGLISH.labels)
    assert byline.names() == ["Ali Hassan", "Zeina Khoury"]
    assert byline.source() == "Agencies"
    assert byline.date() == "9 Oct 2024 09:01"


def test_a_page_without_a_byline_has_no_names_and_no_date():
    byline = Byline(Selector(text="<article><h1>T</h1><p>Text.</p></article>"), ENGLISH.labels)
    assert (byline.node, byline.names(), byline.source(), byline.date()) == (None, [], None, None)


def test_a_label_the_edition_does_not_print_is_a_key_error_naming_it():
    page = ArticlePage("<html><body></body></html>", "http://h/noticias/1/x", SPANISH)
    assert page.label("read_more") == "Leer más:"
    with pytest.raises(KeyError, match="'by'"):
        page.label("by")  # Spanish bylines print no "Por"


def test_to_item_reads_dates_against_the_clock_without_a_crawl_s_now():
    html = ("<html><body><article><h1>T</h1><div>By <a>Ali Hassan</a> 9 Oct 2024 09:01</div>"
            "<div class='p-content'><p>Body.</p></div></article></body></html>")
    page = ArticlePage(html, "http://127.0.0.1:5/news/politics/a", ENGLISH)
    item = page.to_item(discovered_via="url", crawled_at="t")
    assert item is not None and item.published_at == "2024-10-09T06:01:00+00:00"
    now = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    assert page.to_item(discovered_via="url", crawled_at="t", now=now).published_at == item.published_at
