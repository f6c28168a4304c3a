"""Page objects for Al Mayadeen: HTML and URL in, records and links out.

Extraction is layered as shared/site-notes.md asks, most stable signal first:
the ``tawsiyat-metadata`` JSON block, then ``<meta>`` tags, then documented classes
(``p.lg_para.summary``, ``div.p-content``), then visible label text ("By", "Source:",
"Min Read", "Related News", "Read Next", "Most Read"). Class names of the byline and the
link blocks are unknown on the real site, so those are found by their labels, never by
class. Every value records the layer it came from in ``extracted_from``.

Each record field is one small method of ``ArticlePage``: a field with several sources gives
its value and the source used (its candidates tried in order with ``first``); ``to_item``
assembles the record, dates in UTC (read as ``dates.py`` says the site prints them). What is
not particular to this site (label lookups, link blocks, text as the page spaces it,
``first``) is in ``newscrawl/core/pages.py``; this file holds the site's selectors,
visible-text rules and field rules. No Scrapy import beyond parsel.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import datetime
from typing import Any, Iterable, Optional
from urllib.parse import urljoin

from lxml import etree

from ...core.clock import utc_now
from ...core.dates import note_date_problems
from ...core.editions import Edition
from ...core.items import Article, Image, content_hash, normalise_text
from ...core.pages import (
    ALL_TEXT_NODES,
    ANCHORS,
    BODY_ANCHORS,
    CHILD_ELEMENTS,
    FIGCAPTIONS,
    FIGURES,
    IMG_DATA_SRC,
    IMG_SRC,
    NESTED_BLOCKS,
    RELATED,
    TEXT_NODES,
    Page,
    PageLink,
    as_int,
    as_str,
    class_xpath,
    dedupe,
    element_ancestors,
    first,
    listed,
    meta_tags,
    node_text,
    number_out_of_range,
    record_links,
    split_list,
    without_lone_surrogates,
    xpath_literal,
)
from ...core.urls import canonical_url, is_fetchable, post_id_from_path, section_from_path
from .byline import MONTH, Byline
from .dates import date_reader as site_date_reader

METADATA_XPATH = '//script[@id="tawsiyat-metadata"]/text()'
SUMMARY_CSS = "p.lg_para.summary"
BODY_CSS = "div.p-content"
# The metadata fields read as numbers (word_count, video_duration_seconds).
_METADATA_NUMBERS = ("word_count", "video_duration")
BODY_BLOCKS = {"p", "h2", "h3", "h4", "h5", "h6"}
CARD_DATE = re.compile(r"^\d{1,2}\s+" + MONTH + r"(?:\s+\d{4})?$")
CREDIT = re.compile(r"^(?P<caption>.*?)\s*\((?P<credit>[^()]*)\)\s*$", re.S)

_METADATA = etree.XPath(METADATA_XPATH, smart_strings=False)
_CRUMB_SEPARATORS = re.compile(r"\s*[›»]\s*")


class _SitePage(Page):
    """A page of this site: dates read as the site prints them."""

    date_reader = staticmethod(site_date_reader)


class HomePage(_SitePage):
    """The edition's home page: the menu and the ticker."""

    def menu(self) -> dict[str, str]:
        """Menu label -> absolute listing URL, for every known listing label found on the page."""
        wanted = {listing.label for listing in self.edition.listings}
        found: dict[str, str] = {}
        for a in self.sel.xpath("//a[@href]"):
            label = node_text(a)
            if label in wanted and label not in found and is_fetchable(a.attrib["href"]):
                found[label] = urljoin(self.url, a.attrib["href"].strip())
        return found


    def unknown_links(self) -> list[str]:
        """Links of the page (menus, footers, promos) that may be posts of a shape the edition
        does not list, outside the ticker and Most Read: counted, not followed."""
        taken = {line.url for line in self.ticker()} | {link.url for link in self.most_read()}
        return [u for u in self._unknown_among(BODY_ANCHORS(self.sel.root)) if u not in taken]

    def blocks_left_to_scripts(self) -> list[str]:
        """Blocks whose label is on the page but whose content is not (``breaking``,
        ``most_read``): filled in by JavaScript after load, so only a browser sees them."""
        empty = []
        if self._label_nodes("breaking") and not self.ticker():
            empty.append("breaking")
        if self._label_nodes("most_read") and not self.most_read():
            empty.append("most_read")
        return empty


