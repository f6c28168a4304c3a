"""What every page parser of this CMS shares, whatever the site: one parsel Selector per page,
text as the page spaces it, visible-label lookups, link blocks found by their label, candidate
values with their source, and the encoding and completeness checks of a fetched page.

An outlet's page classes (``newscrawl/outlets/<name>/pages.py``) hold only its selectors,
labels and field rules.
No Scrapy import beyond parsel, so scripts and tests can use it.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional
from urllib.parse import urljoin, urlsplit

from lxml import etree
from parsel import Selector

from .dates import DateReader
from .editions import Edition
from .items import Link, normalise_text
from .urls import canonical_url, is_article_path, is_fetchable

# Link kinds, as written in Article.discovered_via.
RELATED, READ_NEXT, MOST_READ = "related", "read_next", "most_read"


# The queries run on every article page (text of every link title, heading and paragraph,
# link blocks, metadata, meta tags, body children, read time, figures), compiled once and
# run on the lxml node: each is the expression parsel was given, without parsel's per-call
# evaluator and result wrapping (which cost more than the queries themselves).
_TEXT_NODES = etree.XPath(".//text()[not(ancestor::script) and not(ancestor::style)]", smart_strings=False)
_ALL_TEXT_NODES = etree.XPath(".//text()", smart_strings=False)
_ANCHORS = etree.XPath(".//a[@href]")
_BODY_ANCHORS = etree.XPath("//body//a[@href]")
_LABEL_NODES = etree.XPath("//body//*[not(self::script)][normalize-space(text())=$label]")
# The three block labels of an article page in one scan of the body, not three. The same
# nodes: "//body//*" is "/descendant::body/descendant::*", and [text()] only skips elements
# whose normalize-space(text()) is "", which no non-blank label equals.
_BLOCK_LABELS = ("related", "read_next", "most_read")
_BLOCK_LABEL_NODES = etree.XPath(
    "/descendant::body/descendant::*[text()][not(self::script)]"
    "[normalize-space(text())=$a or normalize-space(text())=$b or normalize-space(text())=$c]"
)
_OWN_TEXT = etree.XPath("normalize-space(text())")
_META_TAGS = etree.XPath("//meta[@content]")
_CHILD_ELEMENTS = etree.XPath("./*")
_FIGURES = etree.XPath(".//figure")
_IMG_SRC = etree.XPath(".//img/@src", smart_strings=False)
_IMG_DATA_SRC = etree.XPath(".//img/@data-src", smart_strings=False)
_FIGCAPTIONS = etree.XPath(".//figcaption")
# Blocks under the body container, wherever they sit, but not inside another block, a
# figure or a box of links.
_NESTED_BLOCKS = etree.XPath(
    ".//*[self::p or self::h2 or self::h3 or self::h4 or self::h5 or self::h6]"
    "[not(ancestor::figure)][not(ancestor::ul)][not(ancestor::p)]"
)
Node = Any  # a parsel Selector or the lxml element it wraps


def _node(node: Node):
    """The lxml element of a Selector (or the element itself)."""
    return node.root if isinstance(node, Selector) else node


def _text(selector: Node) -> str:
    """All text under a node, as the page spaces it, whitespace collapsed.

    Joining text nodes without adding separators keeps "<a>Gaza</a>'s" as one word
    and "word <a>link</a>" with its space (gluing words is a known bug elsewhere).
    """
    return normalise_text("".join(_TEXT_NODES(_node(selector))))


def _spaced_text(selector: Selector) -> str:
    """Text under a node with a space between text nodes: for bylines and labels, where
    list items or spans sit side by side without whitespace ("By X</li><li>9 Oct")."""
    return normalise_text(" ".join(selector.xpath(".//text()[not(ancestor::script)]").getall()))


def class_xpath(name: str) -> str:
    """XPath for the body elements carrying a class (a whole word of @class)."""
    return f"//body//*[contains(concat(' ', normalize-space(@class), ' '), {_literal(' ' + name + ' ')})]"


def _ancestors(node: Selector, levels: int) -> Iterable[Selector]:
    """The node's parent, grandparent, ... up to ``levels`` of them (labels sit a few levels
    below the block they head; the class names in between are unknown)."""
    current = node
    for _ in range(levels):
        parents = current.xpath("..")
        if not parents:
            return
        current = parents[0]
        yield current


def _element_ancestors(element, levels: int):
    """``_ancestors`` for an lxml element (``..`` of the root element is nothing, as there)."""
    for _ in range(levels):
        element = element.getparent()
        if element is None:
            return
        yield element


def _xpath_space(text: str) -> str:
    """XPath's normalize-space(): only space, tab, CR and LF count as whitespace."""
    return " ".join(w for w in text.replace("\t", " ").replace("\r", " ").replace("\n", " ").split(" ") if w)


