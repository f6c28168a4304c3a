"""Numeric NEWSCRAWL_* settings are checked once, before the crawl (issue 22, fresh hostile pass)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings

from newscrawl import settings as project_settings
from newscrawl.core.numeric_settings import NUMERIC_SETTINGS, settings_problem

ROOT = Path(__file__).resolve().parent.parent


def test_every_numeric_setting_read_in_the_code_is_declared():
    """A setting read with getint/getfloat/enabled_by/float() and left out of the table would
    again be a traceback inside the crawl."""
    read = set()
    for path in (ROOT / "newscrawl").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r'(?:getint|getfloat|enabled_by\(crawler,|float\(crawler\.settings\.get)\(?\s*"'
                               r'(NEWSCRAWL_[A-Z_]+)"', text))
    read.add("NEWSCRAWL_GC_THRESHOLD")  # read through a constant (gctuning.THRESHOLD_SETTING)
    assert read and read <= set(NUMERIC_SETTINGS), sorted(read - set(NUMERIC_SETTINGS))


def test_the_project_defaults_pass():
    settings = Settings()
    settings.setmodule(project_settings)
    assert settings_problem(settings) is None


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "1e400", "", "1_000", "١", "9" * 5000])
@pytest.mark.parametrize("name", sorted(NUMERIC_SETTINGS))
def test_a_bad_value_is_one_line_naming_the_setting(name, value):
    if name == "NEWSCRAWL_STALL_MINUTES" and value in ("1e400", "9" * 5000):
        return  # inf there: never (the one setting where infinity means something)
    problem = settings_problem(Settings({name: value}))
    assert problem and problem.startswith(f"setting {name}: ") and "\n" not in problem
    assert len(problem) < 200


def test_in_range_values_and_inf_for_never_pass():
    assert settings_problem(Settings({"NEWSCRAWL_MAX_REQUESTS": "0", "NEWSCRAWL_URL_TIME_BUDGET": "2.5",
                                      "NEWSCRAWL_STALL_MINUTES": "inf", "NEWSCRAWL_PROGRESS_INTERVAL": 0,
                                      "NEWSCRAWL_WARC_MAX_SIZE": " 1000 "})) is None
    assert "NEWSCRAWL_URL_TIME_BUDGET" in settings_problem(Settings({"NEWSCRAWL_URL_TIME_BUDGET": "inf"}))
    assert "NEWSCRAWL_LIVE_PROGRESS_INTERVAL" in settings_problem(Settings({"NEWSCRAWL_LIVE_PROGRESS_INTERVAL": 0}))


def test_scrapy_crawl_refuses_it_before_anything(tmp_path):
    """The real command line: one line, exit 2, the -O file never created (was a ValueError
    traceback in the log and exit 1, after the feed was opened)."""
    out = tmp_path / "run.jsonl"
    proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "almayadeen", "-a", "base_url=http://127.0.0.1:9",
                           "-s", "NEWSCRAWL_MAX_REQUESTS=abc", "-O", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "setting NEWSCRAWL_MAX_REQUESTS: 'abc'" in lines[0], proc.stderr
    assert not out.exists()
