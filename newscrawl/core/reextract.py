"""Re-extract articles from stored responses (WARC files): the current parser, no network.

    python -m newscrawl.reextract --edition en [--dataset NAME] [--since D] [--until D] [WARC ...]

Reads the WARC files named (paths, globs or directories; default: every WARC of the edition
in ``<output-dir>/warc/<edition>/``, or of ``--dataset`` in ``warc/<dataset>-<edition>/``), keeps the
``response`` records that may be posts (status 200, on the edition's host or on the host the capturing
crawl named as ``base_url`` in its ``warcinfo``, at any path the edition does not declare a non-post),
and runs each through the parser and the pipelines' checks
and date conversion, exactly as a crawl does. Any WARC serves, not only ours: Common Crawl's
news crawl and other archives keep the same request/response records.

Writes a run file as a crawl does, ``<output-dir>/<dataset>/<edition>/<UTC now>.jsonl`` (and
``.summary.json``), the dataset being the one the files name (:func:`file_dataset`: the live
site's, the spider's name, unless their ``warcinfo`` says a mirror or the replica was crawled;
files of several datasets are refused, exit 2), so ``python -m newscrawl.merge`` takes it with the crawls'
files; being the newest file, its records win over the crawls' records of the same capture
(``warc.record_id``). Each record has ``discovered_via`` ``warc``, ``crawled_at`` the capture time, and
``warc`` its response record.
Captures are read in file-name order (for our files, capture order): a post's first version
is revision 1, each later capture whose ``version_hash`` differs one more, and a repeat of the
same content is dropped (``unchanged``), as across scheduled runs; the merge counts the
revisions again, over every run file, in capture order (``newscrawl/core/versions.py``).
Every record written passes the merge's check of the schema (:mod:`newscrawl.core.records`):
one that does not is skipped and counted by its reason (``skipped/dropped/bad_type:<field>``, from the
validate pipeline's check, or ``skipped/bad_type:<field>`` for the written line).

Pages are parsed by a pool of processes (``--workers``, default one per core); the main
process reads the WARC files once to find the records and writes the output in order.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Iterator, Optional, cast
from urllib.parse import urlsplit

from . import records
from .args import ArgumentError, CrawlArgs
from .clock import file_stamp, iso_utc, now_iso, parse_utc, utc_now
from .config import get_int
from .dataset_names import name_problem, warc_dir_name
from .editions import Edition
from .feeds import JsonLinesExporter, WholeLineFile
from .items import WarcRecordRef
from .jsonfile import write_json_atomic
from .outlet import Outlet, add_edition_argument, add_spider_argument, check_edition, default_spider, outlet
from .paths import PROJECT_ROOT as ROOT
from .pipelines import dedupe_key, in_range, validate
from .reading import read_article
from .urls import could_be_post
from .warc import PayloadTooLarge, iter_records, scan_heads, stored_response, warc_files

DISCOVERED_VIA = "warc"
# Records handed to a worker at a time: large enough that inter-process traffic is a small
# share of the parse time, small enough to keep both cores busy to the end.
CHUNK = 64

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    """One stored article response to extract."""

    path: str
    offset: int
    now: str  # "now" of the capturing crawl (its NEWSCRAWL_NOW), else the capture time


@dataclass
class Result:
    """What came of one task: a record (its JSON line, as the crawl's exporter writes it, and
    what the dedupe needs), or why there is none."""

    line: bytes = b""
    key: str = ""
    canonical_url: str = ""
    version_hash: str = ""
    skipped: str = ""


class _Lines:
    """The exporter's output, one line at a time (the worker sends lines, not records)."""

    def __init__(self):
        self.last = b""

    def write(self, data: bytes) -> int:
        self.last = data
        return len(data)


