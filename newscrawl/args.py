"""Spider arguments (``-a name=value``), parsed and validated in one place.

A bad value raises ``ArgumentError`` whose message is one line naming the argument and
what is allowed; the ``crawl`` command prints it and exits with status 2 before any
request is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit

from .editions import EDITIONS, Edition

FOLLOW_KINDS = ("related", "read_next", "most_read")
DISCOVERY = ("listings", "sitemap", "both")
DEFAULT_MAX_PAGES = 3


class ArgumentError(ValueError):
    """A spider argument has a value outside what is allowed."""

    def __init__(self, name: str, problem: str):
        super().__init__(f"argument {name}: {problem}")
        self.name = name


@dataclass
class CrawlArgs:
    """The validated arguments of the almayadeen spider."""

    edition: Edition
    base_url: str
    sections: tuple[str, ...]
    max_pages: int = DEFAULT_MAX_PAGES
    follow: frozenset[str] = frozenset(FOLLOW_KINDS)
    urls: tuple[str, ...] = ()
    since: Optional[date] = None
    until: Optional[date] = None
    discover: str = "listings"
    refresh_days: Optional[int] = None
    raw: dict[str, str] = field(default_factory=dict)

    KNOWN = ("edition", "base_url", "sections", "max_pages", "follow", "url", "urls_file", "since", "until", "discover", "refresh")

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any]) -> "CrawlArgs":
        """Validate ``-a`` arguments; unknown names are refused so typos do not pass silently."""
        raw = {k: str(v) for k, v in kwargs.items()}
        for name in raw:
            if name not in cls.KNOWN:
                raise ArgumentError(name, f"unknown argument; allowed: {', '.join(cls.KNOWN)}")

        code = raw.get("edition", "en").strip().lower()
        if code not in EDITIONS:
            raise ArgumentError("edition", f"{code!r} is not one of: {', '.join(EDITIONS)}")
        edition = EDITIONS[code]

        base_url = raw.get("base_url", edition.base_url).strip().rstrip("/")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise ArgumentError("base_url", f"{base_url!r} is not an http(s) URL of a host (e.g. https://{edition.host})")

        slugs = [l.slug for l in edition.listings]
        sections = _split(raw.get("sections", "all"))
        if sections in ([], ["all"]):
            sections = slugs
        for slug in sections:
            if slug not in slugs:
                raise ArgumentError("sections", f"{slug!r} is not a section or region; allowed: all, {', '.join(slugs)}")

        max_pages_text = raw.get("max_pages", str(DEFAULT_MAX_PAGES)).strip()
        if not max_pages_text.isdigit() or int(max_pages_text) < 1:
            raise ArgumentError("max_pages", f"{max_pages_text!r} is not a whole number of 1 or more")

        follow = _split(raw.get("follow", ",".join(FOLLOW_KINDS)))
        if follow == ["none"]:
            follow = []
        for kind in follow:
            if kind not in FOLLOW_KINDS:
                raise ArgumentError("follow", f"{kind!r} is not allowed; use none or a comma list of {', '.join(FOLLOW_KINDS)}")

        urls = _split(raw.get("url", ""))
        if "urls_file" in raw:
            path = Path(raw["urls_file"])
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise ArgumentError("urls_file", f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
            urls += [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
        for url in urls:
            if urlsplit(url).scheme not in ("http", "https"):
                raise ArgumentError("url" if "url" in raw else "urls_file", f"{url[:80]!r} is not an http(s) URL")

        since, until = _date(raw, "since"), _date(raw, "until")
        if since and until and since > until:
            raise ArgumentError("until", f"{until.isoformat()} is before since={since.isoformat()}")

        discover = raw.get("discover", "listings").strip().lower()
        if discover not in DISCOVERY:
            raise ArgumentError("discover", f"{discover!r} is not one of: {', '.join(DISCOVERY)}")

        refresh = raw.get("refresh")
        if refresh is not None and not refresh.strip().isdigit():
            raise ArgumentError("refresh", f"{refresh!r} is not a whole number of days (0 or more)")

        return cls(
            edition=edition,
            discover=discover,
            refresh_days=int(refresh) if refresh is not None else None,
            base_url=base_url,
            sections=tuple(sections),
            max_pages=int(max_pages_text),
            follow=frozenset(follow),
            urls=tuple(urls),
            since=since,
            until=until,
            raw=raw,
        )


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _date(raw: dict[str, str], name: str) -> Optional[date]:
    if name not in raw:
        return None
    try:
        return date.fromisoformat(raw[name].strip())
    except ValueError:
        raise ArgumentError(name, f"{raw[name]!r} is not an ISO date (YYYY-MM-DD)") from None