def _literal(text: str) -> str:
    """An XPath string literal for any text (labels may contain quotes in translations)."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat('" + "', \"'\", '".join(text.split("'")) + "')"


def _as_str(value: Any) -> Optional[str]:
    """A trimmed string from a metadata value of any type, or None when empty or not scalar."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        value = str(int(value)) if float(value).is_integer() else str(value)
    if not isinstance(value, str):
        return None
    if "&" in value:
        # The CMS may store HTML-escaped text in its JSON; decode one level, as a browser would.
        value = html.unescape(value)
    value = normalise_text(value)
    return value or None


def _as_int(value: Any) -> Optional[int]:
    text = _as_str(value)
    if text is None:
        return None
    try:
        number = int(float(text))
    except ValueError:
        return None
    return number if number >= 0 else None


def _split_list(text: Optional[str]) -> list[str]:
    """Comma-separated keywords, trimmed, in order, without duplicates or empties."""
    if not text:
        return []
    return _dedupe(part for part in (normalise_text(p) for p in text.split(",")) if part)


def listed(value: Optional[str]) -> list[str]:
    """A one-item list of a value, or [] when there is none (a single author string, say)."""
    return [value] if value else []


def meta_tags(root) -> dict[str, str]:
    """The page's ``<meta>`` tags: lower-case name or property -> content, the first of each
    name, empty ones left out."""
    tags: dict[str, str] = {}
    for m in _META_TAGS(root):
        key = (m.get("name") or m.get("property") or "").strip().lower()
        if key and key not in tags:
            value = normalise_text(m.get("content"))
            if value:
                tags[key] = value
    return tags


