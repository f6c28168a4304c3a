"""What every page parser of this CMS shares, whatever the site: one parsel Selector per page,
text as the page spaces it, visible-label lookups, link blocks found by their label, candidate
values with their source, and the encoding and completeness checks of a fetched page.

An outlet's page classes (``newscrawl/outlets/<name>/pages.py``) hold only its selectors,
labels and field rules.
No Scrapy import beyond parsel, so scripts and tests can use it.

``__all__`` is what an outlet may use (the outlet contract, docs/adding-an-outlet.md); the names
with a leading underscore may change without notice.
"""

from __future__ import annotations

import enum
import functools
import html
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Final, Iterable, Optional, TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree
from parsel import Selector

from .dates import DateReader
from .editions import Edition
from .items import Link, normalise_text
from .records import LONE_SURROGATE
from .urls import canonical_url, could_be_post, is_article_path, is_fetchable

__all__ = [
    # the base page class and what it returns
    "Page", "PageLink", "TickerLine", "RELATED", "READ_NEXT", "MOST_READ", "TICKER",
    # compiled queries an outlet's selectors build on
    "TEXT_NODES", "ALL_TEXT_NODES", "ANCHORS", "BODY_ANCHORS", "OWN_TEXT", "CHILD_ELEMENTS", "FIGURES",
    "IMG_SRC", "IMG_DATA_SRC", "FIGCAPTIONS", "NESTED_BLOCKS", "class_xpath", "xpath_literal",
    # text and values of nodes and metadata
    "Node", "node_text", "spaced_text", "ancestors", "element_ancestors", "as_str", "as_int",
    "number_out_of_range", "without_lone_surrogates", "split_list", "listed", "dedupe", "first", "meta_tags",
    "record_links",
    # the fetched page as a whole
    "page_text", "looks_complete",
]

# Link kinds, as written in Article.discovered_via.
RELATED, READ_NEXT, MOST_READ, TICKER = "related", "read_next", "most_read", "ticker"


# The queries run on every article page (text of every link title, heading and paragraph,
# link blocks, metadata, meta tags, body children, read time, figures), compiled once and
# run on the lxml node: each is the expression parsel was given, without parsel's per-call
# evaluator and result wrapping (which cost more than the queries themselves).
TEXT_NODES = etree.XPath(".//text()[not(ancestor::script) and not(ancestor::style)]", smart_strings=False)
ALL_TEXT_NODES = etree.XPath(".//text()", smart_strings=False)
ANCHORS = etree.XPath(".//a[@href]")
BODY_ANCHORS = etree.XPath("//body//a[@href]")
# Links outside the page's menus and footers: where listing cards are.
_CONTENT_ANCHORS = etree.XPath(
    "//body//a[@href][not(ancestor::header or ancestor::nav or ancestor::footer or ancestor::*[@role='navigation'])]"
)
_HEADINGS = "self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6"
# A headline link: a heading inside the link, or the link inside a heading.
_IS_HEADLINE = etree.XPath(f"boolean(descendant::*[{_HEADINGS}] or ancestor::*[{_HEADINGS}])")
_LIST_ITEMS = etree.XPath(".//li")
_LABEL_NODES = etree.XPath("//body//*[not(self::script)][normalize-space(text())=$label]")
# The three block labels of an article page in one scan of the body, not three. The same
# nodes: "//body//*" is "/descendant::body/descendant::*", and [text()] only skips elements
# whose normalize-space(text()) is "", which no non-blank label equals.
_BLOCK_LABELS = ("related", "read_next", "most_read")
_BLOCK_LABEL_NODES = etree.XPath(
    "/descendant::body/descendant::*[text()][not(self::script)]"
    "[normalize-space(text())=$a or normalize-space(text())=$b or normalize-space(text())=$c]"
)
OWN_TEXT = etree.XPath("normalize-space(text())")
_META_TAGS = etree.XPath("//meta[@content]")
CHILD_ELEMENTS = etree.XPath("./*")
FIGURES = etree.XPath(".//figure")
IMG_SRC = etree.XPath(".//img/@src", smart_strings=False)
IMG_DATA_SRC = etree.XPath(".//img/@data-src", smart_strings=False)
FIGCAPTIONS = etree.XPath(".//figcaption")
# Blocks under the body container, wherever they sit, but not inside another block, a
# figure or a box of links.
NESTED_BLOCKS = etree.XPath(
    ".//*[self::p or self::h2 or self::h3 or self::h4 or self::h5 or self::h6]"
    "[not(ancestor::figure)][not(ancestor::ul)][not(ancestor::p)]"
)
Node = Any  # a parsel Selector or the lxml element it wraps


