"""Scheduled crawls: one ``scrapy crawl <spider>`` per cron tick, never two at once.

    python -m newscrawl.cron [--spider NAME] [--edition en] [-a name=value ...] [-s NAME=VALUE ...]

What a run does, in order:

1. Takes ``<output-dir>/state/cron-<edition>.lock`` (``fcntl.flock``, non-blocking). When another
   run still holds it, prints one line and exits 75 (EX_TEMPFAIL) without crawling. The lock is
   also inherited by the crawl process, so it stays held as long as the crawl runs even if this
   wrapper is killed.
2. Keeps Scrapy's ``JOBDIR`` in ``<output-dir>/state/jobs/<edition>/`` so a run that was stopped
   (SIGTERM/SIGINT, ``timeout``, a CLOSESPIDER limit) resumes its request queue next time.
   Scrapy keeps ``requests.seen`` in that directory even after a crawl *finished*, and would then
   filter every request of the next run (the home page included): the next run would fetch
   nothing and still "finish". So the directory is deleted after every run whose finish reason
   is ``finished``, and it is only resumed when Scrapy closed cleanly and wrote its queue: a run
   killed with SIGKILL (or a crash) leaves a state that is discarded, as is a queue older than
   ``--resume-max-age`` hours (a crawl that never gets to finish would otherwise never rescan
   the listings), or any queue with ``--fresh``. A queue about to be resumed is read through
   first: one Scrapy could not read back (a truncated queue file, which would keep the crawl
   waiting for ever on requests it can never pop) is moved aside to
   ``<job dir>.broken-<UTC time>`` with one warning, and the run starts fresh; so is the job
   of a crawl the stall guard stopped (finish reason ``stalled``, newscrawl/core/extensions.py).
3. Runs the real ``scrapy crawl <spider>`` from the project root as a subprocess, its output
   (Scrapy's log, any traceback) going to ``<output-dir>/logs/<dataset>-<edition>-<UTC time>.log``.
   SIGTERM, SIGINT and SIGHUP sent to this command are passed on once to the crawl, which then
   stops gracefully and saves its queue. Old logs beyond ``--keep-logs`` files or
   ``--log-days`` days are deleted.
4. Decides whether the run succeeded from the run summary it told the crawl to write
   (``-s NEWSCRAWL_SUMMARY_PATH=<feeds>/<UTC time>.summary.json``, beside the run's feeds, which
   carry the same time): the crawl exited 0, the summary exists and says the finish reason is
   ``finished``, it counts no more than ``--max-errors`` errors, and no field is below the
   edition's minimum coverage. A missing or unreadable summary means the crawl never closed:
   the run failed. Success prints one line on stdout (nothing with ``--quiet``); failure prints
   one line on stderr.

A crawl of a mirror or of the replica (``-a base_url=...`` not on the edition's host) keeps all of
these apart from the live site's, under the name ``CrawlArgs.dataset`` gives it
(``<spider>-mirror-<host>-<port>``): lock, job directory, feeds, state and logs.

Exit status:
    0   the crawl finished (reason ``finished``, errors within ``--max-errors``)
    1   the crawl failed: non-zero exit, another finish reason, no finish at all, or too many errors;
        or the run's log could not be created (nothing was crawled)
    2   bad arguments (ours, or a ``-a`` value the spider refused before crawling)
    75  another run of this edition holds the lock (EX_TEMPFAIL); nothing was done
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import fcntl
import json
import os
import pickle
import shutil
import signal
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Optional

from .clock import file_stamp, iso_utc, parse_utc_or_none, utc_now
from .jsonfile import read_json_object, write_json_atomic
from .outlet import add_edition_argument, add_spider_argument, check_edition, default_spider, outlet
from .paths import PROJECT_ROOT as ROOT
from .runsummary import SUMMARY_PATH_SETTING, Summary, read_summary

# The registry's first outlet: its live data keeps the short names (cron-<edition>.lock).

EX_OK = 0
EX_FAILED = 1
EX_USAGE = 2
EX_LOCKED = 75  # sysexits.h EX_TEMPFAIL: "try again later"

DEFAULT_MAX_ERRORS = 10
DEFAULT_KEEP_LOGS = 200
DEFAULT_LOG_DAYS = 60
DEFAULT_RESUME_MAX_AGE = 24.0
# Settings of every scheduled run (``-s`` given to this command come later and win).
# NEWSCRAWL_INCREMENTAL: articles the cross-run store already knows are not fetched again
# (see settings.py; ``-a refresh=N`` re-fetches the recent ones to catch edits).
SCHEDULED_SETTINGS = {"NEWSCRAWL_INCREMENTAL": "True"}
# Written by this command inside JOBDIR: when the job directory was started, and whether the
# crawl that last used it closed cleanly (Scrapy wrote its queue) and may be resumed.
JOB_META = "newscrawl-cron.json"
# Erases a terminal's current line (carriage return, clear to the end of the line).
ERASE_LINE = "\r\x1b[K"



# --- paths ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Paths:
    """Every file a scheduled run of one edition reads or writes, under ``output_dir``."""

    output_dir: Path
    edition: str
    # The spider's name for the live site; a mirror or the replica (-a base_url) has a name
    # of its own (CrawlArgs.dataset), and with it its own lock, queue, data and logs.
    # Both default to the registry's first outlet, looked up when a Paths is made (not at import).
    dataset: str = field(default_factory=default_spider)
    # The spider that crawls it (``--spider``).
    spider: str = field(default_factory=default_spider)

    @property
    def _tag(self) -> str:
        return self.edition if self.dataset == default_spider() else f"{self.dataset}-{self.edition}"

    @property
    def state(self) -> Path:
        return self.output_dir / "state"

    @property
    def lock(self) -> Path:
        return self.state / f"cron-{self._tag}.lock"

    @property
    def jobdir(self) -> Path:
        return self.state / "jobs" / self._tag

    @property
    def logs(self) -> Path:
        return self.output_dir / "logs"

    @property
    def feeds(self) -> Path:
        return self.output_dir / self.dataset / self.edition

    def summary(self, stamp: str) -> Path:
        """The run summary a run started at ``stamp`` (``clock.file_stamp``) is told to write."""
        return self.feeds / f"{stamp}.summary.json"

    def log_file(self, started: datetime) -> Path:
        return self.logs / f"{self.dataset}-{self.edition}-{started.strftime('%Y%m%dT%H%M%SZ')}.log"

    def log_glob(self) -> str:
        return f"{self.dataset}-{self.edition}-*.log"


def dataset_of(edition: str, spargs: list[str], spider: Optional[str] = None) -> str:
    """The dataset a crawl with these ``-a`` arguments writes (the spider's own name unless
    ``base_url`` is a mirror); a base_url the spider will refuse leaves the default. The spider
    is the registry's first outlet when not given."""
    from .args import ArgumentError, CrawlArgs

    spider = spider if spider is not None else default_spider()

    base_urls = [value for name, _, value in (a.partition("=") for a in spargs) if name.strip() == "base_url"]
    if not base_urls:
        return spider
    try:
        return CrawlArgs.from_kwargs({"edition": edition, "base_url": base_urls[-1]},
                                     outlet(spider).editions).dataset(spider)
    except ArgumentError:
        return spider


