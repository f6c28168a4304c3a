"""``scrapy crawl harbour``: the shared crawl plan on the Harbour Gazette (tests only)."""

from newscrawl.core.spider import NewsSpider

from . import OUTLET


class HarbourSpider(NewsSpider):
    """The Gazette's listings and related stories, with nothing of its own but its outlet."""

    name = "harbour"
    outlet = OUTLET
