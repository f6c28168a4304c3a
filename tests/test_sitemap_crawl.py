"""-a discover=sitemap against the replica: exactly the articles published in [since, until],
and only the monthly sitemaps that overlap the range are requested."""

from __future__ import annotations

import gzip
import re
from datetime import date, datetime, timedelta

import pytest

from newscrawl.core.testing import run_crawl
from tests.outlets.almayadeen.replica import Replica, ReplicaServer
from tests.outlets.almayadeen.replica.model import BEIRUT


def key_of(record):
    return record["post_id"] or record["canonical_url"]


def days_with_posts(site) -> list[str]:
    return sorted({r["published_at"][:10] for r in site.truth().values()})


@pytest.mark.parametrize(
    "since,until",
    [("2025-03-01", "2025-03-31"), ("2024-12-31", "2025-01-01"), ("2023-01-01", "2023-01-31"), (-40, -30)],
    ids=["a-month", "year-edge", "empty", "post-days-as-edges"],
)
def test_sitemap_discovery_emits_exactly_the_range(site, server, tmp_path, since, until):
    edges_have_posts = isinstance(since, int)
    if edges_have_posts:
        # Both ends on days with posts (the ends are inclusive), and the nearest days with
        # posts on either side are outside the range (they are not).
        days = days_with_posts(site)
        since, until = days[since], days[until]
    start = len(server.log)
    result = run_crawl(
        server.url, tmp_path / "range.jsonl",
        args={"discover": "sitemap", "since": since, "until": until, "follow": "none"},
        settings={"NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False", "NEWSCRAWL_NOW": site.now.isoformat()},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    truth = site.truth()
    expected = {k for k, r in truth.items() if since <= r["published_at"][:10] <= until}
    assert {key_of(r) for r in result.records} == expected
    if edges_have_posts:
        assert {truth[k]["published_at"][:10] for k in expected} >= {since, until}
    months = {r.path for r in server.log[start:] if r.path.startswith("/sitemaps/all/")}
    # The month of the day after `until` is read too (Beirut months, UTC dates).
    first, last = date.fromisoformat(since), date.fromisoformat(until) + timedelta(days=1)
    wanted = {f"/sitemaps/all/sitemap-{y}-{m}.xml" for y, m in {(h.published.astimezone(BEIRUT).year, h.published.astimezone(BEIRUT).month) for h in site.heads}
              if (y, m) >= (first.year, first.month) and (y, m) <= (last.year, last.month)}
    assert months == wanted


def test_a_post_of_the_last_utc_day_filed_in_the_next_beirut_month_is_found(tmp_path):
    # 01:30 in Beirut on 1 April is 31 March in UTC: the post is in the April sitemap
    # but inside a range that ends on 31 March.
    site = Replica(seed=7, articles=60)
    head = next(h for h in site.heads if h.variant == "full" and not h.members_only)
    head.published = datetime(2025, 4, 1, 1, 30, tzinfo=BEIRUT)
    site._index()
    with ReplicaServer(site) as server:
        result = run_crawl(
            server.url, tmp_path / "edge.jsonl",
            args={"discover": "sitemap", "since": "2025-03-31", "until": "2025-03-31", "follow": "none"},
            settings={"NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False", "NEWSCRAWL_NOW": site.now.isoformat()},
        )
        requested = {r.path for r in server.log if r.path.startswith("/sitemaps/all/")}
    assert result.returncode == 0, result.stderr[-2000:]
    assert "/sitemaps/all/sitemap-2025-4.xml" in requested
    expected = {k for k, r in site.truth().items() if r["published_at"][:10] == "2025-03-31"}
    assert head.key in expected
    assert {key_of(r) for r in result.records} == expected


MONTH = "/sitemaps/all/sitemap-2025-3.xml.gz"


def one_month_sitemap(responder, month_reply, slow_articles=0.0, served=None):
    """The site's sitemap index lists one monthly file, answered with ``month_reply(host_url)``;
    junk article URLs 404 (after ``slow_articles`` seconds), and set ``served`` on the first."""
    from urllib.parse import unquote

    from tests.outlets.almayadeen.replica.server import Reply

    def respond(site, method, target, host_url, headers=None):
        path = unquote(target.split("?", 1)[0])
        if path == "/sitemaps/all.xml":
            return Reply(200, ('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                               f"<sitemap><loc>{host_url}{MONTH}</loc></sitemap></sitemapindex>").encode(), "application/xml")
        if path == MONTH:
            return month_reply(host_url)
        reply = responder(site, method, target, host_url, headers)
        if "/junk-" in path:
            if served is not None:
                served.set()
            reply.delay = slow_articles
        return reply

    return respond


def junk_urlset(host_url, n):
    return gzip.compress(('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + "".join(
        f"<url><loc>{host_url}/news/politics/junk-{i}</loc></url>" for i in range(n)) + "</urlset>").encode())


SITEMAP_ARGS = {"discover": "sitemap", "since": "2025-03-01", "until": "2025-03-15", "follow": "none"}


@pytest.mark.parametrize("cap,settings", [("bytes", {"NEWSCRAWL_SITEMAP_MAX_BYTES": "50000"}),
                                          ("urls", {"NEWSCRAWL_SITEMAP_MAX_URLS": "300"})])
def test_a_sitemap_past_a_cap_is_cut_counted_and_logged(fresh_server, tmp_path, cap, settings):
    from tests.outlets.almayadeen.replica.server import Reply

    fresh_server.responder = one_month_sitemap(
        fresh_server.responder, lambda host: Reply(200, junk_urlset(host, 2000), "application/gzip"))
    result = run_crawl(fresh_server.url, tmp_path / "out.jsonl", args=SITEMAP_ARGS,
                       settings={"NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False", **settings})
    assert result.returncode == 0, result.stderr[-2000:]
    junk = [r for r in fresh_server.log if "/junk-" in r.path]
    assert result.stats[f"newscrawl/sitemaps/capped/{cap}"] == 1
    assert 0 < len(junk) == result.stats["newscrawl/sitemaps/urls"] < 2000
    if cap == "urls":
        assert len(junk) == 300
    assert result.stderr.count(f"cut at NEWSCRAWL_SITEMAP_MAX_{cap.upper()}") == 1


def crawl_and_stop_once(server_url, tmp_path, served, settings=(), timeout=60):
    """A sitemap backfill with a job directory, stopped by one SIGINT once ``served`` is set:
    how long the stop took, the crawl's log, its job directory and the command (to resume it)."""
    import signal
    import subprocess
    import sys
    import time

    from newscrawl.core.testing import FAST_SETTINGS, ROOT

    jobdir = tmp_path / "job"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "almayadeen", "-a", f"base_url={server_url}",
           "-O", str(tmp_path / "out.jsonl"), "-s", f"JOBDIR={jobdir}"]
    for key, value in {**FAST_SETTINGS, "NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False",
                       **dict(settings)}.items():
        cmd += ["-s", f"{key}={value}"]
    for key, value in SITEMAP_ARGS.items():
        cmd += ["-a", f"{key}={value}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        assert served.wait(60), "the sitemap backfill never reached the point to stop it"
        stopped = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, log = proc.communicate(timeout=timeout)
        took = time.monotonic() - stopped
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return took, log, jobdir, cmd


def test_sitemap_urls_are_queued_lazily_and_a_stop_is_prompt(fresh_server, tmp_path):
    import pickle
    import subprocess
    import threading

    from newscrawl.core.testing import ROOT
    from tests.outlets.almayadeen.replica.server import Reply

    served = threading.Event()
    base = fresh_server.responder
    fresh_server.responder = one_month_sitemap(
        base, lambda host: Reply(200, junk_urlset(host, 3000), "application/gzip"),
        slow_articles=0.2, served=served)
    took, log, jobdir, cmd = crawl_and_stop_once(fresh_server.url, tmp_path, served)
    assert took < 10, f"one SIGINT took {took:.1f}s"
    assert "Spider closed (shutdown)" in log and "Traceback" not in log, log[-2000:]
    stats = dict(re.findall(r"'([^']+)': (\d+)", log.split("Dumping Scrapy stats", 1)[1]))
    # A batch at a time in the scheduler (100 by default), not 3,000 requests.
    assert int(stats["scheduler/enqueued"]) <= 400, stats["scheduler/enqueued"]
    assert int(stats["newscrawl/sitemaps/urls"]) == 3000
    # The rest waits in the job's saved spider state, for the next run.
    state = pickle.loads((jobdir / "spider.state").read_bytes())
    assert len(state["sitemap_pending"]) >= 2600

    # The same command again resumes the job: every URL of the sitemap is requested, none lost.
    fresh_server.responder = one_month_sitemap(
        base, lambda host: Reply(200, junk_urlset(host, 3000), "application/gzip"))
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "Spider closed (finished)" in again.stderr, again.stderr[-2000:]
    junk = {r.path for r in fresh_server.log if "/junk-" in r.path}
    assert junk == {f"/news/politics/junk-{i}" for i in range(3000)}


def test_a_failed_sitemap_is_one_counted_line(fresh_server, tmp_path):
    from tests.outlets.almayadeen.replica.server import Reply

    fresh_server.responder = one_month_sitemap(
        fresh_server.responder, lambda host: Reply(200, b"x" * 1000, "application/gzip", cut=10, content_length=1000, reset=True))
    result = run_crawl(fresh_server.url, tmp_path / "out.jsonl", args=SITEMAP_ARGS,
                       settings={"NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False", "RETRY_TIMES": "0"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stats["newscrawl/sitemaps/failed"] == 1
    assert "Traceback" not in result.stderr and "Error downloading" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if "could not fetch" in line and MONTH in line]) == 1


def test_an_unreadable_sitemap_is_counted_with_what_came_before_kept(fresh_server, tmp_path):
    from tests.outlets.almayadeen.replica.server import Reply

    def broken(host):
        return Reply(200, gzip.decompress(junk_urlset(host, 5))[:-30] + b"<<not xml", "application/xml")

    fresh_server.responder = one_month_sitemap(fresh_server.responder, broken)
    result = run_crawl(fresh_server.url, tmp_path / "out.jsonl", args=SITEMAP_ARGS,
                       settings={"NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stats["newscrawl/sitemaps/malformed"] == 1
    assert len([r for r in fresh_server.log if "/junk-" in r.path]) == result.stats["newscrawl/sitemaps/urls"] == 4


def test_a_stop_during_a_long_sitemap_parse_is_prompt_and_requeues_the_sitemap(fresh_server, tmp_path):
    import json
    import threading

    from tests.outlets.almayadeen.replica.server import Reply

    # Ten million tiny elements (50 KB of gzip): about a minute of parsing, in a thread.
    bomb = gzip.compress(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + b"<x/>" * 10_000_000 + b"</urlset>")
    served = threading.Event()

    def month(host):
        served.set()
        return Reply(200, bomb, "application/gzip")

    fresh_server.responder = one_month_sitemap(fresh_server.responder, month)
    took, log, jobdir, _ = crawl_and_stop_once(fresh_server.url, tmp_path, served,
                                               {"NEWSCRAWL_SITEMAP_MAX_URLS": "1000000"}, timeout=120)
    assert took < 10, f"one SIGINT took {took:.1f}s"
    assert "Spider closed (shutdown)" in log and "Traceback" not in log, log[-2000:]
    # The half-read sitemap is back in the saved queue, to be read whole on resume.
    assert "'newscrawl/stop/postponed': 1" in log
    assert json.loads((jobdir / "requests.queue" / "active.json").read_text())
