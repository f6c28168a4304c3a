"""Al Mayadeen (English, Arabic and Spanish editions): everything the shared crawler needs to
know about this site, and nothing else."""

from ...core.outlet import Outlet
from .editions import EDITIONS
from .pages import ArticlePage, HomePage, ListingPage

OUTLET = Outlet(
    name="almayadeen",
    publisher="Al Mayadeen",
    editions=EDITIONS,
    home_page=HomePage,
    listing_page=ListingPage,
    article_page=ArticlePage,
    sitemap_index="/sitemaps/all.xml",
)
