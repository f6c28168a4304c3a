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
from typing import Callable, Optional

HEALTH = ("requests", "errors", "challenges", "browser", "articles")
GROUPS = (("section", "section"), ("post_type", "post type"))
TOP_NAMES = ("authors", "tags")
DPI = 80
WIDTH = 10.0  # inches: 800 pixels, the report's width
# Axis labels kept few: matplotlib's cost is per tick (five artists each), not per pixel.
XTICKS = 7
YTICKS = 5
META = {"Software": None}  # no version string in the files
# Inches kept for the title above the axes, for tick labels and the axis label below them,
# and at the right; a label longer than LABEL_CHARS is cut (the full text is in figures.json).
TOP_MARGIN = 0.45
BOTTOM_MARGIN = 0.6
RIGHT_MARGIN = 0.3
LABEL_CHARS = 34


def caption(data: dict, name: str) -> str:
    """The title of the figure ``name`` (what the report's heading and the PNG itself say)."""
    if name == "crawl_health.png":
        return f"Crawl health per {data['health']['unit']}"
    if name == "articles_over_time.png":
        return f"Articles published per {data['over_time']['period']}"
    if name == "coverage.png":
        return f"Share of articles with a value, by {data['coverage']['period']} of publication"
    if name.startswith("top_"):
        field = name[len("top_"):-len(".png")]
        shown, distinct = len(data["top"][field]), data["distinct"][field]
        return f"All {distinct:,} {field}" if shown == distinct else f"Top {shown} of {distinct:,} {field}"
    by = name[len("by_"):-len(".png")]
    label, figure = dict(GROUPS)[by], data["groups"][by]
    if figure["chart"] == "heatmap":
        return f"Articles per {figure['period']} by {label}"
    return f"Articles by {label}, in total"


def titles(data: dict) -> list[tuple[str, str]]:
    """(file name, title) of every figure, in report order."""
    names = (["articles_over_time.png"] + [f"by_{by}.png" for by, _ in GROUPS]
             + [f"top_{name}.png" for name in TOP_NAMES] + ["coverage.png", "crawl_health.png"])
    out = [(name, caption(data, name)) for name in names]
    if "history" in data:
        out += _history().titles(data)
    return out


@lru_cache(maxsize=1)
def _history():
    """history_figures.py beside this file, loaded by its path (this file runs as a script)."""
    spec = importlib.util.spec_from_file_location(
        "newscrawl_history_figures", Path(__file__).with_name("history_figures.py")
    )
    if spec is None or spec.loader is None:  # the file is part of the package: only a broken install
        raise ImportError("newscrawl/core/dataset/history_figures.py cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _title(data: dict, name: str) -> str:
    text = dict(_history().titles(data)).get(name) if "history" in data else None
    text = text or caption(data, name)
    return f"{data['dataset']}: {text}" if data.get("dataset") else text


def _titled_axes(data: dict, name: str, height: float, left: float = 0.8):
    """A titled figure and its axes, placed as every figure of the report is (the history
    figures draw on these)."""
    fig = _figure(height, _title(data, name))
    return fig, _axes(fig, height, left)


def _figure(height: float, title: str):
    """A figure WIDTH wide with ``title`` at its top left (a PNG says what it shows on its own)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH, height), dpi=DPI)
    fig.text(0.1 / WIDTH, 1 - 0.12 / height, title, ha="left", va="top", fontsize=11, weight="bold")
    return fig


def _axes(fig, height: float, left: float, bottom: float = BOTTOM_MARGIN, right: float = RIGHT_MARGIN,
          top: float = TOP_MARGIN):
    """Axes placed by margins in inches (no layout engine: it would draw every figure twice)."""
    return fig.add_axes(
        (left / WIDTH, bottom / height, (WIDTH - left - right) / WIDTH, (height - bottom - top) / height)
    )


def _save(fig, path: Path) -> None:
    # Light PNG compression: the figures are small either way.
    fig.savefig(path, dpi=DPI, metadata=META, pil_kwargs={"compress_level": 1})


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "\u2026"


def _xticks(ax, labels: list[str], width_in: float) -> None:
    """At most XTICKS labels, fewer when they are long, so that none overlaps the next."""
    if not labels:
        ax.set_xticks([])
        return
    longest = max(len(label) for label in labels)
    fit = max(2, int(width_in * DPI / (longest * 6 + 24)))
    n = len(labels)
    ticks = list(range(0, n, max(1, -(-n // min(XTICKS, fit)))))
    ax.set_xticks(ticks, [labels[i] for i in ticks])


def _counts_axis(axis) -> None:
    """Whole numbers from 0, few ticks, thousands separated."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(YTICKS, integer=True))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def _bars(ax, values: list[int]) -> None:
    """Vertical bars from 0; a few bars stay narrow (a single bar across the plot says little)."""
    n = len(values)
    ax.bar(range(n), values, width=0.8 if n < 60 else 1.0, linewidth=0)
    ax.set_xlim(-0.6, max(n, 8) - 0.4)
    ax.set_ylim(0, max(max(values, default=0), 1) * 1.08)
    _counts_axis(ax.yaxis)


def _no_data(ax, text: str) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=10)


