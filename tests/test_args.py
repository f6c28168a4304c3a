"""Spider arguments: valid values parse, each bad value is one clear line naming the argument."""

import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.args import ArgumentError, CrawlArgs
from newscrawl.editions import ENGLISH

ROOT = Path(__file__).resolve().parents[1]


def test_defaults():
    args = CrawlArgs.from_kwargs({})
    assert args.base_url == "https://english.almayadeen.net"
    assert args.sections == tuple(l.slug for l in ENGLISH.listings)
    assert args.follow == {"related", "read_next", "most_read"}
    assert args.max_pages == 3 and args.urls == () and args.since is None


def test_values_parse(tmp_path):
    urls_file = tmp_path / "urls.txt"
    urls_file.write_text("# comment\nhttp://127.0.0.1:1/news/politics/a\n\nhttp://127.0.0.1:1/videos/b\n")
    args = CrawlArgs.from_kwargs(
        {
            "base_url": "http://127.0.0.1:8000/",
            "sections": "politics, mena",
            "max_pages": "5",
            "follow": "none",
            "urls_file": str(urls_file),
            "since": "2024-01-01",
            "until": "2024-12-31",
        }
    )
    assert args.base_url == "http://127.0.0.1:8000"
    assert args.sections == ("politics", "mena")
    assert args.max_pages == 5 and args.follow == frozenset()
    assert args.urls == ("http://127.0.0.1:1/news/politics/a", "http://127.0.0.1:1/videos/b")
    assert (args.since.isoformat(), args.until.isoformat()) == ("2024-01-01", "2024-12-31")


BAD = [
    ({"base_url": "ftp://x"}, "base_url"),
    ({"base_url": "http://host/some/path"}, "base_url"),
    ({"sections": "politics,nope"}, "sections"),
    ({"max_pages": "0"}, "max_pages"),
    ({"max_pages": "many"}, "max_pages"),
    ({"follow": "related,sideways"}, "follow"),
    ({"url": "javascript:alert(1)"}, "url"),
    ({"urls_file": "/nonexistent/urls.txt"}, "urls_file"),
    ({"since": "yesterday"}, "since"),
    ({"until": "2024-13-01"}, "until"),
    ({"since": "2024-05-01", "until": "2024-04-01"}, "until"),
    ({"edition": "fr"}, "edition"),
    ({"sectons": "politics"}, "sectons"),
]


@pytest.mark.parametrize("kwargs,name", BAD, ids=[n + ":" + "|".join(k.values()) for k, n in BAD])
def test_bad_value_names_the_argument(kwargs, name):
    with pytest.raises(ArgumentError) as info:
        CrawlArgs.from_kwargs(kwargs)
    message = str(info.value)
    assert info.value.name == name
    assert message.startswith(f"argument {name}: ") and "\n" not in message


@pytest.mark.parametrize("kwargs,name", [BAD[3], BAD[5], BAD[8]], ids=["max_pages", "follow", "since"])
def test_scrapy_crawl_prints_one_line_and_exits_2(kwargs, name):
    """The real command line: no traceback, no request, one line on stderr."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "almayadeen"]
    for key, value in kwargs.items():
        cmd += ["-a", f"{key}={value}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, proc.stderr
    assert f"argument {name}:" in lines[0]
