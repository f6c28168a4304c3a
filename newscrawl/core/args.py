"""Spider arguments (``-a name=value``), parsed and validated in one place.

A bad value raises ``ArgumentError`` whose message is one line naming the argument and
what is allowed; the ``crawl`` command prints it and exits with status 2 before any
request is made.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Optional
from urllib.parse import urlsplit

from ..outlets.almayadeen.editions import EDITIONS, Edition
from .urls import HostMap, is_article_path, is_fetchable

FOLLOW_KINDS = ("related", "read_next", "most_read")
DISCOVERY = ("listings", "sitemap", "both")
DEFAULT_MAX_PAGES = 3
# Dates outside these years are typing mistakes, not news (the site began in 2012); far
# dates would also overflow date arithmetic later in the crawl (until + 1 day).
FIRST_YEAR, LAST_YEAR = 1990, 2100
# -a refresh=N: more than a century back is every post ever; larger values overflow dates.
MAX_REFRESH_DAYS = 36500
MAX_PAGES_LIMIT = 100_000
# A list of article URLs is a few MB at most; /dev/zero, a FIFO or a huge file is refused
# before a byte of it is read into memory.
URLS_FILE_MAX_BYTES = 16 * 1024 * 1024


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
        """Validate ``-a`` arguments; unknown names are refused so typos do not pass silently.

        Names starting with ``_`` are not ours and are ignored, as Scrapy does: scrapyd
        passes ``-a _job=<id>`` to every job.
        """
        raw = {k: str(v) for k, v in kwargs.items() if not str(k).startswith("_")}
        for name in raw:
            if name not in cls.KNOWN:
                raise ArgumentError(name, f"unknown argument; allowed: {', '.join(cls.KNOWN)}")

        code = raw.get("edition", "en").strip().lower()
        if code not in EDITIONS:
            raise ArgumentError("edition", f"{code!r} is not one of: {', '.join(EDITIONS)}")
        edition = EDITIONS[code]

        base_url = raw.get("base_url", edition.base_url).strip().rstrip("/")
        parts = urlsplit(base_url)
        try:
            _ = parts.port  # raises on a port that is not a number from 0 to 65535
        except ValueError:
            parts = parts._replace(netloc="")
        if (parts.scheme not in ("http", "https") or not parts.netloc or not parts.hostname
                or parts.path not in ("", "/") or parts.query or parts.fragment):
            raise ArgumentError("base_url", f"{base_url[:100]!r} is not an http(s) URL of a host (e.g. https://{edition.host})")

        slugs = [l.slug for l in edition.listings]
        sections = _split(raw.get("sections", "all"))
        if sections in ([], ["all"]):
            sections = slugs
        for slug in sections:
            if slug not in slugs:
                raise ArgumentError("sections", f"{slug!r} is not a section or region; allowed: all, {', '.join(slugs)}")

        max_pages_text = raw.get("max_pages", str(DEFAULT_MAX_PAGES)).strip()
        max_pages = _whole(max_pages_text, 1, MAX_PAGES_LIMIT)
        if max_pages is None:
            raise ArgumentError("max_pages", f"{max_pages_text[:20]!r} is not a whole number from 1 to {MAX_PAGES_LIMIT}")

        follow = _split(raw.get("follow", ",".join(FOLLOW_KINDS)))
        if follow == ["none"]:
            follow = []
        for kind in follow:
            if kind not in FOLLOW_KINDS:
                raise ArgumentError("follow", f"{kind!r} is not allowed; use none or a comma list of {', '.join(FOLLOW_KINDS)}")

        # An URL the spider would skip (another host, a listing, a tag page) is refused
        # here: a run given only such URLs would otherwise exit 0 having done nothing.
        hosts = HostMap(edition, base_url)
        urls = _split(raw.get("url", ""))
        for url in urls:
            problem = _not_an_article(url, edition, hosts)
            if problem:
                raise ArgumentError("url", f"{url[:100]!r} {problem}")
        if "urls_file" in raw:
            # File content is never quoted in a message: it may be anything (binary, a
            # terminal escape sequence); a line number says where to look.
            for number, line in _read_urls_file(raw["urls_file"]):
                problem = _not_an_article(line, edition, hosts)
                if problem:
                    raise ArgumentError("urls_file", f"line {number} {problem}")
                urls.append(line)

        since, until = _date(raw, "since"), _date(raw, "until")
        if since and until and since > until:
            raise ArgumentError("until", f"{until.isoformat()} is before since={since.isoformat()}")

        discover = raw.get("discover", "listings").strip().lower()
        if discover not in DISCOVERY:
            raise ArgumentError("discover", f"{discover!r} is not one of: {', '.join(DISCOVERY)}")

        refresh = raw.get("refresh")
        refresh_days = None
        if refresh is not None:
            refresh_days = _whole(refresh.strip(), 0, MAX_REFRESH_DAYS)
            if refresh_days is None:
                raise ArgumentError("refresh", f"{refresh[:20]!r} is not a whole number of days from 0 to {MAX_REFRESH_DAYS}")

        return cls(
            edition=edition,
            discover=discover,
            refresh_days=refresh_days,
            base_url=base_url,
            sections=tuple(sections),
            max_pages=max_pages,
            follow=frozenset(follow),
            urls=tuple(urls),
            since=since,
            until=until,
            raw=raw,
        )


    @property
    def is_live(self) -> bool:
        """Whether ``base_url`` is the edition's own host (with or without www, on the default port)."""
        parts = urlsplit(self.base_url)
        host = (parts.hostname or "").rstrip(".")
        bare = self.edition.host.removeprefix("www.")
        return host in (bare, "www." + bare) and parts.port in (None, {"http": 80, "https": 443}[parts.scheme])

    def dataset(self, spider_name: str) -> str:
        """The name this crawl's data and cross-run memory are kept under.

        The spider's name (``almayadeen``) for the edition's live host; for a mirror or the
        replica, the name plus that host and port (``almayadeen-mirror-127.0.0.1-8000``):
        its records carry live-host canonical URLs, and in the live dataset they would pass
        for real posts (issue 14).
        """
        if self.is_live:
            return spider_name
        parts = urlsplit(self.base_url)
        where = re.sub(r"[^a-z0-9.]+", "-", (parts.hostname or "").lower()).strip("-.") or "host"
        return f"{spider_name}-mirror-{where}" + (f"-{parts.port}" if parts.port is not None else "")


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _whole(text: str, low: int, high: int) -> Optional[int]:
    """A whole number in [low, high], or None (also for 5,000 digits, which int() refuses)."""
    if not text.isascii() or not text.isdigit() or len(text) > len(str(high)):
        return None
    value = int(text)
    return value if low <= value <= high else None


