"""Build the published dataset of one edition from its merged JSON Lines.

The merged file (``newscrawl.merge``) is read once, streamed in blocks by Arrow's JSON reader
with the explicit schema of :mod:`newscrawl.core.dataset.schema` (typed on the way in: no second
pass of conversion in Python). Rows are gathered one year at a time (the merged file is
sorted by ``published_at``), so memory holds at most two years of articles (the one being
written while the next is read: :func:`newscrawl.core.dataset.build`); each year is
written as one Parquet file with one row group per UTC month, the CSV grows by that year,
and the report's counts take their share. Everything is built in a temporary directory
beside the target and swapped in at the end.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import logging
import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pjson
import pyarrow.parquet as pq

from .. import merge as merge_mod
from .. import records
from ..args import FIRST_YEAR, LAST_YEAR
from ..outlet import default_spider
from ..paths import PROJECT_ROOT as ROOT
from .schema import Column

_log = logging.getLogger(__name__)
# The merged file is read in chunks of CHUNK_SIZE bytes, each parsed by Arrow's JSON reader
# in blocks of BLOCK_SIZE on every core; memory holds one chunk besides the current year
# (64 MiB chunks: same speed, ~130 MB more peak memory at 50,000 articles).
CHUNK_SIZE = 16 << 20
BLOCK_SIZE = 4 << 20
# A line longer than this is not a merged record (the merge skips lines over its own
# --max-line-bytes, 64 MiB by default): refused rather than buffered without end
# (a file of zeros without a newline would be read whole into memory).
MAX_LINE_BYTES = merge_mod.MAX_LINE_BYTES
# Posts dated outside these years are typing mistakes, not news (the crawl's own bounds,
# newscrawl.core.args): left out of the dataset and counted, so that the card's month list
# and the figures span the data's real range (9999-12-31 made 1,175,556 empty months).
YEARS = (FIRST_YEAR, LAST_YEAR)
# zstd at its fastest level: already smaller than gzip'd JSON Lines (docs/benchmarks.md);
# level 6 saves ~14% more and takes three times as long to write.
COMPRESSION = "zstd"
COMPRESSION_LEVEL = 1
# Text new in every article gets neither a dictionary (built for each row group, then
# dropped for plain encoding: time spent for larger files) nor min/max statistics (no filter
# uses them on a body); identifiers and timestamps, unique too, keep their statistics.
# Every other column, a new field included, gets both (Arrow's default): there values
# repeat (sections, authors, tags, linked URLs).
UNIQUE_TEXT = ("url", "canonical_url", "title", "body", "content_hash", "version_hash", "published_at_raw")
UNIQUE_VALUES = ("post_id",)
# What the CSV puts between the items of a list (documented in the card).
LIST_SEPARATOR = " | "
# A CSV cell starting with one of these is run as a formula by spreadsheets (OWASP "CSV
# injection"); the CSV puts FORMULA_PREFIX before it. Parquet keeps the true text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_PREFIX = "'"


class DatasetError(Exception):
    """The dataset cannot be built (one-line message)."""


def dataset_name(edition: str, spider: Optional[str] = None) -> str:
    """``<spider>-<edition>``: the registry's first outlet when no spider is named."""
    return f"{spider or default_spider()}-{edition}"


def default_dataset_dir(edition: str, output_dir: Path = ROOT / "output", spider: Optional[str] = None) -> Path:
    return output_dir / "dataset" / dataset_name(edition, spider)


def merge_is_stale(merged: Path, input_dir: Path) -> bool:
    """True when the merged file is missing or a run (or checks) file is newer than it."""
    return merge_mod.merged_is_stale(merged, input_dir)


def utc_wall(values):
    """UTC timestamps without their zone (the same numbers): Arrow's temporal functions and
    casts look the zone up for every value otherwise, about ten times slower."""
    return values.cast(pa.timestamp(values.type.unit))


