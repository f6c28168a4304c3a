"""Kill a crawl with SIGKILL at ten seeded points, start it again each time: the union of
the outputs is exactly the clean crawl's set of posts, no duplicate, no partial line."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

from newscrawl.core.merge import merge
from newscrawl.core.testing import FAST_SETTINGS, ROOT, read_jsonl, run_crawl


def key_of(record):
    return record["post_id"] or record["canonical_url"]


def crawl_command(base_url, out, settings):
    cmd = [sys.executable, "-m", "scrapy", "crawl", "almayadeen", "-a", f"base_url={base_url}", "-O", str(out)]
    for key, value in {**FAST_SETTINGS, **settings}.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def test_killed_and_restarted_crawls_lose_nothing_and_duplicate_nothing(site, server, tmp_path):
    settings = {"NEWSCRAWL_STATE_PATH": str(tmp_path / "state.sqlite3"), "NEWSCRAWL_BROWSER_ENABLED": "False",
                "NEWSCRAWL_NOW": site.now.isoformat()}
    rng = random.Random(20261125)
    runs = tmp_path / "runs"
    runs.mkdir()
    outputs = []
    kills = 0
    for attempt in range(10):
        out = runs / f"killed-{attempt}.jsonl"
        outputs.append(out)
        threshold = rng.randrange(5, 60)  # records written before the kill
        proc = subprocess.Popen(crawl_command(server.url, out, settings), cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if out.exists() and out.read_bytes().count(b"\n") >= threshold:
                proc.send_signal(signal.SIGKILL)
                kills += 1
                break
            time.sleep(0.005)
        proc.wait()
    assert kills >= 8, "the crawls ended before they could be killed"
    final = run_crawl(server.url, runs / "final.jsonl", settings=settings)
    assert final.returncode == 0, final.stderr[-2000:]
    outputs.append(final.output)

    keys = []
    for out in outputs:
        data = out.read_bytes() if out.exists() else b""
        assert not data or data.endswith(b"\n"), f"{out.name} ends in a partial line"
        keys += [key_of(r) for r in read_jsonl(out)]
    # A kill between a line's write and the store's commit is caught up by the next
    # run (it reads the killed run's output back), so no post is emitted twice.
    assert set(keys) == set(site.reachable(js=False))
    assert len(keys) == len(set(keys)), "a post was emitted twice across the runs"
    dataset = tmp_path / "dataset.jsonl"
    merge("en", runs, dataset)
    merged = [key_of(r) for r in read_jsonl(dataset)]
    assert len(merged) == len(set(merged)) and set(merged) == set(site.reachable(js=False))
