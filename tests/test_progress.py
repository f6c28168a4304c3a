"""The progress line of long runs (newscrawl/progress.py) and where cron says its log is."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from newscrawl.core.cron import ROOT
from newscrawl.core.testing import run_crawl

LINE = re.compile(
    r"\[newscrawl\.core\.progress\] INFO: progress(?P<final> \(final\))?: (?P<pages>\d+) pages fetched, "
    r"(?P<items>\d+) articles written, (?P<dropped>\d+) dropped(?: \((?P<reasons>[^)]*)\))?, "
    r"(?P<queued>\d+) requests queued, (?P<flight>\d+) in flight"
    r"(?:; sitemap backfill: (?P<read>\d+)/(?P<monthly>\d+) monthly sitemaps read, "
    r"(?P<done>\d+)/(?P<total>\d+) pages of the range done(?: \((?P<share>\d+)%\))?"
    r"(?:, ETA (?P<eta>[0-9:]+) at (?P<rate>[0-9.]+) pages/s)?)?$",
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
    assert "newscrawl.core.progress" not in result.stderr
    # On by default: the final line of a listing crawl, without the backfill part.
    result = run_crawl(server.url, tmp_path / "two.jsonl", args={"url": url},
                       settings={"NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False"})
    (final,) = LINE.finditer(result.stderr)
    assert final["final"] and final["items"] == "1" and final["done"] is None


def cron(out: Path, *args: str, terminal: bool) -> tuple[int, str]:
    """(exit status, stdout) of a cron run, its stdout a terminal or a pipe. A closed port:
    every request fails at once, and --max-errors lets the run succeed."""
    import pty

    cmd = [sys.executable, "-m", "newscrawl.cron", "--output-dir", str(out), "--max-errors", "1000",
           "-a", "base_url=http://127.0.0.1:1", "-a", "sections=politics", "-s", "RETRY_ENABLED=False",
           "-s", "NEWSCRAWL_BROWSER_ENABLED=False", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if not terminal:
        proc = subprocess.run(cmd, cwd=out.parent, capture_output=True, text=True, timeout=120, env=env)
        return proc.returncode, proc.stdout
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, cwd=out.parent, stdout=slave, stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=120), b"".join(chunks).decode().replace("\r\n", "\n")


def test_cron_says_where_its_log_is_first_on_a_terminal_unless_quiet(tmp_path):
    out = tmp_path / "output"
    code, stdout = cron(out, terminal=True)
    assert code == 0
    first, *rest = stdout.splitlines()
    (log,) = sorted((out / "logs").glob("*.log"))
    assert first == f"newscrawl.cron: almayadeen en: log {log}"
    assert len(rest) == 1 and "finished" in rest[0]
    code, stdout = cron(out, "--quiet", terminal=True)
    assert code == 0 and stdout == ""
    # Under cron (no terminal): the one summary line only, which names the log too.
    code, stdout = cron(out, terminal=False)
    assert code == 0 and stdout.count("\n") == 1 and "finished" in stdout and " log " in stdout


class _Stats:
    def __init__(self, values):
        self.values = values

    def get_value(self, key, default=None):
        return self.values.get(key, default)

    def get_stats(self):
        return dict(self.values)


class _Crawler:
    def __init__(self, values, queued, active):
        from types import SimpleNamespace

        self.stats = _Stats(values)
        self.engine = SimpleNamespace(scheduler=[None] * queued, downloader=SimpleNamespace(active=set(range(active))))


def test_a_resumed_backfill_counts_what_it_inherited_as_left():
    from newscrawl.core.progress import Progress

    crawler = _Crawler({"response_received_count": 40, "item_scraped_count": 30,
                        "newscrawl/dropped/unchanged": 7, "newscrawl/dropped/out_of_range": 3}, queued=58, active=2)
    ext = Progress(crawler, 60)
    ext.backfill, ext.resumed = True, True
    ext.done, ext.first_done_at = 40, None  # the inherited queue: this run scheduled none of it
    line = ext.line()
    assert line == ("progress: 40 pages fetched, 30 articles written, 10 dropped (out_of_range 3, unchanged 7), "
                    "58 requests queued, 2 in flight; sitemap backfill: 0/0 monthly sitemaps read, "
                    "40/100 pages of the range done (40%)")
    assert LINE.fullmatch(line.join(["[newscrawl.core.progress] INFO: ", ""]))
    # A fresh run: what it scheduled and has not fetched is what is left.
    ext.resumed, ext.scheduled = False, 50
    assert "40/50 pages of the range done (80%)" in ext.line()
