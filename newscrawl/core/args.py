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
from typing import Any, Callable, Iterable, Mapping, Optional
from urllib.parse import urlsplit

from .editions import Edition
from .outlet import outlet
from .urls import HostMap, is_fetchable

FOLLOW_KINDS = ("related", "read_next", "most_read", "ticker")
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


@dataclass(frozen=True)
class Argument:
    """One ``-a`` argument: its name, the text it has when not given (None: absent), a one-line
    help, and the parser that turns its text into the ``CrawlArgs`` field ``field``.

    A parser gets the text (None when absent without a default) and the fields parsed so far
    (arguments are parsed in declaration order, so ``url`` sees ``edition`` and ``base_url``);
    it returns the value or raises ``ArgumentError``.
    """

    name: str
    default: Optional[str]
    help: str
    parse: Callable[[Optional[str], dict[str, Any]], Any]
    field: str = ""

    @property
    def target(self) -> str:
        return self.field or self.name


def _choice(name: str, choices: Iterable[str]) -> Callable[[Optional[str], dict[str, Any]], str]:
    allowed = tuple(choices)

    def parse(text: Optional[str], got: dict[str, Any]) -> str:
        value = (text or "").strip().lower()
        if value not in allowed:
            raise ArgumentError(name, f"{value!r} is not one of: {', '.join(allowed)}")
        return value

    return parse


def _whole_number(
    name: str, low: int, high: int, unit: str = ""
) -> Callable[[Optional[str], dict[str, Any]], Optional[int]]:
    def parse(text: Optional[str], got: dict[str, Any]) -> Optional[int]:
        if text is None:
            return None
        value = _whole(text.strip(), low, high)
        if value is None:
            raise ArgumentError(name, f"{text.strip()[:20]!r} is not a whole number{unit} from {low} to {high}")
        return value

    return parse


# Where the outlet's editions wait for the edition argument (the first one parsed).
_EDITIONS = "_editions"


def _edition(text: Optional[str], got: dict[str, Any]) -> Edition:
    editions = got.pop(_EDITIONS)
    if text is None:  # not given: the outlet's first edition (the Outlet's default_edition)
        return next(iter(editions.values()))
    return editions[_choice("edition", editions)(text, got)]


def _base_url(text: Optional[str], got: dict[str, Any]) -> str:
    edition = got["edition"]
    base_url = (text if text is not None else edition.base_url).strip().rstrip("/")
    parts = urlsplit(base_url)
    try:
        _ = parts.port  # raises on a port that is not a number from 0 to 65535
    except ValueError:
        parts = parts._replace(netloc="")
    if (parts.scheme not in ("http", "https") or not parts.netloc or not parts.hostname
            or parts.path not in ("", "/") or parts.query or parts.fragment):
        raise ArgumentError("base_url", f"{base_url[:100]!r} is not an http(s) URL of a host (e.g. https://{edition.host})")
    return base_url


def _sections(text: Optional[str], got: dict[str, Any]) -> tuple[str, ...]:
    slugs = [listing.slug for listing in got["edition"].listings]
    sections = _split(text or "")
    if sections in ([], ["all"]):
        return tuple(slugs)
    for slug in sections:
        if slug not in slugs:
            raise ArgumentError("sections", f"{slug!r} is not a section or region; allowed: all, {', '.join(slugs)}")
    return tuple(sections)


def _follow(text: Optional[str], got: dict[str, Any]) -> frozenset[str]:
    follow = _split(text or "")
    if follow == ["none"]:
        return frozenset()
    for kind in follow:
        if kind not in FOLLOW_KINDS:
            raise ArgumentError(
                "follow", f"{kind!r} is not allowed; use none or a comma list of {', '.join(FOLLOW_KINDS)}"
            )
    return frozenset(follow)


# A URL the spider cannot fetch (another host, not http(s)) is refused here: a run given only
# such URLs would otherwise exit 0 having done nothing. Any page of the site is accepted and
# judged by its page: a listing or a tag page among the URLs is fetched and counted as not a
# post, and the run goes on.
def _url(text: Optional[str], got: dict[str, Any]) -> tuple[str, ...]:
    hosts = HostMap(got["edition"], got["base_url"])
    urls = _split(text or "")
    for url in urls:
        problem = _not_on_site(url, got["edition"], hosts)
        if problem:
            raise ArgumentError("url", f"{url[:100]!r} {problem}")
    return tuple(urls)


def _urls_file(text: Optional[str], got: dict[str, Any]) -> tuple[str, ...]:
    if text is None:
        return got["urls"]
    hosts = HostMap(got["edition"], got["base_url"])
    lines = []
    # File content is never quoted in a message: it may be anything (binary, a terminal
    # escape sequence); a line number says where to look.
    for number, line in _read_urls_file(text):
        problem = _not_on_site(line, got["edition"], hosts)
        if problem:
            raise ArgumentError("urls_file", f"line {number} {problem}")
        lines.append(line)
    return got["urls"] + tuple(lines)


