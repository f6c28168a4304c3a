"""The progress line of long runs (newscrawl/core/progress.py) and where cron says its log is."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from newscrawl.core.cron import ROOT
from newscrawl.core.testing import run_crawl

LINE = re.compile(
    r"\[newscrawl\.core\.progress\] INFO: progress(?P<final> \(final\))?: (?P<pages>\d+) pages fetched \((?P<per_minute>\d+)/min\), "
    r"(?P<items>\d+) articles and (?P<ticker>\d+) ticker lines written, (?P<dropped>\d+) dropped(?: \((?P<reasons>[^)]*)\))?, "
    r"(?P<queued>\d+) requests queued, (?P<flight>\d+) in flight"
    r"(?:; sitemap backfill: (?P<read>\d+)/(?P<monthly>\d+) monthly sitemaps read, "
    r"(?P<done>\d+)/(?P<total>\d+) pages of the range done(?: \((?P<share>\d+)%\))?"
    r"(?:, ETA (?P<eta>[0-9:]+) at (?P<rate>[0-9.]+) pages/s)?)?"
    r"(?P<more>(?:; [^;\n]+)*)$",
    re.M,
)


def key_of(record):
    return record["post_id"] or record["canonical_url"]


def test_progress_lines_during_a_sitemap_backfill_match_the_final_stats(site, server, tmp_path):
    since, until = "2025-01-01", "2025-06-30"
    result = run_crawl(
        server.url, tmp_path / "backfill.jsonl",
        args={"discover": "sitemap", "since": since, "until": until, "follow": "none"},
        settings={"NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False", "NEWSCRAWL_NOW": site.now.isoformat(),
                  # One page at a time, a little apart: the backfill lasts several intervals.
                  "NEWSCRAWL_PROGRESS_INTERVAL": "0.25", "CONCURRENT_REQUESTS_PER_DOMAIN": "1", "DOWNLOAD_DELAY": "0.03",
                  "RANDOMIZE_DOWNLOAD_DELAY": "False", "DOWNLOAD_DELAY_JITTER": "0"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = list(LINE.finditer(result.stderr))
    assert lines, result.stderr[-3000:]
    *during, final = lines
    assert final["final"] and not any(m["final"] for m in during)
    assert [m for m in during if int(m["done"] or 0) > 0], "no line while pages of the range were fetched"
    # Counts only grow, and the share with them.
    for key in ("pages", "items", "dropped", "done"):
        values = [int(m[key]) for m in lines]
        assert values == sorted(values), key
    assert any(m["eta"] for m in during)

    stats = result.stats
    assert int(final["pages"]) == stats["response_received_count"]
    assert int(final["items"]) == stats.get("item_scraped_count", 0) == len(result.records)
    drops = {k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith("newscrawl/dropped/")}
    assert drops.get("out_of_range"), "the range should end mid-sitemap (posts of July dropped)"
    assert int(final["dropped"]) == sum(drops.values())
    assert dict(part.rsplit(" ", 1) for part in final["reasons"].split(", ")) == {k: str(v) for k, v in drops.items()}
    # Every article page the sitemaps gave was fetched: the range is done, at 100%.
    expected = {k for k, r in site.truth().items() if since <= r["published_at"][:10] <= until}
    assert {key_of(r) for r in result.records} == expected
    assert int(final["read"]) == int(final["monthly"]) == stats["newscrawl/sitemaps/monthly"]
    assert int(final["done"]) == int(final["total"]) == len(expected) + drops["out_of_range"]
    assert final["share"] == "100"
    assert int(final["queued"]) == 0


def test_no_progress_line_when_the_interval_is_zero(site, server, tmp_path):
    url = server.url + "/" + next(iter(site.truth().values()))["canonical_url"].split("/", 3)[3]
    result = run_crawl(server.url, tmp_path / "one.jsonl", args={"url": url},
                       settings={"NEWSCRAWL_STATE": "off", "NEWSCRAWL_PROGRESS_INTERVAL": "0",
                                 "NEWSCRAWL_BROWSER_ENABLED": "False"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(result.records) == 1
    assert "[newscrawl.core.progress]" not in result.stderr
    # On by default: the final line of a listing crawl, without the backfill part.
    result = run_crawl(server.url, tmp_path / "two.jsonl", args={"url": url},
                       settings={"NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False"})
    (final,) = LINE.finditer(result.stderr)
    assert final["final"] and final["items"] == "1" and final["done"] is None


ERASE = "\r\x1b[K"
# One draw of the live line: erase, then the line (it starts with the spider and the edition),
# up to the next control character or newline.
DRAW = re.compile(r"\r\x1b\[K(?P<text>almayadeen en: [^\r\n\x1b]*)")


def on_terminal(cmd: list[str], cwd: Path, env: dict, columns: int = 200) -> tuple[int, str]:
    """(exit status, everything written) of a command whose stdout and stderr are one
    pseudo-terminal of ``columns`` columns."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    # No newline translation: what the program wrote, byte for byte.
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=300), b"".join(chunks).decode()


