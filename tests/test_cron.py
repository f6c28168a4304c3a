"""newscrawl.cron: the lock, exit codes, the job directory, run logs, and a real scheduled run."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pickle
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from newscrawl.core import cron
from newscrawl.core.cron import EX_FAILED, EX_LOCKED, EX_OK, EX_USAGE, JOB_META, ROOT, Paths
from newscrawl.core.merge import merge
from newscrawl.core.testing import read_jsonl
from tests.outlets.almayadeen.replica import Replica, ReplicaServer
from tests.outlets.almayadeen.replica.server import LISTING_PATHS

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]
# A crawl of a closed port: no browser, no retries, one listing.
DEAD_SITE = ["-a", "base_url=http://127.0.0.1:1", "-a", "sections=politics", "-s", "RETRY_ENABLED=False",
             "-s", "NEWSCRAWL_BROWSER_ENABLED=False"]


def run_cron(out: Path, *args: str) -> subprocess.Popen:
    """``python -m newscrawl.cron`` as cron runs it: another working directory, a bare environment."""
    return subprocess.Popen(
        [sys.executable, "-m", "newscrawl.cron", "--output-dir", str(out), *args],
        cwd=out.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return proc.returncode, stdout, stderr


def logs(out: Path) -> list[Path]:
    return sorted((out / "logs").glob("almayadeen*-en-*.log"))  # the live site's or a mirror's


# --- the lock ---------------------------------------------------------------------------
def test_a_held_lock_refuses_the_run_with_exit_75(tmp_path):
    out = tmp_path / "output"
    lock = out / Paths(Path("."), "en", cron.dataset_of("en", DEAD_SITE[1:2])).lock
    lock.parent.mkdir(parents=True)
    with lock.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fh.write(json.dumps({"pid": os.getpid(), "started_at": "2026-11-20T09:00:00+00:00"}))
        fh.flush()
        code, stdout, stderr = finish(run_cron(out, *DEAD_SITE), timeout=60)
    assert code == EX_LOCKED == 75
    assert stdout == ""
    assert stderr.count("\n") == 1
    assert f"pid {os.getpid()} since 2026-11-20T09:00:00+00:00 still holds" in stderr
    assert not (out / "logs").exists() and not (out / "state" / "jobs").exists()  # nothing was done


def test_the_lock_is_per_edition_and_released_after_a_run(tmp_path):
    paths = Paths(tmp_path, "en")
    fd = cron.acquire_lock(paths.lock, {"pid": 1, "started_at": "x"})
    try:
        with pytest.raises(cron.Locked, match="pid 1 since x"):
            cron.acquire_lock(paths.lock, {"pid": 2})
        other = cron.acquire_lock(Paths(tmp_path, "ar").lock, {"pid": 3})
        os.close(other)
    finally:
        os.close(fd)
    os.close(cron.acquire_lock(paths.lock, {"pid": 4}))


# --- exit codes -------------------------------------------------------------------------
def test_a_dead_site_fails_the_run(tmp_path):
    """Scrapy itself exits 0 with reason 'finished' when nothing answers: the error count catches it."""
    out = tmp_path / "output"
    code, stdout, stderr = finish(run_cron(out, "--max-errors", "0", *DEAD_SITE, *FAST))
    assert code == EX_FAILED, stderr
    assert stdout == ""
    assert stderr.count("\n") == 1 and "FAILED" in stderr and "more than --max-errors 0" in stderr
    [log] = logs(out)
    text = log.read_text()
    assert "Connection refused" in text
    assert "INFO: Spider closed (finished)" in text  # what Scrapy really reports
    assert "job directory cleared" in text
    assert not (out / Paths(Path("."), "en", cron.dataset_of("en", DEAD_SITE[1:2])).jobdir).exists()


def test_the_default_error_threshold_tolerates_a_few_errors(tmp_path):
    out = tmp_path / "output"
    code, stdout, stderr = finish(run_cron(out, *DEAD_SITE, *FAST))
    assert code == EX_OK, stderr
    assert stdout.startswith("newscrawl.cron: almayadeen en finished in ") and stdout.count("\n") == 1
    assert " 0 articles and 0 ticker lines written, 0 dropped, " in stdout and " errors; log " in stdout


def test_a_refused_spider_argument_exits_2(tmp_path):
    out = tmp_path / "output"
    code, stdout, stderr = finish(run_cron(out, "-a", "max_pages=0"), timeout=120)
    assert code == EX_USAGE
    assert stderr.count("\n") == 1 and "argument max_pages" in stderr
    assert not (out / "state" / "jobs" / "en").exists()


@pytest.mark.parametrize("argv", [
    ["-a", "edition=ar"],
    ["-a", "novalue"],
    ["-s", "JOBDIR=/tmp/elsewhere"],
    ["--max-errors", "-1"],
    ["--resume-max-age", "nan"],
    ["--resume-max-age", "inf"],
    ["--resume-max-age", "-1"],
    ["--log-days", "nan"],
    ["--log-days", "1e400"],
])
def test_bad_command_line_exits_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cron.main(argv)
    assert exc.value.code == EX_USAGE
    assert "error:" in capsys.readouterr().err


# --- the job directory ------------------------------------------------------------------
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
DAY = timedelta(hours=24)


def saved_job(jobdir: Path, state: str, created: datetime = NOW - timedelta(hours=1)) -> None:
    (jobdir / "requests.queue").mkdir(parents=True)
    (jobdir / "requests.seen").write_bytes(b"\x00\x01x")
    (jobdir / JOB_META).write_text(json.dumps({"created_at": created.isoformat(), "state": state}))


def test_a_cleanly_stopped_job_is_resumed(tmp_path):
    saved_job(tmp_path / "job", "resumable")
    created, note = cron.prepare_jobdir(tmp_path / "job", NOW, fresh=False, max_age=DAY)
    assert note.startswith("resuming") and created == (NOW - timedelta(hours=1)).isoformat()
    assert (tmp_path / "job" / "requests.seen").exists()
    assert json.loads((tmp_path / "job" / JOB_META).read_text())["state"] == "running"


@pytest.mark.parametrize("state,created,fresh,why", [
    ("running", NOW - timedelta(hours=1), False, "did not close cleanly"),  # killed -9, crashed
    ("resumable", NOW - timedelta(hours=30), False, "--resume-max-age"),
    ("resumable", NOW - timedelta(hours=1), True, "--fresh"),
])
def test_an_unusable_job_is_discarded(tmp_path, state, created, fresh, why):
    saved_job(tmp_path / "job", state, created)
    created_at, note = cron.prepare_jobdir(tmp_path / "job", NOW, fresh=fresh, max_age=DAY)
    assert note.startswith("discarded") and why in note
    assert created_at == NOW.isoformat()
    assert sorted(p.name for p in (tmp_path / "job").iterdir()) == [JOB_META]


def fifo_queue(directory: Path, requests: int = 5) -> Path:
    """A queuelib FIFO disk queue of pickled request dicts, as Scrapy's PickleFifoDiskQueue writes it."""
    from queuelib.queue import FifoDiskQueue

    queue = FifoDiskQueue(directory)
    for n in range(requests):
        queue.push(pickle.dumps({"url": f"http://127.0.0.1/news/{n:04d}", "priority": 1}, protocol=4))
    queue.close()
    return directory