def _node(node: Node):
    """The lxml element of a Selector (or the element itself)."""
    return node.root if isinstance(node, Selector) else node


def node_text(selector: Node) -> str:
    """All text under a node, as the page spaces it, whitespace collapsed.

    Joining text nodes without adding separators keeps "<a>Gaza</a>'s" as one word
    and "word <a>link</a>" with its space (gluing words is a known bug elsewhere).
    """
    return normalise_text("".join(TEXT_NODES(_node(selector))))


def spaced_text(selector: Selector) -> str:
    """Text under a node with a space between text nodes: for bylines and labels, where
    list items or spans sit side by side without whitespace ("By X</li><li>9 Oct")."""
    return normalise_text(" ".join(selector.xpath(".//text()[not(ancestor::script)]").getall()))


_T = TypeVar("_T")


class _Unknown(enum.Enum):
    """Not in a memo yet (None is a remembered answer: not a post)."""

    TOKEN = 0


_UNKNOWN: Final = _Unknown.TOKEN


def _page_independent(href: str) -> bool:
    """Whether an href resolves the same on every page of one origin (an absolute URL or an
    absolute path), so that what it was classified as on one page holds on the next."""
    return href.startswith(("/", "http://", "https://", "HTTP://", "HTTPS://"))


class _CrawlMemo:
    """What page-independent hrefs of one edition and origin were classified as, kept across
    the pages of a crawl: every article page repeats the menus, "Most Read" and the footer,
    whose hrefs were joined and judged a page before (docs/benchmarks.md section 8d).
    Bounded: emptied when it holds ``LIMIT`` hrefs."""

    LIMIT = 50_000

    def __init__(self) -> None:
        self.post_url: dict[str, Optional[str]] = {}
        self.article_url: dict[str, Optional[str]] = {}

    def remember(self, memo: dict[str, Optional[str]], href: str, url: Optional[str]) -> None:
        if len(memo) >= self.LIMIT:
            memo.clear()
        memo[href] = url


# (id(edition), origin) -> (edition, memo); the edition is held so that its id is not reused.
_CRAWL_MEMOS: dict[tuple[int, str], tuple[object, _CrawlMemo]] = {}


def _crawl_memo(edition, origin: str) -> _CrawlMemo:
    key = (id(edition), origin)
    entry = _CRAWL_MEMOS.get(key)
    if entry is None or entry[0] is not edition:
        if len(_CRAWL_MEMOS) >= 64:  # a process that builds many editions (the tests)
            _CRAWL_MEMOS.clear()
        entry = _CRAWL_MEMOS[key] = (edition, _CrawlMemo())
    return entry[1]


def class_xpath(name: str) -> str:
    """XPath for the body elements carrying a class (a whole word of @class)."""
    return f"//body//*[contains(concat(' ', normalize-space(@class), ' '), {xpath_literal(' ' + name + ' ')})]"


def ancestors(node: Selector, levels: int) -> Iterable[Selector]:
    """The node's parent, grandparent, ... up to ``levels`` of them (labels sit a few levels
    below the block they head; the class names in between are unknown)."""
    current = node
    for _ in range(levels):
        parents = current.xpath("..")
        if not parents:
            return
        current = parents[0]
        yield current


def element_ancestors(element, levels: int):
    """``ancestors`` for an lxml element (``..`` of the root element is nothing, as there)."""
    for _ in range(levels):
        element = element.getparent()
        if element is None:
            return
        yield element


def _xpath_space(text: str) -> str:
    """XPath's normalize-space(): only space, tab, CR and LF count as whitespace."""
    return " ".join(w for w in text.replace("\t", " ").replace("\r", " ").replace("\n", " ").split(" ") if w)


