"""The published dataset of one edition: Parquet, CSV, a dataset card and a report.

    python -m newscrawl.dataset --edition en [--dataset NAME] [--output-dir output] [--no-merge]

From ``output/merged/<dataset>-<edition>.jsonl`` (merged again first when a run file is
newer, or when it is missing) this writes ``output/dataset/<dataset>-<edition>/``, the
dataset being the spider's name for the live site, a mirror's own name or ``demo``
(:mod:`newscrawl.core.dataset_names`):

- ``data/<dataset>-<edition>-<year>.parquet``: typed columns (:mod:`.schema`), one file per
  year of publication (a new month changes only its year's file), one row group per month;
- ``<dataset>-<edition>.csv``: the scalar fields, lists joined (see the card);
- ``versions/`` and ``removals/``: the edit history's tables (:mod:`.history`), when the
  merge wrote its versions file;
- ``README.md``: the dataset card (Hugging Face hub format);
- ``report.html`` and ``figures/*.png`` with ``figures/figures.json`` (the numbers drawn).

The directory is built beside the target and swapped in whole, and the Parquet files, CSV
and card depend only on the merged file and the code (no build time inside).

The crawl never imports this package (pyarrow and matplotlib are not needed to crawl).
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Optional

import pyarrow.csv as pcsv

from .. import merge as merge_mod
from ..outlet import outlet
from . import card, history, report
from .build import (
    MARKER,
    ROOT,
    YEARS,
    BuildResult,
    DatasetError,
    MergedRefused,
    TargetRefused,
    build_prefix,
    by_time,
    csv_table,
    dataset_name,
    default_dataset_dir,
    marked_years,
    merge_is_stale,
    refuse_foreign_target,
    refuse_target_holding_inputs,
    refuse_unusual_merged,
    remove_leftovers,
    replace_dir,
    write_year,
)
from .schema import Column, arrow_schema, columns
from .stats import Stats

__all__ = ["build", "BuildResult", "DatasetError", "MergedRefused", "TargetRefused"]


def build(
    edition: str,
    output_dir: Path = ROOT / "output",
    merged: Optional[Path] = None,
    target: Optional[Path] = None,
    summaries_dir: Optional[Path] = None,
    merge_first: bool = True,
    input_dir: Optional[Path] = None,
    spider: Optional[str] = None,
    figure_process: Optional[tuple] = None,
    dataset: Optional[str] = None,
) -> BuildResult:
    """Build the dataset of ``edition`` of the outlet ``spider`` (the registry's first by
    default); see the module docstring. ``dataset``: whose runs (the spider's name, the live
    site's, by default; a mirror's or ``demo``: :mod:`newscrawl.core.dataset_names`), which
    names the default paths and the files. ``input_dir`` holds the run files (and their
    summaries) to merge, by default ``<output_dir>/<dataset>/<edition>``."""
    site = outlet(spider)
    dataset = dataset or site.name
    input_dir = input_dir or merge_mod.default_input_dir(edition, output_dir, dataset)
    merged = merged or merge_mod.default_output(edition, output_dir, dataset)
    target = target or default_dataset_dir(edition, output_dir, dataset)
    summaries_dir = summaries_dir or input_dir
    refuse_unusual_merged(merged)  # before the merge, which would write to it
    refuse_target_holding_inputs(target, merged=merged, input_dir=input_dir)
    merged_again = False
    if merge_first and merge_is_stale(merged, input_dir):
        if not input_dir.is_dir():
            raise DatasetError(f"no merged file {merged} and no runs in {input_dir}")
        merge_mod.merge(edition, input_dir, merged)
        merged_again = True
    if not merged.exists():
        raise DatasetError(f"merged file {merged} does not exist (run python -m newscrawl.merge)")

    refuse_foreign_target(target)
    name = dataset_name(edition, dataset)
    cols = columns()
    target.parent.mkdir(parents=True, exist_ok=True)
    leftovers = remove_leftovers(target)
    work = Path(tempfile.mkdtemp(prefix=build_prefix(target), dir=target.parent))
    try:
        # The figures are drawn by a process of their own, started now unless the command
        # line started it before importing pyarrow: it imports matplotlib while this
        # process imports and reads, draws the crawl health at once, and the rest as soon
        # as the last year is counted.
        with report.Drawer(work / "figures", figure_process) as drawer:
            ed = site.editions.get(edition)
            sources: Counter = Counter()
            runs = report.run_health(
                sorted(summaries_dir.glob("*.summary.json")) if summaries_dir.is_dir() else [], sources
            )
            drawer.send({"dataset": name, "health": report.health_data(runs)})
            figures: dict = {}
            # The edit history (small) is read and written first: its figures are drawn meanwhile.
            edits = history.read(merged)
            if edits is not None:
                figures["history"] = edits.figures()
                drawer.send({"history": figures["history"]})
                history_files = edits.write(work, name)

            def counted(stats: Stats) -> None:
                figures.update(report.figures_data(stats, runs, [c.name for c in cols], name, ed.host if ed else ""))
                drawer.send({k: v for k, v in figures.items() if k not in ("runs", "health", "history")})

            (work / "data").mkdir()
            result = BuildResult(target, merged, merged_again, 0, leftovers=leftovers)
            stats = _write_years(merged, work, name, cols, result, counted, ed.base_url if ed else "")
            result.count, result.out_of_range = stats.count, stats.out_of_range
            files = [f"data/{p.name}" for p in result.files]
            text = card.render(site, edition, name, cols, stats, files, runs, sources)
            text = history.card(text, edits, name, history_files if edits is not None else [])
            (work / "README.md").write_text(text, encoding="utf-8")
            report.write(work, f"{name}: report", figures, drawer)
        (work / MARKER).write_text("built by python -m newscrawl.dataset\n", encoding="utf-8")
        work.chmod(0o755)  # mkdtemp makes it private; the dataset is for readers
        replace_dir(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return result


def _write_years(merged: Path, work: Path, name: str, cols: list[Column], result: BuildResult,
                 counted: Callable[[Stats], None], home: str = "") -> Stats:
    """Parquet files and CSV of every year, counted on the way; ``counted`` is called as
    soon as the last year is counted, before any file still to write is waited for.
    ``home``: the live site's origin (rows fetched elsewhere are counted by host)."""
    schema = arrow_schema(cols)
    stats = Stats(home=home)
    csv_path = work / f"{name}.csv"
    csv_writer: list = []

    def write_csv(table):
        flat = csv_table(table, cols)
        if not csv_writer:
            csv_writer.append(pcsv.CSVWriter(csv_path, flat.schema))
        csv_writer[0].write_table(flat)

    announced = False
    try:
        # A year's Parquet file and CSV rows are written by two threads (Arrow's work runs
        # outside the GIL) while this one counts that year and reads the next: reading alone
        # leaves part of the two cores idle, and so does writing. A year's files are finished
        # before the next year's are begun (the CSV keeps its order), so memory holds at most
        # the year being written and the one being read.
        with ThreadPoolExecutor(max_workers=2) as pool:
            writing: list = []
            for year, table, last in marked_years(merged, schema):
                if not YEARS[0] <= year <= YEARS[1]:  # a wrong date, not news (build.YEARS)
                    stats.out_of_range += table.num_rows
                    continue
                table = by_time(table)
                stats.add(year, table, cols)
                if last:  # the figures can be drawn: before waiting for any file
                    counted(stats)
                    announced = True
                _finish(writing, result)
                path = work / "data" / f"{name}-{year}.parquet"
                writing[:] = [year, path, pool.submit(write_year, table, path), pool.submit(write_csv, table)]
                del table  # the writers hold it as long as they need it
            _finish(writing, result)
    finally:
        if csv_writer:
            csv_writer[0].close()
    if not csv_writer:  # no rows: a header-only CSV still says what the columns are
        pcsv.write_csv(csv_table(schema.empty_table(), cols), csv_path)
    if not announced:  # no rows, or the last year's were left out
        counted(stats)
    return stats


def _finish(writing: list, result: BuildResult) -> None:
    """Wait for the files of the year being written (``[year, path, parquet job, csv job]``,
    empty when none) and record them in ``result``."""
    if not writing:
        return
    year, path, parquet, csv = writing
    result.row_groups[year] = parquet.result()
    csv.result()
    result.files.append(result.directory / "data" / path.name)
    writing.clear()