def _date(raw: dict[str, str], name: str) -> Optional[date]:
    if name not in raw:
        return None
    try:
        value = date.fromisoformat(raw[name].strip())
    except ValueError:
        raise ArgumentError(name, f"{raw[name][:40]!r} is not an ISO date (YYYY-MM-DD)") from None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ArgumentError(name, f"{value.isoformat()} is outside {FIRST_YEAR}-{LAST_YEAR}; "
                                  f"leave {name} out for an open range")
    return value


def _not_an_article(url: str, edition: Edition, hosts: HostMap) -> str:
    """Why the spider would not fetch ``url`` as an article (empty when it would)."""
    if not is_fetchable(url) or urlsplit(url).scheme not in ("http", "https"):
        return "is not an http(s) URL"
    crawl_url = hosts.to_crawl_url(url)
    if crawl_url is None:
        return f"is not on the crawled host or the edition's host ({edition.host})"
    if not is_article_path(urlsplit(crawl_url).path, edition):
        return f"is not an article URL of the {edition.code} edition (see the README's URL shapes)"
    return ""


def _read_urls_file(name: str) -> list[tuple[int, str]]:
    """(line number, URL) of every URL line of a regular UTF-8 file under the size cap."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise ArgumentError("urls_file", f"cannot read {name[:200]!r}: {exc.strerror or exc}") from None
    too_big = f"{name[:200]!r} is larger than {URLS_FILE_MAX_BYTES // (1024 * 1024)} MiB"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ArgumentError("urls_file", f"{name[:200]!r} is not a regular file")
        if info.st_size > URLS_FILE_MAX_BYTES:
            raise ArgumentError("urls_file", too_big)
        # Read one byte past the cap: a file that grew since fstat is still refused.
        chunks, size = [], 0
        while size <= URLS_FILE_MAX_BYTES:
            chunk = os.read(fd, URLS_FILE_MAX_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > URLS_FILE_MAX_BYTES:
        raise ArgumentError("urls_file", too_big)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ArgumentError("urls_file", f"line {line} is not UTF-8 text") from None
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            found.append((number, line))
    return found
