"""Serves the Gazette on 127.0.0.1 through the Al Mayadeen replica's server (its HTTP side
is generic: it hands every request to the responder it is given).

    with gazette_server(Gazette()) as server:   # port 0, background thread
        server.url
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from tests.outlets.almayadeen.replica.server import Reply, ReplicaServer, html

from . import templates
from .model import SECTIONS, Gazette

NOT_FOUND = "<!DOCTYPE html><html><head><title>Not found</title></head><body><h1>No such page</h1></body></html>"


def respond(site: Gazette, method: str, target: str, host_url: str, headers=None) -> Reply:
    """The reply for a request target (path and query): home, listing pages, stories, else 404."""
    parts = urlsplit(target)
    path = unquote(parts.path)
    if path == "/":
        return html(templates.home(site))
    if path == "/robots.txt":
        return Reply(200, b"User-agent: *\nDisallow:\n", "text/plain; charset=utf-8")
    if path.startswith("/section/") and path[len("/section/"):] in SECTIONS:
        return _listing(site, path[len("/section/"):], parse_qs(parts.query))
    index = site.by_path.get(path)
    if index is not None:
        return html(templates.article(site, index))
    return html(NOT_FOUND, 404)


def _listing(site: Gazette, slug: str, query: dict) -> Reply:
    page = (query.get("page") or ["1"])[0]
    if not page.isdigit() or not 1 <= int(page) <= site.listing_pages(slug):
        return html(NOT_FOUND, 404)
    return html(templates.listing(site, slug, int(page)))


def gazette_server(site: Gazette, port: int = 0) -> ReplicaServer:
    """A server for the Gazette (start it with ``with``; it records requests in ``.log``)."""
    return ReplicaServer(site, port=port, responder=respond)
