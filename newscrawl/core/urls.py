"""URL rules: which URLs are articles, their canonical form, and mirror (base_url) mapping.

Kept apart from the parser and the spider because both, and the dedupe pipeline, must
agree on them exactly.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from .editions import DATE, POST_ID, SECTION, Edition

# Schemes a page may link with that can never be fetched as an article.
_FETCHABLE_SCHEMES = {"http", "https", ""}
# Longer URLs are junk or hostile; no real article URL comes near this (slugs are cut at 60).
MAX_URL_LENGTH = 2048


# Characters that cannot stand raw in a URL even in its readable form (C1 controls
# included: U+009B is a terminal's CSI).
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\"<>\\^`{|}%]")
# Control characters (C0, DEL, C1) a URL taken from a page may carry; never raw in a record.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escape_controls(url: str) -> str:
    """The URL with control characters (C0, DEL, C1) percent-encoded as UTF-8, the rest as is."""
    return _CONTROLS.sub(lambda m: quote(m.group(0), safe=""), url) if _CONTROLS.search(url) else url


def _clean_path(path: str) -> str:
    # Percent-decoded, so that raw Unicode (Arabic slugs) and percent-encoded forms of
    # the same path compare equal and identifiers stay readable; Scrapy encodes again
    # on the wire. Only characters that are never valid raw are kept encoded.
    path = _UNSAFE.sub(lambda m: quote(m.group(0), safe=""), unquote(path))
    while "//" in path:
        path = path.replace("//", "/")
    if len(path) > 1:
        path = path.rstrip("/")
    return path or "/"


def canonical_url(url: str, edition: Edition) -> str:
    """The canonical form of an article URL: https, the edition's host, no query, no
    fragment, no trailing slash, path percent-encoded the same way every time.

    The host is replaced by the edition's host so that crawls through a mirror or the
    replica (``base_url``) produce the same identifiers as crawls of the live site.
    """
    parts = urlsplit(url.strip())
    return urlunsplit(("https", edition.host, _clean_path(parts.path), "", ""))


def is_fetchable(url: str) -> bool:
    """False for javascript:, mailto:, data: and other links, and for absurdly long URLs."""
    if not url or len(url) > MAX_URL_LENGTH:
        return False
    return urlsplit(url.strip()).scheme.lower() in _FETCHABLE_SCHEMES


def _is_id(segment: str) -> bool:
    return segment.isascii() and segment.isdigit()


def _matches(shape: tuple[str, ...], middle: list[str]) -> bool:
    """Whether the segments between root and slug have this shape."""
    if shape == (DATE,):
        return len(middle) == 3 and all(_is_id(m) for m in middle)
    if len(middle) != len(shape):
        return False
    return all(_is_id(m) for m, kind in zip(middle, shape) if kind == POST_ID)


def _shape_of(segments: list[str], edition: Edition) -> tuple[str, ...] | None:
    """The shape (see ``Edition.article_roots``) an article path has, or None."""
    if len(segments) < 2:
        return None
    middle = segments[1:-1]
    shapes = edition.article_roots.get(segments[0].lower())
    if shapes is None:
        # Spanish: an id right before the slug marks an article under any root.
        if edition.id_paths and 1 <= len(middle) <= 2 and _is_id(middle[-1]) and len(middle[-1]) >= 4:
            return (SECTION, POST_ID) if len(middle) == 2 else (POST_ID,)
        return None
    for shape in shapes:
        if _matches(shape, middle):
            if not shape and f"/{segments[0].lower()}/{segments[1].lower()}" in _listing_paths(edition):
                continue
            return shape
    return None


def _article_segments(path: str, edition: Edition) -> list[str] | None:
    """The path's segments when it has the shape of an article of this edition, else None."""
    segments = [s for s in unquote(path).split("/") if s]
    return segments if _shape_of(segments, edition) is not None else None


# By edition host: two outlets may both have an "en" edition.
_LISTING_PATHS: dict[str, frozenset[str]] = {}


def _listing_paths(edition: Edition) -> frozenset[str]:
    # Asked for every link of every page: built once per edition, not per call.
    paths = _LISTING_PATHS.get(edition.host)
    if paths is None:
        paths = _LISTING_PATHS[edition.host] = frozenset(listing.path.lower() for listing in edition.listings)
    return paths


def is_article_path(path: str, edition: Edition) -> bool:
    """Whether a URL path has the shape of an article of this edition.

    The edition's ``article_roots`` say what sits between the first segment and the
    slug: a sub-section (``/news/politics/<slug>``), the post id (``/news/1257172/<slug>``
    in Spanish), a date (``/newscast/2024/7/26/<slug>`` in Arabic) or nothing
    (``/videos/<slug>``, which must not be a listing). Authors, coverage, tags, search
    and listings are not articles.
    """
    return _article_segments(path, edition) is not None


