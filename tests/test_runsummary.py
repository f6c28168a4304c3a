"""The run summary at the path a caller names: written even without a feed, with every stat."""

import json
import os
import subprocess
import sys

import pytest

from newscrawl.core.runsummary import read_summary, summary_beside
from newscrawl.core.testing import ROOT

SPIDER = '''
import scrapy


class Idle(scrapy.Spider):
    name = "idle"

    async def start(self):
        self.crawler.stats.set_value("idle/answer", 42)
        return
        yield
'''


def test_a_crawl_without_feeds_writes_the_summary_it_was_asked_for(tmp_path):
    """As the benchmarks' bare spider runs: no project, no feed, only the extension."""
    spider = tmp_path / "idle.py"
    spider.write_text(SPIDER)
    asked = tmp_path / "out" / "idle.summary.json"
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "runspider", str(spider), "-s", "TELNETCONSOLE_ENABLED=False",
         "-s", 'EXTENSIONS={"newscrawl.core.extensions.RunSummary": 500}', "-s", f"NEWSCRAWL_SUMMARY_PATH={asked}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        # cwd without scrapy.cfg and no settings module: the project's settings are not loaded.
        env={**{k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = read_summary(asked)
    assert summary is not None and summary.finish_reason == "finished"
    assert summary.stats["idle/answer"] == 42 and "elapsed_time_seconds" in summary.stats
    assert "start_time" not in summary.stats  # a time, kept in the file but not a number
    assert json.loads(asked.read_text())["stats"]["start_time"].endswith("+00:00")


@pytest.mark.parametrize("content", [None, "{}", '{"finish_reason": ""}', '{"finish_reason": 3}', "[]", "{"])
def test_a_summary_without_a_finish_reason_is_no_summary(tmp_path, content):
    path = tmp_path / "x.summary.json"
    if content is not None:
        path.write_text(content)
    assert read_summary(path) is None


def test_the_summary_sits_beside_the_output_under_its_stem(tmp_path):
    assert summary_beside(tmp_path / "2026-11-20T09-00-00+00-00.jsonl") == tmp_path / "2026-11-20T09-00-00+00-00.summary.json"
    assert summary_beside(tmp_path / "out") == tmp_path / "out.summary.json"