# --- the lock ---------------------------------------------------------------------------
class Locked(Exception):
    """Another run holds the lock; the message says which one."""


def acquire_lock(path: Path, info: dict) -> int:
    """Open and flock ``path`` without waiting; return the descriptor (kept open = held).

    The holder's pid, start time and log file are written into the lock file so that a
    refused run can say who is running.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_NOFOLLOW: a symlink planted at the lock path must not make us truncate its target.
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        holder = _read_holder(fd)
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise Locked(holder) from None
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
    return fd


def _lock_problem(path: Path, exc: OSError) -> str:
    """Why the lock could not be taken, in words: ``output/state`` a file gave "File exists",
    which reads like a lock held or left behind."""
    if exc.errno == errno.ELOOP:
        return "it is a symbolic link"
    # Imported here: the state module pulls in Scrapy, which a refused run does not need.
    from .paths import file_in_the_way

    blocking = file_in_the_way(path.parent)
    if blocking is not None:
        return f"{_show(blocking)} is a file, where a directory is expected"
    return exc.strerror or str(exc)


def _read_holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        info = {}
    if not isinstance(info, dict) or "pid" not in info:
        return "another run"
    return f"pid {info['pid']} since {info.get('started_at', '?')}"


# --- the job directory ------------------------------------------------------------------
# A note of prepare_jobdir that starts so is also printed on stderr: something was damaged.
WARNING = "WARNING: "
# The finish reason of a crawl the stall guard stopped (newscrawl.core.extensions.StallGuard).
STALLED = "stalled"


def unreadable_queue(jobdir: Path) -> Optional[str]:
    """Why Scrapy could not read back the request queue saved in ``jobdir``; None when it can.

    Scrapy keeps its queue in ``requests.queue/``: ``active.json`` (the priorities in use) and,
    per downloader slot and priority, a queuelib FIFO disk queue (``info.json`` with its head
    and tail, chunks ``q00000``... of length-prefixed pickled requests). Every record between
    tail and head must be whole and unpickle, and their count must be the size ``info.json``
    says: a queue whose size outlives its records keeps the engine waiting on it for ever.
    Nothing is written: the files are only read.
    """
    queue = jobdir / "requests.queue"
    if not queue.is_dir():
        return None
    active = queue / "active.json"
    if active.exists():
        try:
            json.loads(active.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return f"{active.relative_to(jobdir)} cannot be read ({exc})"
    for info in sorted(queue.rglob("info.json")):
        problem = _fifo_queue_problem(info.parent)
        if problem:
            return f"{info.parent.relative_to(jobdir)}: {problem}"
    return None


def _fifo_queue_problem(directory: Path) -> Optional[str]:
    """What is wrong with the queuelib ``FifoDiskQueue`` in ``directory`` (read as its ``pop`` reads it)."""
    try:
        info = json.loads((directory / "info.json").read_text(encoding="utf-8"))
        chunksize, size = int(info["chunksize"]), int(info["size"])
        number, count, offset = (int(v) for v in info["tail"])
        head = [int(v) for v in info["head"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"info.json cannot be read ({exc!r})"
    header = struct.calcsize(">L")
    read = 0
    chunk: Optional[IO[bytes]] = None
    try:
        while [number, count] < head:
            if chunk is None:
                chunk = (directory / f"q{number:05d}").open("rb")
                chunk.seek(offset)
            prefix = chunk.read(header)
            if len(prefix) < header:
                return f"q{number:05d} ends after {read} of its {size} requests"
            (length,) = struct.unpack(">L", prefix)
            data = chunk.read(length)
            if len(data) < length:
                return f"q{number:05d} is cut short in request {read + 1} of {size}"
            try:
                pickle.loads(data)
            except Exception as exc:  # noqa: BLE001 - whatever Scrapy's pop would raise
                return f"request {read + 1} of {size} in q{number:05d} cannot be unpickled ({type(exc).__name__})"
            read, count = read + 1, count + 1
            if count == chunksize:  # queuelib moves to the next chunk file here
                chunk.close()
                chunk, number, count, offset = None, number + 1, 0, 0
    except OSError as exc:
        return f"q{number:05d} cannot be read ({exc.strerror or exc})"
    finally:
        if chunk is not None:
            chunk.close()
    if read != size:
        return f"info.json counts {size} requests, the files hold {read}"
    return None


def move_aside(jobdir: Path, now: datetime) -> Path:
    """Rename ``jobdir`` to ``<name>.broken-<UTC time>`` beside it (never deleted: it may be looked at)."""
    target = jobdir.with_name(f"{jobdir.name}.broken-{file_stamp(now)}")
    n = 1
    while target.exists():
        n += 1
        target = jobdir.with_name(f"{jobdir.name}.broken-{file_stamp(now)}-{n}")
    jobdir.rename(target)
    return target


def prepare_jobdir(jobdir: Path, now: datetime, fresh: bool, max_age: timedelta) -> tuple[str, str]:
    """Decide whether the queue in ``jobdir`` is resumed; return (job start time, note for the log).

    A note starting with ``WARNING`` says a queue that could not be read was moved aside.
    """
    meta = read_json_object(jobdir / JOB_META) or {}
    created_at, note = iso_utc(now), ""
    if jobdir.exists():
        created = parse_utc_or_none(meta.get("created_at"))
        if fresh:
            reason = "--fresh"
        elif meta.get("state") != "resumable":
            reason = "the run that used it did not close cleanly (killed or crashed)"
        elif created is None or now - created > max_age:
            reason = f"its job began at {meta.get('created_at')}, longer ago than --resume-max-age"
        else:
            reason = ""
        broken = None if reason else unreadable_queue(jobdir)
        if reason:
            shutil.rmtree(jobdir)
            note = f"discarded the saved request queue: {reason}"
        elif broken:
            note = (f"{WARNING}the saved request queue cannot be read ({broken}): moved aside to "
                    f"{move_aside(jobdir, now)}; starting fresh")
        else:
            created_at = meta["created_at"]
            note = f"resuming the request queue saved by a stopped run (job began {created_at})"
    jobdir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(jobdir / JOB_META, {"created_at": created_at, "state": "running"})
    return created_at, note


def settle_jobdir(jobdir: Path, created_at: str, reason: Optional[str], now: Optional[datetime] = None) -> str:
    """After the crawl: delete a finished job, mark a cleanly stopped one resumable, move a
    stalled one aside (its queue held requests that never came out: resumed, it would stall again)."""
    if reason == "finished":
        shutil.rmtree(jobdir, ignore_errors=True)
        return "job directory cleared (crawl finished)"
    if reason == STALLED and jobdir.exists():
        return (f"job directory moved aside to {move_aside(jobdir, now or utc_now())} (the crawl stalled on its "
                "queue); the next run starts fresh")
    if reason is None and [p.name for p in jobdir.iterdir()] == [JOB_META]:
        shutil.rmtree(jobdir, ignore_errors=True)  # Scrapy never started: nothing to keep
        return "job directory cleared (the crawl never started)"
    if reason is not None:
        write_json_atomic(jobdir / JOB_META, {"created_at": created_at, "state": "resumable", "reason": reason})
        return f"job directory kept: the next run resumes the queue (finish reason {reason})"
    return "job directory left unusable: the crawl did not close cleanly; the next run starts fresh"


# --- the crawl --------------------------------------------------------------------------
@dataclass
class Outcome:
    """What one crawl left behind: its exit status, its run summary (None when it wrote
    none) and the last line of its log (for the message when it failed)."""

    returncode: int
    summary: Optional[Summary] = None
    summary_path: Optional[Path] = None
    last_line: str = ""

    @property
    def reason(self) -> Optional[str]:
        return self.summary.finish_reason if self.summary is not None else None

    @property
    def stats(self) -> dict:
        return self.summary.stats if self.summary is not None else {}

    @property
    def errors(self) -> int:
        return self.stats.get("log_count/ERROR", 0)

    @property
    def coverage_below(self) -> list:
        """Fields below the edition's minimum coverage, from the run summary (newscrawl/core/coverage.py)."""
        coverage = self.summary.data.get("coverage") if self.summary is not None else None
        below = coverage.get("below_minimum") if isinstance(coverage, dict) else None
        return [b for b in below if isinstance(b, dict)] if isinstance(below, list) else []