class Extractor:
    """The crawl's read of an article response (``read_article``) and its validate, since/until and
    dedupe-key steps (the pipelines' own functions), for records from stored responses."""

    def __init__(self, args: CrawlArgs, site: Outlet, max_size: Optional[int] = None):
        self.args = args
        # The crawl's page size limit: a stored body over it is skipped, never read whole.
        self.max_size = max_size if max_size is not None else page_size_limit()
        self.edition = args.edition
        self.article_page = site.article_page
        self._files: dict[str, Any] = {}
        self._lines = _Lines()
        # The exporter only ever calls write() on its file.
        self.exporter = JsonLinesExporter(cast(io.BytesIO, self._lines), encoding="utf-8")

    def _record(self, path: str, offset: int):
        fh = self._files.get(path)
        if fh is None:
            fh = self._files[path] = open(path, "rb")  # noqa: SIM115 (kept open for the next tasks)
        fh.seek(offset)
        for record, _ in iter_records(fh, path):
            return record
        return None

    def close(self) -> None:
        for fh in self._files.values():
            fh.close()
        self._files.clear()

    def extract(self, task: Task) -> Result:
        record = self._record(task.path, task.offset)
        try:
            stored = stored_response(record, Path(task.path).name, task.offset, self.max_size or None) \
                if record is not None else None
        except PayloadTooLarge:
            return Result(skipped="too_large")
        if stored is None:
            return Result(skipped="unreadable")
        response = stored.response()
        if not hasattr(response, "text"):
            return Result(skipped="not_html")
        read = read_article(response, self.article_page, self.edition)  # as the crawl reads it
        page = read.page
        if read.unclosed:
            # A capture cut short: the crawl fetched it again, and that capture is extracted.
            # A complete page that looks odd (a body shorter than its word count) is kept
            # with its flags, as by the crawl.
            return Result(skipped="incomplete")
        captured = _warc_time(stored.date)
        # The capturing crawl's "now" (its NEWSCRAWL_NOW, else the capture time): its dates
        # are read as that crawl read them.
        item = page.to_item(discovered_via=DISCOVERED_VIA, crawled_at=iso_utc(captured),
                            now=datetime.fromisoformat(task.now))
        if item is None:
            return Result(skipped="not_article")
        item.warc = WarcRecordRef(file=stored.file, offset=stored.offset, record_id=stored.record_id)
        # The crawl's validate and since/until steps, then its dedupe key (URL variants collapse).
        drop = validate(item) or in_range(item, self.args.since, self.args.until)
        if drop is not None:
            return Result(skipped="dropped/" + drop.reason.replace(" ", "_"))
        key = dedupe_key(item, self.edition)
        self.exporter.export_item(item)
        # What the merge and the dataset accept, checked where it is made: the validate
        # pipeline checked the record; this checks the line as written (it is what they read),
        # skipped and counted rather than written for the merge to skip.
        _, problem = records.parse_line(self._lines.last)
        if problem:
            return Result(skipped=problem)
        return Result(self._lines.last, key, item.canonical_url, item.version_hash)


def page_size_limit() -> int:
    """The crawl's page size limit (``DOWNLOAD_MAXSIZE`` of the project's settings, 0 for none)."""
    from scrapy.utils.project import get_project_settings

    return get_int(get_project_settings(), "DOWNLOAD_MAXSIZE")


def _warc_time(value: str) -> datetime:
    return parse_utc(value) if value else utc_now()


# One extractor per worker process, built by the pool's initializer.
_WORKER: Optional[Extractor] = None


def _init_worker(raw_args: dict[str, str], spider: str) -> None:
    global _WORKER
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    site = outlet(spider)
    _WORKER = Extractor(CrawlArgs.from_kwargs(raw_args, site.editions), site)


def _worker() -> Extractor:
    if _WORKER is None:  # the pool's initializer (or _results) makes it first
        raise RuntimeError("reextract: no extractor in this process")
    return _WORKER


def _extract_chunk(tasks: list[Task]) -> list[Result]:
    extractor = _worker()
    return [extractor.extract(task) for task in tasks]