def xpath_literal(text: str) -> str:
    """An XPath string literal for any text (labels may contain quotes in translations)."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat('" + "', \"'\", '".join(text.split("'")) + "')"


# The item's integers are int64 (what the dataset's Arrow reader takes: records.check).
_INT64_MAX = (1 << 63) - 1


def as_str(value: Any) -> Optional[str]:
    """A trimmed string from a metadata value of any type, or None when empty or not scalar."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        value = str(value)
    elif isinstance(value, float):
        # json.loads reads 1e400 as inf and takes NaN: not a number any field can hold.
        if not math.isfinite(value):
            return None
        value = str(int(value)) if value.is_integer() else str(value)
    if not isinstance(value, str):
        return None
    if "&" in value:
        # The CMS may store HTML-escaped text in its JSON; decode one level, as a browser would.
        value = html.unescape(value)
    value = normalise_text(value)
    return value or None


def _read_number(value: Any) -> tuple[Optional[int], bool]:
    """(the whole number a metadata value gives, or None; whether it gave a number that no
    record may hold: not finite, or beyond int64). Never raises."""
    text = as_str(value)
    if text is None:
        return None, isinstance(value, float)  # a float gives text unless it is inf or NaN
    try:
        number = int(text)  # exact: a float would round 9223372036854775807 up past int64
    except ValueError:
        try:
            real = float(text)
        except ValueError:
            return None, False  # not a number: unreadable, as any other text
        if not math.isfinite(real):  # "1e400", "inf", "nan"
            return None, True
        number = int(real)
    if number > _INT64_MAX:  # "1e30": a Python int, but no dataset reader takes it
        return None, True
    return number, False


def as_int(value: Any) -> Optional[int]:
    """A non-negative whole number from a metadata value (``5``, ``"5"``, ``"5.0"``), or None:
    for text that is no number, a negative one, and one no record may hold (not finite,
    beyond int64: :func:`number_out_of_range` tells those apart). Never raises."""
    number = _read_number(value)[0]
    return number if number is not None and number >= 0 else None


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abAB]|\\u[dD][c-fC-F]")


