"""A rendered page's own requests stay in the crawl's scope and under its request cap."""

from __future__ import annotations

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
        self.seen: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.seen.append(self.path)
                body = outer.pages.get(self.path.split("?")[0], "ok").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
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
base = url.split("/page")[0]

class Probe(scrapy.Spider):
    name = "scope_probe"
    hosts = SimpleNamespace(scheme="http", netloc=base.split("//")[1], edition_hosts=())
    async def start(self):
        yield scrapy.Request(url, meta={"newscrawl_render": "js_fragment"}, callback=self.parse)
    def parse(self, response):
        yield None

settings = get_project_settings()
settings.setdict({"NEWSCRAWL_STATE": "off", "NEWSCRAWL_WARC": "off", "ROBOTSTXT_OBEY": False,
                  "NEWSCRAWL_MAX_REQUESTS": cap, "LOG_LEVEL": "INFO", "TELNETCONSOLE_ENABLED": False,
                  "EXTENSIONS": {}, "ITEM_PIPELINES": {}, "SPIDER_MIDDLEWARES": {}}, priority="cmdline")
process = CrawlerProcess(settings)
crawler = process.create_crawler(Probe)
process.crawl(crawler)
process.start()
print("STATS" + json.dumps({k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, (int, str))}))
'''


def _render(tmp_path, url, cap=0):
    script = tmp_path / "runner.py"
    script.write_text(RUNNER)
    result = subprocess.run([sys.executable, str(script), url, str(cap)], capture_output=True, text=True,
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
