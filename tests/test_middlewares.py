"""Downloader middlewares, without the network: synthetic requests and responses."""

import asyncio
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newscrawl.core.browser import BrowserMiddleware
from newscrawl.core.challenge import looks_like_challenge
from newscrawl.core.middlewares import ChallengeMiddleware, RetryAfterMiddleware, retry_after_seconds

URL = "http://127.0.0.1:9/news/politics/a"
CHALLENGE_HTML = b"<html><head><title>Just a moment...</title></head><body data-newscrawl-challenge>wait</body></html>"
ARTICLE_HTML = b"<html><head><title>Gaza talks resume</title></head><body><article><h1>Gaza talks resume</h1></article></body></html>"


def response(status=200, body=ARTICLE_HTML, headers=None, request=None):
    return HtmlResponse(URL, status=status, body=body, headers=headers or {}, request=request or Request(URL))


def crawler_for(settings=None):
    crawler = get_crawler(Spider, settings or {})
    crawler.spider = crawler._create_spider("test")
    return crawler


@pytest.mark.parametrize(
    "status,body,expected",
    [
        (200, ARTICLE_HTML, False),
        (200, CHALLENGE_HTML, True),
        (503, CHALLENGE_HTML, True),
        (503, b"<html><title>Service Unavailable</title></html>", False),
        (403, b"Forbidden", True),
        (404, CHALLENGE_HTML, False),
    ],
)
def test_challenge_detection(status, body, expected):
    assert looks_like_challenge(response(status, body)) is expected


def test_retry_after_forms():
    now = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(b"2") == 2.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=90), usegmt=True).encode(), now) == 90.0
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=90), usegmt=True).encode(), now) == 0.0
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None


def test_challenge_is_retried_once_in_the_browser_then_given_up():
    crawler = crawler_for()
    mw = ChallengeMiddleware.from_crawler(crawler)
    request = Request(URL)
    retry = mw.process_response(request, response(503, CHALLENGE_HTML, request=request))
    assert isinstance(retry, Request) and retry.meta["newscrawl_render"] == "challenge" and retry.dont_filter
    with pytest.raises(IgnoreRequest):
        mw.process_response(retry, response(503, CHALLENGE_HTML, request=retry))
    assert crawler.stats.get_value("newscrawl/challenge/detected") == 2
    assert crawler.stats.get_value("newscrawl/challenge/failed") == 1


def test_challenge_passed_in_browser_becomes_200():
    crawler = crawler_for()
    mw = ChallengeMiddleware.from_crawler(crawler)
    request = Request(URL, meta={"newscrawl_render": "challenge", "playwright": True})
    passed = mw.process_response(request, response(503, ARTICLE_HTML, request=request))
    assert passed.status == 200 and crawler.stats.get_value("newscrawl/challenge/passed") == 1


def test_retry_after_pauses_the_host_and_retries():
    crawler = crawler_for({"NEWSCRAWL_RETRY_AFTER_MAX": 5})
    mw = RetryAfterMiddleware.from_crawler(crawler)
    request = Request(URL)
    retry = mw.process_response(request, response(429, b"", {"Retry-After": "3600"}, request))
    assert isinstance(retry, Request)
    host_pause = mw.paused_until["127.0.0.1:9"]
    assert 4.0 < host_pause - time.monotonic() <= 5.0  # capped at NEWSCRAWL_RETRY_AFTER_MAX
    assert crawler.stats.get_value("newscrawl/retry_after/429") == 1


def test_retry_after_gives_up_after_bounded_retries():
    crawler = crawler_for({"NEWSCRAWL_RETRY_AFTER_TIMES": 2, "NEWSCRAWL_RETRY_AFTER_MAX": 0})
    mw = RetryAfterMiddleware.from_crawler(crawler)
    request = Request(URL)
    for _ in range(2):
        request = mw.process_response(request, response(503, b"", {"Retry-After": "1"}, request))
        assert isinstance(request, Request)
    final = mw.process_response(request, response(503, b"", {"Retry-After": "1"}, request))
    assert final.status == 503 and request.meta["dont_retry"]
    assert crawler.stats.get_value("newscrawl/retry_after/max_reached") == 1


def test_process_request_waits_while_host_paused():
    crawler = crawler_for()
    mw = RetryAfterMiddleware.from_crawler(crawler)
    mw.paused_until["127.0.0.1:9"] = time.monotonic() + 0.05
    assert asyncio.run(mw.process_request(Request(URL))) is None
    assert crawler.stats.get_value("newscrawl/retry_after/waited_requests") == 1
    assert asyncio.run(mw.process_request(Request("http://other.invalid/x"))) is None
    assert crawler.stats.get_value("newscrawl/retry_after/waited_requests") == 1