def _until(text: Optional[str], got: dict[str, Any]) -> Optional[date]:
    since, until = got["since"], _date("until", text)
    if since and until and since > until:
        raise ArgumentError("until", f"{until.isoformat()} is before since={since.isoformat()}")
    return until


# Every argument, in the order they are checked (the first bad one is reported).
ARGUMENTS = (
    # No literal default: the outlet's first edition (en for almayadeen), so another outlet's spider works unasked.
    Argument("edition", None, "edition code, one of the outlet's editions (default: the outlet's first)", _edition),
    Argument("base_url", None, "crawl a mirror or the local replica instead of the edition's host", _base_url),
    Argument("sections", "all", "comma list of section/region slugs, or all", _sections),
    Argument("max_pages", str(DEFAULT_MAX_PAGES), f"listing pages per section, 1 to {MAX_PAGES_LIMIT}",
             _whole_number("max_pages", 1, MAX_PAGES_LIMIT)),
    Argument("follow", ",".join(FOLLOW_KINDS), "article links to follow from pages, or none", _follow),
    Argument("url", None, "comma list of article URLs to crawl alone", _url, field="urls"),
    Argument("urls_file", None, "a file of article URLs, one per line", _urls_file, field="urls"),
    Argument("since", None, f"ISO date ({FIRST_YEAR}-{LAST_YEAR}): drop articles published before",
             lambda text, got: _date("since", text)),
    Argument("until", None, f"ISO date ({FIRST_YEAR}-{LAST_YEAR}): drop articles published after", _until),
    Argument("discover", "listings", "how articles are found: " + ", ".join(DISCOVERY), _choice("discover", DISCOVERY)),
    Argument("refresh", None, f"incremental runs: re-fetch posts of the last N days, 0 to {MAX_REFRESH_DAYS}",
             _whole_number("refresh", 0, MAX_REFRESH_DAYS, " of days"), field="refresh_days"),
)


@dataclass
class CrawlArgs:
    """The validated arguments of an outlet's spider."""

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

    KNOWN = tuple(a.name for a in ARGUMENTS)

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any], editions: Optional[Mapping[str, Edition]] = None) -> "CrawlArgs":
        """Validate ``-a`` arguments against an outlet's ``editions`` (the registry's first
        outlet's when not given); unknown names are refused so typos do not pass silently.

        Names starting with ``_`` are not ours and are ignored, as Scrapy does: scrapyd
        passes ``-a _job=<id>`` to every job.
        """
        raw = {k: str(v) for k, v in kwargs.items() if not str(k).startswith("_")}
        for name in raw:
            if name not in cls.KNOWN:
                raise ArgumentError(name, f"unknown argument; allowed: {', '.join(cls.KNOWN)}")
        got: dict[str, Any] = {_EDITIONS: editions if editions is not None else outlet().editions}
        for argument in ARGUMENTS:
            got[argument.target] = argument.parse(raw.get(argument.name, argument.default), got)
        return cls(**got, raw=raw)

    @property
    def is_live(self) -> bool:
        """Whether ``base_url`` is the edition's own host (with or without www, on the default port)."""
        parts = urlsplit(self.base_url)
        host = (parts.hostname or "").rstrip(".")
        bare = self.edition.host.removeprefix("www.")
        return host in (bare, "www." + bare) and parts.port in (None, {"http": 80, "https": 443}[parts.scheme])

    def dataset(self, spider_name: str) -> str:
        """The name this crawl's data and cross-run memory are kept under.

        The spider's name for the edition's live host; for a mirror or the replica, the
        name plus that host and port (``<spider>-mirror-127.0.0.1-8000``):
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


def _date(name: str, text: Optional[str]) -> Optional[date]:
    if text is None:
        return None
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        raise ArgumentError(name, f"{text[:40]!r} is not an ISO date (YYYY-MM-DD)") from None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ArgumentError(name, f"{value.isoformat()} is outside {FIRST_YEAR}-{LAST_YEAR}; "
                                  f"leave {name} out for an open range")
    return value


def _not_on_site(url: str, edition: Edition, hosts: HostMap) -> str:
    """Why the spider could not fetch ``url`` (empty when it can): only an http(s) URL of the
    crawled host or the edition's own is fetched."""
    if not is_fetchable(url) or urlsplit(url).scheme not in ("http", "https"):
        return "is not an http(s) URL"
    if not urlsplit(url).hostname:
        return "has no host"
    if hosts.to_crawl_url(url) is None:
        return f"is not on the crawled host or the edition's host ({edition.host})"
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
            try:
                chunk = os.read(fd, URLS_FILE_MAX_BYTES + 1 - size)
            except OSError as exc:
                # "Regular" files of /proc and /sys that refuse reading (/proc/self/mem: EIO).
                raise ArgumentError("urls_file", f"cannot read {name[:200]!r}: {exc.strerror or exc}") from None
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
        bad_line = data.count(b"\n", 0, exc.start) + 1
        raise ArgumentError("urls_file", f"line {bad_line} is not UTF-8 text") from None
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            found.append((number, line))
    return found
