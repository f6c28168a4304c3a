"""Merge every run's JSON Lines of one edition into one deduplicated dataset.

    python -m newscrawl.merge [--spider NAME] --edition en [--dataset NAME]
                              [--input-dir output/<dataset>/en] [--output FILE]

Each scheduled run writes its own ``<UTC time>.jsonl``; a post seen by several runs (or
edited between them) appears in several files. The merged dataset has one line per post
(key: ``post_id``, else ``canonical_url``): its latest capture wins (latest ``crawled_at``,
then the later file and line; never the run's ``revision``, which a fresh state file starts
again), and the same stored response read twice (``warc.record_id``: a crawl's record and a
re-extraction's) is read from the later file. Lines are sorted by ``published_at`` (then key)
and copied byte for byte from the run files, except that with the versions on (the default,
:mod:`newscrawl.core.versions`) a record whose ``revision`` is not its count of versions in
capture order, or whose post a re-check found gone (``removed_at``), is written with those set;
and every version goes to ``<output stem>.versions.jsonl``, every removal to
``<output stem>.removals.jsonl`` (from the runs' ``*.checks.jsonl`` too).

Memory holds a small index entry per post (file, offset, rank), never the records
themselves: the winning lines are read back from the run files in a second pass. Lines that
are not a complete JSON article record (the partial last line of a run that is still writing
or was killed, a breaking-ticker item, NaN or Infinity, nesting too deep to parse, a line over
``--max-line-bytes``) or whose record does not fit the Article schema (a type outside it, an
integer outside int64, a lone surrogate, a date out of range: the shared check of
:mod:`newscrawl.core.records`, which the dataset's reader uses too, so that every merged line
is one the dataset can read) are skipped and counted by reason, never fatal. A UTF-8
byte-order mark starting a line is dropped from the merged line and counted
(``bom_stripped``). Files are written with the umask's mode, as the crawl's are.

Written atomically (temporary file in the same directory, then ``os.replace``): first the
dataset, then beside it ``<output stem>.manifest.json`` with the record count, the
``published_at`` range, per-section counts, every input file's sha256 and line count, and
the output's sha256. Excluded from the merge: ``*.breaking.jsonl``, ``*.summary.json``,
hidden files, and the output itself.

The runs are those of one dataset (:mod:`newscrawl.core.dataset_names`): ``--dataset``, else
the only dataset of the edition with run files under ``--output-dir`` (a replica's runs alone
are merged without naming them, into ``merged/<its name>-<edition>.jsonl``).

Exit status: 0 when the dataset was written (even with skipped lines), 1 when it could not
be (missing input directory, I/O error), 2 for bad arguments, or when several datasets have
run files and none is named (one line naming them).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Iterator, Optional

from . import dataset_names, records
from .clock import now_iso, parse_utc, parse_utc_or_none
from .jsonfile import umask_mode, write_json_atomic
from .outlet import add_edition_argument, add_spider_argument, check_edition, default_spider
from .paths import PROJECT_ROOT as ROOT
from .versions import History, check_files, removals_path, versions_path

# The registry's first outlet, the default of --spider.
READ_CHUNK = 1 << 20
# A record is far below this (pages over 10 MB are not fetched); a longer line (a file
# without newlines, garbage) is skipped and counted without ever being held in memory.
MAX_LINE_BYTES = 64 * 1024 * 1024
# The most --max-line-bytes may say: a line is held whole up to it (and readline's limit must
# fit a C ssize_t: 10**20 gave a traceback).
MAX_LINE_BYTES_LIMIT = 1 << 30
# At most this many run files are open at once during the second pass.
OPEN_FILES = 32


class MergeError(Exception):
    """The merge cannot produce a dataset (one-line message)."""


class OutputIsARun(MergeError):
    """``--output`` (or a file written beside it) names one of the run files it would read,
    or something that is no regular file: refused before anything is written (exit 2)."""


@dataclass(frozen=True)
class Entry:
    """Where the current winner of one post is, and how it ranks."""

    rank: tuple  # (crawled_at, file index, line number): larger wins
    capture: Optional[str]  # warc.record_id: the same capture in a later file wins whatever its rank
    published_at: datetime
    file_index: int
    offset: int
    length: int


@dataclass
class InputFile:
    path: Path
    sha256: str = ""
    lines: int = 0
    records: int = 0
    skipped: int = 0
    bom_stripped: int = 0  # records read whose line began with a UTF-8 byte-order mark (read without it)


@dataclass
class MergeResult:
    output: Path
    manifest: Path
    count: int
    inputs: list[InputFile]
    skipped: Counter = field(default_factory=Counter)
    superseded: int = 0


def default_input_dir(edition: str, output_dir: Path = ROOT / "output", dataset: Optional[str] = None) -> Path:
    """The run files of an edition of ``dataset`` (the registry's first outlet's when None)."""
    return output_dir / (dataset if dataset is not None else default_spider()) / edition


def default_output(edition: str, output_dir: Path = ROOT / "output", dataset: Optional[str] = None) -> Path:
    """The merged file of an edition of ``dataset`` (the registry's first outlet's when None)."""
    return output_dir / "merged" / f"{dataset if dataset is not None else default_spider()}-{edition}.jsonl"


def manifest_path(output: Path) -> Path:
    return output.with_name(output.stem + ".manifest.json")


def input_files(input_dir: Path, exclude: tuple[Path, ...] = ()) -> list[Path]:
    """The run files of an edition directory, oldest first (names start with the UTC time)."""
    excluded = {p.resolve() for p in exclude}
    files = []
    for path in input_dir.iterdir():
        name = path.name
        if (
            not name.endswith(".jsonl")
            or name.endswith(".breaking.jsonl")
            or name.endswith(".checks.jsonl")
            or name.startswith(".")
            or not path.is_file()
            or path.resolve() in excluded
        ):
            continue
        files.append(path)
    return sorted(files, key=lambda p: p.name)


def refuse_output_over_runs(input_dir: Path, output: Path) -> None:
    """Raise :class:`OutputIsARun` when the merged file or a file beside it would replace a
    run file of ``input_dir``: the merge leaves its own output out of its inputs, so
    ``--output <input dir>/<a run>.jsonl`` replaced that run's records with the others'.
    An earlier merge's output there (its manifest beside it) is no run and is replaced."""
    for path in (output, manifest_path(output), versions_path(output), removals_path(output)):
        # The files are replaced by a rename: over /dev/null it left a regular file there.
        if os.path.lexists(path) and not path.is_file():
            raise OutputIsARun(f"--output {output}: {path} exists and is not a regular file (a device, a FIFO, "
                               "a directory); not replaced")
    if manifest_path(output).exists():
        return
    runs = {Path(os.path.realpath(path)) for path in input_files(input_dir)}
    for path in (output, manifest_path(output), versions_path(output), removals_path(output)):
        if Path(os.path.realpath(path)) in runs:
            raise OutputIsARun(f"--output {output} would replace the run file {path}, which the merge reads; "
                               "name another file")