def without_lone_surrogates(raw: str, data: Any) -> tuple[Any, bool]:
    """``data`` (``json.loads(raw)``) with every lone surrogate in its strings (keys too) made
    U+FFFD, and whether there was one. JSON's ``\\ud800`` escapes are the only way one gets
    into a page's text (the HTML is decoded with replacement): left in, the record could not
    be encoded as UTF-8 (its content hash, its line) and the page was lost."""
    if not _SURROGATE_ESCAPE.search(raw):
        return data, False
    found = False

    def clean(value: Any) -> Any:
        nonlocal found
        if isinstance(value, str):
            if LONE_SURROGATE.search(value):
                found = True
                return LONE_SURROGATE.sub("\ufffd", value)
            return value
        if isinstance(value, dict):
            return {clean(k): clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return clean(data), found


def number_out_of_range(value: Any) -> bool:
    """Whether a metadata value is a number no record field may hold (``"1e400"``, ``1e30``,
    NaN): the parser then flags the record ``metadata_invalid``."""
    return _read_number(value)[1]


def split_list(text: Optional[str]) -> list[str]:
    """Comma-separated keywords, trimmed, in order, without duplicates or empties."""
    if not text:
        return []
    return dedupe(part for part in (normalise_text(p) for p in text.split(",")) if part)


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


def dedupe(values: Iterable[str]) -> list[str]:
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


def first(*candidates: tuple[str, Callable[[], Optional[_T]]]) -> tuple[Optional[_T], Optional[str]]:
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
    return [Link(canonical_url(link.url, edition), link.title) for link in links]


@dataclass
class PageLink:
    """A link to a post found on a page, with the block it sits in."""

    url: str
    """Absolute URL as linked (resolved against the page URL)."""
    kind: str
    """``related``, ``read_next``, ``most_read``, ``ticker`` or ``listing``."""
    title: str


@dataclass
class TickerLine:
    """One line of the BREAKING ticker and the post it links to (None: a line of text only)."""

    text: str
    url: Optional[str] = None


class Page:
    """What every page of the site shares: one Selector, label lookups, links to posts."""

    def __init__(self, html: str, url: str, edition: Edition):
        self.url = url
        self.edition = edition
        self.sel = Selector(text=html)
        self.labels = edition.labels
        # Links count as on the site when they name the page's own host (a mirror, the
        # replica) or one of the edition's.
        host = (urlsplit(url).hostname or "").lower()
        bare = edition.host.removeprefix("www.")
        self._site_hosts = {"", host, bare, "www." + bare}
        # Per-page memos: a page is read by several callers (to_item and followable_links
        # both want the Related and Read Next blocks, Most Read is asked for twice on
        # listings), and the same hrefs recur (a card links its image and its headline).
        self._href_article_url: dict[str, Optional[str]] = {}
        self._href_post_url: dict[str, Optional[str]] = {}
        self._blocks: dict[str, list[PageLink]] = {}
        parts = urlsplit(url)
        self._shared = _crawl_memo(edition, f"{parts.scheme}://{parts.netloc}".lower())

    def label(self, key: str) -> str:
        """The text of a label the edition prints (``"read_next"`` -> "Read Next"); KeyError for
        one it does not print (None in ``Edition.labels``: ask ``labels.get`` first)."""
        text = self.labels[key]
        if text is None:
            raise KeyError(f"edition {self.edition.code!r} prints no {key!r} label")
        return text

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
        texts = [self.label(key) for key in _BLOCK_LABELS]
        if all(_xpath_space(t) for t in texts):
            found = _BLOCK_LABEL_NODES(self.sel.root, a=texts[0], b=texts[1], c=texts[2])
            return {t: [n for n in found if OWN_TEXT(n) == t] for t in texts}
        return {t: _LABEL_NODES(self.sel.root, label=t) for t in texts}

    def _label_nodes(self, label: str) -> list:
        """Elements whose own text is exactly the label (e.g. a "Read Next" heading), as lxml
        elements. The label goes in as an XPath variable: any text, quotes included."""
        if label not in _BLOCK_LABELS:
            return _LABEL_NODES(self.sel.root, label=self.label(label))
        return list(self._block_label_nodes[self.label(label)])

    def _find_block(self, label: str):
        """The block a label heads (the nearest ancestor of the label holding links to posts)
        and its anchors with an href, as lxml elements; (None, []) when there is none."""
        for node in self._label_nodes(label):
            for current in element_ancestors(node, 4):
                anchors = ANCHORS(current)
                if any(self._post_url(a.get("href")) is not None for a in anchors):
                    return current, anchors
        return None, []

    def _block_container(self, label: str) -> Optional[Selector]:
        """The block a label heads: the nearest ancestor of the label holding links to posts."""
        container, _ = self._find_block(label)
        return None if container is None else Selector(root=container)

    def _memoised(self, href: str, page_memo: dict[str, Optional[str]], crawl_memo: dict[str, Optional[str]],
                  judge: Callable[[str], Optional[str]]) -> Optional[str]:
        """``judge(href)``, asked once per page (``page_memo``) and, for an href that means the
        same on every page (``_page_independent``), once per crawl (``crawl_memo``)."""
        try:
            return page_memo[href]
        except KeyError:
            pass
        shared = crawl_memo if _page_independent(href) else None
        found = shared.get(href, _UNKNOWN) if shared is not None else _UNKNOWN
        url = judge(href) if found is _UNKNOWN else found
        if found is _UNKNOWN and shared is not None:
            self._shared.remember(shared, href, url)
        page_memo[href] = url
        return url

    def _article_url(self, href: str) -> Optional[str]:
        """``urljoin(page URL, href.strip())`` when the href has an article URL shape of the
        edition, else None (links outside link blocks and cards are followed by shape)."""
        return self._memoised(href, self._href_article_url, self._shared.article_url, self._judge_article_url)

    def _judge_article_url(self, href: str) -> Optional[str]:
        url = self._post_url(href)
        return url if url is not None and is_article_path(urlsplit(url).path, self.edition) else None

    def _post_url(self, href: Optional[str]) -> Optional[str]:
        """``urljoin(page URL, href.strip())`` when the href may be a post: on the site, and not
        a path the edition declares a non-post (authors, tags, listings, ...). Its shape does not
        matter: inside a link block or a card, any such link is taken to be a post."""
        if href is None:
            return None
        return self._memoised(href, self._href_post_url, self._shared.post_url, self._judge_post_url)

    def _judge_post_url(self, href: str) -> Optional[str]:
        if not is_fetchable(href):
            return None
        joined = urljoin(self.url, href.strip())
        parts = urlsplit(joined)
        if (parts.scheme in ("http", "https") and (parts.hostname or "") in self._site_hosts
                and could_be_post(parts.path, self.edition)):
            return joined
        return None

    def _on_site(self, href: str) -> bool:
        """Whether an href names a page of the site (any path), rather than another site."""
        if not is_fetchable(href):
            return False
        parts = urlsplit(urljoin(self.url, href.strip()))
        return parts.scheme in ("http", "https") and (parts.hostname or "") in self._site_hosts

    def _is_article_href(self, href: str) -> bool:
        return self._article_url(href) is not None

    def _block(self, label: str, kind: str) -> list[PageLink]:
        """The links of the block a label heads, found once per page (a fresh list each call)."""
        links = self._blocks.get(label)
        if links is None:
            links = self._blocks[label] = self._links(self._find_block(label)[1], kind, any_shape=True)
        return list(links)

    def _links(self, anchors: Iterable[Node], kind: str, any_shape: bool = False) -> list[PageLink]:
        """The anchors' links to posts, one per URL: by article URL shape, or (``any_shape``, for
        link blocks and cards) any link that may be a post."""
        resolve = self._post_url if any_shape else self._article_url
        by_url: dict[str, PageLink] = {}
        for a in anchors:
            href = _node(a).get("href", "").strip()
            url = resolve(href)  # urljoin(self.url, href): href is stripped already
            if url is None:
                continue
            title = node_text(a)
            link = by_url.get(url)
            if link is None:
                by_url[url] = PageLink(url, kind, title)
            elif not link.title and title:
                # Cards often link the image and the headline separately.
                link.title = title
        return list(by_url.values())

    def _unknown_among(self, anchors: Iterable[Node]) -> list[str]:
        """URLs among the anchors that may be posts but have no article URL shape of the
        edition: not followed from here, but counted, so that a run can name new shapes."""
        found = []
        for a in anchors:
            href = _node(a).get("href", "").strip()
            url = self._post_url(href)
            if url is not None and self._article_url(href) is None:
                found.append(url)
        return found

    # Defaults of the optional members of the page contracts (newscrawl/core/outlet.py).
    metadata_invalid = False
    """Whether the page's metadata block was there but unusable (the record is then flagged)."""

    def next_page(self) -> Optional[str]:
        """A listing's next, older page by a plain link, or None (the default: a listing paged
        only by "Load more"; ``plain_next_page`` reads the usual pagers)."""
        return None

    def not_post_reason(self) -> Optional[str]:
        """Why a page is not a post, when the outlet can say (``no_title``, ...); None by default."""
        return None

    def page_type(self) -> Optional[str]:
        """The CMS's type of the page (metadata ``type``), or None when the site gives none."""
        return None

    def unknown_links(self) -> list[str]:
        """Links of this page that may be posts of a shape the edition does not list and that
        the crawl does not follow from here (counted by the spider); none unless a page class
        says which."""
        return []

    def related(self) -> list[PageLink]:
        """Links of the "Related News" box."""
        return self._block("related", RELATED)

    def read_next(self) -> list[PageLink]:
        return self._block("read_next", READ_NEXT)

    def most_read(self) -> list[PageLink]:
        return self._block("most_read", MOST_READ)

    def ticker(self) -> list[TickerLine]:
        """The BREAKING ticker: the list items next to its label, each with the post it links
        to, if any; without the label, the elements of the edition's ticker classes."""
        for node in self._label_nodes("breaking"):
            for current in element_ancestors(node, 3):
                lines = self._ticker_lines(_LIST_ITEMS(current))
                if lines:
                    return lines
        for name in self.edition.ticker_classes:
            lines = self._ticker_lines(self.sel.root.xpath(class_xpath(name)))
            if lines:
                return lines
        return []

    def _ticker_lines(self, items: list) -> list[TickerLine]:
        """Ticker lines from list items; none when an item links anything but a post (then the
        items are a menu, reached when the ticker itself is empty: filled in by JavaScript)."""
        lines: dict[str, TickerLine] = {}
        for item in items:
            text = node_text(item)
            if not text:
                continue
            anchors = [item] if item.tag == "a" and item.get("href") else ANCHORS(item)
            url = None
            for a in anchors:
                href = a.get("href")
                post = self._post_url(href)
                if post is None and self._on_site(href):
                    return []  # a link to a listing or a hub: a menu, not the ticker
                url = url or post
            lines.setdefault(text, TickerLine(text, url))
        return list(lines.values())

    def card_links(self, exclude: Iterable = ()) -> tuple[list[PageLink], list[str]]:
        """The links of a listing's cards, in page order, and the links that may be posts but
        were not taken (counted by the crawl to name new URL shapes).

        A card link is, outside the page's menus and footers: a link with an article URL shape
        of the edition; a headline link (a heading in or around it) whatever its shape; or a
        link in an element that looks like one of those cards (same tag and class: the card's
        image, the same card with another shape). ``exclude``: anchors taken elsewhere (the Most
        Read block: a post both there and among the cards is a card all the same)."""
        excluded = set(map(id, exclude))
        content = _CONTENT_ANCHORS(self.sel.root)
        cards, pending, looks = [], [], set()
        for a in content:
            href = a.get("href", "").strip()
            url = self._post_url(href)
            if url is None or id(a) in excluded:
                continue
            if self._article_url(href) is not None or _IS_HEADLINE(a):
                cards.append(a)
                looks.add(_card_look(a))
            else:
                pending.append(a)
        looks.discard(None)
        taken = set(map(id, cards))
        for a in pending:
            if _card_look(a) in looks:
                cards.append(a)
                taken.add(id(a))
        if pending:
            order = {id(a): n for n, a in enumerate(content)}
            cards.sort(key=lambda a: order[id(a)])
        links = self._links(cards, "listing", any_shape=True)
        kept = {link.url for link in links}
        rest = [a for a in BODY_ANCHORS(self.sel.root) if id(a) not in taken and id(a) not in excluded]
        return links, [u for u in self._unknown_among(rest) if u not in kept]

    def plain_next_page(self) -> Optional[str]:
        """The URL of the listing's next (older) page when the page links it plainly: a
        ``rel=next`` link, else a link to the same path with ``page=N+1``, else a pager link
        whose text is N+1; None when there is none (then only "Load more" may go further)."""
        for element in _REL_LINKS(self.sel.root):
            if "next" in (element.get("rel") or "").lower().split():
                url = self._same_listing(element.get("href"))
                if url:
                    return url
        here = urlsplit(self.url)
        current = _page_number(here.query) or 1
        wanted = str(current + 1)
        numbered = None
        for a in _CONTENT_ANCHORS(self.sel.root):
            url = self._same_listing(a.get("href"))
            if url is None:
                continue
            if _page_number(urlsplit(url).query) == current + 1:
                return url
            if numbered is None and _digits(node_text(a)) == wanted:
                numbered = url
        return numbered

    def _same_listing(self, href: Optional[str]) -> Optional[str]:
        """``href`` joined to the page URL when it names another page of this listing (same
        host, a path under this one), else None."""
        if not href or not self._on_site(href):
            return None
        url = urljoin(self.url, href.strip())
        here, there = urlsplit(self.url), urlsplit(url)
        base = here.path.rstrip("/")
        if there.path.rstrip("/") != base and not there.path.startswith(base + "/"):
            return None
        if (there.path.rstrip("/"), there.query) == (base, here.query):
            return None
        return urlunsplit((there.scheme, there.netloc, there.path, there.query, ""))


_REL_LINKS = etree.XPath("//link[@rel][@href] | //body//a[@rel][@href]")
_PAGE_PARAM = re.compile(r"(?:^|&)page=(\d{1,6})(?:&|$)")


def _page_number(query: str) -> Optional[int]:
    match = _PAGE_PARAM.search(query)
    return int(match.group(1)) if match else None


def _digits(text: str) -> Optional[str]:
    """A pager label as a plain number ("٣" and "3" alike), or None for any other text."""
    if not text.isdigit() or len(text) > 6:
        return None
    try:
        return str(int(text))
    except ValueError:
        return None


def _card_look(anchor) -> Optional[tuple[str, str]]:
    """The tag and class of the element a card link sits in (its nearest ancestor with a class,
    at most three levels up): cards of one listing look alike."""
    for element in element_ancestors(anchor, 3):
        cls = element.get("class")
        if cls:
            return element.tag, " ".join(cls.split())
    return None
