"""Replica modes that make the site less friendly: bot challenges and rate limits.

Each mode wraps a responder (``ReplicaServer.responder``) and is switched on by a test:
``server.responder = challenge(server.responder, paths={...})``.
"""

from __future__ import annotations

import threading
from urllib.parse import unquote
from typing import Callable, Iterable

from .server import Reply

CLEARANCE = "nc_clearance=passed"

CHALLENGE_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Just a moment...</title></head>
<body data-newscrawl-challenge="1">
<noscript>Enable JavaScript and cookies to continue</noscript>
<div id="challenge-stage">Checking your browser before accessing the site.</div>
<script>
  // Only a real browser runs this: it sets the clearance cookie and reloads.
  setTimeout(function () { document.cookie = "nc_clearance=passed; path=/"; location.reload(); }, 50);
</script>
</body></html>
"""


def challenge(responder: Callable, paths: Iterable[str]) -> Callable:
    """Answer the given paths with a JavaScript challenge (503) until the clearance cookie is sent."""
    challenged = set(paths)

    def respond(site, method, target, host_url, headers=None):
        path = unquote(target.split("?", 1)[0])
        cookies = (headers.get("Cookie", "") if headers is not None else "") or ""
        if path in challenged and CLEARANCE not in cookies:
            return Reply(503, CHALLENGE_PAGE.encode(), headers={"Cache-Control": "no-store"})
        return responder(site, method, target, host_url, headers)

    return respond


def rate_limit(responder: Callable, paths: Iterable[str], retry_after: str = "2", times: int = 1) -> Callable:
    """Answer each given path with 429 and ``Retry-After`` the first ``times`` times it is asked for."""
    left = {p: times for p in paths}
    lock = threading.Lock()

    def respond(site, method, target, host_url, headers=None):
        path = unquote(target.split("?", 1)[0])
        with lock:
            limited = left.get(path, 0) > 0
            if limited:
                left[path] -= 1
        if limited:
            return Reply(429, b"Too Many Requests", "text/plain", headers={"Retry-After": retry_after})
        return responder(site, method, target, host_url, headers)

    return respond


def crawl_delay(responder: Callable, seconds: str) -> Callable:
    """robots.txt with a ``Crawl-delay`` for every user agent."""

    def respond(site, method, target, host_url, headers=None):
        reply = responder(site, method, target, host_url, headers)
        if target.split("?", 1)[0] == "/robots.txt":
            reply = Reply(200, reply.body.replace(b"User-agent: *\n", f"User-agent: *\nCrawl-delay: {seconds}\n".encode()),
                          reply.content_type)
        return reply

    return respond