def damage(queue: Path, how: str) -> None:
    chunk = queue / "q00000"
    data = chunk.read_bytes()
    record = len(data) // 5  # five requests of the same length
    if how == "cut mid-request":
        chunk.write_bytes(data[:-10])
    elif how == "cut between requests":
        chunk.write_bytes(data[:2 * record])
    elif how == "not a pickle":
        chunk.write_bytes(data[:record + 4] + b"\xff" * (record - 4) + data[2 * record:])
    elif how == "size beyond the files":
        info = json.loads((queue / "info.json").read_text())
        (queue / "info.json").write_text(json.dumps({**info, "size": info["size"] + 1}))
    elif how == "info.json not JSON":
        (queue / "info.json").write_text('{"chunksize": 100000, "si')
    elif how == "active.json not JSON":
        (queue.parent.parent / "active.json").write_text("{")


def test_a_readable_saved_queue_is_resumed(tmp_path):
    saved_job(tmp_path / "job", "resumable")
    fifo_queue(tmp_path / "job" / "requests.queue" / "127.0.0.1-abc" / "1")
    (tmp_path / "job" / "requests.queue" / "active.json").write_text('{"127.0.0.1": [1]}')
    _, note = cron.prepare_jobdir(tmp_path / "job", NOW, fresh=False, max_age=DAY)
    assert note.startswith("resuming")


