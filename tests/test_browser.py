"""The real Chromium (Debian's) behind "Load more": only the requests that need it."""

from __future__ import annotations

import asyncio
import os

import pytest
from scrapy.utils.misc import load_object
from scrapy.utils.project import get_project_settings
from scrapy_playwright.handler import Config

from newscrawl.core.testing import FAST_SETTINGS, read_jsonl, run_crawl
from tests.outlets.almayadeen.replica import Replica, ReplicaServer

CHROMIUM = os.environ.get("NEWSCRAWL_CHROMIUM", "/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"no Chromium at {CHROMIUM} (make setup installs it)")


def key_of(record):
    return record["post_id"] or record["canonical_url"]


def deep_enough(site) -> int:
    """Load more steps that reach the end of the longest listing: then every article is reachable."""
    return -(-max(len(members) for members in site.listings.values()) // 10)


@pytest.fixture(scope="session")
def browser_crawl(site, server, tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "rendered.jsonl"
    result = run_crawl(server.url, out, args={"max_pages": str(deep_enough(site))},
                       settings={"NEWSCRAWL_NOW": site.now.isoformat(), "NEWSCRAWL_STATE": "off"})
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_load_more_articles_are_found(site, browser_crawl):
    expected = site.reachable(js=True, max_pages=deep_enough(site))
    assert set(expected) == set(site.truth()), "with the browser, every article is reachable"
    behind_js = set(expected) - set(site.reachable(js=False))
    found = {key_of(r) for r in browser_crawl.records if "canonical_url" in r}
    assert behind_js, "the replica must hide some articles behind Load more"
    assert behind_js <= found
    assert found == set(expected)


def test_rendered_records_equal_the_truth(site, browser_crawl):
    truth = site.truth()
    wrong = [(key_of(r), f) for r in browser_crawl.records for f, v in truth[key_of(r)].items() if r.get(f) != v]
    assert not wrong, wrong[:5]


def test_browser_only_for_load_more(site, browser_crawl):
    stats = browser_crawl.stats
    listings_with_more = sum(1 for members in site.listings.values() if len(members) > 10)
    assert stats["newscrawl/browser/requests/load_more"] == listings_with_more
    browser_stats = {k: v for k, v in stats.items() if k.startswith("newscrawl/browser/requests/")}
    assert browser_stats == {"newscrawl/browser/requests/load_more": listings_with_more}
    assert stats["playwright/request_count/navigation"] == listings_with_more


@pytest.fixture
def js_blocks():
    """A replica whose ticker and Most Read cards are filled in by a script after load."""
    site = Replica(seed=7, articles=60, js_blocks=True)
    with ReplicaServer(site) as server:
        yield site, server


def test_blocks_filled_by_script_come_from_one_rendered_home_page(js_blocks, tmp_path):
    site, server = js_blocks
    out = tmp_path / "js.jsonl"
    # A listing with no posts: every article found is found through Most Read.
    result = run_crawl(server.url, out, args={"sections": "tv", "max_pages": "1"},
                       settings={"NEWSCRAWL_NOW": site.now.isoformat(), "NEWSCRAWL_STATE": "off"})
    assert result.returncode == 0, result.stderr[-3000:]
    browser_stats = {k: v for k, v in result.stats.items() if k.startswith("newscrawl/browser/requests/")}
    assert browser_stats == {"newscrawl/browser/requests/js_fragment": 1}
    assert not site.listings["tv"] and not site.reachable(js=False, sections=["tv"])
    expected = site.reachable(js=True, max_pages=1, sections=["tv"])
    assert expected, "Most Read must lead somewhere"
    assert {key_of(r) for r in result.records} == set(expected)
    ticker = [r["text"] for r in read_jsonl(out.with_name("js.breaking.jsonl"))]
    assert ticker == list(site.ed.ticker)


def test_without_a_browser_blocks_filled_by_script_are_counted(js_blocks, tmp_path):
    site, server = js_blocks
    out = tmp_path / "static.jsonl"
    result = run_crawl(server.url, out, args={"sections": "tv", "max_pages": "1"},
                       settings={"NEWSCRAWL_NOW": site.now.isoformat(), "NEWSCRAWL_STATE": "off",
                                 "NEWSCRAWL_BROWSER_ENABLED": "False"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stats["newscrawl/browser/unavailable/js_fragment"] == 1
    assert "newscrawl/home_failed" not in result.stats
    assert result.records == []
    assert read_jsonl(out.with_name("static.breaking.jsonl")) == []


async def _provider_lifecycle():
    """What the project's browser provider has started after the handler's start-up, then
    after the first request that needs the browser."""
    settings = get_project_settings()
    provider = load_object(settings["PLAYWRIGHT_BROWSER_PROVIDER"])(Config.from_settings(settings))
    await provider.start()  # what scrapy-playwright's handler awaits as the engine starts
    at_start = provider.playwright
    browser = await provider.launch_browser()  # the handler's first rendered request
    try:
        return at_start, provider.playwright is not None, browser.is_connected()
    finally:
        await browser.close()
        await provider.close()


def test_playwright_starts_with_the_first_rendered_request_not_the_crawl():
    at_start, started, connected = asyncio.run(_provider_lifecycle())
    assert at_start is None, "a crawl that renders nothing must not start Playwright's driver"
    assert started and connected


def test_a_crawl_with_the_browser_off_never_imports_playwright(tmp_path):
    # Scrapy's own download handler instead of scrapy-playwright's (browser.without_browser):
    # loading that one imports Playwright, about 0.3 s of CPU, for a crawl that renders nothing.
    import subprocess
    import sys
    from pathlib import Path

    site = Replica(seed=1, articles=12)
    with ReplicaServer(site) as server:
        code = ("import atexit, sys; atexit.register(lambda: print('imported', sorted(m for m in sys.modules "
                "if m == 'playwright' or m == 'scrapy_playwright.handler')));"
                "from scrapy.cmdline import execute; execute(sys.argv[1:])")
        cmd = [sys.executable, "-c", code, "scrapy", "crawl", "almayadeen", "-a", f"base_url={server.url}",
               "-O", str(tmp_path / "out.jsonl"), "-s", "NEWSCRAWL_BROWSER_ENABLED=False",
               "-s", "NEWSCRAWL_STATE=off", "-s", "NEWSCRAWL_WARC=off", "-s", f"NEWSCRAWL_NOW={site.now.isoformat()}"]
        # Politeness delays off, as every crawl test has them (with the site's 3 s this took 145 s).
        cmd += [arg for name, value in FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]
        done = subprocess.run(cmd, cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True,
                              timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "imported []" in done.stdout
    assert read_jsonl(tmp_path / "out.jsonl")
    assert "scrapy-playwright" not in done.stderr
