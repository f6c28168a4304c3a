"""The report's PNG figures (matplotlib, Agg backend), drawn by a process of their own.

The command line starts ``python -P figures.py`` before it imports pyarrow (the build starts
it itself when called without one: :class:`~newscrawl.core.dataset.report.Drawer`), so that
importing matplotlib (about half a second of CPU) runs on the other core while that process
imports and Arrow reads the merged file. The process reads JSON objects from its standard
input, one a line: first the directory to draw into, then each holding part of
``figures.json``'s data (:func:`newscrawl.core.dataset.report.figures_data`), and draws every
figure whose data has come: the crawl health at once (the run summaries are known before any
article is read), the six others as soon as the last year is counted (shared with a forked
child: :func:`draw`), while the main process still writes that year. It exits 0 once its
input is closed and every figure it was sent is written; a failure is a traceback on its
standard error.

Only the standard library and matplotlib are imported here: the file runs as a script,
without the package (and so without pyarrow).
"""

from __future__ import annotations

import gc
import importlib.util
import json
import os
import sys
import traceback
from functools import lru_cache, partial
from pathlib import Path
from typing import Callable

HEALTH = ("requests", "errors", "challenges", "browser", "records")
WEEKLY = (("section", "section"), ("post_type", "post type"), ("edition", "edition"))
TOP_NAMES = ("authors", "tags")
DPI = 80
# Axis labels kept few: matplotlib's cost is per tick (five artists each), not per pixel.
XTICKS = 7
YTICKS = 5
META = {"Software": None}  # no version string in the files


def titles(data: dict) -> list[tuple[str, str]]:
    """(file name, title) of every figure, in report order."""
    out = [(f"weekly_{by}.png", f"Articles per week by {label}") for by, label in WEEKLY]
    out += [(f"top_{name}.png", f"Top {len(data['top'][name])} {name}") for name in TOP_NAMES]
    out += [("coverage.png", "Field coverage by month of publication"), ("crawl_health.png", "Crawl health per run")]
    if "history" in data:
        out += _history().titles(data)
    return out


