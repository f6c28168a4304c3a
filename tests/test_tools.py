"""Scrapy's own tools on this project: ``scrapy check`` runs the spider's contracts,
``scrapy parse <article url>`` and ``scrapy shell`` work with the defaults and write
nothing under ``output/``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.core.testing import ROOT
from tests.outlets.almayadeen.replica import ReplicaServer
from tests.outlets.almayadeen.replica.server import Reply

# The article path the contracts of parse_article name (a real article of the live site).
CONTRACT_ARTICLE = "/news/politics/drone-hits-bahrain-airport-as-gulf-states-intercept-iranian"
PAGE = (Path(__file__).parent / "outlets" / "almayadeen" / "fixtures" / "cases" / "replica-full-list-byline-source" / "page.html").read_bytes()
TITLE = "Sana'a backs aid convoy restrictions after talks collapse"


@pytest.fixture
def served(fresh_site):
    """The replica, with a stored article page at the contracts' article path."""
    with ReplicaServer(fresh_site) as server:
        base = server.responder

        def respond(site, method, target, host_url, headers=None):
            if target.split("?", 1)[0] == CONTRACT_ARTICLE:
                return Reply(200, PAGE)
            return base(site, method, target, host_url, headers)

        server.responder = respond
        yield server


def output_files() -> set[Path]:
    out = ROOT / "output"
    return {p for p in out.rglob("*")} if out.exists() else set()


def scrapy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_scrapy_check_runs_the_contracts(served):
    before = output_files()
    proc = scrapy("check", "almayadeen", "-a", f"base_url={served.url}", "-s", "NEWSCRAWL_BROWSER_ENABLED=False")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Ran 6 contracts" in proc.stderr and "OK" in proc.stderr, proc.stderr[-3000:]
    assert output_files() == before


def test_scrapy_check_fails_when_a_page_is_not_an_article(served):
    base = served.responder
    served.responder = lambda site, method, target, host_url, headers=None: (
        Reply(200, b"<html><head><title>Gone</title></head><body></body></html>")
        if target.split("?", 1)[0] == CONTRACT_ARTICLE else base(site, method, target, host_url, headers))
    proc = scrapy("check", "almayadeen", "-a", f"base_url={served.url}", "-s", "NEWSCRAWL_BROWSER_ENABLED=False")
    assert proc.returncode == 1 and "FAILED" in proc.stderr


def test_scrapy_parse_an_article_url_with_the_defaults(served):
    before = output_files()
    proc = scrapy("parse", "--spider", "almayadeen", "-a", f"base_url={served.url}", served.url + CONTRACT_ARTICLE,
                  "-s", "NEWSCRAWL_BROWSER_ENABLED=False")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert TITLE in proc.stdout
    assert output_files() == before


def test_scrapy_shell_on_any_url_opens_no_feed(served):
    before = output_files()
    proc = scrapy("shell", served.url + "/robots.txt", "-c", "response.status")
    assert proc.returncode == 0 and proc.stdout.strip() == "200", proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert output_files() == before


def test_the_spider_handles_the_edition_hosts():
    from scrapy import Request

    from newscrawl.outlets.almayadeen.spider import AlmayadeenSpider

    assert AlmayadeenSpider.handles_request(Request("https://english.almayadeen.net" + CONTRACT_ARTICLE))
    assert AlmayadeenSpider.handles_request(Request("https://www.almayadeen.net/news/politics/x"))
    assert not AlmayadeenSpider.handles_request(Request("https://evil.example/news/politics/x"))