class ListingPage(_SitePage):
    """A section or region listing: article cards, plus the page-wide Most Read block."""

    def has_load_more(self) -> bool:
        """Whether the page offers a "Load more" control (items filled in by JavaScript): by
        its label, or by one of the edition's classes for it (the label may differ)."""
        lit = xpath_literal(self.label("load_more"))
        found = self.sel.xpath(f"//body//*[self::button or self::a or @role='button'][normalize-space(.)={lit}]")
        return bool(found) or any(self.sel.xpath(class_xpath(c)) for c in self.edition.load_more_classes)

    def card_dates(self) -> list[str]:
        """Visible dates of the listing's cards ("14 Nov 2025"), in page order, Most Read excluded."""
        bodies = self.sel.root.xpath("//body")
        if not bodies:
            return []
        body = bodies[0]
        container = self._find_block("most_read")[0]
        most_read = set(container.iter()) if container is not None else set()
        dates = []
        for text in body.xpath(".//text()[not(ancestor::script)]"):
            # A tail text belongs to the parent of the element it follows.
            owner = text.getparent().getparent() if text.is_tail else text.getparent()
            if owner in most_read:
                continue
            text = normalise_text(text)
            if CARD_DATE.match(text):
                dates.append(text)
        return dates

    @functools.cached_property
    def _cards(self) -> tuple[list[PageLink], list[str]]:
        return self.card_links(exclude=self._find_block("most_read")[1])

    def article_links(self) -> list[PageLink]:
        """Links of the listing's cards, whatever their URL shape (Most Read apart)."""
        return list(self._cards[0])

    def unknown_links(self) -> list[str]:
        """Links elsewhere on the page (menus, footers) that may be posts of a shape the
        edition does not list: counted, not followed."""
        return list(self._cards[1])

    def next_page(self) -> Optional[str]:
        """The next, older page when the listing links it plainly (``rel=next``, ``?page=N+1``,
        a numbered pager); None when only "Load more" (or nothing) gives more."""
        return self.plain_next_page()