@pytest.mark.parametrize("how", ["cut mid-request", "cut between requests", "not a pickle", "size beyond the files",
                                 "info.json not JSON", "active.json not JSON"])
def test_a_saved_queue_that_cannot_be_read_is_moved_aside_and_the_run_starts_fresh(tmp_path, how):
    """Issue 22 case 3: a truncated queue file kept the resumed crawl waiting for ever."""
    job = tmp_path / "job"
    saved_job(job, "resumable")
    queue = fifo_queue(job / "requests.queue" / "127.0.0.1-abc" / "1")
    (job / "requests.queue" / "active.json").write_text('{"127.0.0.1": [1]}')
    damage(queue, how)
    before = sorted(p.relative_to(job) for p in job.rglob("*"))
    created_at, note = cron.prepare_jobdir(job, NOW, fresh=False, max_age=DAY)
    assert note.startswith("WARNING: the saved request queue cannot be read (requests.queue/")
    assert note.endswith("; starting fresh")
    assert created_at == NOW.isoformat()
    assert sorted(p.name for p in job.iterdir()) == [JOB_META]  # a new job
    [aside] = tmp_path.glob("job.broken-*")
    assert f"moved aside to {aside};" in note
    assert sorted(p.relative_to(aside) for p in aside.rglob("*")) == before  # nothing deleted


def test_a_stalled_crawls_job_is_moved_aside(tmp_path):
    job = tmp_path / "job"
    saved_job(job, "running")
    note = cron.settle_jobdir(job, "t0", "stalled")
    [aside] = tmp_path.glob("job.broken-*")
    assert "moved aside" in note and (aside / "requests.seen").exists() and not job.exists()


def test_a_job_directory_without_our_marker_is_discarded(tmp_path):
    (tmp_path / "job" / "requests.queue").mkdir(parents=True)
    _, note = cron.prepare_jobdir(tmp_path / "job", NOW, fresh=False, max_age=DAY)
    assert note.startswith("discarded")


def test_settle_after_the_crawl(tmp_path):
    job = tmp_path / "job"
    saved_job(job, "running")
    assert "kept" in cron.settle_jobdir(job, "t0", "shutdown")
    assert json.loads((job / JOB_META).read_text()) == {"created_at": "t0", "state": "resumable", "reason": "shutdown"}
    cron.settle_jobdir(job, "t0", None)  # no close line: left as is, the next run discards it
    assert (job / "requests.seen").exists()
    assert "cleared" in cron.settle_jobdir(job, "t0", "finished")
    assert not job.exists()


# --- logs and outcome -------------------------------------------------------------------
def test_old_logs_are_pruned_by_count_and_age(tmp_path):
    paths = Paths(tmp_path, "en")
    paths.logs.mkdir()
    now = 1_800_000_000.0
    made = []
    for day in range(10):
        path = paths.logs / f"almayadeen-en-202611{day + 10:02d}T090000Z.log"
        path.write_text("x")
        os.utime(path, (now - (9 - day) * 86400, now - (9 - day) * 86400))
        made.append(path)
    other = paths.logs / "almayadeen-ar-20261101T090000Z.log"
    other.write_text("x")
    os.utime(other, (now - 90 * 86400,) * 2)
    current = made[-1]

    deleted = cron.prune_logs(paths, keep=5, days=0, current=current, now=now)
    assert sorted(deleted) == made[:5]
    deleted = cron.prune_logs(paths, keep=0, days=2.5, current=current, now=now)
    assert sorted(deleted) == made[5:7]
    assert sorted(paths.logs.iterdir()) == [other, *made[7:]]  # other editions are not ours to prune


