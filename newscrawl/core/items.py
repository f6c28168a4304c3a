"""The records newscrawl writes: a contract with the researchers who load them.

Every field is typed and documented here; ``ItemAdapter.get_json_schema(Article)``
turns these docstrings into the JSON Schema shipped in ``docs/article.schema.json``.
Change a field only on purpose, and say so in the README's field table.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Optional

# Sources an extracted value can come from, most stable first (see site-notes).
SOURCES = ("metadata", "meta", "html", "text", "url")

# Every value ``Article.flags`` can hold, in the order a record lists them.
FLAGS = (
    "closing_markup_missing",
    "metadata_invalid",
    "body_empty",
    "body_shorter_than_word_count",
    "date_from_visible_text",
    "authors_from_metadata_only",
)


@dataclass
class Link:
    """A link to another article found on a page."""

    url: str
    """Canonical URL of the linked article (edition host, no query, no trailing slash)."""
    title: str
    """The link's visible headline, whitespace collapsed."""


@dataclass
class Image:
    """An image shown in the article."""

    url: str
    """Absolute image URL as the page gives it (query string kept: it selects the size)."""
    caption: Optional[str] = None
    """Caption text without the parenthesised credit, or null."""
    credit: Optional[str] = None
    """The parenthesised part at the end of the caption (e.g. ``AFP via Getty Images``), or null."""


@dataclass
class WarcRecordRef:
    """Where the response an article was read from is stored (see README "WARC capture")."""

    file: str
    """WARC file name (in ``output/warc/<edition>/`` for a crawl's own files)."""
    offset: int
    """Byte offset of the response record in that file (each record is one gzip member)."""
    record_id: str
    """The record's ``WARC-Record-ID`` (``<urn:uuid:...>``)."""


@dataclass
class Article:
    """One article page of a news outlet, as one JSON Lines record."""

    url: str
    """URL the page was fetched from, after redirects."""
    canonical_url: str
    """Normalised article URL: https, lower-case edition host (even when crawled through
    ``base_url``), no query, no fragment, no trailing slash."""
    post_id: Optional[str]
    """The CMS post id (metadata ``postid``, else ``meta[name=postid]``, else the id a Spanish
    URL carries), or null."""
    edition: str
    """Edition code: ``en``, ``ar`` or ``es``."""
    language: str
    """Language code, from the metadata ``lang``, else ``<html lang>``, else the edition's."""
    post_type: Optional[str]
    """The metadata ``posttype`` class (News, Articles, Videos, ...), or null."""
    section: Optional[str]
    """The metadata ``category`` class, else the section named by the URL (Politics, Opinion, ...),
    else the kind of post the URL names (Videos; Noticias on the Spanish edition)."""
    regions: list[str]
    """The metadata ``country`` classes, in page order."""
    coverage: list[str]
    """The metadata ``coverage`` classes (topic dossiers), in page order."""
    title: str
    """Headline."""
    summary: Optional[str]
    """Standfirst (``p.lg_para.summary``, else the description), or null."""
    authors: list[str]
    """People or desks credited in the byline, in order."""
    source: Optional[str]
    """The byline's "Source:" value (e.g. ``Axios``), or null."""
    published_at: str
    """Publication time, ISO 8601 in UTC, e.g. ``2024-10-09T06:01:00+00:00``."""
    published_at_raw: str
    """The publication date exactly as found on the page."""
    modified_at: Optional[str]
    """Last modification time, ISO 8601 in UTC, or null."""
    read_time_minutes: Optional[int]
    """Reading time in minutes ("5 Min Read" gives 5), or null."""
    word_count: Optional[int]
    """Word count given by the CMS metadata, or null."""
    tags: list[str]
    """Tags (keywords or tag links), trimmed, in page order, without duplicates."""
    body: str
    """Body paragraphs and sub-headings joined by a blank line; no Related News, no "Read more:"
    promos, no captions, no ticker. Empty for posts without text (videos)."""
    images: list[Image]
    """Images of the article with caption and credit."""
    video_duration_seconds: Optional[int]
    """Video length in seconds, or null."""
    related: list[Link]
    """The "Related News" links, in page order."""
    read_next: list[Link]
    """The "Read Next" links, in page order."""
    content_hash: str
    """sha256 (hex) of the normalised title and body; changes when the text is edited."""
    extracted_from: dict[str, str]
    """For each field with more than one possible source, the source used:
    ``metadata``, ``meta``, ``html``, ``text`` or ``url``."""
    discovered_via: str
    """How the crawl found the page: ``listing:<section slug>``, ``related``, ``read_next``,
    ``most_read``, ``ticker``, ``sitemap``, ``url``, ``recheck`` (a scheduled re-check of a stored
    post) or ``warc`` (re-extracted from a stored response)."""
    crawled_at: str
    """Time of the fetch, ISO 8601 in UTC."""
    revision: int = 1
    """1 for the first version of a post seen; one more for each later version (a different
    ``version_hash``, or the post back after a removal). In run files it is the crawl's count; in
    the merged file it is the post's versions counted in capture order (``newscrawl.merge``)."""
    flags: list[str] = field(default_factory=list)
    """What looked odd on this page, in a fixed order; the record is kept all the same:
    ``closing_markup_missing`` (the page never came with its closing ``</html>``, after every
    retry: possibly cut short, kept as fetched), ``metadata_invalid`` (a metadata block that is
    not JSON: fields came from meta tags and the page; or a number in it beyond int64 or not finite,
    ``"1e400"``: that field null), ``body_empty`` (a text post whose body text was not found),
    ``body_shorter_than_word_count`` (fewer than half the words the metadata ``word_count`` gives),
    ``date_from_visible_text`` (no machine date: ``published_at`` read from the visible date),
    ``authors_from_metadata_only`` (no byline names on the page: authors from the metadata ``author``
    string or the author meta tag).
    Empty when nothing looked odd."""
    warc: Optional[WarcRecordRef] = None
    """The stored response this record was read from, or null when the run kept no WARC
    (``NEWSCRAWL_WARC=off``)."""
    version_hash: str = ""
    """sha256 (hex) of what tells two versions of a post apart: the normalised title, summary,
    body, authors, tags, section and images (URL, caption, credit). A fetch of a stored post that
    finds another value is a new version; ``content_hash`` (title and body only) is unchanged."""
    removed_at: Optional[str] = None
    """When a re-check found the post gone (404, 410, or a redirect to the home page or a listing),
    ISO 8601 in UTC; null while it is online. Set by ``newscrawl.merge`` on the merged record when no
    later capture found the post back; always null in run files (the removal is a ``PostCheck``)."""

    def __post_init__(self) -> None:
        if not self.version_hash:
            self.version_hash = version_hash(self)


