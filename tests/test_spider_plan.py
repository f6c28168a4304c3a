"""The crawl plan's settings, read once when the spider is made, and its sitemap sub-plan
(``newscrawl/core/sitemap_plan.py``) as the spider builds it."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DontCloseSpider
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

import newscrawl.settings as project_settings
from newscrawl.core.sitemap_plan import SitemapConfig
from newscrawl.core.spider import PlanConfig
from newscrawl.outlets.almayadeen.spider import AlmayadeenSpider

BASE = "http://127.0.0.1:5"


def spider_with(**settings):
    crawler = get_crawler(AlmayadeenSpider, settings)
    crawler.spider = crawler._create_spider(base_url=BASE)
    return crawler, crawler.spider


def test_a_bare_crawler_gets_the_values_settings_py_declares():
    assert PlanConfig.from_settings(Settings()) == PlanConfig(
        incomplete_retries=project_settings.NEWSCRAWL_INCOMPLETE_RETRIES,
        ticker=project_settings.NEWSCRAWL_TICKER,
        per_listing=project_settings.NEWSCRAWL_PER_LISTING,
        max_links_per_page=project_settings.NEWSCRAWL_MAX_LINKS_PER_PAGE,
        incremental=project_settings.NEWSCRAWL_INCREMENTAL,
    )
    assert SitemapConfig.from_settings(Settings()) == SitemapConfig(
        max_bytes=project_settings.NEWSCRAWL_SITEMAP_MAX_BYTES,
        max_urls=project_settings.NEWSCRAWL_SITEMAP_MAX_URLS,
        batch=project_settings.NEWSCRAWL_SITEMAP_BATCH,
    )


def test_the_spider_reads_its_settings_once_when_it_is_made():
    crawler, spider = spider_with(NEWSCRAWL_PER_LISTING="3", NEWSCRAWL_TICKER="False", NEWSCRAWL_SITEMAP_BATCH="2")
    assert (spider.plan_config.per_listing, spider.plan_config.ticker) == (3, False)
    assert spider.sitemaps.config.batch == 2
    crawler.settings.frozen = False
    crawler.settings.set("NEWSCRAWL_PER_LISTING", 9)  # later changes are not read on every response
    assert spider.plan_config.per_listing == 3


def test_sitemap_urls_are_requested_a_batch_at_a_time_and_keep_the_crawl_open():
    crawler, spider = spider_with(NEWSCRAWL_SITEMAP_BATCH="2")
    crawler.engine = type("Engine", (), {"crawl": lambda self, request: sent.append(request)})()
    sent: list = []
    spider.state = {}  # as Scrapy's SpiderState sets it (JOBDIR): the queue is kept there
    spider.sitemaps.pending.extend(f"{BASE}/news/politics/post-{i}" for i in range(5))
    assert spider.state["sitemap_pending"] is spider.sitemaps.pending
    assert [r.url for r in spider.sitemaps.batch()] == [f"{BASE}/news/politics/post-{i}" for i in (0, 1)]
    with pytest.raises(DontCloseSpider):
        spider.sitemaps.idle()
    assert len(sent) == 2 and len(spider.sitemaps.pending) == 1
    assert all(r.callback == spider.parse_article for r in sent)


def test_the_plan_s_requests_name_spider_methods():
    # A request saved in a stopped job's queue (JOBDIR) can only name a method of the spider.
    _, spider = spider_with()
    callbacks = spider.sitemaps.callbacks
    assert callbacks.parse_sitemap == spider.parse_sitemap
    assert callbacks.sitemap_failed == spider.sitemap_failed
    assert callbacks.parse_sitemap.__name__ == "parse_sitemap"  # the progress line counts monthly sitemaps by it