class ArticlePage(_SitePage):
    """An article page: one method per record field, the value with its source for a field
    read from several places; ``to_item`` assembles the record, or None for non-article pages."""

    def __init__(self, html: str, url: str, edition: Edition):
        super().__init__(html, url, edition)
        # Set when a metadata block exists but is not valid JSON (counted by the spider).
        self.metadata_invalid = False
        self.metadata = self._read_metadata()
        # A number no record may hold ("1e400", beyond int64) is read as missing, and flagged.
        if any(number_out_of_range(self.metadata.get(name)) for name in _METADATA_NUMBERS):
            self.metadata_invalid = True
        self.meta = meta_tags(self.sel.root)
        self.classes = self._read_classes()
        article = self.sel.css("article")
        self.scope = article[0] if article else self.sel

    # --- layer 1 and 2, read once -------------------------------------------------
    def _read_metadata(self) -> dict[str, Any]:
        found = _METADATA(self.sel.root)
        raw = found[0] if found else None
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            # RecursionError: absurdly nested JSON (hostile or broken); the meta tags and
            # the visible page still hold the article.
            self.metadata_invalid = True
            return {}
        data, had_surrogates = without_lone_surrogates(raw, data)
        if had_surrogates:  # a broken escape: the text is kept, with U+FFFD for it, and flagged
            self.metadata_invalid = True
        return data if isinstance(data, dict) else {}

    def _read_classes(self) -> dict[str, list[str]]:
        classes: dict[str, list[str]] = {}
        entries = self.metadata.get("classes")
        if not isinstance(entries, list):
            return classes
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            mapping, value = as_str(entry.get("mapping")), as_str(entry.get("value"))
            if mapping and value:
                classes.setdefault(mapping.lower(), [])
                if value not in classes[mapping.lower()]:
                    classes[mapping.lower()].append(value)
        return classes

    # --- checks ---------------------------------------------------------------------
    def body_shorter_than_word_count(self) -> bool:
        """Whether the body has fewer than half the words the metadata's word count gives.

        Only a flag: how the CMS counts words (captions, lists, embedded posts, Arabic
        tokens) is unknown, and complete pages this short were seen on the real site.
        """
        expected = as_int(self.metadata.get("word_count"))
        if not expected:
            return False
        return len(self.body.split()) < expected * 0.5

    def page_type(self) -> Optional[str]:
        """The metadata ``type`` (``article``, ``videoobject``, ``page``, ...), lower-case, or None
        without one."""
        page_type = as_str(self.metadata.get("type"))
        return page_type.lower() if page_type else None

    def not_post_reason(self) -> Optional[str]:
        """Why this page is not a post, or None when it is one. The page decides, not its URL:
        with a metadata block, any type but the edition's non-post types (``page``) and any
        post type but its non-post ones ("Pages") is a post, a type never seen before
        included; without a block, a page with a title and a machine date, a post id or a
        byline date is one."""
        edition = self.edition
        if self.metadata:
            if self.page_type() in edition.non_post_types:
                return f"type_{self.page_type()}"
            if self.post_type() in edition.non_post_post_types:
                return "post_type"
            return None if self.title()[0] is not None else "no_title"
        if self.title()[0] is None:
            return "no_title"
        if self.meta.get("article:published_time") or self.post_id()[0] is not None or self._visible_date():
            return None
        return "no_date_or_id"

    def is_article(self) -> bool:
        """Whether this page is a post (``not_post_reason`` says why not)."""
        return self.not_post_reason() is None

    # --- the byline (byline.py) ----------------------------------------------------------
    @functools.cached_property
    def byline(self) -> Byline:
        """The byline: author names, "Source:" value and visible date."""
        return Byline(self.scope, self.labels)

    def _visible_date(self) -> Optional[str]:
        """The date in the byline, else the first date with a time in the article."""
        return self.byline.date()

    def read_time_minutes(self) -> Optional[int]:
        """The reading time: "5 Min Read" gives 5."""
        min_read = self.labels.get("min_read")
        if not min_read:
            return None  # the edition prints no reading time (Spanish): null, not a guess
        pattern = re.compile(r"(\d+)\s*" + re.escape(min_read), re.I)
        # The first text node holding "<n> Min Read": one search over the nodes joined by
        # NUL, which no part of the pattern matches, so no match spans two nodes and the
        # first match is the one a node-by-node search finds first.
        match = pattern.search("\x00".join(ALL_TEXT_NODES(self.scope.root)))
        if match:
            return as_int(match.group(1))  # None for 20 digits (beyond int64), never raises
        # Number and label may sit in separate elements ("<span>5</span> Min Read").
        match = pattern.search(node_text(self.scope))
        return as_int(match.group(1)) if match else None

    @functools.cached_property
    def _body_containers(self):
        return self.scope.css(BODY_CSS)

    @functools.cached_property
    def body(self) -> str:
        """Paragraphs and sub-headings of the body container, joined by a blank line."""
        containers = self._body_containers
        if not containers:
            return ""
        root = containers[0].root
        paragraphs = self._paragraphs(CHILD_ELEMENTS(root))
        if not paragraphs:
            # Paragraphs wrapped in an inner element (a layout div): the blocks anywhere
            # under the container, outside figures and link boxes, rather than no body.
            paragraphs = self._paragraphs(NESTED_BLOCKS(root))
        return "\n\n".join(paragraphs)

    def _paragraphs(self, elements: Iterable) -> list[str]:
        read_more = self.label("read_more")
        related = self.label("related")
        paragraphs = []
        for child in elements:
            tag = child.tag.lower() if isinstance(child.tag, str) else ""  # name() of an HTML element
            if tag not in BODY_BLOCKS:
                continue
            text = node_text(child)
            if not text or text.startswith(read_more) or text == related:
                continue
            paragraphs.append(text)
        return paragraphs

    @functools.cached_property
    def breadcrumb(self) -> list[str]:
        """The breadcrumb's items after the home item ("Inicio › Noticias › Cultura" gives
        ["Noticias", "Cultura"]), the page title left out; [] when the edition has no home
        label or the page no breadcrumb. Found by the home label and its separators, as
        its class is unknown."""
        home = self.labels.get("home")
        if not home:
            return []
        title = self.title()[0]
        for node in self.sel.root.xpath("//body//*[not(self::script)][normalize-space(text())=$home]", home=home):
            for current in element_ancestors(node, 3):
                # Separators printed as text ("›"), or drawn by CSS: then each item is a node.
                nodes = [normalise_text(t) for t in TEXT_NODES(current)]
                items = [normalise_text(i) for t in nodes for i in _CRUMB_SEPARATORS.split(t)]
                items = [i for i in items if i]
                if len(items) < 2 or items[0] != home:
                    continue
                if len(items) > 6:
                    break  # the menu, not a breadcrumb
                items = items[1:]
                if items and items[-1] == title:
                    items = items[:-1]
                return items
        return []

    def images(self) -> list[Image]:
        images = []
        seen = set()
        for figure in FIGURES(self.scope.root):
            src = next(iter(IMG_SRC(figure)), None) or next(iter(IMG_DATA_SRC(figure)), None)
            if not src or not is_fetchable(src):
                continue
            url = urljoin(self.url, src.strip())
            if url in seen:
                continue
            seen.add(url)
            caption_sel = FIGCAPTIONS(figure)
            caption = node_text(caption_sel[0]) if caption_sel else ""
            credit = None
            match = CREDIT.match(caption)
            if match:
                caption, credit = match.group("caption").strip(), normalise_text(match.group("credit")) or None
            images.append(Image(url=url, caption=caption or None, credit=credit))
        return images

    def _tag_links(self) -> list[str]:
        # Inline links in the body may point at tag pages too; only the tag list counts.
        anchors = self.scope.xpath(
            ".//a[contains(@href, '/tags/')]"
            "[not(ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' p-content ')])]"
        )
        return dedupe(t for t in (node_text(a) for a in anchors) if t)

    def unknown_links(self) -> list[str]:
        """Links in the body that may be posts of a shape the edition does not list (inline
        links are followed by shape): counted, not followed. Link blocks are taken whatever
        their shape, so their links are not among these."""
        blocks = {link.url for link in [*self.related(), *self.read_next(), *self.most_read()]}
        anchors = [a for c in self._body_containers for a in ANCHORS(c.root)]
        return [u for u in self._unknown_among(anchors) if u not in blocks]

    def body_links(self) -> list[PageLink]:
        """Article links inside the body (Related box, "Read more:" promos, inline links)."""
        return self._links([a for c in self._body_containers for a in ANCHORS(c.root)], RELATED)

    def followable_links(self) -> list[PageLink]:
        """Every article link worth following from this page, each tagged with its block."""
        links: dict[str, PageLink] = {}
        for link in [*self.related(), *self.body_links(), *self.read_next(), *self.most_read()]:
            links.setdefault(link.url, link)
        return list(links.values())


    # --- fields: (value, source) for a field with several sources, most stable first ------
    @functools.cached_property
    def canonical(self) -> tuple[str, Optional[str]]:
        """The canonical URL in its normal form; the fetched URL's when the page names none
        (read again by the post id, section and body-empty rules)."""
        value, source = first(
            ("metadata", lambda: as_str(self.metadata.get("url"))),
            ("meta", lambda: self.sel.xpath('//link[@rel="canonical"]/@href').get() or self.meta.get("og:url")),
        )
        if value and is_fetchable(value):
            return canonical_url(urljoin(self.url, value), self.edition), source
        return canonical_url(self.url, self.edition), "url"

    @functools.cached_property
    def _canonical_path(self) -> str:
        return self.canonical[0].split(self.edition.host, 1)[1]

    def post_id(self) -> tuple[Optional[str], Optional[str]]:
        return first(
            ("metadata", lambda: as_str(self.metadata.get("postid"))),
            ("meta", lambda: self.meta.get("postid")),
            ("url", lambda: post_id_from_path(self._canonical_path, self.edition)),
        )

    def language(self) -> tuple[str, Optional[str]]:
        """The page's language, else the edition's (then without a source)."""
        value, source = first(
            ("metadata", lambda: as_str(self.metadata.get("lang"))),
            ("html", lambda: as_str(self.sel.xpath("/html/@lang").get())),
        )
        return value or self.edition.language, source

    def section(self) -> tuple[Optional[str], Optional[str]]:
        # The breadcrumb before the URL: the two can disagree (Spanish pages), and the
        # breadcrumb is what the site shows the reader.
        return first(
            ("metadata", lambda: self._class("category")),
            ("html", lambda: self.breadcrumb[-1] if self.breadcrumb else None),
            ("url", lambda: section_from_path(self._canonical_path, self.edition)),
        )

    def title(self) -> tuple[Optional[str], Optional[str]]:
        return first(
            ("metadata", lambda: as_str(self.metadata.get("title"))),
            ("meta", lambda: self.meta.get("og:title")),
            ("html", lambda: self._headline),
        )

    @functools.cached_property
    def _headline(self) -> Optional[str]:
        # Asked by is_article, the breadcrumb and to_item when the page has no title elsewhere.
        headings = self.scope.css("h1")
        return node_text(headings[0]) if headings else None

    def summary(self) -> tuple[Optional[str], Optional[str]]:
        return first(
            ("html", self._standfirst),
            ("metadata", lambda: as_str(self.metadata.get("description"))),
            ("meta", lambda: self.meta.get("description") or self.meta.get("og:description")),
        )

    def _standfirst(self) -> Optional[str]:
        nodes = self.scope.css(SUMMARY_CSS)
        return node_text(nodes[0]) if nodes else None

    def authors(self) -> tuple[list[str], Optional[str]]:
        value, source = first(
            ("metadata", lambda: self.classes.get("author", [])),
            ("text", self.byline.names),
            ("metadata", lambda: listed(as_str(self.metadata.get("author")))),
            ("meta", lambda: listed(self.meta.get("author"))),
        )
        return value or [], source

    def published_at_raw(self) -> tuple[Optional[str], Optional[str]]:
        """The publication date as found: machine dates first, else the visible one."""
        return first(
            ("metadata", lambda: as_str(self.metadata.get("published_time"))),
            ("meta", lambda: self.meta.get("article:published_time")),
            ("text", self._visible_date),
        )

    def modified_at_raw(self) -> tuple[Optional[str], Optional[str]]:
        return first(
            ("metadata", lambda: as_str(self.metadata.get("last_updated"))),
            ("meta", lambda: self.meta.get("article:modified_time")),
        )

    def tags(self) -> tuple[list[str], Optional[str]]:
        value, source = first(
            ("metadata", lambda: split_list(as_str(self.metadata.get("keywords")))),
            ("meta", lambda: split_list(self.meta.get("keywords"))),
            ("html", self._tag_links),
        )
        return value or [], source

    def video_duration_seconds(self) -> tuple[Optional[int], Optional[str]]:
        return first(
            ("metadata", lambda: as_int(self.metadata.get("video_duration"))),
            ("meta", lambda: as_int(self.meta.get("og:video_duration"))),
        )

    # --- fields with one source --------------------------------------------------------
    def _class(self, mapping: str) -> Optional[str]:
        """The first metadata class of a mapping (``category``, ``posttype``), or None."""
        values = self.classes.get(mapping)
        return values[0] if values else None

    def post_type(self) -> Optional[str]:
        return self._class("posttype")

    def source(self) -> Optional[str]:
        """The byline's "Source:" value."""
        return self.byline.source()

    def word_count(self) -> Optional[int]:
        return as_int(self.metadata.get("word_count"))

    def flags(self, sources: dict[str, str]) -> list[str]:
        """What looked odd on this page, in the order ``Article.flags`` lists them (the
        spider puts ``closing_markup_missing`` first when the page came cut short)."""
        flags = []
        if self.metadata_invalid:
            flags.append("metadata_invalid")
        if self._body_missing():
            flags.append("body_empty")
        elif self._expects_body() and self.body_shorter_than_word_count():
            flags.append("body_shorter_than_word_count")
        if sources.get("published_at") == "text":
            flags.append("date_from_visible_text")
        if sources.get("authors") in ("metadata", "meta") and not self.classes.get("author"):
            flags.append("authors_from_metadata_only")
        return flags

    def _expects_body(self) -> bool:
        """A text post: not a video or newscast (by post type, URL root or metadata type)."""
        return self.edition.expects_body(self.post_type(), self._canonical_path, self.page_type())

    def _body_missing(self) -> bool:
        """A text post (no word count of 0) without body text."""
        return not self.body and self._expects_body() and self.word_count() != 0

    # --- the record -------------------------------------------------------------------
    def to_item(self, *, discovered_via: str, crawled_at: str, now: Optional[datetime] = None) -> Optional[Article]:
        """The record for this page, or None when it is not an article.

        ``now`` is the crawl's "now": year-less and relative dates are read against it. A date
        that cannot be read, or a publication date after it, is left null (``published_at_raw``
        keeps the text) with the reason noted for ValidatePipeline (``date_problems``). A
        complete page is never refused for looking odd: what looked odd goes into ``flags``
        (documented in ``newscrawl.core.items.Article``)."""
        if not self.is_article():
            return None
        # The contract's default (ArticlePageContract): a caller without a crawl reads against the clock.
        now = now if now is not None else utc_now()
        # One (value, source) per field, each value of its field's own type.
        found: dict[str, tuple[Any, Optional[str]]] = {
            "canonical_url": self.canonical,
            "post_id": self.post_id(),
            "language": self.language(),
            "section": self.section(),
            "title": self.title(),
            "summary": self.summary(),
            "authors": self.authors(),
            "published_at": self.published_at_raw(),
            "modified_at": self.modified_at_raw(),
            "tags": self.tags(),
            "video_duration_seconds": self.video_duration_seconds(),
        }
        value = {name: v for name, (v, _) in found.items()}
        sources = {name: source for name, (_, source) in found.items() if source is not None}
        published, published_problem = self.dates.published(value["published_at"], now)
        modified, modified_problem = self.dates.modified(value["modified_at"], now)
        item = Article(
            url=self.url,
            canonical_url=value["canonical_url"],
            post_id=value["post_id"],
            edition=self.edition.code,
            language=value["language"],
            post_type=self.post_type(),
            section=value["section"],
            regions=self.classes.get("country", []),
            coverage=self.classes.get("coverage", []),
            title=value["title"],
            summary=value["summary"],
            authors=value["authors"],
            source=self.source(),
            # Null until ValidatePipeline drops it (its reason noted below); Article types the kept record.
            published_at=published,  # type: ignore[arg-type]  # items.Article.published_at is str
            published_at_raw=value["published_at"],
            modified_at=modified,
            read_time_minutes=self.read_time_minutes(),
            word_count=self.word_count(),
            tags=value["tags"],
            body=self.body,
            images=self.images(),
            video_duration_seconds=value["video_duration_seconds"],
            related=record_links(self.related(), self.edition),
            read_next=record_links(self.read_next(), self.edition),
            content_hash=content_hash(value["title"], self.body),
            extracted_from=sources,
            discovered_via=discovered_via,
            crawled_at=crawled_at,
            flags=self.flags(sources),
        )
        problems = {"published_at": published_problem, "modified_at": modified_problem}
        note_date_problems(item, {name: why for name, why in problems.items() if why})
        return item
