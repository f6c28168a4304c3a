"""Fault mode: the replica answers a seeded share of requests with the failures a
months-long crawl meets. Replayable: the fault for the n-th request of a path depends
only on (seed, path, n)."""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Callable
from urllib.parse import unquote

from .modes import CHALLENGE_PAGE, CLEARANCE
from .server import Reply


@dataclass
class FaultRates:
    """Share of requests (0..1) answered with each fault."""

    server_error: float = 0.05  # 500, or 503 with Retry-After
    too_many: float = 0.02  # 429 with Retry-After
    reset: float = 0.01  # connection reset mid-body
    slow: float = 0.01  # slower than the crawl's download timeout
    truncated: float = 0.01  # HTML cut off (half with a correct, half with a wrong Content-Length)
    challenge: float = 0.01  # a JavaScript bot challenge
    slow_seconds: float = 3.0


def faults(responder: Callable, rates: FaultRates, seed: int = 1) -> Callable:
    """Wrap a responder so that a seeded share of page requests fail. robots.txt and the
    Load more endpoint are left alone (a fault there tests Scrapy, not us)."""
    seen: Counter = Counter()
    lock = threading.Lock()
    injected: Counter = Counter()

    def respond(site, method, target, host_url, headers=None):
        path = unquote(target.split("?", 1)[0])
        reply = responder(site, method, target, host_url, headers)
        if path == "/robots.txt" or path.startswith("/api/") or reply.status != 200:
            return reply
        with lock:
            n = seen[path]
            seen[path] += 1
        roll = random.Random(f"{seed}:{path}:{n}").random()
        edge = 0.0
        for name in ("server_error", "too_many", "reset", "slow", "truncated", "challenge"):
            edge += getattr(rates, name)
            if roll < edge:
                injected[name] += 1
                return _fault(name, reply, roll, rates, headers)
        return reply

    respond.injected = injected  # type: ignore[attr-defined]
    return respond


def _fault(name: str, reply: Reply, roll: float, rates: FaultRates, headers) -> Reply:
    half = int(roll * 1e6) % 2 == 0
    if name == "server_error":
        return Reply(503, b"Service Unavailable", "text/plain", headers={"Retry-After": "1"}) if half else \
            Reply(500, b"Internal Server Error", "text/plain")
    if name == "too_many":
        return Reply(429, b"Too Many Requests", "text/plain", headers={"Retry-After": "1"})
    if name == "reset":
        return Reply(reply.status, reply.body, reply.content_type, cut=len(reply.body) // 3,
                     content_length=len(reply.body), reset=True)
    if name == "slow":
        return Reply(reply.status, reply.body, reply.content_type, delay=rates.slow_seconds)
    if name == "truncated":
        cut = len(reply.body) // 2
        return Reply(reply.status, reply.body, reply.content_type, cut=cut,
                     content_length=None if half else len(reply.body))
    cookies = (headers.get("Cookie", "") if headers is not None else "") or ""
    if CLEARANCE in cookies:
        return reply
    return Reply(503, CHALLENGE_PAGE.encode(), headers={"Cache-Control": "no-store"})