def scrapy_command(edition: str, spargs: list[str], settings: list[str], paths: Paths, stamp: str) -> list[str]:
    """The ``scrapy crawl`` of one run; ``stamp`` names its feeds and its run summary."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", paths.spider, "-a", f"edition={edition}"]
    for arg in spargs:
        cmd += ["-a", arg]
    for name, value in {**SCHEDULED_SETTINGS, **output_settings(paths, stamp)}.items():
        cmd += ["-s", f"{name}={value}"]
    for setting in settings:
        cmd += ["-s", setting]
    # Last, so that a stray -s cannot move the run summary from where this command reads
    # the outcome, nor the queue from where it manages it.
    cmd += ["-s", f"{SUMMARY_PATH_SETTING}={paths.summary(stamp)}", "-s", f"JOBDIR={paths.jobdir}"]
    return cmd


def output_settings(paths: Paths, stamp: Optional[str] = None) -> dict[str, str]:
    """``FEEDS`` and ``NEWSCRAWL_STATE_PATH`` of the project, moved under ``paths.output_dir``.

    The project's defaults are paths relative to the project root under ``output/``; each is
    re-rooted under the output directory (identical for the default one). Feed options
    (formats, item classes) are kept as the project defines them; ``-s`` options given to
    this command come later on the command line and win. With ``stamp``, the feeds' ``%(time)s``
    is this run's start: its feeds, run summary and log then share one time.
    """
    from .. import settings as project

    feeds = {_reroot(uri, paths.output_dir).replace("%(time)s", stamp or "%(time)s"): options
             for uri, options in project.FEEDS.items()}
    return {
        "FEEDS": json.dumps(feeds),
        "NEWSCRAWL_STATE_PATH": _reroot(project.NEWSCRAWL_STATE_PATH, paths.output_dir),
    }


def _reroot(uri: str, output_dir: Path) -> str:
    if "://" in uri or Path(uri).is_absolute():
        return uri
    parts = Path(uri).parts
    if parts and parts[0] == "output":
        return str(output_dir.joinpath(*parts[1:]))
    return str(ROOT / uri)


def run_crawl(cmd: list[str], log: IO[str], lock_fd: int, live_fd: Optional[int] = None) -> int:
    """Run the crawl with its output in ``log``; pass SIGTERM/SIGINT/SIGHUP on to it.
    ``live_fd`` (a terminal) is handed to it for its live progress line."""
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        # Its own session: a terminal's Ctrl-C reaches only us, and we pass it on once
        # (a second SIGINT would make Scrapy stop at once, without saving the queue).
        start_new_session=True,
        pass_fds=(lock_fd,) if live_fd is None else (lock_fd, live_fd),
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )

    passed_on: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        # Once: a second SIGTERM or SIGINT makes Scrapy stop at once, in the middle of
        # saving its queue and state (systemd, or an impatient second Ctrl-C).
        if passed_on:
            return
        passed_on.append(signum)
        try:
            proc.send_signal(signal.SIGTERM if signum == signal.SIGHUP else signum)
        except ProcessLookupError:
            pass

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        return proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def read_outcome(returncode: int, log_path: Path, summary_path: Path) -> Outcome:
    """The crawl's outcome from the run summary it was told to write at ``summary_path``."""
    return Outcome(returncode, read_summary(summary_path), summary_path, _last_line(log_path))