# What a re-check of a stored post can find without a new version (``PostCheck.outcome``).
CHECK_OUTCOMES = ("unchanged", "removed")


@dataclass
class PostCheck:
    """What a scheduled re-check of a stored post found when it brought no new version: the
    same content (``unchanged``), or the post gone (``removed``: recorded once, when first found
    gone). Written to ``<run>.checks.jsonl``; ``newscrawl.merge`` reads them for each version's
    last sighting and for the removals."""

    post_id: Optional[str]
    """The post's CMS id as stored, or null."""
    canonical_url: str
    """The post's canonical URL as stored."""
    edition: str
    """Edition code: ``en``, ``ar`` or ``es``."""
    checked_at: str
    """Time of the re-check, ISO 8601 in UTC."""
    outcome: str
    """``unchanged`` or ``removed``."""
    status: int
    """HTTP status of the answer: 200 (unchanged), 404, 410 or a redirect's 3xx."""
    redirect_to: Optional[str] = None
    """Where a redirect pointed (on the edition's host, as a canonical URL would be), or null."""
    version_hash: Optional[str] = None
    """The ``version_hash`` found (``unchanged``), else null."""
    warc: Optional[WarcRecordRef] = None
    """The stored response of the re-check (a 404 page, the redirect, or the unchanged page's
    payload record), or null without WARC capture."""


@dataclass
class BreakingItem:
    """One line of the BREAKING ticker, emitted when it appears: once while it stays up, and
    again only if it comes back after no run saw it for ``NEWSCRAWL_TICKER_REPEAT_HOURS``."""

    text: str
    """The ticker line, whitespace collapsed."""
    edition: str
    """Edition code: ``en``, ``ar`` or ``es``."""
    first_seen_at: str
    """When a crawl saw this line appear (this sighting), ISO 8601 in UTC."""
    url: Optional[str] = None
    """Canonical URL of the post the line links to (the Arabic ticker's items are links), or
    null for a line without a link (the English and Spanish tickers)."""


