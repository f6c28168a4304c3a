"""The replica's HTTP server: 127.0.0.1, port 0 by default, a thread per connection.

``ReplicaServer`` is a context manager for tests; it keeps a log of every request
(time, method, path, status, User-Agent) so tests can check what a crawl asked for.
Handlers are looked up in ``routes``; later modes (challenge, faults) wrap ``respond``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Optional
from urllib.parse import parse_qs, unquote, urlsplit

from . import pages
from .editions import ENGLISH, Profile
from .model import Replica


def listing_paths(ed: Profile) -> dict[str, str]:
    """Listing path -> listing slug, for one edition."""
    paths = {v[1]: slug for slug, v in ed.sections.items()} | {f"/region/{slug}": slug for slug in ed.regions}
    if ed.all_listing:
        paths[ed.all_listing[2]] = ed.all_listing[0]
    return paths


LISTING_PATHS = listing_paths(ENGLISH)
MONTHLY = re.compile(r"^/sitemaps/all/sitemap-(\d{4})-(\d{1,2})\.xml$")


@dataclass
class RequestRecord:
    """One request the replica answered."""

    time: float  # time.monotonic()
    method: str
    path: str  # with the query string
    status: int
    user_agent: str


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: Optional[dict] = None
    # Fault injection (tests/outlets/almayadeen/replica/faults.py): wait before answering; send only the first
    # `cut` bytes of the body (with `content_length` declared, or the cut length); reset
    # the connection after `cut` bytes instead of closing it.
    delay: float = 0.0
    cut: Optional[int] = None
    content_length: Optional[int] = None
    reset: bool = False


def html(text: str, status: int = 200) -> Reply:
    return Reply(status, text.encode("utf-8"))


NOT_FOUND = "<!DOCTYPE html><html><head><title>Not found</title></head><body><h1>Page not found</h1></body></html>"


def respond(site: Replica, method: str, target: str, host_url: str, headers=None) -> Reply:
    """The reply for a request target (path and query)."""
    parts = urlsplit(target)
    path = unquote(parts.path)
    for route in (_machine_files, _api, _pages):
        reply = route(site, path, parts.query, host_url)
        if reply is not None:
            return reply
    return html(NOT_FOUND, 404)


def _machine_files(site: Replica, path: str, query: str, host_url: str) -> Optional[Reply]:
    """robots.txt and the sitemaps (they name the host the request came to)."""
    if path == "/robots.txt":
        return Reply(200, pages.robots(host_url, site.ed).encode(), "text/plain; charset=utf-8")
    if path == "/sitemaps/all.xml":
        return Reply(200, pages.sitemap_index(site, host_url).encode(), "application/xml")
    match = MONTHLY.match(path)
    if match:
        body = pages.sitemap_month(site, host_url, int(match.group(1)), int(match.group(2)))
        return Reply(200, body.encode(), "application/xml") if body else html("<h1>Not found</h1>", 404)
    return None


def _api(site: Replica, path: str, query: str, host_url: str) -> Optional[Reply]:
    """The JSON endpoints that page scripts call (Most Read, ticker, Load more)."""
    if path in ("/api/popular", "/api/ticker"):
        fill = pages.most_read_cards(site) if path == "/api/popular" else pages.ticker_items(site)
        return Reply(200, json.dumps({"html": fill}).encode(), "application/json")
    if path == "/api/listing":
        return _load_more(site, parse_qs(query))
    return None


def _load_more(site: Replica, query: dict) -> Reply:
    slug = (query.get("section") or [""])[0]
    if slug not in site.listings:
        return Reply(404, b'{"error": "unknown section"}', "application/json")
    if (query.get("key") or [""])[0] != str(pages.key_js(slug)):
        return Reply(403, b'{"error": "bad key"}', "application/json")
    try:
        page = max(1, int((query.get("page") or ["1"])[0]))
    except ValueError:
        return Reply(400, b'{"error": "bad page"}', "application/json")
    cards, more = pages.listing_cards(site, slug, page)
    return Reply(200, json.dumps({"html": cards, "more": more}).encode(), "application/json")


def _pages(site: Replica, path: str, query: str, host_url: str) -> Optional[Reply]:
    """HTML pages: home, listings, articles, and the CMS pages that are not posts."""
    if path == "/":
        return html(pages.home(site))
    listing = listing_paths(site.ed).get(path.rstrip("/"))
    if listing:
        return _listing_page(site, listing, query)
    index = site.article_at(path)
    if index is not None:
        return html(pages.article(site, index))
    for page in site.ed.non_posts:
        if path == page.path:
            return html(pages.non_post_page(site, page))
    first = path.strip("/").split("/")[0]
    if first in ("authors", "coverage", "tags") and path.count("/") == 2:
        return html(pages.plain_page(site, path.rsplit("/", 1)[1].replace("-", " ").title(), f"{first} page", site.most_read))
    if path in ("/videos", "/live", "/search", "/news", "/articles"):
        return html(pages.plain_page(site, path.strip("/").title() or "Home", "hub page"))
    return None


def _listing_page(site: Replica, slug: str, query: str) -> Reply:
    """``<listing path>`` and ``<listing path>?page=N`` (404 past the last page)."""
    try:
        page = int((parse_qs(query).get("page") or ["1"])[0])
    except ValueError:
        page = 0
    if not 1 <= page <= pages.listing_pages(site, slug):
        return html(NOT_FOUND, 404)
    return html(pages.listing(site, slug, page))


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"

    def _serve(self, with_body: bool) -> None:
        replica = self.server.replica
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        try:
            reply = replica.responder(replica.site, self.command, self.path, f"http://{host}", self.headers)
        except Exception as exc:  # a bug in the replica must show up as a 500, not a hang
            reply = Reply(500, f"replica error: {exc!r}".encode(), "text/plain")
        replica.record(self.command, self.path, reply.status, self.headers.get("User-Agent", ""))
        if reply.delay:
            time.sleep(reply.delay)  # a slow server, on purpose (the crawl must time out)
        body = reply.body if reply.cut is None else reply.body[: reply.cut]
        length = reply.content_length if reply.content_length is not None else len(body)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(length))
        for name, value in (reply.headers or {}).items():
            self.send_header(name, value)
        if reply.cut is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if with_body:
            self.wfile.write(body)
        if reply.reset:
            import socket
            import struct

            self.wfile.flush()
            # SO_LINGER 0: close() sends RST, as a dropped connection does.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve(True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(False)

    def log_message(self, format: str, *args) -> None:  # quiet: the log list is the record
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    replica: "ReplicaServer"

    def handle_error(self, request, client_address) -> None:
        # A client that goes away mid-reply (a killed crawl) is expected, not news.
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class ReplicaServer:
    """Serves a Replica on 127.0.0.1 in a background thread (``with ReplicaServer(site) as s``)."""

    def __init__(self, site, host: str = "127.0.0.1", port: int = 0, responder: Optional[Callable] = None):
        # ``site`` is handed to the responder untouched, so another replica (tests/outlets/)
        # can be served by passing its own ``responder(site, method, target, host_url, headers)``.
        self.site = site
        self.host, self.requested_port = host, port
        self.log: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._httpd: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None
        self.responder = responder or respond

    def record(self, method: str, path: str, status: int, user_agent: str) -> None:
        with self._lock:
            self.log.append(RequestRecord(time.monotonic(), method, path, status, user_agent))

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "ReplicaServer":
        self._httpd = _Server((self.host, self.requested_port), _Handler)
        self._httpd.replica = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="replica", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> "ReplicaServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
