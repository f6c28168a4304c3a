"""The scrapyd recipe of the README, run for real: a scrapyd on 127.0.0.1, the project deployed
with ``python -m newscrawl.deploy`` (the egg built outside the checkout), one job scheduled
against the replica, its records compared with the replica's truth and its run summary read."""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from newscrawl.core.deploy import targets
from newscrawl.core.runsummary import read_summary
from newscrawl.core.testing import ROOT, read_jsonl

TIMEOUT = 120
# What the crawl-dependent fields of a record are (the truth leaves them out).
CRAWL_FIELDS = {"url", "crawled_at", "discovered_via", "warc"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Scrapyd:
    """A scrapyd process in its own directory; its log lines are read as they come."""

    def __init__(self, home: Path):
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (home / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            f"bind_address = 127.0.0.1\nhttp_port = {self.port}\n"
            # How often scrapyd looks at its queue (its own timer; the test waits for log lines).
            "poll_interval = 0.1\n"
            "eggs_dir = eggs\nlogs_dir = logs\ndbs_dir = dbs\nitems_dir =\n")
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE")}
        # Started from its own directory, so its jobs import the project from the deployed egg only.
        self.proc = subprocess.Popen([sys.executable, "-m", "scrapyd", "--pidfile="], cwd=home, env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        self.lines: queue.Queue = queue.Queue()
        self.log: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.wait_for(f"Site starting on {self.port}")

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, text: str) -> str:
        """The first log line (from now on) that contains ``text``."""
        while True:
            try:
                line = self.lines.get(timeout=TIMEOUT)
            except queue.Empty:
                raise AssertionError(f"scrapyd never logged {text!r}:\n" + "\n".join(self.log[-40:])) from None
            if line is None:
                raise AssertionError(f"scrapyd ended before logging {text!r}:\n" + "\n".join(self.log[-40:]))
            self.log.append(line)
            if text in line:
                return line

    def call(self, endpoint: str, **fields) -> dict:
        data = urllib.parse.urlencode(list(_pairs(fields))).encode() if fields else None
        with urllib.request.urlopen(f"{self.url}/{endpoint}", data=data, timeout=TIMEOUT) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(timeout=30)  # it ends at the pipe's end, once scrapyd is gone
        self.proc.stdout.close()


def _pairs(fields: dict):
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            yield name, one


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory):
    pytest.importorskip("scrapyd", reason="scrapyd is not installed (requirements-dev.txt pins it)")
    running = Scrapyd(tmp_path_factory.mktemp("scrapyd"))
    try:
        yield running
    finally:
        running.stop()


def checkout_state() -> tuple[str, set[str]]:
    """What a build could leave in the checkout: git's view (untracked and ignored files
    included) where it is a git checkout, and the top-level names."""
    status = ""
    if (ROOT / ".git").exists():
        status = subprocess.run(["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
                                cwd=ROOT, capture_output=True, text=True, check=True).stdout
        # Caches and the test run's own files are not the build's.
        status = "\n".join(line for line in status.splitlines()
                           if "__pycache__" not in line and not line.endswith((".pyc", ".pytest_cache/"))
                           and " output/" not in line and " .venv" not in line)
    return status, {p.name for p in ROOT.iterdir() if p.name not in ("__pycache__", ".pytest_cache")}


def test_scrapy_cfg_has_the_default_deploy_target():
    assert targets(ROOT / "scrapy.cfg")["default"] == {"url": "http://localhost:6800/", "project": "newscrawl"}


def deploy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newscrawl.deploy", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=TIMEOUT)


def test_deploy_names_an_unknown_target_and_an_unreachable_scrapyd():
    proc = deploy("nowhere")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "newscrawl.deploy: unknown target 'nowhere' (scrapy.cfg has default)"
    closed = f"http://127.0.0.1:{free_port()}/"
    proc = deploy("--url", closed)
    assert proc.returncode == 1 and proc.stderr.startswith(f"newscrawl.deploy: cannot reach scrapyd at {closed}"), proc.stderr


def test_deploy_schedule_and_read_the_jobs_records_and_summary(scrapyd, site, server):
    before = checkout_state()
    deployed = deploy("--url", scrapyd.url + "/", "--version", "1")
    assert deployed.returncode == 0, deployed.stderr
    assert deployed.stdout.strip() == f"newscrawl.deploy: project newscrawl version 1 added to {scrapyd.url}/ (spiders: 1)"
    assert checkout_state() == before, "building the egg left files in the checkout"
    assert scrapyd.call("listspiders.json?project=newscrawl")["spiders"] == ["almayadeen"]

    job = scrapyd.call("schedule.json", project="newscrawl", spider="almayadeen", base_url=server.url,
                       sections="politics", follow="most_read", max_pages="1",
                       setting=["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "NEWSCRAWL_BROWSER_ENABLED=False",
                                f"NEWSCRAWL_NOW={site.now.isoformat()}"])
    assert job["status"] == "ok", job
    finished = scrapyd.wait_for(f"job='{job['jobid']}'")
    if "Process started" in finished:
        finished = scrapyd.wait_for(f"job='{job['jobid']}'")
    assert "Process finished" in finished, "\n".join(scrapyd.log[-40:])

    # The job wrote the project's own files, relative to scrapyd's directory, under the mirror's name.
    feeds = scrapyd.home / "output" / f"almayadeen-mirror-127.0.0.1-{server.url.rsplit(':', 1)[1]}" / "en"
    (records_file,) = [p for p in feeds.glob("*.jsonl") if not p.name.endswith(".breaking.jsonl")]
    records = read_jsonl(records_file)
    truth = site.truth()
    expected = site.reachable(js=False, follow=("most_read",), max_pages=1, sections=["politics"])
    assert {r["post_id"] or r["canonical_url"] for r in records} == set(expected)
    for record in records:
        key = record["post_id"] or record["canonical_url"]
        assert {f: v for f, v in record.items() if f not in CRAWL_FIELDS} == {
            f: v for f, v in truth[key].items() if f not in CRAWL_FIELDS}, key

    (summary_file,) = feeds.glob("*.summary.json")
    summary = read_summary(summary_file)
    assert summary.finish_reason == "finished"
    assert summary.data["articles"] == len(records)
    assert summary.data["arguments"]["base_url"] == server.url
    assert "_job" not in summary.data["arguments"]
    assert scrapyd.call("listjobs.json?project=newscrawl")["finished"][0]["id"] == job["jobid"]
