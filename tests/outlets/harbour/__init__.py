"""The Harbour Gazette: a fictional English news site that exists only in the tests, to prove
that the shared crawler code serves a second outlet (issue 17). See README.md beside this file.

``OUTLET`` is what an outlet package gives the shared crawler; ``spider.HarbourSpider`` is
found by ``scrapy crawl harbour -s SPIDER_MODULES=tests.outlets.harbour.spider``.
"""

from newscrawl.core.outlet import Outlet

from .pages import GAZETTE, GazetteArticlePage, GazetteHomePage, GazetteListingPage

OUTLET = Outlet(
    name="harbour",
    publisher="The Harbour Gazette",
    editions={"en": GAZETTE},
    home_page=GazetteHomePage,
    listing_page=GazetteListingPage,
    article_page=GazetteArticlePage,
)