@lru_cache(maxsize=1)
def _history():
    """history_figures.py beside this file, loaded by its path (this file runs as a script)."""
    spec = importlib.util.spec_from_file_location("newscrawl_history_figures", Path(__file__).with_name("history_figures.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI)


def _save(fig, path: Path) -> None:
    # Light PNG compression: the figures are small either way.
    fig.savefig(path, dpi=DPI, metadata=META, pil_kwargs={"compress_level": 1})


def _every(n: int, shown: int) -> list[int]:
    return list(range(0, n, max(1, -(-n // shown))))


def _few_yticks(ax) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(YTICKS, integer=True))


def weekly(data: dict, by: str, path: Path) -> None:
    """Articles per week, stacked by the largest groups of ``by``."""
    weeks, series = data["weeks"], data["weekly"][by]
    fig = _figure(10, 3.6)
    ax = fig.add_axes((0.07, 0.12, 0.9, 0.84))
    if weeks and series:
        x = list(range(len(weeks)))
        # Steps, not slopes: each week's stack is its exact count (one polygon per group,
        # far cheaper to draw than a bar per week and group).
        ax.stackplot(x, *series.values(), labels=list(series), linewidth=0, step="post")
        ticks = _every(len(weeks), XTICKS)
        ax.set_xticks(ticks, [weeks[i] for i in ticks])
        ax.legend(loc="upper left", fontsize=7, ncol=3)
    _few_yticks(ax)
    ax.set_ylabel("articles per week")
    _save(fig, path)


def top(data: dict, name: str, path: Path) -> None:
    """The most frequent items of the list field ``name``."""
    items = data["top"][name]
    fig = _figure(7, 0.25 * max(len(items), 4) + 0.8)
    ax = fig.add_axes((0.3, 0.1, 0.66, 0.86))
    if items:
        ax.barh([k for k, _ in reversed(items)], [v for _, v in reversed(items)])
    ax.xaxis.set_major_locator(_locator())
    ax.set_xlabel("articles")
    _save(fig, path)


def _locator():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(YTICKS, integer=True)


def coverage(data: dict, path: Path) -> None:
    """Share of articles with a value, per field and month of publication."""
    cov = data["coverage"]
    fig = _figure(10, 0.22 * max(len(cov["filled"]), 4) + 1.2)
    ax = fig.add_axes((0.2, 0.1, 0.68, 0.86))
    if cov["months"]:
        rows = [[f / a if a else 0 for f, a in zip(cov["filled"][c], cov["articles"])] for c in cov["filled"]]
        image = ax.imshow(rows, aspect="auto", vmin=0, vmax=1, cmap="viridis", interpolation="nearest")
        ax.set_yticks(range(len(rows)), list(cov["filled"]))
        ticks = _every(len(cov["months"]), XTICKS)
        ax.set_xticks(ticks, [cov["months"][i] for i in ticks])
        bar = fig.colorbar(image, cax=fig.add_axes((0.9, 0.1, 0.015, 0.86)), label="share of articles with a value")
        bar.set_ticks([0, 0.5, 1])
    _save(fig, path)


def crawl_health(data: dict, path: Path) -> None:
    """Requests, errors, challenges, browser use and records of each run."""
    runs = data["runs"]
    fig = _figure(10, 1.4 * len(HEALTH) + 0.6)
    axes = fig.subplots(len(HEALTH), 1, sharex=True)
    fig.subplots_adjust(left=0.07, right=0.97, bottom=0.08, top=0.97, hspace=0.15)
    for ax, key in zip(axes, HEALTH):
        ax.bar(range(len(runs)), [r[key] for r in runs])
        ax.yaxis.set_major_locator(_locator())
        ax.set_ylabel(key)
    if runs:
        ticks = _every(len(runs), XTICKS)
        axes[-1].set_xticks(ticks, [runs[i]["run"] for i in ticks])
    _save(fig, path)


# Rough drawing cost of each figure (relative CPU, measured on the 50,000-article replica),
# used to share them between two processes.
COST = {"coverage.png": 3, "weekly_section.png": 2, "top_tags.png": 2, "weekly_post_type.png": 1.5,
        "top_authors.png": 1, "weekly_edition.png": 1, "crawl_health.png": 3}


def jobs(data: dict, directory: Path) -> list[tuple[str, Callable[[], None]]]:
    """(file name, drawing) of every figure whose data is in ``data`` (part of figures.json)."""
    out: list[tuple[str, Callable[[], None]]] = []
    if "runs" in data:
        out.append(("crawl_health.png", partial(crawl_health, data, directory / "crawl_health.png")))
    if "weekly" in data:
        out += [(f"weekly_{by}.png", partial(weekly, data, by, directory / f"weekly_{by}.png")) for by, _ in WEEKLY]
    if "top" in data:
        out += [(f"top_{name}.png", partial(top, data, name, directory / f"top_{name}.png")) for name in TOP_NAMES]
    if "coverage" in data:
        out.append(("coverage.png", partial(coverage, data, directory / "coverage.png")))
    if "history" in data:
        out += _history().jobs(data, directory, _figure, _save)
    return out


def share(names: list[str]) -> tuple[list[str], list[str]]:
    """Two groups of about equal drawing cost (the costliest first, each to the lighter group)."""
    groups: tuple[list[str], list[str]] = ([], [])
    load = [0.0, 0.0]
    for name in sorted(names, key=lambda n: -COST.get(n, 1)):
        i = 0 if load[0] <= load[1] else 1
        groups[i].append(name)
        load[i] += COST.get(name, 1)
    return groups


def draw(data: dict, directory: Path, split: bool = False) -> list[str]:
    """Draw every figure whose data is in ``data`` into ``directory``; returns the file
    names written. ``split``: draw about half of them in a forked child, at the same time
    (the last six figures are the build's critical path once the Parquet files are
    written: the second core is free then)."""
    todo = dict(jobs(data, directory))
    if not split or len(todo) < 2 or not hasattr(os, "fork"):
        for run in todo.values():
            run()
        return list(todo)
    mine, theirs = share(list(todo))
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: its half, then leave without running the parent's exit code
        code = 0
        try:
            for name in theirs:
                todo[name]()
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            sys.stderr.flush()
            os._exit(code)
    try:
        for name in mine:
            todo[name]()
    finally:
        _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise FigureError(f"the process drawing {', '.join(theirs)} failed")
    return list(todo)


class FigureError(Exception):
    """A forked drawing process failed (its traceback is already on standard error)."""


def load() -> None:
    """Import matplotlib and set it up (the slow part: done before any input comes)."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display, same output everywhere
    # Glyphs drawn as the font shapes them, without FreeType's auto-hinter (matplotlib's
    # default): 15% less drawing CPU for the six figures that end the build, the labels as
    # legible at this size.
    matplotlib.rcParams.update({"font.size": 8, "text.hinting": "no_hinting"})
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401


def main(argv: list[str]) -> int:
    """``figures.py``: draw what each line of standard input allows, into the directory
    named by the first (``{"directory": ...}``: the process starts before it is known)."""
    # No cyclic garbage collection in this short-lived process: its scans cost about 7% of
    # the import's and drawing's CPU, and in the forked child they write to (so copy) every
    # page shared with the parent (its half took 0.35 s instead of 0.26 s). The few cycles
    # seven figures leave are freed at exit.
    gc.disable()
    load()
    directory = None
    for line in sys.stdin:
        if line.strip():
            data = json.loads(line)
            if "directory" in data:
                directory = Path(data.pop("directory"))
                directory.mkdir(parents=True, exist_ok=True)
            try:
                draw(data, directory, split=True)
            except FigureError:
                return 1  # the child's traceback stays the last words on standard error
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