def test_outcome_from_the_summary_the_crawl_was_told_to_write(tmp_path):
    """The finish reason and counts come from the run summary; the log gives only its last line."""
    log = tmp_path / "run.log"
    log.write_text(
        "2026-11-20 09:00:00 [scrapy.statscollectors] INFO: Dumping Scrapy stats:\n"
        "{'finish_reason': 'finished',\n 'log_count/ERROR': 999}\n"
        "2026-11-20 09:01:00 [scrapy.core.engine] INFO: Spider closed (finished)\n"
    )
    summary = tmp_path / "2026-11-20T09-00-00+00-00.summary.json"
    summary.write_text(json.dumps({"finish_reason": "closespider_errorcount", "stats": {
        "downloader/request_count": 87, "elapsed_time_seconds": 6.25, "finish_reason": "closespider_errorcount",
        "item_scraped_count": 12, "log_count/ERROR": 4, "start_time": "2026-11-20T09:00:00+00:00"}}))
    outcome = cron.read_outcome(0, log, summary)
    assert outcome.reason == "closespider_errorcount" and outcome.summary.path == summary
    assert outcome.stats == {"downloader/request_count": 87, "elapsed_time_seconds": 6.25,
                             "item_scraped_count": 12, "log_count/ERROR": 4}
    assert outcome.errors == 4
    assert outcome.last_line.endswith("Spider closed (finished)")


@pytest.mark.parametrize("content", [None, "", '{"finish_reason": "fin', "[1, 2]", '{"stats": {}}'],
                         ids=["missing", "empty", "cut-short", "not-an-object", "no-finish-reason"])
def test_no_usable_summary_is_a_failed_run_said_in_one_line(tmp_path, content, capsys):
    """Whatever the log says: without the summary it asked for, cron takes the crawl as never closed."""
    log = tmp_path / "run.log"
    log.write_text("2026-11-20 09:01:00 [scrapy.core.engine] INFO: Spider closed (finished)\n")
    summary = tmp_path / "run.summary.json"
    if content is not None:
        summary.write_text(content)
    outcome = cron.read_outcome(0, log, summary)
    assert outcome.summary is None and outcome.reason is None
    opts = cron.parse_args([])
    assert cron.report(opts, "almayadeen en", outcome, log, "1s") == EX_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"the crawl wrote no run summary ({summary} is missing" in err


# --- real scheduled runs against the replica --------------------------------------------
@pytest.fixture
def replica():
    site = Replica(articles=60)
    with ReplicaServer(site) as server:
        yield site, server


def replica_args(site, server, *extra: str) -> list[str]:
    # max_pages=1: no "Load more", so no browser; the listings' first pages are enough here.
    return ["-a", f"base_url={server.url}", "-a", "max_pages=1", *FAST,
            "-s", f"NEWSCRAWL_NOW={site.now.isoformat()}", *extra]


def mirror(server) -> Paths:
    """The paths of a scheduled crawl of the replica: a mirror, kept apart from the live dataset."""
    return Paths(Path("."), "en", cron.dataset_of("en", [f"base_url={server.url}"]))


def home_hits(server) -> int:
    return sum(1 for r in server.log if r.path == "/")


def records(out: Path, server) -> list[dict]:
    found = []
    for path in sorted((out / mirror(server).feeds).glob("*.jsonl")):
        if not path.name.endswith(".breaking.jsonl"):
            found += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in found if "canonical_url" in r]


def test_a_scheduled_run_of_the_replica(replica, tmp_path):
    site, server = replica
    out = tmp_path / "output"
    code, stdout, stderr = finish(run_cron(out, *replica_args(site, server)))
    assert code == EX_OK, stderr
    assert stderr == ""
    assert stdout.startswith("newscrawl.cron: almayadeen en finished in ") and stdout.count("\n") == 1
    [log] = logs(out)
    assert f"log {log}" in stdout
    text = log.read_text()
    assert "INFO: Spider closed (finished)" in text
    assert "job directory cleared (crawl finished)" in text
    assert not (out / mirror(server).jobdir).exists()
    # one run, one time: the summary cron read is beside the run's feed, under the same name
    [summary] = (out / mirror(server).feeds).glob("*.summary.json")
    assert stdout.rstrip().endswith(f"; summary {summary}")
    assert (out / mirror(server).feeds / summary.name.replace(".summary.json", ".jsonl")).is_file()
    got = records(out, server)
    assert got and {r["post_id"] or r["canonical_url"] for r in got} <= set(site.truth())
    assert home_hits(server) == 1