def over_time(data: dict, path: Path) -> None:
    """Articles per period (day, week, month, ...: the one the data fills, see report.choose_period)."""
    series = data["over_time"]
    height = 3.4
    fig = _figure(height, _title(data, path.name))
    ax = _axes(fig, height, left=0.8)
    if series["periods"]:
        _bars(ax, series["articles"])
        _xticks(ax, series["periods"], WIDTH - 1.1)
        ax.set_ylabel(f"articles per {series['period']}")
    else:
        _no_data(ax, "no articles")
    _save(fig, path)


def _barh(fig, height: float, names: list[str], values: list[int], xlabel: str) -> None:
    """Horizontal bars, the first name on top, each with its count."""
    ax = _axes(fig, height, left=2.9, right=0.6)
    if not names:
        _no_data(ax, "none")
        return
    y = list(range(len(names)))[::-1]
    bars = ax.barh(y, values, height=0.7)
    ax.set_yticks(y, [_cut(n) for n in names])
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.bar_label(bars, [f"{v:,}" for v in values], padding=3, fontsize=7)
    ax.set_xlim(0, max(max(values), 1) * 1.12)
    _counts_axis(ax.xaxis)
    ax.set_xlabel(xlabel)


def _bars_height(n: int) -> float:
    return 0.22 * max(n, 3) + TOP_MARGIN + BOTTOM_MARGIN + 0.2


def group(data: dict, by: str, path: Path) -> None:
    """Articles by section (or post type): a heatmap over time when the data fills one, else
    the totals as bars (report.group_figure decides)."""
    figure = data["groups"][by]
    names = figure["names"]
    if figure["chart"] == "totals":
        height = _bars_height(len(names))
        fig = _figure(height, _title(data, path.name))
        _barh(fig, height, names, figure["totals"], "articles")
        _save(fig, path)
        return
    height = 0.3 * len(names) + TOP_MARGIN + BOTTOM_MARGIN + 0.2
    fig = _figure(height, _title(data, path.name))
    ax = _axes(fig, height, left=2.9, right=1.3)
    image = ax.imshow(figure["counts"], aspect="auto", cmap="viridis", interpolation="nearest", vmin=0)
    ax.set_yticks(range(len(names)), [f"{_cut(n)} ({t:,})" for n, t in zip(names, figure["totals"])])
    _xticks(ax, figure["periods"], WIDTH - 4.2)
    bar = fig.colorbar(image, cax=fig.add_axes(((WIDTH - 1.1) / WIDTH, BOTTOM_MARGIN / height, 0.12 / WIDTH,
                                                  (height - BOTTOM_MARGIN - TOP_MARGIN) / height)))
    _counts_axis(bar.ax.yaxis)
    bar.set_label(f"articles per {figure['period']}")
    _save(fig, path)


def top(data: dict, name: str, path: Path) -> None:
    """The most frequent items of the list field ``name``."""
    items = data["top"][name]
    height = _bars_height(len(items))
    fig = _figure(height, _title(data, path.name))
    _barh(fig, height, [k for k, _ in items], [v for _, v in items], "articles")
    _save(fig, path)


def coverage(data: dict, path: Path) -> None:
    """Share of articles with a value, per field not always filled and period of publication."""
    cov = data["coverage"]
    shown = cov["shown"]
    bottom = 0.6  # tick labels, then one line of notes
    height = 0.24 * max(len(shown), 2) + TOP_MARGIN + bottom
    fig = _figure(height, _title(data, path.name))
    ax = _axes(fig, height, left=2.0, right=1.3, bottom=bottom)
    full = len(cov["filled"]) - len(shown)
    if cov["periods"] and shown:
        rows = [[f / a if a else 0 for f, a in zip(cov["filled"][c], cov["articles"])] for c in shown]
        image = ax.imshow(rows, aspect="auto", vmin=0, vmax=1, cmap="viridis", interpolation="nearest")
        ax.set_yticks(range(len(rows)), shown)
        _xticks(ax, cov["periods"], WIDTH - 3.3)
        bar = fig.colorbar(image, cax=fig.add_axes(((WIDTH - 1.1) / WIDTH, bottom / height, 0.12 / WIDTH,
                                                      (height - bottom - TOP_MARGIN) / height)))
        bar.set_ticks([0, 0.5, 1], labels=["0%", "50%", "100%"])
        bar.set_label("with a value")
    else:
        _no_data(ax, "every field has a value in every article" if cov["periods"] else "no articles")
    fig.text(0.1 / WIDTH, 0.1 / height, f"Not drawn: {full} fields with a value in every article.", fontsize=8)
    _save(fig, path)