def test_browser_only_for_tagged_requests(tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    crawler = crawler_for({"PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": str(fake)}})
    mw = BrowserMiddleware.from_crawler(crawler)
    plain = Request(URL)
    assert mw.process_request(plain) is None and "playwright" not in plain.meta
    listing = Request(URL, meta={"newscrawl_render": "load_more", "newscrawl_load_more_steps": 3})
    mw.process_request(listing)
    assert listing.meta["playwright"] is True
    method = listing.meta["playwright_page_methods"][0]
    assert method.method == "evaluate" and method.args[1] == ["Load more", 3, []]
    assert crawler.stats.get_value("newscrawl/browser/requests/load_more") == 1


def test_missing_browser_skips_and_counts(tmp_path, caplog):
    crawler = crawler_for({"PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": str(tmp_path / "no-chromium")}})
    mw = BrowserMiddleware.from_crawler(crawler)
    for _ in range(2):
        with pytest.raises(IgnoreRequest):
            mw.process_request(Request(URL, meta={"newscrawl_render": "load_more"}))
    assert crawler.stats.get_value("newscrawl/browser/unavailable/load_more") == 2
    warnings = [r for r in caplog.records if "no browser at" in r.getMessage()]
    assert len(warnings) == 1 and "no-chromium" in warnings[0].getMessage()


def test_load_more_is_clicked_by_label_or_by_class(tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    mw = BrowserMiddleware.from_crawler(crawler_for({"PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": str(fake)}}))
    by_class = Request(URL, meta={"newscrawl_render": "load_more", "newscrawl_load_more_label": "المزيد",
                                  "newscrawl_load_more_classes": ["loadmorebtn"]})
    mw.process_request(by_class)
    assert by_class.meta["playwright_page_methods"][0].args[1] == ["المزيد", 1, ["loadmorebtn"]]


@pytest.mark.parametrize(
    "base,url,allowed",
    [
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001/news/politics/a", True),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8002/news/politics/a", False),
        ("http://127.0.0.1:8001", "https://127.0.0.1:8001/news/politics/a", False),
        ("http://127.0.0.1:8001", "https://english.almayadeen.net/news/politics/a", False),
        ("https://english.almayadeen.net", "https://english.almayadeen.net:443/news/politics/a", True),
        ("https://english.almayadeen.net", "https://www.english.almayadeen.net/news/politics/a", True),
        ("https://english.almayadeen.net", "https://evil.english.almayadeen.net/news/politics/a", False),
        ("https://english.almayadeen.net", "https://english.almayadeen.net:8443/news/politics/a", False),
        ("https://english.almayadeen.net", "http://english.almayadeen.net/news/politics/a", False),
    ],
)
def test_scope_is_scheme_host_and_port(base, url, allowed):
    from newscrawl.core.middlewares import ScopeMiddleware
    from newscrawl.outlets.almayadeen.spider import AlmayadeenSpider

    crawler = get_crawler(AlmayadeenSpider, {})
    crawler.spider = crawler._create_spider("almayadeen", base_url=base)
    mw = ScopeMiddleware.from_crawler(crawler)
    if allowed:
        assert mw.process_request(Request(url)) is None
    else:
        with pytest.raises(IgnoreRequest):
            mw.process_request(Request(url))
        assert crawler.stats.get_value("newscrawl/out_of_scope") == 1


def test_a_stop_ends_the_retry_after_wait_and_postpones_the_request(monkeypatch):
    from newscrawl.core import middlewares
    from newscrawl.core.extensions import Postponed, PromptStop

    crawler = crawler_for()
    stop = PromptStop(crawler)
    monkeypatch.setattr(middlewares, "prompt_stop", lambda c: stop)
    mw = RetryAfterMiddleware.from_crawler(crawler)
    mw.paused_until["127.0.0.1:9"] = time.monotonic() + 3600  # the server asked for an hour

    async def stopped_meanwhile():
        asyncio.get_running_loop().call_later(0.05, stop.stopping.set)
        started = time.monotonic()
        with pytest.raises(Postponed):
            await mw.process_request(Request(URL))
        return time.monotonic() - started

    assert asyncio.run(stopped_meanwhile()) < 5
    assert crawler.stats.get_value("newscrawl/stop/postponed") == 1