# Control characters other than whitespace never belong in a record (they come from
# broken or hostile pages and break terminals and CSV tools). Nor do the invisible format
# characters common in Arabic copy and CMS output: direction marks and embeddings (LRM, RLM,
# ALM, U+202A-E, isolates), the zero-width space, the word joiner and invisible operators,
# the soft hyphen, the Mongolian vowel separator and a stray byte-order mark. They make equal
# text compare unequal (a tag "\u200bGaza" beside "Gaza") and are never part of the words.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
# The zero-width non-joiner and joiner change how letters join (Persian, Urdu, Indic
# scripts) or build one emoji out of several: kept between two letters (or marks) and
# between two symbols, dropped anywhere else (next to a space, a digit, punctuation, an end).
_JOINERS = re.compile("[\u200c\u200d]+")


def _joiner_kept(text: str, start: int, end: int) -> bool:
    if start == 0 or end == len(text):
        return False
    before, after = unicodedata.category(text[start - 1]), unicodedata.category(text[end])
    if before[0] in "LM" and after[0] in "LM":
        return True
    return before == "So" and after == "So"


def _drop_stray_joiners(text: str) -> str:
    return _JOINERS.sub(lambda m: m.group(0) if _joiner_kept(text, m.start(), m.end()) else "", text)


def normalise_text(text: str) -> str:
    """The one text rule of every record field (and of tags before they are deduplicated):
    NFC; control characters and invisible format characters removed; zero-width (non-)joiners
    kept only between two letters or two symbols; whitespace collapsed to one space, trimmed."""
    # str.split() and the regex \s agree on what whitespace is (str.isspace), so joining the
    # words is the same as collapsing runs and trimming, in one pass instead of two regex
    # passes; called for every text node the parser keeps (~80 per article page).
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text))
    if "\u200c" in text or "\u200d" in text:
        text = _drop_stray_joiners(text)
    return " ".join(text.split())


def content_hash(title: str, body: str) -> str:
    """sha256 hex of the normalised title, a newline, and the normalised body paragraphs.

    Paragraph breaks are kept (each paragraph normalised on its own) so that moving
    text between paragraphs counts as an edit, while re-indented markup does not.
    """
    paragraphs = [normalise_text(p) for p in body.split("\n\n")]
    text = normalise_text(title) + "\n" + "\n".join(p for p in paragraphs if p)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _field(record, name: str):
    return record.get(name) if isinstance(record, dict) else getattr(record, name, None)


def _image_text(image) -> str:
    return "\x1f".join(normalise_text(str(_field(image, k) or "")) for k in ("url", "caption", "credit"))


# The fields ``version_hash`` covers, in its order: what makes a post's new version.
VERSION_FIELDS = ("title", "summary", "body", "authors", "tags", "section", "images")


def version_parts(record, names=VERSION_FIELDS) -> dict[str, str]:
    """Each field of ``VERSION_FIELDS`` (or those of ``names``; the others empty) of an Article
    or a record dict, normalised as for ``content_hash`` (the body paragraph by paragraph);
    lists keep their order, items kept apart by separators no normalised text contains."""
    parts = dict.fromkeys(VERSION_FIELDS, "")
    for name in names:
        value = _field(record, name)
        if name == "body":
            paragraphs = [normalise_text(p) for p in str(value or "").split("\n\n")]
            parts[name] = "\n".join(p for p in paragraphs if p)
        elif name in ("authors", "tags"):
            parts[name] = "\x1f".join(normalise_text(str(v)) for v in value or ())
        elif name == "images":
            parts[name] = "\x1d".join(_image_text(i) for i in value or ())
        else:
            parts[name] = normalise_text(str(value or ""))
    return parts


def version_hash(record) -> str:
    """sha256 hex of the fields that tell versions of a post apart (``Article.version_hash``),
    from an Article or a record dict (the merge reads older run files without the field)."""
    parts = version_parts(record)
    # surrogatepass: a lone surrogate (broken JSON input) hashes rather than raises.
    return hashlib.sha256(
        "\x1e".join(parts[name] for name in VERSION_FIELDS).encode("utf-8", "surrogatepass")
    ).hexdigest()
