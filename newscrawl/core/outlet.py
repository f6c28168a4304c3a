"""What an outlet gives the shared crawler: its editions and its page classes.

An outlet package (``newscrawl/outlets/<name>/``) builds one :class:`Outlet` and a spider
subclass of :class:`newscrawl.core.spider.NewsSpider` naming it; ``newscrawl/outlets/__init__.py``
lists the packages, one line each. Commands that need an outlet without a spider (merge,
cron, dataset, re-extraction) look it up by the spider's name with :func:`outlet`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from .editions import Edition


@dataclass(frozen=True)
class Outlet:
    """One news site: the spider's name, the publisher's name, its editions and page classes."""

    name: str
    """The spider's name, also the prefix of every output directory and dataset name."""
    publisher: str
    """The publisher as the dataset card names it."""
    editions: Mapping[str, Edition]
    """Edition code -> edition; the first one is the default."""
    home_page: type
    """Page class of the home page: ``menu()``, ``ticker()``, ``most_read()``, ``blocks_left_to_scripts()``."""
    listing_page: type
    """Page class of a listing: ``article_links()``, ``card_dates()``, ``has_load_more()``, ``most_read()``,
    and optionally ``next_page()`` (the URL of a plain link to the next, older page, or None)."""
    article_page: type
    """Page class of an article: ``to_item(...)``, ``is_article()``, ``followable_links()``."""
    sitemap_index: Optional[str] = None
    """Path of the sitemap index listing monthly sitemaps, or None when the site has none."""

    @property
    def default_edition(self) -> str:
        return next(iter(self.editions))


def default_spider() -> str:
    """The registry's first outlet: what every command crawls or reads unless told otherwise."""
    return outlet_names()[0]


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


def check_edition(parser: Any, opts: Any) -> None:
    """A usage error (exit 2) when ``opts.edition`` is not an edition of ``opts.spider``'s outlet."""
    editions = outlet(opts.spider).editions
    if opts.edition not in editions:
        parser.error(f"argument --edition: invalid choice: {opts.edition!r} (choose from {', '.join(sorted(editions))})")