def merged_is_stale(merged: Path, input_dir: Path) -> bool:
    """True when the merged file is missing, or a run file or a checks file of ``input_dir``
    is newer than it (a run whose re-checks found only removals writes no run file)."""
    if not merged.exists():
        return True
    if not input_dir.is_dir():
        return False
    built = merged.stat().st_mtime_ns
    newer = input_files(input_dir, exclude=(merged,)) + check_files(input_dir)
    return any(p.stat().st_mtime_ns > built for p in newer)


_EPOCH = datetime(1, 1, 1, tzinfo=timezone.utc)


def record_key(record: dict) -> Optional[str]:
    """``post_id`` when present, else ``canonical_url``; None for a record without either.

    Both are strings in the record contract: a number (``123``) is not taken to be the same
    post as ``"123"`` (such a record is skipped as ``bad_post_id`` by the merge).
    """
    for name in ("post_id", "canonical_url"):
        value = record.get(name)
        if isinstance(value, str) and value.strip():
            return f"{name}:{value.strip()}"
    return None


def _check(line: bytes, edition: str) -> tuple[Optional[dict], str]:
    """The record of one line, or None and why it is skipped: the shared check of the record
    schema (:func:`newscrawl.core.records.check`, which the dataset's reader uses too),
    then the merge's own (a key; this edition)."""
    # A last line without its newline may be a write cut short: kept only if it parses.
    record, reason = records.decode_line(line)
    if record is None:
        return None, reason
    checked = records.check(record, surrogates=records.may_hold_surrogate(line))
    if record_key(record) is None and checked != "bad_post_id":
        return None, "no_key"  # not an article at all (a ticker line), whatever its fields
    if isinstance(checked, str):
        return None, checked
    if record.get("edition") not in (None, edition):
        return None, "other_edition"
    return record, ""