def _last_line(path: Path) -> str:
    last = ""
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.strip():
                last = line.strip()
    return last


# --- logs -------------------------------------------------------------------------------
def prune_logs(paths: Paths, keep: int, days: float, current: Path, now: float) -> list[Path]:
    """Delete this edition's run logs beyond the newest ``keep`` or older than ``days`` (0: no limit)."""
    logs = sorted(paths.logs.glob(paths.log_glob()), key=lambda p: p.name, reverse=True)
    doomed = []
    for position, path in enumerate(logs):
        if path == current:
            continue
        too_many = keep > 0 and position >= keep
        too_old = days > 0 and now - path.stat().st_mtime > days * 86400
        if too_many or too_old:
            path.unlink(missing_ok=True)
            doomed.append(path)
    return doomed


class CannotLog(Exception):
    """The run's log file cannot be created; the message says where and why."""


def open_log(paths: Paths, started: datetime) -> tuple[Path, IO[str]]:
    """Create this run's log file (a new name if one of the same second exists); raise
    ``CannotLog`` when the logs directory cannot hold it (not a directory, not writable)."""
    try:
        return _open_log(paths, started)
    except OSError as exc:
        why = ("it is not a directory" if isinstance(exc, (FileExistsError, NotADirectoryError))
               else exc.strerror or str(exc))
        raise CannotLog(f"cannot create the run log in {_show(paths.logs)}: {why}") from None


