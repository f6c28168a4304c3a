"""``scrapy crawl almayadeen``: the shared crawl plan on Al Mayadeen's editions.

The callbacks are the shared ones; they are named here only to carry this site's
contracts (``scrapy check almayadeen``: a known path of each page kind, the first article of a
listing, and what each must give).
"""

from ...core.spider import NewsSpider
from . import OUTLET


class AlmayadeenSpider(NewsSpider):
    """Crawl Al Mayadeen's listings and linked articles into Article records.

    Arguments are documented in the README and validated by ``CrawlArgs``.
    """

    name = "almayadeen"
    outlet = OUTLET

    async def parse_sitemap_index(self, response):
        """@path /sitemaps/all.xml
        @returns requests 1
        """
        async for request in super().parse_sitemap_index(response):
            yield request

    def parse_home(self, response, rendered=False):
        """@path /
        @returns requests 1
        """
        return super().parse_home(response, rendered)

    def parse_listing(self, response, slug, rendered=False, page=1):
        """@path /news/politics
        @cb_kwargs {"slug": "politics"}
        @returns items 0 0
        @returns requests 1
        """
        return super().parse_listing(response, slug, rendered, page)

    def parse_article(self, response, discovered_via):
        """@first_article /news/politics
        @cb_kwargs {"discovered_via": "url"}
        @returns items 1 1
        @filled url canonical_url title published_at_raw body content_hash
        """
        return super().parse_article(response, discovered_via)