def scan(files: list[Path], args: CrawlArgs, counts: Counter, extra_hosts: tuple[str, ...] = ()) -> Iterator[Task]:
    """The article response records of the edition in these files, in order.

    Kept: ``response`` records with status 200 whose URL is on the edition's hosts (or on
    the host a capturing crawl of this edition named as its ``base_url``, or ``extra_hosts``)
    and is not a path the edition declares a non-post (its page then decides, as in a crawl). The first
    record of our files, ``warcinfo``, gives that host and the crawl's "now" (``NEWSCRAWL_NOW``); without
    one, "now" is the capture time.
    """
    host = args.edition.host.removeprefix("www.")
    edition_hosts = {host, "www." + host} | {h.lower() for h in extra_hosts}

    def truncated(name: str, exc: object) -> None:
        counts["truncated_files"] += 1
        logger.warning("%s ends in a cut-off record (%s); read up to the last whole one", name, exc)

    def corrupt(name: str, offset: int, exc: Exception) -> None:
        counts["corrupt_members"] += 1
        logger.warning("%s: the gzip member at offset %d cannot be inflated (%s); skipped", name, offset, exc)

    # Revisits hold no payload: their page is extracted from the response they refer to. One
    # whose response is in none of the files (its WARC deleted: older crawls wrote revisits
    # against files that were gone) is a page lost, counted and named once at the end.
    responses: set[str] = set()
    revisits: list[tuple[str, str, str]] = []
    for path in files:
        hosts = set(edition_hosts)
        fixed_now = ""
        counts["files"] += 1
        for head in scan_heads(path, truncated, corrupt):
            counts[f"records/{head.kind}"] += 1
            if head.kind == "warcinfo":
                fixed_now = _take_warcinfo(head, args.edition.code, hosts, fixed_now)
                continue
            if head.kind == "response":
                responses.update(k for k in (head.record_id, head.date and f"{head.url} {head.date}") if k)
            elif head.kind == "revisit" and _article_url_of(head.url, hosts, args.edition):
                revisits.append((head.refers_to, head.url, head.refers_to_date))
            task = _task_of(head, str(path), hosts, args.edition, counts, fixed_now)
            if task is not None:
                yield task
    missing = sum(1 for refers_to, url, date in revisits
                  if not (refers_to and refers_to in responses) and not (date and f"{url} {date}" in responses))
    if missing:
        counts["revisit_target_missing"] = missing
        logger.warning("%d revisit records refer to a response in none of the WARC files read (its file deleted?): "
                       "those pages cannot be re-extracted", missing)


def _take_warcinfo(head: Any, edition: str, hosts: set[str], fixed_now: str) -> str:
    """A file's warcinfo of this edition adds the host its crawl fetched to ``hosts`` and gives
    that crawl's "now" (returned; ``fixed_now`` as it was for another edition's)."""
    info = head.info or {}
    if info.get("newscrawl-edition", edition) != edition:
        return fixed_now
    base = urlsplit(info.get("newscrawl-base-url", "")).netloc.lower()
    if base:
        hosts.add(base)
    return info.get("newscrawl-setting-NEWSCRAWL_NOW", "")


def _article_url_of(url: str, hosts: set[str], edition: Edition) -> bool:
    parts = urlsplit(url)
    return parts.netloc.lower() in hosts and could_be_post(parts.path, edition)


def _task_of(head: Any, path: str, hosts: set[str], edition: Edition, counts: Counter,
             fixed_now: str) -> Optional[Task]:
    """The extraction task of a response record with a status, else None (counted by why)."""
    if head.kind != "response" or head.status is None:
        return None
    if not _article_url_of(head.url, hosts, edition):
        counts["skipped/not_article_url"] += 1
        return None
    if head.status != 200:
        counts["skipped/status"] += 1
        return None
    now = fixed_now or iso_utc(_warc_time(head.date))
    return Task(path, head.offset, iso_utc(parse_utc(now)))


def file_dataset(path: Path, args: CrawlArgs, site: Outlet, extra_hosts: tuple[str, ...] = ()) -> Optional[str]:
    """The dataset the pages of one WARC file belong to (:mod:`newscrawl.core.dataset_names`).

    Our files say in their ``warcinfo`` which host the crawl fetched (``base_url``): the live
    site's pages are the spider's dataset, a mirror's or the replica's are its
    ``<spider>-mirror-<host>-<port>`` (``CrawlArgs.dataset``); a file of another edition gives
    no record here (None). A file without our ``warcinfo`` (Common Crawl's, another tool's)
    holds the live site's pages, or with ``--host`` a mirror's: the first such host names the
    dataset. Raises ArgumentError for a host that is not one.
    """
    info: dict = {}
    for head in scan_heads(path):
        info = (head.info or {}) if head.kind == "warcinfo" else {}
        break
    base = info.get("newscrawl-base-url")
    if base and info.get("newscrawl-edition", args.edition.code) != args.edition.code:
        return None
    if not base and not extra_hosts:
        return site.name
    base = base or f"http://{extra_hosts[0]}"
    return CrawlArgs.from_kwargs({"edition": args.edition.code, "base_url": base}, site.editions).dataset(site.name)


@dataclass
class Outcome:
    """What a re-extraction wrote and counted."""

    output: Path
    written: int
    counts: Counter


