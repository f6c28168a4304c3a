"""Sitemap parsing: streamed entries, gzip, malformed input, month selection."""

import gzip
from datetime import date

import pytest

from newscrawl.core.sitemap import iter_entries, month_of, month_overlaps

URLSET = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    b"<url><loc>https://english.almayadeen.net/news/politics/a</loc><lastmod>2024-07-03T10:00:00+03:00</lastmod></url>"
    b"<url><loc> https://english.almayadeen.net/authors/b </loc></url>"
    b"</urlset>"
)


@pytest.mark.parametrize("body", [URLSET, gzip.compress(URLSET)], ids=["plain", "gzip"])
def test_entries(body):
    entries = list(iter_entries(body))
    assert [e.loc for e in entries] == [
        "https://english.almayadeen.net/news/politics/a",
        "https://english.almayadeen.net/authors/b",
    ]
    assert entries[0].lastmod.isoformat() == "2024-07-03T10:00:00+03:00" and entries[1].lastmod is None


def test_malformed_sitemap_yields_what_came_before_the_error():
    assert [e.loc for e in iter_entries(URLSET[:-40])] == ["https://english.almayadeen.net/news/politics/a"]
    assert list(iter_entries(b"\x1f\x8bnot gzip")) == []
    assert list(iter_entries(b"")) == []


def test_entities_are_not_expanded():
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><urlset><url><loc>&e;</loc></url></urlset>'
    assert all("root:" not in e.loc for e in iter_entries(evil))


def test_month_names_and_overlap():
    assert month_of("https://h/sitemaps/all/sitemap-2024-7.xml") == (2024, 7)
    assert month_of("https://h/sitemaps/all/sitemap-2024-12.xml.gz") == (2024, 12)
    assert month_of("https://h/sitemaps/all/sitemap-2024-13.xml") is None
    assert month_of("https://h/sitemaps/all.xml") is None
    assert month_overlaps((2024, 7), date(2024, 7, 31), date(2024, 8, 2))
    assert not month_overlaps((2024, 7), date(2024, 8, 1), None)
    assert not month_overlaps((2024, 7), None, date(2024, 6, 30))
    assert month_overlaps((2024, 2), date(2024, 2, 29), date(2024, 2, 29))
    assert month_overlaps((2023, 12), None, None)


def _urlset(n):
    return (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + b"".join(b"<url><loc>https://english.almayadeen.net/news/politics/p%d</loc></url>" % i for i in range(n))
            + b"</urlset>")


def test_a_gzip_bomb_is_cut_at_the_byte_cap():
    from newscrawl.core.sitemap import read_sitemap

    bomb = gzip.compress(_urlset(20000))  # ~1.3 MB of XML from ~60 KB
    read = read_sitemap(bomb, max_bytes=100_000)
    assert read.capped == "bytes" and 0 < len(read.entries) < 2000


def test_too_many_urls_are_cut_at_the_url_cap():
    from newscrawl.core.sitemap import read_sitemap

    read = read_sitemap(_urlset(500), max_urls=100)
    assert read.capped == "urls" and [e.loc[-4:] for e in read.entries[-1:]] == ["/p99"]
    whole = read_sitemap(_urlset(500))
    assert whole.capped is None and len(whole.entries) == 500


def test_parsing_ends_when_the_crawl_stops():
    from newscrawl.core.sitemap import read_sitemap

    read = read_sitemap(_urlset(5000), stop=lambda: True)
    assert read.stopped and read.entries == []


def test_a_padded_bomb_or_broken_file_is_reported_as_malformed():
    from newscrawl.core.sitemap import read_sitemap

    padded = gzip.compress(_urlset(3)[:-len(b"</urlset>")] + b" " * (12 * 1024 * 1024) + b"</urlset>")
    read = read_sitemap(padded)
    assert read.malformed and read.capped is None and len(read.entries) == 3
    assert read_sitemap(b"\x1f\x8bnot gzip").malformed
    assert read_sitemap(URLSET).malformed is None


def test_millions_of_tiny_elements_are_cut_early_and_not_kept():
    from newscrawl.core.sitemap import ELEMENTS_PER_URL, read_sitemap

    bomb = gzip.compress(_urlset(2)[:-len(b"</urlset>")] + b"<x/>" * 50_000 + b"</urlset>")
    read = read_sitemap(bomb, max_urls=10)
    assert read.capped == "elements" and len(read.entries) == 2
    assert 10 * ELEMENTS_PER_URL < 50_000