def _dedupe(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for value in values:
        if value not in seen:
            seen.add(value)
            out.append(value)
    return out


_ARABIC = re.compile(r"[\u0600-\u06ff]")


def page_text(body: bytes, declared: Optional[str], guessed: str) -> str:
    """The page as text. A declared encoding is trusted; an undeclared page is read as
    UTF-8 when it is valid UTF-8, and as windows-1256 when that turns its non-ASCII
    bytes into Arabic (old Arabic pages); otherwise Scrapy's guess (``guessed``) stands.
    """
    if declared:
        return body.decode(declared, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    arabic = body.decode("cp1256", errors="replace")
    letters = [c for c in arabic if ord(c) > 127 and c.isalpha()]
    if letters and sum(1 for c in letters if _ARABIC.match(c)) / len(letters) >= 0.6:
        return arabic
    return guessed


def looks_complete(body: bytes) -> bool:
    """Whether an HTML page arrived whole: its closing </html> is there, near the end.

    A response cut short with a correct Content-Length passes every HTTP check; only
    the markup tells.
    """
    return b"</html>" in body[-4096:].lower()


def first(*candidates: tuple[str, Callable[[], Any]]) -> tuple[Any, Optional[str]]:
    """The first non-empty value among the candidates, with its source name: each candidate
    is (source, callable), called in order and only until one gives a value, so a fallback
    costs nothing when it is not needed. (None, None) when every one is empty."""
    for source, compute in candidates:
        value = compute()
        if value not in (None, "", []):
            return value, source
    return None, None


def record_links(links: Iterable[PageLink], edition: Edition) -> list[Link]:
    """Page links as a record lists them: canonical URL and title."""
    return [Link(canonical_url(l.url, edition), l.title) for l in links]


@dataclass
class PageLink:
    """An article-shaped link found on a page, with the block it sits in."""

    url: str
    """Absolute URL as linked (resolved against the page URL)."""
    kind: str
    """``related``, ``read_next``, ``most_read`` or ``listing``."""
    title: str


class _Page:
    """What every page of the site shares: one Selector, label lookups, article links."""

    def __init__(self, html: str, url: str, edition: Edition):
        self.url = url
        self.edition = edition
        self.sel = Selector(text=html)
        self.labels = edition.labels
        # Per-page memos: a page is read by several callers (to_item and followable_links
        # both want the Related and Read Next blocks, Most Read is asked for twice on
        # listings), and the same hrefs recur (a card links its image and its headline).
        self._href_article_url: dict[str, Optional[str]] = {}
        self._blocks: dict[str, list[PageLink]] = {}

    @staticmethod
    def date_reader(edition: Edition) -> DateReader:
        """The outlet's reader of an edition's dates; an outlet's page classes name their own.
        This one reads ISO 8601 and, through dateparser, the edition's language."""
        return DateReader(edition.time_zone, languages=[edition.language])

    @functools.cached_property
    def dates(self) -> DateReader:
        """How this page's edition prints dates (the spider reads listing card dates with it)."""
        return self.date_reader(self.edition)

    @functools.cached_property
    def _block_label_nodes(self) -> dict[str, list]:
        """Label text -> its elements, for the three block labels, found in one scan."""
        texts = [self.labels[key] for key in _BLOCK_LABELS]
        if all(_xpath_space(t) for t in texts):
            found = _BLOCK_LABEL_NODES(self.sel.root, a=texts[0], b=texts[1], c=texts[2])
            return {t: [n for n in found if _OWN_TEXT(n) == t] for t in texts}
        return {t: _LABEL_NODES(self.sel.root, label=t) for t in texts}

    def _label_nodes(self, label: str) -> list:
        """Elements whose own text is exactly the label (e.g. a "Read Next" heading), as lxml
        elements. The label goes in as an XPath variable: any text, quotes included."""
        if label not in _BLOCK_LABELS:
            return _LABEL_NODES(self.sel.root, label=self.labels[label])
        return list(self._block_label_nodes[self.labels[label]])

    def _find_block(self, label: str):
        """The block a label heads (the nearest ancestor of the label holding article links)
        and its anchors with an href, as lxml elements; (None, []) when there is none."""
        for node in self._label_nodes(label):
            for current in _element_ancestors(node, 4):
                anchors = _ANCHORS(current)
                if any(self._is_article_href(a.get("href")) for a in anchors):
                    return current, anchors
        return None, []

    def _block_container(self, label: str) -> Optional[Selector]:
        """The block a label heads: the nearest ancestor of the label holding article links."""
        container, _ = self._find_block(label)
        return None if container is None else Selector(root=container)

    def _block_links(self, label: str) -> list:
        """Article links of the block a label heads (lxml elements)."""
        _, anchors = self._find_block(label)
        return [a for a in anchors if self._is_article_href(a.get("href"))]

    def _article_url(self, href: str) -> Optional[str]:
        """``urljoin(page URL, href.strip())`` when the href is an article link, else None."""
        try:
            return self._href_article_url[href]
        except KeyError:
            url = None
            if is_fetchable(href):
                joined = urljoin(self.url, href.strip())
                if is_article_path(urlsplit(joined).path, self.edition):
                    url = joined
            self._href_article_url[href] = url
            return url

    def _is_article_href(self, href: str) -> bool:
        return self._article_url(href) is not None

    def _block(self, label: str, kind: str) -> list[PageLink]:
        """The links of the block a label heads, found once per page (a fresh list each call)."""
        links = self._blocks.get(label)
        if links is None:
            links = self._blocks[label] = self._links(self._block_links(label), kind)
        return list(links)

    def _links(self, anchors: Iterable[Node], kind: str) -> list[PageLink]:
        by_url: dict[str, PageLink] = {}
        for a in anchors:
            href = _node(a).get("href", "").strip()
            url = self._article_url(href)  # urljoin(self.url, href): href is stripped already
            if url is None:
                continue
            title = _text(a)
            link = by_url.get(url)
            if link is None:
                by_url[url] = PageLink(url, kind, title)
            elif not link.title and title:
                # Cards often link the image and the headline separately.
                link.title = title
        return list(by_url.values())

    def related(self) -> list[PageLink]:
        """Links of the "Related News" box."""
        return self._block("related", RELATED)

    def read_next(self) -> list[PageLink]:
        return self._block("read_next", READ_NEXT)

    def most_read(self) -> list[PageLink]:
        return self._block("most_read", MOST_READ)

    def ticker(self) -> list[str]:
        """The BREAKING ticker lines: the list items next to the label."""
        for node in self._label_nodes("breaking"):
            for current in _element_ancestors(node, 3):
                # Ticker lines carry no links; list items with links are the menu
                # (reached when the ticker list is empty, e.g. filled in by JavaScript).
                items = [_text(li) for li in current.xpath(".//li[not(.//a)]")]
                items = [i for i in items if i]
                if items:
                    return _dedupe(items)
        return []