def reextract(files: list[Path], args: CrawlArgs, output: Path, workers: int = 0,
              extra_hosts: tuple[str, ...] = (), spider: Optional[str] = None) -> Outcome:
    """Extract every article response of ``files`` into the JSON Lines file ``output``."""
    counts: Counter = Counter()
    output.parent.mkdir(parents=True, exist_ok=True)
    seen: dict[str, tuple[str, int]] = {}
    urls: dict[str, str] = {}
    written = 0
    tasks = scan(files, args, counts, extra_hosts)
    out = WholeLineFile(open(output, "wb", buffering=0))  # noqa: SIM115 (closed below)
    try:
        encoder = JsonLinesExporter(cast(io.BytesIO, out), encoding="utf-8").encoder
        for result in _results(tasks, args, workers, spider or default_spider()):
            if not result.line:
                counts[f"skipped/{result.skipped}"] += 1
                continue
            key = urls.get(result.canonical_url) or result.key
            before = seen.get(key)
            line, revision = result.line, 1
            if before is not None:
                if before[0] == result.version_hash:
                    counts["dropped/unchanged"] += 1
                    continue
                revision = before[1] + 1
                record = json.loads(line)
                record["revision"] = revision
                line = (encoder.encode(record) + "\n").encode("utf-8")
                counts["revised"] += 1
            seen[key] = (result.version_hash, revision)
            urls[result.canonical_url] = key
            out.write(line)
            written += 1
    finally:
        out.close()
    return Outcome(output, written, counts)


def _results(tasks: Iterator[Task], args: CrawlArgs, workers: int, spider: str) -> Iterator[Result]:
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        _init_worker(args.raw, spider)
        extractor = _worker()
        try:
            for task in tasks:
                yield extractor.extract(task)
        finally:
            extractor.close()
        return
    with get_context("fork" if sys.platform.startswith("linux") else "spawn").Pool(
        workers, initializer=_init_worker, initargs=(args.raw, spider)
    ) as pool:
        for chunk in pool.imap(_extract_chunk, _chunks(tasks, CHUNK)):
            yield from chunk


def _chunks(tasks: Iterator[Task], size: int) -> Iterator[list[Task]]:
    chunk: list[Task] = []
    for task in tasks:
        chunk.append(task)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _one_dataset(files: list[Path], args: CrawlArgs, site: Outlet, extra_hosts: tuple[str, ...],
                 named: Optional[str]) -> str:
    """The dataset to write: ``named`` (``--dataset``), else the one the files' pages belong
    to (:func:`file_dataset`). ValueError, naming them, when the files are of several and
    none is named, or when the live site's name is given to a mirror's pages: those must
    never be written among the live site's runs."""
    counts: Counter = Counter()
    for path in files:
        name = file_dataset(path, args, site, extra_hosts)
        if name is not None:
            counts[name] += 1
    listed = ", ".join(f"{n} ({counts[n]} files)" for n in sorted(counts))
    if named == site.name and set(counts) - {site.name}:
        raise ValueError(f"not the live site's WARC files: {listed}")
    if named is None and len(counts) > 1:
        raise ValueError(f"the WARC files come from several datasets: {listed}; re-extract each apart")
    return named or (min(counts) if counts else site.name)


def _output_problem(path: Path, overwrite: bool) -> str:
    """Why ``--output`` cannot be written (empty when it can): an existing file is never
    truncated unless ``--overwrite`` says so."""
    if path.is_dir():
        return "is a directory"
    if path.exists() or path.is_symlink():
        if not path.is_file():
            return "exists and is not a regular file"
        if not overwrite:
            return "exists (pass --overwrite to replace it)"
        return "" if os.access(path, os.W_OK) else "not writable"
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot be created ({parent} is not a writable directory)"
    return ""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m newscrawl.reextract",
        description="Re-extract articles from WARC files with the current parser (no network).",
    )
    parser.add_argument("warcs", nargs="*", metavar="WARC",
                        help="WARC files, globs or directories (default: <output-dir>/warc/<edition>/)")
    add_spider_argument(parser, "the outlet whose pages these are")
    add_edition_argument(parser, "edition code")
    parser.add_argument("--since", help="keep articles published on or after this ISO date (UTC)")
    parser.add_argument("--until", help="keep articles published on or before this ISO date (UTC)")
    parser.add_argument("--output-dir", type=Path, default=ROOT / "output",
                        help="root of the crawl's output (default: <project>/output)")
    parser.add_argument(
        "--dataset",
        help="the dataset to re-extract: its WARCs by default (<output-dir>/warc/<dataset>-<edition>/, "
        "the live site's in warc/<edition>/) and its run files (default: the dataset the WARC files "
        "name; the live site's name is refused for a mirror's files)",
    )
    parser.add_argument("--output", type=Path,
                        help="write this file instead of <output-dir>/<dataset>/<edition>/<UTC now>.jsonl, the dataset "
                             "being the one the WARC files name (their warcinfo's base_url)")
    parser.add_argument("--host", action="append", default=[],
                        help="also take pages of this host (a mirror), besides the edition's own")
    parser.add_argument("--overwrite", action="store_true", help="replace --output if it exists (default: refuse)")
    parser.add_argument("--workers", default="0",
                        help=f"parsing processes, 1 to the core count ({os.cpu_count() or 1}; default: one per core)")
    return parser