def _lines(fh: BinaryIO, digest: "hashlib._Hash", max_bytes: int) -> Iterator[tuple[int, Optional[bytes]]]:
    """(offset, line) for every line of an open binary file, updating ``digest`` with every byte.

    A line longer than ``max_bytes`` is read on in chunks (hashed, never kept) and given
    as None: memory stays bounded by ``max_bytes`` whatever the file holds.
    """
    offset = 0
    while True:
        line = fh.readline(max_bytes + 1)
        if not line:
            return
        digest.update(line)
        if len(line) <= max_bytes or line.endswith(b"\n"):
            yield offset, line
            offset += len(line)
            continue
        length = len(line)
        while not line.endswith(b"\n"):
            line = fh.readline(READ_CHUNK)
            if not line:
                break
            digest.update(line)
            length += len(line)
        yield offset, None
        offset += length


def merge(edition: str, input_dir: Path, output: Path, max_line_bytes: int = MAX_LINE_BYTES,
          versions: bool = True) -> MergeResult:
    """Merge the run files of ``input_dir`` into ``output`` and its manifest (see the module's
    docstring); ``versions``: write the versions and removals beside it."""
    if not input_dir.is_dir():
        raise MergeError(f"input directory {input_dir} does not exist")
    manifest = manifest_path(output)
    refuse_output_over_runs(input_dir, output)
    inputs = [InputFile(path) for path in input_files(
        input_dir, exclude=(output, manifest, versions_path(output), removals_path(output)))]
    skipped: Counter = Counter()
    index: dict[str, Entry] = {}
    history = History() if versions else None
    # Pass 1: stream every file once; keep only the best entry per post.
    superseded = sum(_index_file(info, file_index, edition, max_line_bytes, index, skipped, history)
                     for file_index, info in enumerate(inputs))
    if history is not None:
        history.read_checks(check_files(input_dir), edition, record_key)
    # Pass 2: copy the winners, sorted by published_at, into a temporary file.
    order = sorted(index.items(), key=lambda kv: (kv[1].published_at, kv[0]))
    mode = umask_mode()
    sha256, sections = _write_winners(order, inputs, edition, output, mode, history)
    published = [entry.published_at for _, entry in order]
    document = {
        "edition": edition,
        "created_at": now_iso(),
        "output": {"path": output.name, "sha256": sha256, "lines": len(order)},
        "count": len(order),
        "published_at": {
            "min": published[0].isoformat() if published else None,
            "max": published[-1].isoformat() if published else None,
        },
        "sections": dict(sorted(sections.items())),
        "duplicates_superseded": superseded,
        "skipped_lines": dict(sorted(skipped.items())),
        "bom_stripped": sum(info.bom_stripped for info in inputs),
        "inputs": [
            {
                "path": _display(info.path, input_dir),
                "sha256": info.sha256,
                "lines": info.lines,
                "records": info.records,
                "skipped": info.skipped,
                "bom_stripped": info.bom_stripped,
            }
            for info in inputs
        ],
    }
    if history is not None:
        document["history"] = history.summary
    write_json_atomic(manifest, document, mode)
    return MergeResult(output, manifest, len(order), inputs, skipped, superseded)


