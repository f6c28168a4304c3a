"""``scrapy crawl`` raises the garbage collector's first threshold (newscrawl/core/gctuning.py)."""

import gc
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings

from newscrawl import settings as project_settings
from newscrawl.core.gctuning import raise_threshold

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def keep_gc():
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def test_the_first_threshold_is_raised_and_the_others_kept(keep_gc):
    gc.set_threshold(700, 11, 12)
    raise_threshold(Settings({"NEWSCRAWL_GC_THRESHOLD": 5000}))
    assert gc.get_threshold() == (5000, 11, 12)


def test_zero_leaves_the_interpreter_alone(keep_gc):
    gc.set_threshold(700, 11, 12)
    raise_threshold(Settings({"NEWSCRAWL_GC_THRESHOLD": 0}))
    assert gc.get_threshold() == (700, 11, 12)


def _threshold_of_scrapy_crawl(*extra: str) -> str:
    # An off-site url is refused in process_options (exit 2): by then the threshold is set.
    code = ("import atexit, gc, sys; atexit.register(lambda: print('threshold', gc.get_threshold()[0]));"
            "from scrapy.cmdline import execute; execute(['scrapy', 'crawl', 'almayadeen', '-a', 'url=ftp://x/']"
            f" + {list(extra)!r})")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    return done.stdout


def test_scrapy_crawl_sets_the_project_threshold_before_the_spider_is_checked():
    assert f"threshold {project_settings.NEWSCRAWL_GC_THRESHOLD}" in _threshold_of_scrapy_crawl()
    assert project_settings.NEWSCRAWL_GC_THRESHOLD > 700


def test_the_threshold_follows_s():
    assert "threshold 1234" in _threshold_of_scrapy_crawl("-s", "NEWSCRAWL_GC_THRESHOLD=1234")