def test_two_runs_started_at_once_crawl_once(replica, tmp_path):
    site, server = replica
    out = tmp_path / "output"
    first, second = run_cron(out, *replica_args(site, server)), run_cron(out, *replica_args(site, server))
    results = sorted([finish(first), finish(second)])
    assert [code for code, _, _ in results] == [EX_OK, EX_LOCKED]
    assert "still holds" in results[1][2]
    assert home_hits(server) == 1
    assert len(logs(out)) == 1


def test_a_stopped_run_is_resumed_and_the_next_one_starts_fresh(replica, tmp_path):
    site, server = replica
    out = tmp_path / "output"
    jobdir = out / mirror(server).jobdir

    # 1. stopped early by a limit: fails, and keeps its queue for the next run
    code, _, stderr = finish(run_cron(out, *replica_args(site, server, "-s", "CLOSESPIDER_PAGECOUNT=5")))
    assert code == EX_FAILED and "finish reason 'closespider_pagecount'" in stderr
    assert json.loads((jobdir / JOB_META).read_text())["state"] == "resumable"
    assert (jobdir / "requests.seen").exists() and (jobdir / "requests.queue" / "active.json").exists()

    # 2. resumes the saved queue (the home page is not fetched again) and finishes
    code, stdout, stderr = finish(run_cron(out, *replica_args(site, server)))
    assert code == EX_OK, stderr
    text = logs(out)[-1].read_text()
    assert "resuming the request queue" in text and "Resuming crawl (" in text
    assert home_hits(server) == 1
    assert not jobdir.exists()

    # 3. the next scheduled run is a whole new crawl: nothing is filtered by the last one
    requests_before = len(server.log)
    code, stdout, stderr = finish(run_cron(out, *replica_args(site, server)))
    assert code == EX_OK, stderr
    assert home_hits(server) == 2
    assert set(LISTING_PATHS) <= {r.path for r in server.log[requests_before:]}  # every listing again
    assert len(logs(out)) == 3

    # stopped + resumed, the runs together miss nothing a crawl can reach, and merge to one line a post
    result = merge("en", out / mirror(server).feeds, out / "merged.jsonl")
    keys = [r["post_id"] or r["canonical_url"] for r in read_jsonl(out / "merged.jsonl")]
    assert len(keys) == len(set(keys)) == result.count
    assert set(keys) == {r["post_id"] or r["canonical_url"] for r in records(out, server)}
    assert set(keys) == set(site.reachable(js=False, max_pages=1))


@contextlib.contextmanager
def stopped_job(tmp_path: Path):
    """A replica, and a scheduled run of it stopped by a limit: its queue saved, resumable.
    Yields (site, server, output dir)."""
    site = Replica(articles=60)
    with ReplicaServer(site) as server:
        out = tmp_path / "output"
        code, _, stderr = finish(run_cron(out, *replica_args(site, server, "-s", "CLOSESPIDER_PAGECOUNT=5")))
        assert code == EX_FAILED and "closespider_pagecount" in stderr
        yield site, server, out