def _index_file(info: InputFile, file_index: int, edition: str, max_line_bytes: int,
                index: dict[str, Entry], skipped: Counter, history: Optional[History] = None) -> int:
    """Read one run file into ``index`` (best entry per post) and ``skipped``; return how many
    of its records met an entry already there."""
    superseded = 0
    digest = hashlib.sha256()
    with info.path.open("rb") as fh:
        for line_no, (offset, line) in enumerate(_lines(fh, digest, max_line_bytes)):
            info.lines += 1
            record, reason = _check(line, edition) if line is not None else (None, "too_long")
            if record is None or line is None:
                if reason != "blank":
                    skipped[reason] += 1
                    info.skipped += 1
                continue
            info.records += 1
            info.bom_stripped += line.startswith(records.BOM)
            key = record_key(record)
            assert key is not None  # _check keeps only records with a key
            crawled = parse_utc_or_none(record.get("crawled_at")) or _EPOCH
            warc = record.get("warc")
            capture = (
                warc.get("record_id") if isinstance(warc, dict) and isinstance(warc.get("record_id"), str) else None
            )
            entry = Entry(
                rank=(crawled, file_index, line_no),
                capture=capture,
                published_at=parse_utc(record["published_at"]),
                file_index=file_index,
                offset=offset,
                length=len(line),
            )
            if history is not None:
                history.add(key, record, crawled, file_index, line_no, offset, len(line))
            current = index.get(key)
            if current is not None:
                superseded += 1
                if current.rank >= entry.rank and (capture is None or capture != current.capture):
                    continue
            index[key] = entry
    info.sha256 = digest.hexdigest()
    return superseded


def _write_winners(order: list[tuple[str, Entry]], inputs: list[InputFile], edition: str, output: Path,
                   mode: int, history: Optional[History] = None) -> tuple[str, Counter]:
    """Copy the winning lines byte for byte into ``output`` (atomically; with ``history``, its
    versions and removals beside it, and the few lines it corrects); return its sha256 and
    the count of posts per section."""
    output.parent.mkdir(parents=True, exist_ok=True)
    sections: Counter = Counter()
    out_digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, mode)
        if history is not None:
            history.open(output, mode)
        with os.fdopen(fd, "wb") as out, _RunFiles(inputs) as files:
            for key, entry in order:
                line = files.read(entry)
                record, _ = _check(line, edition)
                if record is None or record_key(record) != key:
                    raise MergeError(f"{inputs[entry.file_index].path} changed during the merge; run it again")
                # A byte-order mark is no part of the record: the dataset's line is without it.
                data = records.strip_bom(line)[0].rstrip(b"\r\n") + b"\n"
                if history is not None:
                    data = history.winner(key, record, data, (entry.file_index, entry.offset), files.read_at,
                                          lambda i: inputs[i].path.name)
                out.write(data)
                out_digest.update(data)
                section = record.get("section")
                sections[section if isinstance(section, str) and section else "(none)"] += 1
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, output)
        if history is not None:
            history.summary = history.commit()
    except BaseException:
        tmp.unlink(missing_ok=True)
        if history is not None:
            history.discard()
        raise
    return out_digest.hexdigest(), sections


class _RunFiles:
    """The run files of the second pass, at most ``OPEN_FILES`` open at once (least recently used closed)."""

    def __init__(self, inputs: list[InputFile]):
        self.inputs = inputs
        self.handles: "OrderedDict[int, BinaryIO]" = OrderedDict()

    def read(self, entry: Entry) -> bytes:
        return self.read_at(entry.file_index, entry.offset, entry.length)

    def read_at(self, file_index: int, offset: int, length: int) -> bytes:
        fh = self.handles.pop(file_index, None)
        if fh is None:
            if len(self.handles) >= OPEN_FILES:
                self.handles.popitem(last=False)[1].close()
            fh = self.inputs[file_index].path.open("rb")
        self.handles[file_index] = fh
        fh.seek(offset)
        return fh.read(length)

    def __enter__(self) -> "_RunFiles":
        return self

    def __exit__(self, *exc_info: object) -> None:
        for fh in self.handles.values():
            fh.close()


