"""The crawl's scope rule: which origins (scheme, host, port) a request may go to.

One rule for both ways a page is fetched: the scope middleware applies it to Scrapy's
requests, the browser's page guard to every request a rendered page makes.
"""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlsplit

from .runfacts import run_facts

__all__ = ["Origin", "crawl_origins", "in_scope", "origin"]

Origin = tuple[str, str, Optional[int]]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> Optional[Origin]:
    """(scheme, host, port) of a URL, the port made explicit; None when it has no valid port."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None
    return scheme, (parts.hostname or "").lower(), port


def crawl_origins(crawler: Any) -> Optional[set[Origin]]:
    """The origins of this crawl: ``base_url``'s, and when that is one of the edition's hosts,
    every edition host over https. None for a spider without run facts (scrapy shell of a
    bare URL, a test's plain spider): no scope of ours applies."""
    facts = run_facts(crawler)
    if facts is None:
        return None
    hosts = facts.hosts
    base = origin(f"{hosts.scheme}://{hosts.netloc}")
    origins: set[Origin] = {base} if base is not None else set()
    if base is not None and base[1] in hosts.edition_hosts:
        origins |= {("https", host, 443) for host in hosts.edition_hosts}
    return origins


def in_scope(url: str, origins: Optional[set[Origin]]) -> bool:
    """Whether ``url`` may be fetched under ``origins`` (None: no scope, everything may)."""
    return origins is None or origin(url) in origins