# --- reading ----------------------------------------------------------------------------
def _chunks(path: Path, size: int) -> Iterator[memoryview]:
    """The file in pieces of about ``size`` bytes, each ending at a line end.

    Each piece is read straight into a buffer of its own (no joining and slicing of bytes:
    each copy of a 16 MiB piece costs as many page faults as reading it).
    """
    rest = b""
    with path.open("rb", buffering=0) as fh:
        while True:
            buf = bytearray(len(rest) + size)
            buf[: len(rest)] = rest
            end = len(rest) + fh.readinto(memoryview(buf)[len(rest):])
            if end == len(rest):  # end of file
                if rest.strip():
                    yield memoryview(buf)[:end]
                return
            cut = buf.rfind(b"\n", 0, end) + 1
            if end - cut > MAX_LINE_BYTES:  # the line being read: never buffered whole
                raise DatasetError(f"{path}: a line over {MAX_LINE_BYTES:,} bytes from byte "
                                   f"{fh.tell() - (end - cut):,} on: not a merged file")
            if cut:
                rest = bytes(buf[cut:end])
                yield memoryview(buf)[:cut]
            else:  # a line longer than the buffer: carry it all over
                rest = bytes(buf[:end])


def read_batches(merged: Path, schema: pa.Schema, chunk_size: int = CHUNK_SIZE,
                 skipped: Optional[Counter] = None) -> Iterator[pa.RecordBatch]:
    """Every record of the merged file as Arrow batches of ``schema``.

    Read in chunks (memory stays at one chunk), each parsed by Arrow's threaded JSON reader
    (its streaming reader parses on one core only). A chunk Arrow refuses (a line the merge
    would have skipped: a merged file of an older merge, or edited by hand) is read again line
    by line through the merge's own check (:func:`newscrawl.core.records.parse_line`): the lines
    that fail it are skipped, counted by the merge's reasons in ``skipped`` and named in one
    warning; the others are read. Lines Arrow takes are not checked again in Python (a second
    parse of every line would cost as much as Arrow's whole read, docs/benchmarks.md section 7).
    """
    parse = pjson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    read = pjson.ReadOptions(block_size=BLOCK_SIZE)
    for chunk in _chunks(merged, chunk_size):
        try:
            table = _parse_chunk(chunk, read, parse)
        except pa.ArrowInvalid:
            kept, counts = _checked_lines(chunk)
            if skipped is not None:
                skipped.update(counts)
            _log.warning("%s: %d lines skipped, as the merge skips them (%s)", merged, sum(counts.values()),
                         ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
            if not kept:
                continue
            try:
                table = _parse_chunk(kept, read, parse)
            except pa.ArrowInvalid as exc:  # a line the check let through: no traceback all the same
                raise DatasetError(f"{merged}: a line the record check accepts and Arrow refuses: {exc}") from None
        for batch in table.to_batches():
            if batch.num_rows:
                yield pa.RecordBatch.from_arrays(batch.columns, schema=schema)  # field metadata back on


def _checked_lines(chunk: memoryview) -> tuple[bytes, Counter]:
    """The lines of ``chunk`` that pass :func:`newscrawl.core.records.parse_line` (without a
    byte-order mark, as the merge writes them), and the count of the others by reason."""
    kept: list[bytes] = []
    counts: Counter = Counter()
    for line in bytes(chunk).splitlines():
        record, reason = records.parse_line(line)
        if record is not None:
            kept.append(records.strip_bom(line)[0].strip())
        elif reason != "blank":
            counts[reason] += 1
    return b"\n".join(kept) + b"\n" if kept else b"", counts


def _parse_chunk(chunk: memoryview | bytes, read: pjson.ReadOptions, parse: pjson.ParseOptions) -> pa.Table:
    """One chunk through Arrow's JSON reader. A line longer than a block (a 10 MB record)
    makes Arrow fail ("straddling object"): that chunk is parsed again as one block, on one
    core (rare: the blocks stay small for the usual chunk)."""
    try:
        return pjson.read_json(pa.BufferReader(pa.py_buffer(chunk)), read_options=read, parse_options=parse)
    except pa.ArrowInvalid:
        if len(chunk) <= read.block_size:
            raise  # one block already: a real error
        whole = pjson.ReadOptions(use_threads=read.use_threads, block_size=len(chunk))
        return pjson.read_json(pa.BufferReader(pa.py_buffer(chunk)), read_options=whole, parse_options=parse)


def read_years(merged: Path, schema: pa.Schema, chunk_size: int = CHUNK_SIZE) -> Iterator[tuple[int, pa.Table]]:
    """(year, table of that year's rows) in order, streaming the merged file.

    The merged file is sorted by ``published_at``; a year that comes back after a later one
    means the input is not a merged file, and is refused rather than silently split.
    """
    for year, table, _ in marked_years(merged, schema, chunk_size):
        yield year, table


def marked_years(merged: Path, schema: pa.Schema, chunk_size: int = CHUNK_SIZE) -> Iterator[tuple[int, pa.Table, bool]]:
    """:func:`read_years` with a third item, True for the last year (known as it is
    handed out, so that work waiting for every year can start before that year is written)."""
    current: Optional[int] = None
    pending: list[pa.RecordBatch] = []
    done: set[int] = set()
    for batch in read_batches(merged, schema, chunk_size):
        years = pc.year(utc_wall(batch.column("published_at")))
        if years.null_count:
            raise DatasetError(f"{merged}: a record without published_at (run the merge, which drops them)")
        # Runs of equal years, in order (sorted input: at most a couple per batch).
        if pc.min(years) == pc.max(years):
            change = [0]
        else:
            values = years.to_pylist()
            change = [0] + [i for i in range(1, len(values)) if values[i] != values[i - 1]]
        bounds = change + [batch.num_rows]
        for start, end in zip(bounds, bounds[1:]):
            year = years[start].as_py()
            if year != current:
                if current is not None:
                    done.add(current)
                    yield current, pa.Table.from_batches(pending, schema), False
                if year in done or (current is not None and year < current):
                    raise DatasetError(f"{merged} is not sorted by published_at (year {year} after {current})")
                current, pending = year, []
            pending.append(batch.slice(start, end - start))
    if current is not None:
        yield current, pa.Table.from_batches(pending, schema), True


# --- writing ----------------------------------------------------------------------------
def by_time(table: pa.Table) -> pa.Table:
    """The rows in ``published_at`` order (the merged file's order already, normally)."""
    published = table.column("published_at")
    if len(published) > 1 and not pc.all(pc.greater_equal(published[1:], published[:-1])).as_py():
        # Only when needed: sorting copies every column (the bodies too). Stable, so the
        # merge's order of equal times is kept.
        table = table.sort_by([("published_at", "ascending")])
    return table


def _leaf_paths(name: str, tp: pa.DataType) -> Iterator[str]:
    """Parquet's column paths under one Arrow field (a list's items are ``<name>.list.element``)."""
    if pa.types.is_list(tp):
        yield from _leaf_paths(f"{name}.list.element", tp.value_type)
    elif pa.types.is_struct(tp):
        for child in tp:
            yield from _leaf_paths(f"{name}.{child.name}", child.type)
    else:
        yield name


def parquet_encoding(schema: pa.Schema) -> dict:
    """The Parquet columns that get a dictionary and statistics (see UNIQUE_TEXT)."""
    dictionary, statistics = [], []
    for f in schema:
        if f.name in UNIQUE_TEXT:
            continue
        paths = list(_leaf_paths(f.name, f.type))
        statistics += paths
        if f.name not in UNIQUE_VALUES and not pa.types.is_timestamp(f.type):
            dictionary += paths
    return {"use_dictionary": dictionary, "write_statistics": statistics}


def write_year(table: pa.Table, path: Path) -> list[int]:
    """One Parquet file of rows sorted by ``published_at`` (:func:`by_time`), one row group
    per UTC month (readers skip the months a filter on ``published_at`` excludes by the row
    groups' min/max); returns the row group sizes."""
    months = pc.month(utc_wall(table.column("published_at"))).to_pylist()
    sizes, start = [], 0
    with pq.ParquetWriter(
        path, table.schema, compression=COMPRESSION, compression_level=COMPRESSION_LEVEL, store_schema=True,
        **parquet_encoding(table.schema),
    ) as writer:
        for i in range(1, len(months) + 1):
            if i == len(months) or months[i] != months[start]:
                writer.write_table(table.slice(start, i - start), row_group_size=i - start)
                sizes.append(i - start)
                start = i
    return sizes


def iso_text(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """UTC timestamps as Python's ``isoformat`` writes them (``2024-05-22T08:50:00+00:00``,
    a fraction only when there is one)."""
    # Arrow's cast to text ("2024-05-22 08:50:00.000000") of utc_wall: ten times as fast
    # as strftime; the schema's zone is always UTC.
    text = pc.cast(utc_wall(values), pa.string())
    text = pc.replace_substring(text, pattern=".000000", replacement="")
    text = pc.replace_substring(text, pattern=" ", replacement="T", max_replacements=1)
    return pc.binary_join_element_wise(text, pa.scalar("+00:00"), "")


def csv_columns(cols: list[Column]) -> list[tuple[str, str]]:
    """(column, how it is written) for the CSV: scalars as they are, lists joined."""
    out = []
    for c in cols:
        if c.kind == "timestamp":
            out.append((c.name, "ISO 8601 in UTC"))
        elif c.scalar:
            out.append((c.name, "as is"))
        elif c.kind == "list":
            out.append((c.name, f"items joined by `{LIST_SEPARATOR}`"))
        elif c.kind == "struct-list":
            first = c.type.value_type.field(0).name
            out.append((c.name, f"the items' `{first}` joined by `{LIST_SEPARATOR}`"))
    return out


def csv_table(table: pa.Table, cols: list[Column]) -> pa.Table:
    """The flat CSV rows of one year."""
    by_name = {c.name: c for c in cols}
    names, arrays = [], []
    for name, _ in csv_columns(cols):
        c, values = by_name[name], table.column(name)
        if c.kind == "timestamp":
            values = iso_text(values)
        elif c.kind == "list":
            values = pc.binary_join(values, LIST_SEPARATOR)
        elif c.kind == "struct-list":
            first = c.type.value_type.field(0).name
            values = pc.binary_join(_struct_list_child(values, first), LIST_SEPARATOR)
        if pa.types.is_string(values.type):
            values = formula_safe(values)
        names.append(name)
        arrays.append(values)
    return pa.table(arrays, names=names)


def formula_safe(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Text cells as a spreadsheet cannot run them: FORMULA_PREFIX before a value starting
    with one of FORMULA_STARTS (``=HYPERLINK(...)``, ``-2+3+cmd|...``), as OWASP advises."""
    return pa.chunked_array([_formula_safe(chunk) for chunk in values.chunks], values.type)


def _formula_safe(chunk: pa.Array) -> pa.Array:
    # The first character only, whatever the length of the text (bodies included).
    risky = pc.is_in(pc.utf8_slice_codeunits(chunk, 0, 1), value_set=pa.array(FORMULA_STARTS, pa.string()))
    at = pc.indices_nonzero(risky).to_pylist()
    if not at:
        return chunk
    # The few risky cells spliced between slices of the rest: one copy of the text
    # (if_else over every row took 2 s for a year's 250 MB of bodies, this 0.07 s).
    fixed = pc.binary_join_element_wise(pa.scalar(FORMULA_PREFIX), chunk.take(at), "")
    pieces, start = [], 0
    for n, i in enumerate(at):
        pieces += [chunk.slice(start, i - start), fixed.slice(n, 1)]
        start = i + 1
    pieces.append(chunk.slice(start))
    return pa.concat_arrays(pieces)


def _struct_list_child(values: pa.ChunkedArray, child: str) -> pa.ChunkedArray:
    """list<struct> -> list<child> with the same offsets."""
    chunks = []
    for chunk in values.chunks:
        # Works on slices too (a year's rows start mid-batch): flatten respects the slice,
        # and the offsets are rebased to that flat array.
        flat = pc.struct_field(chunk.flatten(), [child])
        offsets = pc.subtract(chunk.offsets, chunk.offsets[0])
        mask = chunk.is_null() if chunk.null_count else None
        chunks.append(pa.ListArray.from_arrays(offsets, flat, mask=mask))
    return pa.chunked_array(chunks, pa.list_(values.type.value_type.field(child).type))


# --- the atomic swap --------------------------------------------------------------------
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux renameat2 RENAME_EXCHANGE); False when the
    system or filesystem cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


MARKER = ".newscrawl-dataset"


class TargetRefused(DatasetError):
    """The target exists and is not a dataset this command built: never replaced (exit 2)."""


class MergedRefused(DatasetError):
    """``--merged`` names something other than a regular file: never read (exit 2)."""


def refuse_unusual_merged(merged: Path) -> None:
    """Raise :class:`MergedRefused` when ``merged`` exists and is not a regular file (a
    symlink to one is fine): ``/dev/zero`` never ends, a FIFO may never come, a directory
    is no file to read."""
    if os.path.lexists(merged) and not merged.is_file():
        raise MergedRefused(f"--merged {merged} is not a regular file; not read")


# A build's temporary directory, beside the target: ``.<target>.build-<pid>-<random>``.
# The pid says whose it is: a build killed outright (SIGKILL, out of memory) cannot remove
# its own, so the next build of that target removes those whose process is gone.
def build_prefix(target: Path) -> str:
    return f".{target.name}.build-{os.getpid()}-"


def remove_leftovers(target: Path) -> list[Path]:
    """Remove the temporary directories of earlier builds of ``target`` whose process no
    longer runs (see :func:`build_prefix`); returns them."""
    removed: list[Path] = []
    if not target.parent.is_dir():
        return removed
    for path in target.parent.glob(f".{glob.escape(target.name)}.build-*-*"):
        pid = path.name[len(f".{target.name}.build-"):].split("-", 1)[0]
        if not pid.isdigit() or path.is_symlink() or not path.is_dir() or _running(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def refuse_foreign_target(target: Path) -> None:
    """Raise :class:`TargetRefused` unless ``target`` is absent, an empty directory or a
    directory holding the marker a build writes: the build replaces the target whole, so
    anything else (the output directory, a user's files) would be deleted."""
    if not os.path.lexists(target):
        return
    if target.is_symlink() or not target.is_dir():
        raise TargetRefused(f"--target {target} exists and is not a directory this command built; not replaced")
    if (target / MARKER).is_file() or not any(target.iterdir()) or _earlier_build(target):
        return
    raise TargetRefused(f"--target {target} holds files this command did not build (no {MARKER}); not replaced")


def refuse_target_holding_inputs(target: Path, **inputs: Path) -> None:
    """Raise :class:`TargetRefused` when an input (``merged=``, the run files' ``input_dir=``)
    lies inside ``target``: the build replaces the target whole, so the merged file, its
    manifest and history, or the runs themselves would be deleted with it."""
    where = Path(os.path.realpath(target))  # realpath: a symlink loop is no RuntimeError
    for option, path in inputs.items():
        if path is None:
            continue
        resolved = Path(os.path.realpath(path))
        if resolved == where or where in resolved.parents:
            raise TargetRefused(f"--target {target} holds --{option.replace('_', '-')} {path}, which a build "
                                "would delete with the old dataset; not replaced")


# What a build writes at the top of its directory. A dataset built before the marker existed
# holds only these (a data/ and a README.md among them) and may be replaced; one more name and
# the directory is not ours.
_BUILD_NAMES = {"README.md", "data", "figures", "report.html", "versions", "removals"}


def _earlier_build(target: Path) -> bool:
    names = {p.name for p in target.iterdir()}
    return {"README.md", "data"} <= names and all(
        n in _BUILD_NAMES or (n.endswith(".csv") and (target / n).is_file()) for n in names)


def replace_dir(new: Path, target: Path) -> None:
    """Put directory ``new`` at ``target``: the old one and the new one are exchanged in one
    step, so a reader sees either whole; then the old one is deleted."""
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        shutil.rmtree(new)
        return
    # Fallback (no renameat2): a moment without the directory, never a half-written one.
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.rename(target, old)
    os.rename(new, target)
    shutil.rmtree(old)


@dataclass
class BuildResult:
    """What one build wrote."""

    directory: Path
    merged: Path
    merged_again: bool
    count: int
    files: list[Path] = field(default_factory=list)
    row_groups: dict[int, list[int]] = field(default_factory=dict)
    # Records dated outside YEARS, left out (the card's known gaps and the report say how many).
    out_of_range: int = 0
    # Temporary directories of killed earlier builds, removed (remove_leftovers).
    leftovers: list[Path] = field(default_factory=list)
