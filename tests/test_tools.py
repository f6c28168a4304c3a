"""Scrapy's own tools on this project, against the shipped replica as it is served: ``scrapy
check`` runs the spider's contracts, ``scrapy parse <article url>`` prints the record without a
deprecation warning, ``scrapy shell`` takes ``-a base_url`` and says when a URL is out of
scope; none of them writes anything under ``output/``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.core.testing import FAST_SETTINGS, ROOT
from tests.outlets.almayadeen.replica import ReplicaServer
from tests.outlets.almayadeen.replica.server import Reply

NOT_AN_ARTICLE = b"<html><head><title>Gone</title></head><body></body></html>"


def output_files() -> set[Path]:
    out = ROOT / "output"
    return {p for p in out.rglob("*")} if out.exists() else set()


def scrapy(*args: str) -> subprocess.CompletedProcess:
    """A Scrapy command in the project root; the politeness delays off, no browser."""
    settings = [x for name, value in {**FAST_SETTINGS, "NEWSCRAWL_BROWSER_ENABLED": "False"}.items()
                for x in ("-s", f"{name}={value}")]
    return subprocess.run([sys.executable, "-m", "scrapy", *args, *settings], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def article(site):
    """(path, title) of an article the shipped replica serves under /news/politics/."""
    record = next(r for r in site.truth().values() if "/news/politics/" in r["canonical_url"])
    return "/" + record["canonical_url"].split("/", 3)[3], record["title"]


def test_scrapy_check_passes_against_the_replica_as_it_is_served(server):
    before = output_files()
    proc = scrapy("check", "almayadeen", "-a", f"base_url={server.url}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Ran 6 contracts" in proc.stderr and "OK" in proc.stderr, proc.stderr[-3000:]
    assert output_files() == before


def test_scrapy_check_fails_when_the_listings_first_article_is_not_an_article(fresh_site):
    with ReplicaServer(fresh_site) as served:
        base = served.responder
        served.responder = lambda site, method, target, host_url, headers=None: (
            Reply(200, NOT_AN_ARTICLE) if target.startswith("/news/politics/")
            else base(site, method, target, host_url, headers))
        proc = scrapy("check", "almayadeen", "-a", f"base_url={served.url}")
    assert proc.returncode == 1 and "FAILED (failures=1)" in proc.stderr, proc.stderr[-3000:]
    assert "parse_article" in proc.stderr


def test_scrapy_check_refuses_a_bad_spider_argument():
    proc = scrapy("check", "almayadeen", "-a", "base_url=ftp://nowhere")
    assert proc.returncode == 2 and proc.stderr.startswith("scrapy check almayadeen: error: argument base_url"), proc.stderr


def test_scrapy_parse_prints_the_record_without_a_deprecation_warning(server, article):
    path, title = article
    before = output_files()
    for depth in ("1", "2"):  # at depth 2 the links it follows are parsed too
        proc = scrapy("parse", "--spider", "almayadeen", "-a", f"base_url={server.url}", "--depth", depth,
                      server.url + path)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "Traceback" not in proc.stderr
        assert "Deprecat" not in proc.stderr, proc.stderr[-3000:]
        assert title in proc.stdout
    assert output_files() == before


def test_scrapy_shell_takes_the_base_url_as_a_spider_argument(server, article):
    path, title = article
    before = output_files()
    code = "(response.status, [getattr(x, 'title', None) for x in spider.parse(response)][0])"
    proc = scrapy("shell", "-a", f"base_url={server.url}", server.url + path, "-c", code)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == repr((200, title))
    assert output_files() == before


def test_scrapy_shell_says_in_one_line_when_a_url_is_out_of_the_spiders_scope(server, article):
    path, _ = article
    proc = scrapy("shell", "--spider", "almayadeen", server.url + path, "-c", "response")
    assert proc.returncode == 0 and proc.stdout.strip() == "None", proc.stderr[-3000:]
    (line,) = [line for line in proc.stderr.splitlines() if line.startswith("scrapy shell:")]
    assert line == (f"scrapy shell: {server.url + path} not fetched: outside the almayadeen spider's crawled host "
                    f"https://english.almayadeen.net; for a mirror or the replica: "
                    f"scrapy shell -a base_url={server.url} {server.url + path}")


def test_scrapy_shell_on_any_url_opens_no_feed_and_draws_no_live_line(server):
    before = output_files()
    proc = scrapy("shell", server.url + "/robots.txt", "-c",
                  "(response.status, dict(settings['FEEDS']), settings['NEWSCRAWL_LIVE_PROGRESS'])")
    assert proc.returncode == 0 and proc.stdout.strip() == "(200, {}, 'off')", proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "scrapy shell:" not in proc.stderr
    assert output_files() == before


def test_scrapy_shell_refuses_a_bad_spider_argument(server):
    proc = scrapy("shell", "-a", "max_pages=0", server.url + "/")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "scrapy shell almayadeen: error: argument max_pages: '0' is not a whole number from 1 to 100000"


def test_the_spider_handles_the_edition_hosts():
    from scrapy import Request

    from newscrawl.outlets.almayadeen.spider import AlmayadeenSpider

    assert AlmayadeenSpider.handles_request(Request("https://english.almayadeen.net/news/politics/x"))
    assert AlmayadeenSpider.handles_request(Request("https://www.almayadeen.net/news/politics/x"))
    assert not AlmayadeenSpider.handles_request(Request("https://evil.example/news/politics/x"))