def shown(terminal: str) -> str:
    """What stays on the screen: every live line erased as it was."""
    return DRAW.sub("", terminal).replace(ERASE, "")


def cron(out: Path, *args: str, terminal: bool) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of a cron run on a terminal (both on it: stderr is "") or
    in pipes. A closed port: every request fails at once, and --max-errors lets the run succeed."""
    cmd = [sys.executable, "-m", "newscrawl.cron", "--output-dir", str(out), "--max-errors", "1000",
           "-a", "base_url=http://127.0.0.1:1", "-a", "sections=politics", "-s", "RETRY_ENABLED=False",
           "-s", "NEWSCRAWL_BROWSER_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if not terminal:
        proc = subprocess.run(cmd, cwd=out.parent, capture_output=True, text=True, timeout=120, env=env)
        return proc.returncode, proc.stdout, proc.stderr
    code, written = on_terminal(cmd, out.parent, env)
    return code, written, ""


def test_cron_on_a_terminal_names_its_log_and_shows_a_live_line_unless_quiet(tmp_path):
    out = tmp_path / "output"
    code, terminal, _ = cron(out, terminal=True)
    assert code == 0
    (log,) = sorted((out / "logs").glob("*.log"))
    first, second = shown(terminal).splitlines()
    assert first == f"newscrawl.cron: almayadeen en: log {log}"
    assert second.startswith("newscrawl.cron: almayadeen en finished in ")
    assert " 0 articles and 0 ticker lines written, 0 dropped, " in second
    draws = [m["text"] for m in DRAW.finditer(terminal)]
    assert draws, terminal
    assert terminal.rstrip("\n").endswith(second) and ERASE + "newscrawl.cron: almayadeen en finished" in terminal
    # --quiet: nothing at all, live line included.
    code, terminal, _ = cron(out, "--quiet", terminal=True)
    assert code == 0 and terminal == ""
    # Under cron (no terminal): the one summary line only, which names the log too; no live line.
    code, stdout, stderr = cron(out, terminal=False)
    assert code == 0 and stdout.count("\n") == 1 and "finished" in stdout and " log " in stdout
    assert stderr == ""
    # The log keeps what the terminal showed live: the progress line (final), and no Scrapy
    # per-minute line repeating it.
    text = sorted((out / "logs").glob("*.log"))[-1].read_text()
    assert "progress (final): " in text and "Crawled 0 pages (at" not in text and ERASE not in text


def test_scrapy_crawl_on_a_terminal_draws_one_live_line_and_erases_it_for_log_lines(site, server, tmp_path):
    paths = ["/" + r["canonical_url"].split("/", 3)[3] for r in list(site.truth().values())[:12]]
    urls = tmp_path / "urls.txt"
    urls.write_text("".join(server.url + path + "\n" for path in paths))
    out = tmp_path / "urls.jsonl"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "almayadeen", "-a", f"base_url={server.url}",
           "-a", f"urls_file={urls}", "-O", str(out)]
    # One page at a time, a little apart: several draws during the run.
    for name, value in {"NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False", "DOWNLOAD_DELAY": "0.05",
                        "RANDOMIZE_DOWNLOAD_DELAY": "False", "DOWNLOAD_DELAY_JITTER": "0", "AUTOTHROTTLE_ENABLED": "False",
                        "CONCURRENT_REQUESTS_PER_DOMAIN": "1", "NEWSCRAWL_LIVE_PROGRESS_INTERVAL": "0.02",
                        "LOG_LEVEL": "INFO"}.items():
        cmd += ["-s", f"{name}={value}"]
    code, terminal = on_terminal(cmd, ROOT, dict(os.environ), columns=120)
    assert code == 0, shown(terminal)[-3000:]
    draws = [m["text"] for m in DRAW.finditer(terminal)]
    assert len(draws) > 2, terminal[-3000:]
    assert all(len(text) <= 119 for text in draws), draws  # cut to the terminal's width
    done = [int(m[1]) for m in (re.search(r"^almayadeen en: urls (\d+)/12 ", d) for d in draws) if m]
    assert done == sorted(done) and done[0] < 12 and any(" ETA " in d for d in draws)
    # Every log line starts on a clean line: the live line is erased before it, never mixed in.
    for line in terminal.split("\n"):
        rest = line.rsplit(ERASE, 1)[-1]
        if re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[", line):
            assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[", rest), repr(line)
    # Erased at the end; the log's last progress line keeps the final counts.
    assert not DRAW.search(terminal[terminal.rindex("progress (final)"):])
    assert "progress (final): " in shown(terminal) and "urls: 12/12 pages done (100%)" in shown(terminal)


class _Stats:
    def __init__(self, values):
        self.values = values

    def get_value(self, key, default=None):
        return self.values.get(key, default)

    def get_stats(self):
        return dict(self.values)


class _Crawler:
    def __init__(self, values, queued=0, active=0):
        from types import SimpleNamespace

        self.stats = _Stats(values)
        self.engine = SimpleNamespace(scheduler=[None] * queued, downloader=SimpleNamespace(active=set(range(active))))


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _spider(**args):
    from types import SimpleNamespace

    defaults = {"discover": "listings", "urls": (), "sections": (), "max_pages": 3, "follow": frozenset({"related"})}
    return SimpleNamespace(name="almayadeen", edition="en", args=SimpleNamespace(**{**defaults, **args}))


def _progress(values, spider, queued=0, active=0):
    from newscrawl.core.progress import Progress

    from types import SimpleNamespace

    from newscrawl.core.runfacts import RunFacts, publish

    clock = _Clock()
    crawler = _Crawler(values, queued, active)
    # What the spider publishes when it is made: its name, edition and arguments.
    publish(crawler, RunFacts(spider=spider.name, outlet=None, edition=SimpleNamespace(code=spider.edition), hosts=None,
                              dataset=spider.name, args=spider.args))
    ext = Progress(crawler, 60, clock=clock)
    ext.plan(spider)
    return ext, clock


def test_articles_and_ticker_lines_are_counted_apart():
    # The reported fault: 1794 "articles written" for 1,788 articles and 6 ticker lines.
    ext, clock = _progress({"response_received_count": 1900, "item_scraped_count": 1794,
                            "newscrawl/emitted/articles": 1788, "newscrawl/emitted/ticker_lines": 6,
                            "newscrawl/dropped/unchanged": 4, "newscrawl/dropped/ticker_seen": 12}, _spider())
    clock.now += 600
    line = ext.line(final=True)
    assert line.startswith("progress (final): 1900 pages fetched (190/min), 1788 articles and 6 ticker lines written, "
                           "4 dropped (unchanged 4), 0 requests queued, 0 in flight")
    assert LINE.fullmatch(line.join(["[newscrawl.core.progress] INFO: ", ""]))
    assert ext.live_text().startswith("almayadeen en: 1900 pages (190/min), 1788 articles + 6 ticker lines written, "
                                      "4 dropped, 0 queued, 0 in flight")


def test_a_resumed_backfill_counts_what_it_inherited_as_left():
    ext, clock = _progress({"response_received_count": 40, "newscrawl/emitted/articles": 30,
                            "newscrawl/dropped/unchanged": 7, "newscrawl/dropped/out_of_range": 3},
                           _spider(discover="sitemap"), queued=58, active=2)
    ext.resumed = True
    ext.tally["sitemap"].done = 40  # the inherited queue: this run scheduled none of it
    line = ext.line()
    assert line == ("progress: 40 pages fetched (0/min), 30 articles and 0 ticker lines written, "
                    "10 dropped (out_of_range 3, unchanged 7), 58 requests queued, 2 in flight; "
                    "sitemap backfill: 0/0 monthly sitemaps read, 40/100 pages of the range done (40%); "
                    "listings: 0/0 sections done (3 pages deep)"[: -len("; listings: 0/0 sections done (3 pages deep)")])
    assert LINE.fullmatch(line.join(["[newscrawl.core.progress] INFO: ", ""]))
    # A fresh run: what it scheduled and has not fetched is what is left.
    ext.resumed, ext.tally["sitemap"].scheduled = False, 50
    assert "40/50 pages of the range done (80%)" in ext.line()


def _request(url="http://127.0.0.1:1/news/politics/a", **kwargs):
    from scrapy import Request

    return Request(url, **kwargs)


def _finish(ext, clock, requests, seconds=1.0):
    for request in requests:
        clock.now += seconds
        ext.finished(request)


def test_a_list_of_urls_has_its_share_done_and_an_eta():
    ext, clock = _progress({}, _spider(urls=tuple(f"u{i}" for i in range(10))))
    requests = [_request(f"http://127.0.0.1:1/news/politics/a{i}", cb_kwargs={"discovered_via": "url"}) for i in range(4)]
    for request in requests:
        ext.scheduled_request(request, None)
    _finish(ext, clock, requests[:3], seconds=2.0)  # one page every 2 s, from the first one back
    # Left: 6 not scheduled yet and 1 in the pipeline; 2 more back in the 4 s since the first.
    assert ext.work_parts(pending=1) == ["urls: 3/10 pages done (30%), ETA 0:00:14 at 0.5 pages/s"]
    # A retry of the last one is a new request on both sides; the share does not go back.
    retry = requests[3].replace(meta={"retry_times": 1})
    ext.finished(requests[3])
    ext.scheduled_request(retry, None)
    assert ext.work_parts(pending=1)[0].startswith("urls: 3/10 pages done (30%)")
    _finish(ext, clock, [retry])
    assert ext.work_parts(pending=0)[0].startswith("urls: 4/10 pages done (40%)")


def test_a_planned_batch_announced_by_a_stat_has_its_own_part():
    ext, clock = _progress({"newscrawl/planned/recheck": 5}, _spider(sections=("politics",)))
    requests = [_request(f"http://127.0.0.1:1/news/politics/r{i}", meta={"newscrawl_work": "recheck"}) for i in range(5)]
    for request in requests:
        ext.scheduled_request(request, None)
    _finish(ext, clock, requests[:2])
    assert "recheck: 2/5 pages done (40%), ETA 0:00:03 at 1.0 pages/s" in ext.work_parts(pending=3)


def parse_listing(response, slug, rendered=False, page=1):  # the callback name the progress line recognises
    return ()


def test_listings_that_follow_no_links_have_an_estimated_eta():
    ext, clock = _progress({}, _spider(sections=("politics", "economy", "sports"), max_pages=2, follow=frozenset()))
    first = _request("http://127.0.0.1:1/news/politics", callback=parse_listing, cb_kwargs={"slug": "politics"})
    ext.scheduled_request(first, None)
    assert ext.work_parts(pending=1) == ["listings: 0/3 sections done (2 pages deep)"]
    _finish(ext, clock, [first])
    second = _request("http://127.0.0.1:1/news/politics?page=2", callback=parse_listing,
                      cb_kwargs={"slug": "politics", "page": 2})
    cards = [_request(f"http://127.0.0.1:1/news/politics/c{i}", cb_kwargs={"discovered_via": "listing:politics"})
             for i in range(8)]
    for request in [second, *cards]:
        ext.scheduled_request(request, None)
    _finish(ext, clock, [second, *cards])
    # politics cost 10 requests; economy and sports are taken to cost as much: 20 to come, at
    # one request a second.
    assert ext.work_parts(pending=0) == ["listings: 1/3 sections done (2 pages deep), ETA ~0:00:20 at 1.0 pages/s"]
    # Following links, the work grows as pages are read: no ETA.
    ext.bounded_listings = False
    assert ext.work_parts(pending=0) == ["listings: 1/3 sections done (2 pages deep)"]


def test_the_live_line_is_off_in_a_pipe_and_when_turned_off(tmp_path):
    from scrapy.settings import Settings

    from newscrawl.core.progress import LiveLine

    read, write = os.pipe()
    try:
        assert LiveLine.from_settings(Settings({"NEWSCRAWL_LIVE_PROGRESS_FD": write})) is None
    finally:
        os.close(read)
        os.close(write)
    import pty

    master, slave = pty.openpty()
    try:
        live = LiveLine.from_settings(Settings({"NEWSCRAWL_LIVE_PROGRESS_FD": slave}))
        assert live is not None
        live.close()
        assert LiveLine.from_settings(Settings({"NEWSCRAWL_LIVE_PROGRESS_FD": slave, "NEWSCRAWL_LIVE_PROGRESS": "off"})) is None
    finally:
        os.close(master)
        os.close(slave)
