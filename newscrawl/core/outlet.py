"""What an outlet gives the shared crawler: its editions and its page classes.

An outlet package (``newscrawl/outlets/<name>/``) builds one :class:`Outlet` and a spider
subclass of :class:`newscrawl.core.spider.NewsSpider` naming it; ``newscrawl/outlets/__init__.py``
lists the packages, one line each. Commands that need an outlet without a spider (merge,
cron, dataset, re-extraction) look it up by the spider's name with :func:`outlet`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Protocol, runtime_checkable

from .editions import Edition

if TYPE_CHECKING:  # the command-line tools import this module without the parser's packages
    from datetime import datetime

    from .dates import DateReader
    from .items import Article
    from .pages import PageLink, TickerLine


# What the shared crawler asks of an outlet's page classes. Each is built as ``Cls(html, url,
# edition)``; the shared base ``newscrawl.core.pages.Page`` gives every optional member its default
# (no ``unknown_links``, no ``next_page``, no ``not_post_reason``, metadata valid), so an outlet
# writes only what its site has. ``tests/test_outlet_contract.py`` checks every outlet against these.
@runtime_checkable
class HomePageContract(Protocol):
    """The home page: the menu of listings, the BREAKING ticker and "Most Read"."""

    def menu(self) -> Mapping[str, str]: ...
    def ticker(self) -> list[TickerLine]: ...
    def most_read(self) -> list[PageLink]: ...
    def blocks_left_to_scripts(self) -> list[str]: ...
    def unknown_links(self) -> list[str]: ...


@runtime_checkable
class ListingPageContract(Protocol):
    """One page of a section listing: its cards, their dates, and the way to older cards."""

    @property
    def dates(self) -> DateReader: ...
    def article_links(self) -> list[PageLink]: ...
    def card_dates(self) -> list[str]: ...
    def has_load_more(self) -> bool: ...
    def next_page(self) -> Optional[str]: ...
    def most_read(self) -> list[PageLink]: ...
    def unknown_links(self) -> list[str]: ...


@runtime_checkable
class ArticlePageContract(Protocol):
    """A page that may be a post: whether it is one, its record, and the links it follows."""

    metadata_invalid: bool
    def is_article(self) -> bool: ...
    def not_post_reason(self) -> Optional[str]: ...
    def page_type(self) -> Optional[str]: ...
    def followable_links(self) -> list[PageLink]: ...
    def unknown_links(self) -> list[str]: ...
    def to_item(self, *, discovered_via: str, crawled_at: str, now: Optional[datetime] = None) -> Optional[Article]: ...




@dataclass(frozen=True)
class Outlet:
    """One news site: the spider's name, the publisher's name, its editions and page classes."""

    name: str
    """The spider's name, also the prefix of every output directory and dataset name."""
    publisher: str
    """The publisher as the dataset card names it."""
    editions: Mapping[str, Edition]
    """Edition code -> edition; the first one is the default."""
    home_page: Callable[[str, str, Edition], HomePageContract]
    """Page class of the home page (:class:`HomePageContract`)."""
    listing_page: Callable[[str, str, Edition], ListingPageContract]
    """Page class of a listing (:class:`ListingPageContract`); ``next_page()`` is the URL of a plain
    link to the next, older page, or None."""
    article_page: Callable[[str, str, Edition], ArticlePageContract]
    """Page class of an article (:class:`ArticlePageContract`)."""
    sitemap_index: Optional[str] = None
    """Path of the sitemap index listing monthly sitemaps, or None when the site has none."""

    @property
    def default_edition(self) -> str:
        return next(iter(self.editions))


def default_spider() -> str:
    """The registry's first outlet: what every command crawls or reads unless told otherwise."""
    return outlet_names()[0]


def default_edition(spider: Optional[str] = None) -> str:
    """The first edition of ``spider``'s outlet (the registry's first outlet when None): the
    edition every command crawls or reads unless told otherwise."""
    return outlet(spider).default_edition


def outlet_names() -> list[str]:
    """Every outlet of the registry, first the default."""
    from .. import outlets

    return list(outlets.REGISTRY)


def outlet(name: Optional[str] = None) -> Outlet:
    """The outlet a spider of this name crawls (the registry's first when ``name`` is None)."""
    from .. import outlets

    if name is None:
        name = default_spider()
    try:
        module = outlets.REGISTRY[name]
    except KeyError:
        raise KeyError(f"no outlet named {name!r}; known: {', '.join(outlets.REGISTRY)}") from None
    return importlib.import_module(module).OUTLET


def add_spider_argument(parser: Any, help: str) -> None:
    """A command's ``--spider``: one of the registry's outlets, the first by default."""
    parser.add_argument("--spider", default=default_spider(), choices=outlet_names(),
                        help=f"{help} (default: {default_spider()})")


def add_edition_argument(parser: Any, help: str) -> None:
    """A command's ``--edition``: None until :func:`check_edition` resolves it, after parsing, to
    the first edition of the outlet ``--spider`` chose (the default depends on the spider)."""
    first = f"{default_edition()} for {default_spider()}"
    parser.add_argument("--edition", default=None, help=f"{help} (default: the outlet's first edition, {first})")


def check_edition(parser: Any, opts: Any) -> None:
    """A usage error (exit 2) when ``opts.edition`` is not an edition of ``opts.spider``'s outlet;
    an edition not given (None) becomes that outlet's first."""
    if opts.edition is None:
        opts.edition = default_edition(opts.spider)
    editions = outlet(opts.spider).editions
    if opts.edition not in editions:
        parser.error(
            f"argument --edition: invalid choice: {opts.edition!r} (choose from {', '.join(sorted(editions))})"
        )