def truncate_queue(jobdir: Path) -> Path:
    """Cut the largest queue chunk of a saved job in half, as a full disk or a crash would."""
    chunk = max((jobdir / "requests.queue").rglob("q00000"), key=lambda p: p.stat().st_size)
    with chunk.open("r+b") as fh:
        fh.truncate(chunk.stat().st_size // 2)
    return chunk


def finish_or_stop(proc: subprocess.Popen, timeout: float) -> tuple[int, str, str]:
    """``finish``, but a run still going after ``timeout`` is stopped with SIGTERM (which it
    passes on to its crawl: no crawl is left behind holding the lock) and the test fails."""
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
        return proc.returncode, stdout, stderr
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        finish(proc, 60)
    pytest.fail(f"the run was still going after {timeout} s")


def test_a_truncated_queue_does_not_hang_the_next_scheduled_run(tmp_path):
    """Issue 22 case 3: the next run moves the queue aside with one warning and crawls afresh."""
    with stopped_job(tmp_path) as (site, server, out):
        jobdir = out / mirror(server).jobdir
        truncate_queue(jobdir)
        code, stdout, stderr = finish_or_stop(run_cron(out, *replica_args(site, server)), timeout=90)
        assert code == EX_OK, stderr
        assert home_hits(server) == 2  # a fresh crawl: the home page again
    assert stderr.count("\n") == 1 and "WARNING: the saved request queue cannot be read" in stderr
    [aside] = jobdir.parent.glob(jobdir.name + ".broken-*")
    assert f"moved aside to {aside}; starting fresh" in stderr
    assert (aside / "requests.seen").exists() and list((aside / "requests.queue").rglob("q00000"))
    assert stdout.startswith("newscrawl.cron: almayadeen en finished in ")
    assert "UnpicklingError" not in logs(out)[-1].read_text()
    assert not jobdir.exists()


def test_sigterm_stops_the_crawl_gracefully_and_keeps_its_queue(replica, tmp_path):
    site, server = replica
    out = tmp_path / "output"
    # slow enough that the crawl is still running when the signal comes
    proc = run_cron(out, *replica_args(site, server, "-s", "DOWNLOAD_DELAY=0.2",
                                        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"))
    try:
        while len(server.log) < 4:  # wait for the crawl to be under way
            with pytest.raises(subprocess.TimeoutExpired):
                proc.wait(timeout=0.05)
        proc.send_signal(signal.SIGTERM)
    finally:
        code, stdout, stderr = finish(proc)
    assert code == EX_FAILED and "finish reason 'shutdown'" in stderr
    jobdir = out / mirror(server).jobdir
    assert json.loads((jobdir / JOB_META).read_text())["state"] == "resumable"
    assert (jobdir / "requests.queue" / "active.json").exists()


def test_the_crawl_writes_feeds_and_state_under_the_output_dir(tmp_path):
    settings = cron.output_settings(Paths(tmp_path, "en"))
    feeds = json.loads(settings["FEEDS"])
    assert feeds and all(uri.startswith(f"{tmp_path}/%(dataset)s/") for uri in feeds)
    assert any(uri.endswith(".breaking.jsonl") for uri in feeds)  # every project feed, options kept
    assert settings["NEWSCRAWL_STATE_PATH"].startswith(f"{tmp_path}/state/")
    stamp = "2026-11-20T09-00-00+00-00"
    cmd = cron.scrapy_command("en", ["sections=politics"], ["LOG_LEVEL=DEBUG", "NEWSCRAWL_INCREMENTAL=False",
                                                            "NEWSCRAWL_SUMMARY_PATH=/tmp/elsewhere.json"],
                              Paths(tmp_path, "en"), stamp)
    # scheduled runs are incremental unless told otherwise: the user's -s comes later and wins
    assert cmd.index("NEWSCRAWL_INCREMENTAL=True") < cmd.index("NEWSCRAWL_INCREMENTAL=False")
    # ... but not for the summary cron reads the outcome from, nor the queue it manages
    summary = f"{tmp_path}/almayadeen/en/{stamp}.summary.json"
    assert cmd[-4:] == ["-s", f"NEWSCRAWL_SUMMARY_PATH={summary}", "-s", f"JOBDIR={tmp_path}/state/jobs/en"]
    # the run's feeds carry its start time, as its summary and log do
    feeds = json.loads(next(c for c in cmd if c.startswith("FEEDS=")).partition("=")[2])
    assert f"{tmp_path}/%(dataset)s/%(edition)s/{stamp}.jsonl" in feeds
    assert cmd.index("LOG_LEVEL=DEBUG") > cmd.index(f"NEWSCRAWL_STATE_PATH={settings['NEWSCRAWL_STATE_PATH']}")


# --- coverage: a site that changed makes the scheduled run fail, naming the field -------
@pytest.fixture(scope="module")
def renamed_by_label():
    # Every page without metadata, and "By" renamed: no page shows authors any more.
    site = Replica(seed=3, articles=40, variant="html_only", labels={"by": "Written by"})
    with ReplicaServer(site) as server:
        yield site, server


def test_a_field_below_the_editions_minimum_fails_the_run_naming_it(renamed_by_label, tmp_path):
    site, server = renamed_by_label
    out = tmp_path / "output"
    code, stdout, stderr = finish(run_cron(out, *replica_args(site, server, "-s", "NEWSCRAWL_STATE=off")))
    assert code == EX_FAILED, stderr
    assert stderr.count("\n") == 1 and "coverage below the edition's minimum: authors 0% < 90%" in stderr
    [summary] = out.rglob("*.summary.json")  # a replica's runs are kept apart from the live dataset
    coverage = json.loads(summary.read_text())["coverage"]
    assert [b["field"] for b in coverage["below_minimum"]] == ["authors"]
    assert "by" in coverage["labels_missing"]
    [log] = (out / "logs").glob("*.log")
    assert "WARNING: coverage: authors found in 0.0% of records" in log.read_text()
    # Accepted on purpose: the same run exits 0.
    code, _, stderr = finish(run_cron(tmp_path / "again", *replica_args(site, server, "-s", "NEWSCRAWL_STATE=off"),
                                      "--min-coverage", "off"))
    assert code == EX_OK, stderr


def test_a_symlink_at_the_lock_path_is_refused_and_its_target_kept(tmp_path, capsys):
    """The lock is opened with O_NOFOLLOW: a planted symlink must not truncate its target."""
    out = tmp_path / "output"
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    lock = Paths(out, "en", cron.dataset_of("en", DEAD_SITE[1:2])).lock
    lock.parent.mkdir(parents=True)
    lock.symlink_to(target)
    assert cron.main(["--output-dir", str(out), *DEAD_SITE]) == EX_FAILED
    assert target.read_text() == "keep me\n"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "symbolic link" in err
    assert not (out / "logs").exists()  # nothing was run


def test_a_state_directory_that_is_a_file_is_named_so_not_as_a_lock_problem(tmp_path, capsys):
    """Issue 22: ``output/state`` a regular file gave "cannot take the lock ...: File exists".
    (``output`` itself a file is a usage error found before: the next test.)"""
    out = tmp_path / "output"
    out.mkdir()
    in_the_way = out / "state"
    in_the_way.write_text("not a directory\n")
    assert cron.main(["--output-dir", str(out), *DEAD_SITE]) == EX_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "File exists" not in err
    assert f"cannot take the lock {Paths(out, 'en', cron.dataset_of('en', DEAD_SITE[1:2])).lock}: " in err
    assert f": {in_the_way} is a file, where a directory is expected" in err
    assert in_the_way.read_text() == "not a directory\n"  # left as it was


def test_an_output_dir_that_is_a_file_is_a_usage_error_before_the_lock(tmp_path, capsys):
    out = tmp_path / "output"
    out.write_text("not a directory\n")
    with pytest.raises(SystemExit) as stop:
        cron.main(["--output-dir", str(out), *DEAD_SITE])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f"--output-dir {out} is not a directory" in err and "Traceback" not in err
    assert out.read_text() == "not a directory\n"  # left as it was


def test_a_logs_path_that_is_a_file_fails_in_one_line_before_crawling(tmp_path, capsys):
    """Issue 22 case 10: ``output/logs`` a file gave a FileExistsError traceback."""
    out = tmp_path / "output"
    out.mkdir()
    (out / "logs").write_text("not a directory\n")
    assert cron.main(["--output-dir", str(out), *DEAD_SITE]) == EX_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"cannot create the run log in {out / 'logs'}: it is not a directory; nothing was crawled" in err
    assert (out / "logs").read_text() == "not a directory\n"
    assert not (out / "state" / "jobs").exists()  # no crawl was prepared


def test_a_mirror_has_its_own_lock_queue_feeds_and_logs(tmp_path):
    """A replica's data, memory and queue never mix with the live site's (issue 14 item 15)."""
    live = Paths(tmp_path, "en", cron.dataset_of("en", ["sections=politics"]))
    replica = Paths(tmp_path, "en", cron.dataset_of("en", ["base_url=http://127.0.0.1:8000/"]))
    assert live == Paths(tmp_path, "en")
    assert (live.feeds, live.jobdir, live.lock) == (tmp_path / "almayadeen" / "en", tmp_path / "state" / "jobs" / "en",
                                                   tmp_path / "state" / "cron-en.lock")
    assert replica.feeds == tmp_path / "almayadeen-mirror-127.0.0.1-8000" / "en"
    assert replica.jobdir == tmp_path / "state" / "jobs" / "almayadeen-mirror-127.0.0.1-8000-en"
    assert replica.lock != live.lock and replica.log_glob() != live.log_glob()
    # the live host given explicitly is the live dataset
    assert cron.dataset_of("en", ["base_url=https://english.almayadeen.net"]) == "almayadeen"


def test_a_second_outlets_runs_have_their_own_names(tmp_path, monkeypatch):
    """--spider: another outlet's live data, lock, queue and logs carry its name, and its
    crawl is its own spider's; an unknown spider is refused before anything runs."""
    from newscrawl import outlets

    monkeypatch.setitem(outlets.REGISTRY, "harbour", "tests.outlets.harbour")
    paths = Paths(tmp_path, "en", cron.dataset_of("en", [], "harbour"), "harbour")
    assert paths.feeds == tmp_path / "harbour" / "en"
    assert (paths.lock.name, paths.jobdir.name) == ("cron-harbour-en.lock", "harbour-en")
    assert paths.lock != Paths(tmp_path, "en").lock
    assert cron.scrapy_command("en", [], [], paths, "stamp")[3:5] == ["crawl", "harbour"]
    assert cron.dataset_of("en", ["base_url=http://127.0.0.1:8000/"], "harbour") == "harbour-mirror-127.0.0.1-8000"
    with pytest.raises(SystemExit) as exit_:
        cron.parse_args(["--spider", "nosuch"])
    assert exit_.value.code == 2


def test_a_scheduled_run_with_an_unusable_state_database_fails(tmp_path):
    """/dev/zero as the state database: the crawl stops before it starts, and cron says so (item 2)."""
    out = tmp_path / "output"
    code, stdout, stderr = finish(run_cron(out, *DEAD_SITE, *FAST, "-s", "NEWSCRAWL_STATE_PATH=/dev/zero"))
    assert code == EX_FAILED, stderr
    assert stdout == "" and stderr.count("\n") == 1
    assert "finish reason 'state_unusable'" in stderr and "state database /dev/zero cannot be used" in stderr
    assert " mv " not in stderr
    [log] = logs(out)
    assert "Connection refused" not in log.read_text()  # no request was made


CHILD_COUNTING_SIGTERMS = r"""
import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
parent = os.getppid()
def caught(pid):  # the parent's handler is in place (SigCgt holds SIGTERM's bit)
    with open(f"/proc/{pid}/status") as fh:
        mask = next(l for l in fh if l.startswith("SigCgt:")).split()[1]
    return int(mask, 16) >> (signal.SIGTERM - 1) & 1
while not caught(parent):
    pass
os.kill(parent, signal.SIGTERM)
got = int(signal.sigtimedwait({signal.SIGTERM}, 30) is not None)  # the first, passed on
os.kill(parent, signal.SIGTERM)  # the second, once the first was handled (pending ones merge)
got += int(signal.sigtimedwait({signal.SIGTERM}, 1.0) is not None)  # passed on at once, if at all
sys.exit(got)
"""

HARNESS = r"""
import os, sys
from newscrawl.core import cron
with open(os.devnull, "w") as log:
    sys.exit(cron.run_crawl([sys.executable, "-c", sys.argv[1]], log, os.open(os.devnull, os.O_RDONLY)))
"""


def test_two_sigterms_reach_the_crawl_once():
    """The docs say the command passes a SIGTERM on once: it passed on every one, and a second
    makes Scrapy stop at once, mid-way through saving its queue (issue 22, fresh hostile pass)."""
    proc = subprocess.run([sys.executable, "-c", HARNESS, CHILD_COUNTING_SIGTERMS], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)  # the child's count of SIGTERMs it got


def test_an_output_dir_that_is_a_symlink_loop_is_one_line_and_exit_2(tmp_path, capsys):
    """Path.resolve() raised RuntimeError on it: a traceback and exit 1 (issue 22, fresh hostile pass)."""
    loop = tmp_path / "out"
    loop.symlink_to("out")
    with pytest.raises(SystemExit) as stop:
        cron.main(["--output-dir", str(loop)])
    assert stop.value.code == EX_USAGE
    err = capsys.readouterr().err
    assert "Traceback" not in err and f"--output-dir {loop} is not a directory" in err.splitlines()[-1]
