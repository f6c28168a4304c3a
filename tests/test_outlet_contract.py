"""Outlets use only the core's public names (issue 25): what an outlet imports from
``newscrawl.core`` is public, and what it takes from ``newscrawl.core.pages`` is in its ``__all__``."""

import ast
from pathlib import Path

import pytest

from newscrawl.core import pages

ROOT = Path(__file__).resolve().parents[1]
OUTLET_FILES = sorted([*(ROOT / "newscrawl" / "outlets").rglob("*.py"), *(ROOT / "tests" / "outlets").rglob("*.py")])


def _core_imports(path: Path):
    """(module, name) of every name a file imports from newscrawl.core, relative imports resolved."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = list(package[: len(package) - node.level + 1]) if node.level else []
        module = ".".join([*base, *(node.module or "").split(".")]).strip(".")
        if module.startswith("newscrawl.core"):
            for alias in node.names:
                yield module, alias.name


@pytest.mark.parametrize("path", OUTLET_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_an_outlet_imports_no_private_name_of_the_core(path):
    private = [f"{module}.{name}" for module, name in _core_imports(path) if name.startswith("_")]
    assert not private


def test_what_outlets_take_from_the_page_machinery_is_in_its_all():
    taken = {name for path in OUTLET_FILES for module, name in _core_imports(path) if module == "newscrawl.core.pages"}
    assert taken and taken <= set(pages.__all__)
    assert all(hasattr(pages, name) for name in pages.__all__)


def _outlets():
    from newscrawl.core.outlet import outlet, outlet_names
    from tests.outlets import harbour

    return [*(outlet(name) for name in outlet_names()), harbour.OUTLET]


@pytest.mark.parametrize("site", _outlets(), ids=lambda o: o.name)
def test_every_page_class_of_every_outlet_keeps_the_contract(site):
    # Built as the spider builds them, from a page that has nothing: every member of the
    # contract is there (the base gives the optional ones), and each answers without raising.
    from newscrawl.core.outlet import ArticlePageContract, HomePageContract, ListingPageContract

    html = "<html><head></head><body><p>x</p></body></html>"
    for edition in site.editions.values():
        url = f"https://{edition.host}/some/page"
        home, listing, article = (site.home_page(html, url, edition), site.listing_page(html, url, edition),
                                  site.article_page(html, url, edition))
        assert isinstance(home, HomePageContract)
        assert isinstance(listing, ListingPageContract)
        assert isinstance(article, ArticlePageContract)
        assert listing.next_page() is None and listing.article_links() == []
        assert article.is_article() is False and article.metadata_invalid is False
        assert home.unknown_links() == [] or all(isinstance(u, str) for u in home.unknown_links())