def crawl_health(data: dict, path: Path) -> None:
    """Requests, errors, challenges, browser use and articles per run (or summed per period
    when there are many runs); series at zero throughout are named below, not drawn."""
    from matplotlib.ticker import MaxNLocator

    health = data["health"]
    series = health["series"]
    panel = 1.1
    bottom = 0.6  # tick labels, then one line of notes
    height = panel * max(len(series), 1) + TOP_MARGIN + bottom
    fig = _figure(height, _title(data, path.name))
    if not health["labels"]:
        _no_data(_axes(fig, height, left=0.9, bottom=bottom), "no run summaries")
    for i, (key, values) in enumerate(series.items()):
        lower = bottom + panel * (len(series) - 1 - i)
        ax = fig.add_axes((0.9 / WIDTH, (lower + 0.12) / height, (WIDTH - 1.2) / WIDTH, (panel - 0.2) / height))
        _bars(ax, values)
        if len(values) <= 12:  # a few bars: their numbers too
            ax.bar_label(ax.containers[0], [f"{v:,}" for v in values], padding=2, fontsize=7)
            ax.set_ylim(0, max(max(values), 1) * 1.3)
        ax.yaxis.set_major_locator(MaxNLocator(3, integer=True))
        ax.set_ylabel(key)
        if i == len(series) - 1:
            _xticks(ax, health["labels"], WIDTH - 1.2)
        else:
            ax.set_xticks([])
    notes = [f"{health['runs']:,} run{'' if health['runs'] == 1 else 's'}"
             + ("" if health["unit"] == "run" else f", summed per {health['unit']} of their start")]
    if health["zero"]:
        notes.append("zero in every run: " + ", ".join(health["zero"]))
    fig.text(0.1 / WIDTH, 0.1 / height, "; ".join(notes) + ".", fontsize=8)
    _save(fig, path)


# Rough drawing cost of each figure (relative CPU, measured on the 50,000-article replica),
# used to share them between two processes.
COST = {"coverage.png": 3, "by_section.png": 2.5, "top_tags.png": 2, "by_post_type.png": 2,
        "top_authors.png": 1.5, "articles_over_time.png": 1.5, "crawl_health.png": 3}


def jobs(data: dict, directory: Path) -> list[tuple[str, Callable[[], None]]]:
    """(file name, drawing) of every figure whose data is in ``data`` (part of figures.json)."""
    out: list[tuple[str, Callable[[], None]]] = []
    if "health" in data:
        out.append(("crawl_health.png", partial(crawl_health, data, directory / "crawl_health.png")))
    if "over_time" in data:
        out.append(("articles_over_time.png", partial(over_time, data, directory / "articles_over_time.png")))
    if "groups" in data:
        out += [(f"by_{by}.png", partial(group, data, by, directory / f"by_{by}.png")) for by, _ in GROUPS]
    if "top" in data:
        out += [(f"top_{name}.png", partial(top, data, name, directory / f"top_{name}.png")) for name in TOP_NAMES]
    if "coverage" in data:
        out.append(("coverage.png", partial(coverage, data, directory / "coverage.png")))
    if "history" in data:
        out += _history().jobs(data, directory, partial(_titled_axes, data), _save)
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
    # Labels are the data's text (sections, authors, tags, titles): drawn as written, never
    # read as mathtext (a tag "$_$" made every figure fail to parse).
    matplotlib.rcParams.update({"font.size": 8, "text.hinting": "no_hinting", "text.parse_math": False})
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
    directory: Optional[Path] = None
    for line in sys.stdin:
        if line.strip():
            data = json.loads(line)
            if "directory" in data:
                directory = Path(data.pop("directory"))
                directory.mkdir(parents=True, exist_ok=True)
            assert directory is not None, "the first line names the directory"
            try:
                draw(data, directory, split=True)
            except FigureError:
                return 1  # the child's traceback stays the last words on standard error
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