def _open_log(paths: Paths, started: datetime) -> tuple[Path, IO[str]]:
    paths.logs.mkdir(parents=True, exist_ok=True)
    path = paths.log_file(started)
    n = 1
    while True:
        try:
            return path, path.open("x", encoding="utf-8")
        except FileExistsError:
            n += 1
            path = path.with_name(paths.log_file(started).stem + f"-{n}.log")


# --- command line -----------------------------------------------------------------------
def _pair(text: str) -> str:
    name, sep, _ = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not name=value")
    return text


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m newscrawl.cron",
        description="One scheduled crawl of an edition: locked, resumable, logged to a file.",
        epilog="Exit status: 0 finished, 1 crawl failed, 2 bad arguments, 75 another run holds the lock.",
    )
    add_spider_argument(parser, "the outlet's spider")
    add_edition_argument(parser, "edition to crawl")
    parser.add_argument("-a", dest="spargs", action="append", default=[], type=_pair, metavar="NAME=VALUE",
                        help="spider argument, as for scrapy crawl (repeatable)")
    parser.add_argument("-s", dest="settings", action="append", default=[], type=_pair, metavar="NAME=VALUE",
                        help="Scrapy setting, as for scrapy crawl (repeatable)")
    parser.add_argument("--output-dir", type=Path, default=ROOT / "output",
                        help="root for data, state, job queue and logs (default: <project>/output)")
    parser.add_argument("--max-errors", type=int, default=DEFAULT_MAX_ERRORS, metavar="N",
                        help=f"fail when the crawl logs more than N errors (default: {DEFAULT_MAX_ERRORS})")
    parser.add_argument("--keep-logs", type=int, default=DEFAULT_KEEP_LOGS, metavar="N",
                        help=f"keep the newest N run logs of this edition, 0 for all (default: {DEFAULT_KEEP_LOGS})")
    parser.add_argument("--log-days", type=float, default=DEFAULT_LOG_DAYS, metavar="DAYS",
                        help=f"delete run logs older than DAYS, 0 for never (default: {DEFAULT_LOG_DAYS:g})")
    parser.add_argument("--resume-max-age", type=float, default=DEFAULT_RESUME_MAX_AGE, metavar="HOURS",
                        help="resume a stopped run's queue only if that job began less than HOURS ago "
                             f"(default: {DEFAULT_RESUME_MAX_AGE:g})")
    parser.add_argument("--fresh", action="store_true", help="discard any saved request queue and start over")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success (cron mails only failures)")
    parser.add_argument("--min-coverage", choices=("on", "off"), default="on",
                        help="fail (exit 1) when a field's coverage is below the edition's minimum, as the run "
                             "summary reports it; 'off' accepts such a run (default: on)")
    opts = parser.parse_args(argv)
    check_edition(parser, opts)
    for arg in opts.spargs:
        name, _, value = arg.partition("=")
        if name.strip() == "edition" and value.strip().lower() != opts.edition:
            parser.error(f"-a {arg} contradicts --edition {opts.edition}; use --edition")
    for setting in opts.settings:
        if setting.partition("=")[0].strip() == "JOBDIR":
            parser.error("-s JOBDIR is managed by this command (under --output-dir/state/jobs)")
    for name in ("max_errors", "keep_logs"):
        if getattr(opts, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must be 0 or more")
    # Checked here, before the lock is taken: nan and inf pass float() but no timedelta takes them.
    for name, top in (("log_days", 36_500), ("resume_max_age", 24 * 36_500)):
        value = getattr(opts, name)
        if not 0 <= value <= top:
            parser.error(f"--{name.replace('_', '-')} must be a number from 0 to {top}")
    # Before the lock: a symlink loop made Path.resolve() raise (a traceback, exit 1).
    if os.path.lexists(opts.output_dir) and not opts.output_dir.is_dir():
        parser.error(f"--output-dir {opts.output_dir} is not a directory (a file, or a symbolic link to nothing)")
    return opts


def main(argv: Optional[list[str]] = None) -> int:
    opts = parse_args(argv)
    paths = Paths(
        opts.output_dir.resolve(), opts.edition, dataset_of(opts.edition, opts.spargs, opts.spider), opts.spider
    )
    now = utc_now()
    wall = time.time()
    name = f"{opts.spider} {opts.edition}"
    try:
        lock_fd = acquire_lock(paths.lock, {"pid": os.getpid(), "started_at": iso_utc(now)})
    except Locked as exc:
        print(f"newscrawl.cron: {name}: skipped, {exc} still holds {_show(paths.lock)} (exit {EX_LOCKED})",
              file=sys.stderr)
        return EX_LOCKED
    except OSError as exc:
        print(f"newscrawl.cron: {name}: cannot take the lock {_show(paths.lock)}: {_lock_problem(paths.lock, exc)}",
              file=sys.stderr)
        return EX_FAILED
    try:
        log_path, outcome = locked_run(opts, paths, now, lock_fd)
    except CannotLog as exc:
        print(f"newscrawl.cron: {name}: {exc}; nothing was crawled", file=sys.stderr)
        return EX_FAILED
    finally:
        os.close(lock_fd)
    return report(opts, name, outcome, log_path, _duration(time.time() - wall))


def locked_run(opts: argparse.Namespace, paths: Paths, now: datetime, lock_fd: int) -> tuple[Path, Outcome]:
    """With the lock held: prepare the job directory, run the crawl into its log, read its
    summary, settle the job directory and prune old logs."""
    log_path, log = open_log(paths, now)
    if not opts.quiet and sys.stdout.isatty():  # for whoever watches a long run: where to `tail -f`
        print(f"newscrawl.cron: {opts.spider} {opts.edition}: log {_show(log_path)}", flush=True)
    stamp = file_stamp(now)
    live_fd = live_progress_fd(opts.quiet)
    with log:
        created_at, note = prepare_jobdir(paths.jobdir, now, opts.fresh, timedelta(hours=opts.resume_max_age))
        # The crawl's own stderr is the log: its live progress line goes to ours, when a person
        # watches it (a terminal, not --quiet), and is off otherwise (cron, pipes).
        live = [f"NEWSCRAWL_LIVE_PROGRESS_FD={live_fd}"] if live_fd is not None else ["NEWSCRAWL_LIVE_PROGRESS=off"]
        cmd = scrapy_command(opts.edition, opts.spargs, live + opts.settings, paths, stamp)
        log.write(f"newscrawl.cron: {iso_utc(now)} pid {os.getpid()} in {ROOT}\n")
        log.write(f"newscrawl.cron: command: {' '.join(cmd)}\n")
        if note:
            log.write(f"newscrawl.cron: {note}\n")
            if note.startswith(WARNING):
                print(f"newscrawl.cron: {opts.spider} {opts.edition}: {note}", file=sys.stderr, flush=True)
        log.flush()
        # A summary left by an earlier run in the same second must not pass for this one's.
        paths.summary(stamp).unlink(missing_ok=True)
        try:
            returncode = run_crawl(cmd, log, lock_fd, live_fd)
        finally:
            if live_fd is not None:
                # A crawl killed mid-draw leaves its line: erased before ours is printed.
                with contextlib.suppress(OSError):
                    os.write(live_fd, ERASE_LINE.encode())
                os.close(live_fd)
    outcome = read_outcome(returncode, log_path, paths.summary(stamp))
    with log_path.open("a", encoding="utf-8") as log:
        log.write(f"newscrawl.cron: crawl exited {returncode}; "
                  f"{settle_jobdir(paths.jobdir, created_at, outcome.reason, now)}\n")
        for old in prune_logs(paths, opts.keep_logs, opts.log_days, log_path, time.time()):
            log.write(f"newscrawl.cron: deleted old log {old.name}\n")
    return log_path, outcome


def live_progress_fd(quiet: bool) -> Optional[int]:
    """A copy of our stderr for the crawl's live progress line, when it is a terminal and not --quiet."""
    if quiet or not sys.stderr.isatty():
        return None
    return os.dup(sys.stderr.fileno())


def problems_of(outcome: Outcome, opts: argparse.Namespace) -> list[str]:
    """Why the run failed, one phrase each; empty when it succeeded."""
    problems = []
    if outcome.returncode != 0:
        problems.append(f"scrapy exited with status {outcome.returncode}")
    if outcome.reason is None:
        problems.append(f"the crawl wrote no run summary ({_show(outcome.summary_path)} is missing or not a summary): "
                        "it never closed")
    elif outcome.reason != "finished":
        problems.append(f"finish reason {outcome.reason!r}")
    if outcome.errors > opts.max_errors:
        problems.append(f"{outcome.errors} errors logged (more than --max-errors {opts.max_errors})")
    if opts.min_coverage == "on" and outcome.coverage_below:
        fields = ", ".join(
            f"{b.get('field')} {100 * float(b.get('share') or 0):.0f}% < {100 * float(b.get('minimum') or 0):.0f}%"
            for b in outcome.coverage_below
        )
        problems.append(f"coverage below the edition's minimum: {fields} (the site may have changed; "
                        "--min-coverage off accepts it)")
    return problems


def report(opts: argparse.Namespace, name: str, outcome: Outcome, log_path: Path, elapsed: str) -> int:
    """Print the run's one line (stderr on failure, stdout on success unless --quiet); return the exit status."""
    if outcome.returncode == EX_USAGE and outcome.reason is None:
        print(f"newscrawl.cron: {name}: the crawl refused its arguments: {outcome.last_line[:300]}", file=sys.stderr)
        return EX_USAGE
    problems = problems_of(outcome, opts)
    if problems:
        tail = f"; last log line: {outcome.last_line[:300]}" if outcome.returncode != 0 and outcome.last_line else ""
        print(f"newscrawl.cron: {name} FAILED after {elapsed}: {'; '.join(problems)}; log {_show(log_path)}{tail}",
              file=sys.stderr)
        return EX_FAILED
    if not opts.quiet:
        # No problem means a run summary said "finished": there is one.
        stats, data = outcome.stats, outcome.summary.data if outcome.summary is not None else {}
        dropped = data.get("dropped")
        if not isinstance(dropped, dict):
            dropped = {}
        print(
            f"newscrawl.cron: {name} finished in {elapsed}: {data.get('articles', 0)} articles and "
            f"{data.get('ticker_lines', 0)} ticker lines written, {sum(dropped.values())} dropped, "
            f"{stats.get('downloader/request_count', 0)} requests, "
            f"{outcome.errors} errors; log {_show(log_path)}; summary {_show(outcome.summary_path)}"
        )
    return EX_OK


# --- small helpers ----------------------------------------------------------------------
def _show(path: Optional[Path]) -> str:
    return str(path)  # absolute: cron mails are read far from the working directory


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


if __name__ == "__main__":
    sys.exit(main())
