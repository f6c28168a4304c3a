"""``scrapy crawl almayadeen``: the shared crawl plan on Al Mayadeen's editions."""

from ...core.spider import NewsSpider
from . import OUTLET


class AlmayadeenSpider(NewsSpider):
    """Crawl Al Mayadeen's listings and linked articles into Article records.

    Arguments are documented in the README and validated by ``CrawlArgs``.
    """

    name = "almayadeen"
    outlet = OUTLET