def path_segments(path: str) -> list[str]:
    """The non-empty segments of a URL path, percent-decoded."""
    return [s for s in unquote(path).split("/") if s]


def url_root(path: str) -> str:
    """The first segment of a URL path, lower-case ("" for the home page)."""
    segments = path_segments(path)
    return segments[0].lower() if segments else ""


def is_declared_non_post(path: str, edition: Edition) -> bool:
    """Whether the edition declares this path a page that is never a post: the home page, a
    one-segment hub (``/videos``, ``/live``), a listing path, or a path under one of its
    ``non_post_roots`` (authors, coverage, tags, search, regions)."""
    segments = path_segments(path)
    if len(segments) < 2:
        return True
    if segments[0].lower() in edition.non_post_roots:
        return True
    return "/" + "/".join(segments).lower() in _listing_paths(edition)


def could_be_post(path: str, edition: Edition) -> bool:
    """Whether a page at this path may be a post: any path the edition does not declare a
    non-post. Posts of a shape nobody has seen yet (a new URL root) pass; their page decides."""
    return not is_declared_non_post(path, edition)


def link_shape(path: str) -> str:
    """A path written as its shape, for reports of unknown link shapes: the root kept, numbers
    as ``<n>``, the last segment as ``<slug>`` and others as ``<seg>``
    (``/press/2024/x`` gives ``/press/<n>/<slug>``)."""
    segments = path_segments(path)
    if not segments:
        return "/"
    words = [segments[0].lower()]
    for n, segment in enumerate(segments[1:], start=2):
        words.append("<n>" if _is_id(segment) else "<slug>" if n == len(segments) else "<seg>")
    return "/" + "/".join(words)


def section_from_path(path: str, edition: Edition) -> str | None:
    """The section label an article URL names: its sub-section (``/news/politics/x`` gives
    ``Politics``) where the URL has one, else its root (``/videos/x`` gives ``Videos``)."""
    segments = [s.lower() for s in unquote(path).split("/") if s]
    shape = _shape_of(segments, edition)
    if shape is None:
        return None
    if shape and shape[0] == SECTION:
        found = edition.url_sections.get(segments[1])
        if found:
            return found
    return edition.url_sections.get(segments[0])


_SHAPE_WORDS = {SECTION: "<section>", POST_ID: "<id>", DATE: "<y>/<m>/<d>"}


def shape_label(root: str, shape: tuple[str, ...]) -> str:
    """``/news/<section>/<slug>``: how a URL shape is written in summaries and the README."""
    return "/".join(["", root, *(_SHAPE_WORDS[k] for k in shape), "<slug>"])


def url_shape(path: str, edition: Edition) -> str | None:
    """The shape an article path has, written as ``shape_label`` gives it, or None."""
    segments = [s for s in unquote(path).split("/") if s]
    shape = _shape_of(segments, edition)
    if shape is None:
        return None
    root = segments[0].lower()
    return shape_label(root if root in edition.article_roots else "<root>", shape)


def known_shapes(edition: Edition) -> list[str]:
    """Every article URL shape the edition declares."""
    return [shape_label(root, shape) for root, shapes in edition.article_roots.items() for shape in shapes]


def post_id_from_path(path: str, edition: Edition) -> str | None:
    """The post id an article URL carries (Spanish ``/news/1257172/<slug>``), else None."""
    segments = [s for s in unquote(path).split("/") if s]
    shape = _shape_of(segments, edition)
    if shape is None or POST_ID not in shape:
        return None
    return segments[1 + shape.index(POST_ID)]


class HostMap:
    """Maps links on the edition's hosts to the host actually crawled (``base_url``).

    Pages of a mirror or of the replica may link with absolute URLs on the live host;
    those must be fetched from the mirror, and any other host is out of scope.
    """

    def __init__(self, edition: Edition, base_url: str):
        base = urlsplit(base_url)
        self.scheme = base.scheme
        self.netloc = base.netloc.lower()
        host = edition.host.removeprefix("www.")
        self.edition_hosts = {host, "www." + host}

    def to_crawl_url(self, url: str) -> str | None:
        """The URL to request for a link, or None when it is out of scope."""
        parts = urlsplit(url)
        host = parts.netloc.lower()
        if host == self.netloc:
            return url
        if host in self.edition_hosts:
            return urlunsplit((self.scheme, self.netloc, parts.path, parts.query, ""))
        return None
