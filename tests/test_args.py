"""Spider arguments: valid values parse, each bad value is one clear line naming the argument."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.core.args import ArgumentError, CrawlArgs
from newscrawl.core.outlet import default_edition
from newscrawl.outlets.almayadeen.editions import ENGLISH

ROOT = Path(__file__).resolve().parents[1]


def test_defaults():
    args = CrawlArgs.from_kwargs({})
    assert args.base_url == "https://english.almayadeen.net"
    assert args.sections == tuple(l.slug for l in ENGLISH.listings)
    assert args.follow == {"related", "read_next", "most_read", "ticker"}
    assert args.max_pages == 3 and args.urls == () and args.since is None


def test_values_parse(tmp_path):
    urls_file = tmp_path / "urls.txt"
    urls_file.write_text("# comment\nhttp://127.0.0.1:8000/news/politics/a\n\nhttps://english.almayadeen.net/videos/b\n")
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
    assert args.urls == ("http://127.0.0.1:8000/news/politics/a", "https://english.almayadeen.net/videos/b")
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
    # ranges that pass the type check but overflow dates in the crawl (issue 14 #4)
    ({"until": "9999-12-31", "discover": "sitemap"}, "until"),
    ({"since": "0001-01-01"}, "since"),
    ({"refresh": "99999999999999999999"}, "refresh"),
    ({"refresh": "9" * 5000}, "refresh"),
    ({"max_pages": "9" * 5000}, "max_pages"),
    # URLs the spider would skip: a run of them would exit 0 having done nothing (#18)
    ({"url": "https://example.org/news/politics/a"}, "url"),
    ({"url": "ftp://english.almayadeen.net/news/politics/a"}, "url"),
    ({"url": "https:///news/politics/a"}, "url"),
    ({"url": "http://127.0.0.1:9/news/politics/a", "base_url": "http://127.0.0.1:8000"}, "url"),
    ({"urls_file": "/dev/zero"}, "urls_file"),
    ({"urls_file": "/"}, "urls_file"),
    ({"urls_file": "/proc/self/mem"}, "urls_file"),  # a regular file whose read fails (EIO)
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


def test_private_arguments_are_ignored_as_scrapy_does():
    """scrapyd passes -a _job=<id> to every job (#19)."""
    args = CrawlArgs.from_kwargs({"_job": "6487ec79", "_version": "1", "sections": "politics"})
    assert args.sections == ("politics",) and "_job" not in args.raw


def test_any_page_of_the_site_is_accepted_and_left_to_its_page(tmp_path):
    """A listing, a tag page or a URL of a shape nobody listed is fetched and judged by its
    page (issue 21): refusing the whole list for one such line crawled nothing at all."""
    urls = ["https://english.almayadeen.net/news/politics", "https://english.almayadeen.net/tags/gaza",
            "https://english.almayadeen.net/press/a-new-kind-of-post", "http://127.0.0.1:8000/misc/x"]
    url_lines = tmp_path / "urls.txt"
    url_lines.write_text("\n".join(urls[:3]) + "\n")
    args = CrawlArgs.from_kwargs({"urls_file": str(url_lines), "url": urls[3], "base_url": "http://127.0.0.1:8000"})
    assert set(args.urls) == set(urls)


@pytest.fixture
def url_lines(tmp_path):
    path = tmp_path / "urls.txt"
    return path


def test_urls_file_lines_that_are_not_articles_are_refused_by_line_number(url_lines):
    url_lines.write_text("https://english.almayadeen.net/news/politics/a\n\x1b[2Jhttps://evil.example/x\n")
    with pytest.raises(ArgumentError) as info:
        CrawlArgs.from_kwargs({"urls_file": str(url_lines)})
    assert str(info.value).startswith("argument urls_file: line 2 ")
    assert "evil" not in str(info.value) and "\x1b" not in str(info.value)  # content never quoted


def test_urls_file_that_is_binary_is_refused_without_quoting_it(url_lines):
    url_lines.write_bytes(b"https://english.almayadeen.net/news/politics/a\n\xff\xfe\x1b[31m\n")
    with pytest.raises(ArgumentError, match=r"^argument urls_file: line 2 is not UTF-8 text$"):
        CrawlArgs.from_kwargs({"urls_file": str(url_lines)})


def test_urls_file_over_the_size_cap_is_refused_unread(url_lines, monkeypatch):
    import newscrawl.core.args as args_module

    monkeypatch.setattr(args_module, "URLS_FILE_MAX_BYTES", 100)
    url_lines.write_text("https://english.almayadeen.net/news/politics/a\n" * 3)
    with pytest.raises(ArgumentError, match="larger than"):
        CrawlArgs.from_kwargs({"urls_file": str(url_lines)})


def test_urls_file_fifo_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "urls.fifo"
    os.mkfifo(fifo)
    with pytest.raises(ArgumentError, match="is not a regular file"):
        CrawlArgs.from_kwargs({"urls_file": str(fifo)})


@pytest.mark.parametrize("kwargs,name", [({"until": "9999-12-31", "discover": "sitemap"}, "until"),
                                         ({"url": "https://example.org/news/politics/a"}, "url"),
                                         ({"urls_file": "/dev/zero"}, "urls_file"),
                                         ({"urls_file": "/proc/self/mem"}, "urls_file")],
                         ids=["until-far", "url-offsite", "urls_file-device", "urls_file-unreadable"])
def test_scrapy_crawl_refuses_what_would_crash_or_do_nothing(kwargs, name):
    test_scrapy_crawl_prints_one_line_and_exits_2(kwargs, name)


def test_scrapy_crawl_accepts_scrapyd_job_argument(tmp_path):
    """-a _job passes the crawl command's check; the crawl (of a closed port) then runs."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "almayadeen", "-a", "_job=abc123", "-a", "base_url=http://127.0.0.1:1",
           "-a", "sections=politics", "-s", "RETRY_ENABLED=False", "-s", "NEWSCRAWL_BROWSER_ENABLED=False",
           "-s", "ROBOTSTXT_OBEY=False", "-s", "NEWSCRAWL_STATE=off", "-O", str(tmp_path / "out.jsonl")]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Spider closed (finished)" in proc.stderr


@pytest.mark.parametrize("base_url,dataset", [
    ("https://english.almayadeen.net", "almayadeen"),
    ("http://English.Almayadeen.net:80/", "almayadeen"),
    ("http://127.0.0.1:8000", "almayadeen-mirror-127.0.0.1-8000"),
    ("https://english.almayadeen.net:8443", "almayadeen-mirror-english.almayadeen.net-8443"),
    ("https://mirror.example.org", "almayadeen-mirror-mirror.example.org"),
])
def test_a_mirror_is_its_own_dataset(base_url, dataset):
    """Data and memory of a crawl not on the edition's host never go to the live dataset (#15)."""
    assert CrawlArgs.from_kwargs({"base_url": base_url}).dataset("almayadeen") == dataset


@pytest.mark.parametrize("base_url", ["http://host:99999", "http://host:abc", "http://:80", "http://host/?q=1"])
def test_base_url_with_a_bad_port_or_no_host_is_refused(base_url):
    with pytest.raises(ArgumentError, match="^argument base_url: "):
        CrawlArgs.from_kwargs({"base_url": base_url})


def _readme_arguments() -> dict[str, str]:
    """Argument name -> default column of the README's spider-argument table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Spider arguments", 1)[1]
    table = section[section.index("| argument |"):].split("\n\n", 1)[0]  # the first table only
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith("`"):
            for name in cells[0].replace("`", "").split(" / "):
                rows[name.strip()] = cells[1].strip("`")
    return rows


def test_the_readme_lists_exactly_the_declared_arguments_with_their_defaults():
    from newscrawl.core.args import ARGUMENTS

    readme = _readme_arguments()
    assert sorted(readme) == sorted(a.name for a in ARGUMENTS)
    for argument in ARGUMENTS:
        shown = argument.default if argument.default is not None else ""
        if argument.name == "base_url":  # absent means the edition's own host, as the README shows it
            shown = ENGLISH.base_url
        if argument.name == "edition":  # absent means the outlet's first edition, as the README shows it
            shown = default_edition()
        assert readme[argument.name] == shown, argument.name


def test_the_edition_defaults_to_the_outlets_first_not_to_a_literal():
    from newscrawl.outlets.almayadeen.editions import ARABIC

    # An outlet whose first edition is not "en" crawls its own first edition when none is given.
    assert CrawlArgs.from_kwargs({}, {"ar": ARABIC, "en": ENGLISH}).edition is ARABIC
    assert CrawlArgs.from_kwargs({"edition": "en"}, {"ar": ARABIC, "en": ENGLISH}).edition is ENGLISH
    assert default_edition() == "en" == default_edition("almayadeen")


def test_a_commands_edition_is_resolved_after_parsing_from_the_chosen_spiders_outlet():
    import argparse

    from newscrawl.core.outlet import add_edition_argument, add_spider_argument, check_edition

    parser = argparse.ArgumentParser()
    add_spider_argument(parser, "the spider")
    add_edition_argument(parser, "edition code")
    assert "the outlet's first edition, en for almayadeen" in " ".join(parser.format_help().split())
    opts = parser.parse_args([])
    assert opts.edition is None  # lazy: the default depends on --spider, known only once parsed
    check_edition(parser, opts)
    assert opts.edition == "en"
    opts = parser.parse_args(["--edition", "es"])
    check_edition(parser, opts)
    assert opts.edition == "es"
