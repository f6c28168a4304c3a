"""A rendered page's own requests stay in the crawl's scope and under its request cap."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

CHROMIUM = os.environ.get("NEWSCRAWL_CHROMIUM", "/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"no Chromium at {CHROMIUM}")


class _Server:
    """A 127.0.0.1 server that records every path asked for and answers ``pages[path]``."""

    def __init__(self, pages=None):
        self.pages = pages or {}
        self.types: dict[str, str] = {}
        self.seen: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.seen.append(self.path)
                body = outer.pages.get(self.path.split("?")[0], "ok").encode()
                self.send_response(200)
                self.send_header("Content-Type", outer.types.get(self.path, "text/html; charset=utf-8"))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


RUNNER = r'''
import json, sys
from types import SimpleNamespace
import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

url, cap = sys.argv[1], int(sys.argv[2])
reason = sys.argv[3] if len(sys.argv) > 3 else "js_fragment"
extra = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
base = url.split("/page")[0]

class Probe(scrapy.Spider):
    name = "scope_probe"
    hosts = SimpleNamespace(scheme="http", netloc=base.split("//")[1], edition_hosts=())
    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        # The crawl's scope comes from the run facts a spider publishes (as NewsSpider does).
        from newscrawl.core.runfacts import RunFacts, publish
        spider = super().from_crawler(crawler, *args, **kwargs)
        publish(crawler, RunFacts(spider=cls.name, outlet=None, edition=None, hosts=cls.hosts, dataset=cls.name, args=None))
        return spider
    async def start(self):
        meta = {"newscrawl_render": reason} if reason != "none" else {}
        yield scrapy.Request(url, meta=meta, callback=self.parse)
    def parse(self, response):
        yield None

settings = get_project_settings()
exec(sys.argv[5] if len(sys.argv) > 5 else "")  # a test's patch, applied before the crawl
settings.setdict({"NEWSCRAWL_STATE": "off", "NEWSCRAWL_WARC": "off", "ROBOTSTXT_OBEY": False,
                  "NEWSCRAWL_MAX_REQUESTS": cap, "LOG_LEVEL": "INFO", "TELNETCONSOLE_ENABLED": False,
                  "EXTENSIONS": {}, "ITEM_PIPELINES": {}, "SPIDER_MIDDLEWARES": {}, **extra}, priority="cmdline")
process = CrawlerProcess(settings)
crawler = process.create_crawler(Probe)
process.crawl(crawler)
process.start()
print("STATS" + json.dumps({k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, (int, str))}))
'''


def _render(tmp_path, url, cap=0, reason="js_fragment", settings=None, patch=""):
    """Renders ``url`` in a crawl of its own; its stats. ``patch`` is Python run in the
    crawl's process first (to break a part of the guard on purpose)."""
    script = tmp_path / "runner.py"
    script.write_text(RUNNER)
    result = subprocess.run([sys.executable, str(script), url, str(cap), reason, json.dumps(settings or {}), patch],
                            capture_output=True, text=True,
                            timeout=120, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    line = [l for l in result.stdout.splitlines() if l.startswith("STATS")]
    assert line, result.stderr[-3000:]
    return json.loads(line[-1][5:])


@pytest.fixture
def two_servers():
    with _Server() as other:
        page = f"""<html><body><script>
          fetch('http://127.0.0.1:{other.port}/fetched').catch(() => 0);
          fetch('http://localhost:{other.port}/by-name').catch(() => 0);
          new Image().src = 'http://127.0.0.1:{other.port}/img';
          const f = document.createElement('iframe'); f.src = 'http://127.0.0.1:{other.port}/frame';
          document.body.appendChild(f);
          window.open('http://127.0.0.1:{other.port}/popup');
          try {{ new WebSocket('ws://127.0.0.1:{other.port}/ws'); }} catch (e) {{}}
          for (let i = 0; i < 300; i++) fetch('/many?' + i).catch(() => 0);
          setTimeout(() => {{ location.href = 'http://127.0.0.1:{other.port}/away'; }}, 50);
        </script></body></html>"""
        with _Server({"/page": page}) as home:
            yield home, other


def test_a_pages_requests_to_another_port_or_host_are_aborted_and_counted(two_servers, tmp_path):
    home, other = two_servers
    stats = _render(tmp_path, f"http://127.0.0.1:{home.port}/page", cap=20)
    assert other.seen == [], other.seen
    assert stats.get("newscrawl/out_of_scope", 0) >= 3, stats


def test_a_pages_fetches_count_against_the_request_cap(two_servers, tmp_path):
    home, other = two_servers
    _render(tmp_path, f"http://127.0.0.1:{home.port}/page", cap=20)
    assert len(home.seen) <= 20, len(home.seen)
    assert other.seen == []


def test_navigation_away_from_the_page_is_refused(tmp_path):
    with _Server({"/page": "<script>location.href = '/elsewhere';</script>"}) as home:
        stats = _render(tmp_path, f"http://127.0.0.1:{home.port}/page")
    assert "/elsewhere" not in home.seen
    assert stats.get("newscrawl/browser/navigation_refused") == 1, stats


# --- fail closed: whatever cannot be decided is not requested --------------------------------

def _load_more_page(probe_js: str) -> str:
    """A listing whose "Load more" runs ``probe_js`` (a promise) and adds a link once it
    settles, however it settles: the render waits for exactly that, and no longer."""
    return f"""<html><body><a href="/a">a</a><button id="more">Load more</button><script>
      document.getElementById('more').onclick = () => {{
        Promise.resolve().then(() => {probe_js}).catch(() => 0).finally(() => {{
          const a = document.createElement('a'); a.href = '/b'; a.textContent = 'b';
          document.body.appendChild(a);
        }});
      }};
    </script></body></html>"""


def test_a_request_whose_scope_check_raises_is_aborted_and_counted(tmp_path):
    patch = (
        "import newscrawl.core.browser as m  # the name the page guard calls\n"
        "_origin = m.origin\n"
        "def origin(url):\n"
        "    if '/probe' in url: raise RuntimeError('scope check broken')\n"
        "    return _origin(url)\n"
        "m.origin = origin\n"
    )
    with _Server({"/page": _load_more_page("fetch('/probe')")}) as home:
        stats = _render(tmp_path, f"http://127.0.0.1:{home.port}/page", reason="load_more", patch=patch)
    assert "/probe" not in home.seen, home.seen
    assert stats.get("newscrawl/browser/undecided/error") == 1, stats


def test_a_page_whose_guard_cannot_be_installed_is_closed_before_it_loads(tmp_path):
    # The context route (popups, WebSockets, service workers) fails; the page route does not.
    patch = (
        "import playwright.async_api as pw\n"
        "async def route(self, *a, **k): raise RuntimeError('no context route')\n"
        "pw.BrowserContext.route = route\n"
    )
    with _Server() as other:
        page = f"<script>new WebSocket('ws://127.0.0.1:{other.port}/ws');</script>"
        with _Server({"/page": page}) as home:
            stats = _render(tmp_path, f"http://127.0.0.1:{home.port}/page", patch=patch)
    assert other.seen == [], other.seen
    assert home.seen == [], home.seen
    assert stats.get("newscrawl/browser/guard_failed", 0) >= 1, stats


def test_the_browser_keeps_the_crawls_scope_when_the_scope_middleware_is_not_in_the_chain(tmp_path):
    with _Server() as other:
        page = f"<script>fetch('http://127.0.0.1:{other.port}/fetched').catch(() => 0);</script>"
        with _Server({"/page": page}) as home:
            stats = _render(tmp_path, f"http://127.0.0.1:{home.port}/page", patch=(
                "settings.set('DOWNLOADER_MIDDLEWARES', {**settings.getdict('DOWNLOADER_MIDDLEWARES'),"
                " 'newscrawl.core.middlewares.ScopeMiddleware': None}, priority='cmdline')"))
    assert other.seen == [], other.seen
    assert stats.get("newscrawl/browser/out_of_scope") == 1, stats


def test_a_page_cannot_open_a_popup(tmp_path):
    # An about:blank popup's first requests can go out before Playwright attaches to it,
    # past every route; Chromium's own popup blocker stops it being opened at all.
    with _Server() as other:
        page = f"""<script>
          const w = window.open('');
          if (w) w.fetch('http://127.0.0.1:{other.port}/from-popup').catch(() => 0);
          fetch('/report?opened=' + !!w).catch(() => 0);
        </script>"""
        with _Server({"/page": page}) as home:
            _render(tmp_path, f"http://127.0.0.1:{home.port}/page")
    assert "/report?opened=false" in home.seen, home.seen
    assert other.seen == [], other.seen


# The guard's decisions on requests Chromium seldom or never makes, without a browser.

class _Route:
    def __init__(self, fallback_fails=False):
        self.outcome = None
        self.fallback_fails = fallback_fails

    async def abort(self, *args):
        self.outcome = "aborted"

    async def fallback(self, **kwargs):
        if self.fallback_fails:
            raise RuntimeError("route already handled")
        self.outcome = "let through"


class _Frame:
    def __init__(self, page):
        self.page = page


class _PwRequest:
    """A Playwright request: ``frame`` None stands for a service worker's (its ``frame`` raises)."""

    def __init__(self, url, page, navigation=False, resource_type="fetch"):
        self.url = url
        self._page = page
        self._navigation = navigation
        self.resource_type = resource_type

    @property
    def frame(self):
        if self._page is None:
            raise RuntimeError("Service Worker requests do not have an associated frame.")
        return self._page.main_frame if self._navigation else _Frame(self._page)

    def is_navigation_request(self):
        return self._navigation


class _Page:
    def __init__(self):
        self.routes = []
        self.main_frame = _Frame(self)
        self.context = self

    async def route(self, pattern, handler):
        self.routes.append(handler)

    async def route_web_socket(self, pattern, handler):
        pass

    def on(self, event, callback):
        pass


def _guarded(url="http://127.0.0.1:8000/page"):
    """A BrowserMiddleware for a spider scoped to 127.0.0.1:8000, with a guarded page."""
    from types import SimpleNamespace
    from scrapy import Request, Spider
    from scrapy.utils.test import get_crawler
    from newscrawl.core.browser import BrowserMiddleware

    class Scoped(Spider):
        name = "scoped"
        hosts = SimpleNamespace(scheme="http", netloc="127.0.0.1:8000", edition_hosts=())

    crawler = get_crawler(Scoped)
    crawler.spider = Scoped()
    crawler.engine = SimpleNamespace(downloader=SimpleNamespace(middleware=SimpleNamespace(middlewares=[])))
    middleware = BrowserMiddleware(crawler, CHROMIUM)
    page = _Page()
    asyncio.run(middleware._guard_page(page, Request(url)))
    return middleware, page, crawler.stats


def _decide(url, page="ours", route=None, **kwargs):
    middleware, ours, stats = _guarded()
    route = route or _Route()
    request = _PwRequest(url, ours if page == "ours" else page, **kwargs)
    asyncio.run(ours.routes[0](route, request))
    return route.outcome, stats.get_stats()


@pytest.mark.parametrize("url", ["http://[::1", "https://[127.0.0.1]/"])
def test_an_unparsable_url_is_aborted_and_counted(url):
    outcome, stats = _decide(url)
    assert outcome == "aborted"
    assert stats.get("newscrawl/browser/undecided") == 1, stats


def test_a_request_from_no_page_of_ours_is_aborted_and_counted():
    # A service worker's request (no frame), and one from a page the guard does not know.
    for page in (None, _Page()):
        outcome, stats = _decide("http://127.0.0.1:8000/api", page=page)
        assert outcome == "aborted"
        assert stats.get("newscrawl/browser/undecided/unknown_page") == 1, stats


def test_a_request_that_cannot_be_let_through_is_aborted():
    outcome, stats = _decide("http://127.0.0.1:8000/api", route=_Route(fallback_fails=True))
    assert outcome == "aborted"
    assert stats.get("newscrawl/browser/undecided/error") == 1, stats


@pytest.mark.parametrize("url", ["ftp://127.0.0.1:8000/f", "filesystem:http://127.0.0.1:8000/t/f", "chrome://settings"])
def test_a_scheme_other_than_http_is_aborted(url):
    outcome, stats = _decide(url)
    assert outcome == "aborted"
    assert stats.get("newscrawl/browser/undecided/scheme") == 1, stats


@pytest.mark.parametrize("url", ["data:text/plain,hi", "blob:http://127.0.0.1:8000/0b4c", "about:blank"])
def test_data_blob_and_about_urls_are_let_through_as_they_never_reach_the_network(url):
    # (Chromium does not even route them: they come here only if that changes.)
    outcome, stats = _decide(url)
    assert outcome == "let through"
    assert not any(key.startswith("newscrawl/") for key in stats), stats


def test_an_in_scope_request_of_our_page_is_let_through():
    outcome, stats = _decide("http://127.0.0.1:8000/api")
    assert outcome == "let through"
    assert stats.get("newscrawl/browser/subrequests") == 1, stats


# --- service workers ---------------------------------------------------------------------------

def test_a_pages_service_worker_is_never_installed(tmp_path):
    # Its requests pass no page route; blocked, it is not even fetched (nor refused).
    with _Server() as other:
        worker = (f"self.addEventListener('install', e => self.skipWaiting());"
                  f"self.addEventListener('activate', e => e.waitUntil(clients.claim().then(() => Promise.all(["
                  f"fetch('http://127.0.0.1:{other.port}/from-worker').catch(() => 0),"
                  f"fetch('/from-worker').catch(() => 0)]))));")
        page = "<script>navigator.serviceWorker.register('/sw.js').catch(() => 0);</script>"
        with _Server({"/page": page, "/sw.js": worker}) as home:
            home.types = {"/sw.js": "application/javascript"}
            stats = _render(tmp_path, f"http://127.0.0.1:{home.port}/page")
    assert other.seen == [], other.seen
    assert home.seen == ["/page"], home.seen
    assert not any(key.startswith("newscrawl/browser/undecided") for key in stats), stats


def test_a_crawl_that_renders_nothing_launches_no_browser(tmp_path):
    with _Server({"/page": "<p>plain</p>"}) as home:
        stats = _render(tmp_path, f"http://127.0.0.1:{home.port}/page", reason="none")
    assert home.seen == ["/page"]
    assert not any(key.startswith(("playwright/browser_count", "playwright/context_count")) for key in stats), stats