def _checked_options(parser: argparse.ArgumentParser, opts: argparse.Namespace) -> tuple[CrawlArgs, dict[str, str]]:
    """The options checked before anything is read or written (a bad value is one line and
    exit 2): the crawl arguments they make, and those arguments as given."""
    check_edition(parser, opts)  # the outlet's first edition when none is given, as every command
    cores = os.cpu_count() or 1
    try:
        opts.workers = int(opts.workers)
    except ValueError:
        opts.workers = -1
    if opts.workers != 0 and not 1 <= opts.workers <= cores:
        parser.error(f"--workers must be a whole number from 1 to {cores}")
    if opts.output is not None:
        problem = _output_problem(opts.output, opts.overwrite)
        if problem:
            parser.error(f"--output {opts.output}: {problem}")
    raw = {"edition": opts.edition}
    for name in ("since", "until"):
        if getattr(opts, name):
            raw[name] = getattr(opts, name)
    try:
        args = CrawlArgs.from_kwargs(raw, outlet(opts.spider).editions)
    except ArgumentError as exc:
        parser.error(str(exc))
    if opts.dataset is not None and name_problem(opts.dataset):
        parser.error(f"--dataset {name_problem(opts.dataset)}")
    return args, raw


def main(argv: Optional[list[str]] = None) -> int:
    parser = _parser()
    opts = parser.parse_args(argv)
    args, raw = _checked_options(parser, opts)
    site = outlet(opts.spider)
    default_dir = opts.output_dir / "warc" / warc_dir_name(opts.dataset or site.name, opts.edition, site.name)
    files = warc_files([str(p) for p in opts.warcs] or [str(default_dir)])
    missing = [str(p) for p in files if not p.is_file()]
    if missing or not files:
        print(
            f"reextract: no WARC file at {', '.join(missing) or ', '.join(opts.warcs) or default_dir}", file=sys.stderr
        )
        return 1
    # --overwrite is for an earlier output, never the raw archive being read.
    if opts.output is not None and os.path.realpath(opts.output) in {os.path.realpath(p) for p in files}:
        parser.error(f"--output {opts.output}: is one of the WARC files read; not replaced")
    try:
        dataset = _one_dataset(files, args, site, tuple(opts.host), opts.dataset)
    except (ArgumentError, ValueError) as exc:
        print(f"reextract: {exc}", file=sys.stderr)
        return 2
    started = utc_now()
    output = opts.output or opts.output_dir / dataset / opts.edition / f"{file_stamp(started)}.jsonl"
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        outcome = reextract(files, args, output, opts.workers, tuple(opts.host), opts.spider)
    except OSError as exc:
        print(f"reextract: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    summary = {
        "command": "reextract",
        "edition": opts.edition,
        "dataset": dataset,
        "arguments": raw,
        "warc_files": [str(p) for p in files],
        "start_time": iso_utc(started),
        "end_time": now_iso(),
        "items": outcome.written,
        "counts": dict(sorted(outcome.counts.items())),
        "outputs": [str(output)],
    }
    summary_path = output.with_name(
        output.name[: -len(output.suffix)] + ".summary.json" if output.suffix else output.name + ".summary.json"
    )
    write_json_atomic(summary_path, summary)
    print(f"{outcome.written} articles from {len(files)} WARC files -> {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
