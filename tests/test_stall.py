"""The stall guard (newscrawl.core.extensions.StallGuard): a run that waits on nothing stops as failed."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from newscrawl.core.extensions import StallGuard
from newscrawl.core.runstatus import RUN_FAILED_STAT
from newscrawl.core.testing import run_crawl


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Stats:
    def __init__(self):
        self.values = {}

    def set_value(self, key, value):
        self.values[key] = value


def guard(minutes=10.0, queued=33, downloading=0, processing=0):
    """A guard over a fake engine: ``queued`` requests the scheduler counts, ``downloading`` in the
    downloader, ``processing`` responses in the scraper; closing records its reason."""
    engine = SimpleNamespace(scheduler=[None] * queued, downloader=SimpleNamespace(active=set(range(downloading))),
                             scraper=SimpleNamespace(slot=SimpleNamespace(active=set(range(processing)))))
    clock = Clock()
    ext = StallGuard(SimpleNamespace(engine=engine, stats=Stats()), minutes, clock=clock)
    ext.closed_with = []
    ext.close = lambda: ext.closed_with.append(ext.REASON)
    return ext, engine, clock


def test_queued_requests_with_nothing_in_flight_for_the_limit_close_the_spider_as_stalled():
    ext, _, clock = guard(minutes=10)
    assert not ext.check()  # the first look starts the count
    clock.now += 9 * 60 + 59
    assert not ext.check() and ext.closed_with == []
    clock.now += 1
    assert ext.check()
    assert ext.closed_with == ["stalled"]
    assert ext.crawler.stats.values["newscrawl/stalled"] == 1
    assert "33 requests queued, none in flight" in ext.crawler.stats.values[RUN_FAILED_STAT]
    clock.now += 3600
    assert not ext.check() and ext.closed_with == ["stalled"]  # closed once


def test_a_response_restarts_the_count():
    ext, _, clock = guard(minutes=10)
    ext.check()
    clock.now += 8 * 60
    ext.response(None, None, None)
    clock.now += 9 * 60  # 17 minutes since the first look, 9 since the response
    assert not ext.check()
    clock.now += 60
    assert ext.check() and ext.closed_with == ["stalled"]


@pytest.mark.parametrize("busy", ["downloading", "processing", "queue empty"])
def test_work_in_hand_restarts_the_count(busy):
    ext, engine, clock = guard(minutes=10)
    ext.check()
    clock.now += 8 * 60
    if busy == "downloading":  # waiting out a host's delay or a Retry-After is in the downloader
        engine.downloader.active.add("request")
    elif busy == "processing":
        engine.scraper.slot.active.add("response")
    else:
        engine.scheduler.clear()
    assert not ext.check()
    clock.now += 60
    engine.downloader.active.clear()
    engine.scraper.slot.active.clear()
    engine.scheduler[:] = [None] * 3
    assert not ext.check()  # waiting on nothing again: the count starts here
    clock.now += 9 * 60 + 59
    assert not ext.check() and ext.closed_with == []
    clock.now += 1
    assert ext.check() and ext.closed_with == ["stalled"]
    assert "3 requests queued" in ext.crawler.stats.values[RUN_FAILED_STAT]


def test_it_is_on_by_default_and_off_at_zero():
    assert StallGuard.from_crawler(get_crawler(settings_dict={"NEWSCRAWL_STALL_MINUTES": 10})).limit == 600
    for off in (0, "inf", "nan"):  # nan compares false with any limit: it must not stop every run
        with pytest.raises(NotConfigured):
            StallGuard.from_crawler(get_crawler(settings_dict={"NEWSCRAWL_STALL_MINUTES": off}))
    from newscrawl import settings

    assert settings.NEWSCRAWL_STALL_MINUTES == 10
    assert "newscrawl.core.extensions.StallGuard" in settings.EXTENSIONS


def test_a_crawl_whose_queue_cannot_be_popped_stops_as_stalled(tmp_path):
    """A real crawl resuming a truncated JOBDIR queue: without the guard it waits for ever."""
    from tests.test_cron import mirror, stopped_job, truncate_queue

    with stopped_job(tmp_path) as (site, server, out):
        jobdir = out / mirror(server).jobdir
        truncate_queue(jobdir)
        job = tmp_path / "job"
        shutil.copytree(jobdir, job)
        result = run_crawl(server.url, tmp_path / "run.jsonl", args={"max_pages": "1"}, timeout=60,
                           settings={"JOBDIR": str(job), "NEWSCRAWL_STALL_MINUTES": "0.02",
                                     "NEWSCRAWL_STATE": "off", "NEWSCRAWL_NOW": site.now.isoformat()})
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Spider closed (stalled)" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("scrapy crawl almayadeen: error: stalled: ")
    assert result.stats["newscrawl/stalled"] == 1