def _display(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def location_parser(prog: str, description: str, input_help: str) -> argparse.ArgumentParser:
    """A command-line parser with ``--edition``, ``--output-dir`` and ``--input-dir``: where an
    edition's run files are, for the merge and for the dataset build (which merges first)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    add_spider_argument(parser, "the outlet whose runs these are")
    add_edition_argument(parser, "edition code")
    parser.add_argument("--output-dir", type=Path, default=ROOT / "output",
                        help="root of the crawl output (default: <project>/output)")
    parser.add_argument("--dataset",
                        help="the runs' dataset: the spider's name (the live site), a mirror's "
                             "(<spider>-mirror-127.0.0.1-8000) or demo; default: the one dataset of the edition "
                             "with run files under --output-dir")
    parser.add_argument("--input-dir", type=Path, help=f"{input_help} (default: <output-dir>/<dataset>/<edition>)")
    return parser


def parse_location(parser: argparse.ArgumentParser, argv: Optional[list[str]], prog: str):
    """The options of a :func:`location_parser`, with ``dataset`` and ``input_dir`` filled in
    (:func:`newscrawl.core.dataset_names.resolve`); None after printing one line when several
    datasets could be meant (the caller exits 2)."""
    opts = parser.parse_args(argv)
    # The edition names directories (<output-dir>/<dataset>/<edition>, merged/<dataset>-<edition>.jsonl):
    # one of the outlet's, or `en/../../x` would write outside the output directory.
    check_edition(parser, opts)
    if opts.dataset is not None and dataset_names.name_problem(opts.dataset):
        parser.error(f"--dataset {dataset_names.name_problem(opts.dataset)}")
    try:
        opts.dataset, opts.input_dir = dataset_names.resolve(opts.output_dir, opts.edition, opts.spider, opts.dataset,
                                                             opts.input_dir, getattr(opts, "merged", None))
    except dataset_names.AmbiguousDataset as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return None
    return opts


def main(argv: Optional[list[str]] = None) -> int:
    parser = location_parser("python -m newscrawl.merge",
                             "Merge every run's JSON Lines of an edition into one deduplicated dataset.",
                             "directory of run files")
    parser.add_argument("--output", type=Path,
                        help="merged file (default: <output-dir>/merged/<dataset>-<edition>.jsonl)")
    parser.add_argument("--max-line-bytes", type=int, default=MAX_LINE_BYTES, metavar="N",
                        help=f"skip (and count) lines longer than N bytes (default: {MAX_LINE_BYTES})")
    parser.add_argument(
        "--no-versions",
        action="store_true",
        help="write only the merged file and its manifest, not <stem>.versions.jsonl and .removals.jsonl",
    )
    opts = parse_location(parser, argv, "newscrawl.merge")
    if opts is None:
        return 2
    if not 1 <= opts.max_line_bytes <= MAX_LINE_BYTES_LIMIT:
        parser.error(f"--max-line-bytes must be from 1 to {MAX_LINE_BYTES_LIMIT}")
    output = opts.output or default_output(opts.edition, opts.output_dir, opts.dataset)
    try:
        result = merge(opts.edition, opts.input_dir, output, opts.max_line_bytes, versions=not opts.no_versions)
    except OutputIsARun as exc:
        print(f"newscrawl.merge: error: {exc}", file=sys.stderr)
        return 2
    except (MergeError, OSError) as exc:
        print(f"newscrawl.merge: error: {exc}", file=sys.stderr)
        return 1
    skipped = sum(result.skipped.values())
    detail = ", ".join(f"{k} {v}" for k, v in sorted(result.skipped.items()))
    boms = sum(info.bom_stripped for info in result.inputs)
    print(
        f"merged {result.count} posts from {len(result.inputs)} files -> {result.output} "
        f"({result.superseded} older copies superseded, {skipped} lines skipped"
        f"{': ' + detail if detail else ''}{f'; {boms} byte-order marks stripped' if boms else ''}; "
        f"manifest {result.manifest.name})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
