"""The report's edit-history figures, drawn by the figure process (:mod:`.figures` loads this
file by its path: it runs as a script, without the package). Only matplotlib is imported,
and only by the drawings; the figure and file helpers are the figure process's own, handed
in (``figure(file name, height)`` gives a titled figure and its axes), so every figure of the
report looks alike. The numbers are
``figures.json["history"]`` (:meth:`newscrawl.core.dataset.history.EditHistory.figures`)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Callable

XTICKS = 7


def titles(data: dict) -> list[tuple[str, str]]:
    """(file name, title) of each history figure with something to show, in report order (an
    archive without edits or removals yet draws no empty panel; its numbers are still in
    figures.json)."""
    counts = data["history"]["counts"]
    out = []
    if counts["edits"]:
        out += [("edits_per_week.png", "Edits per week (by the week an edit was first seen)"),
                ("first_edit.png", "Time from publication to a post's first edit (as first seen by a re-check)")]
    if counts["removals"]:
        out.append(("removals_per_week.png", "Removals per week, by HTTP status"))
    return out


def _weeks_axis(ax, weeks: list[str]) -> None:
    if weeks:
        ticks = list(range(0, len(weeks), max(1, -(-len(weeks) // XTICKS))))
        ax.set_xticks(ticks, [weeks[i] for i in ticks])


def _integer_axis(ax) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(5, integer=True))


def edits_per_week(data: dict, path: Path, figure: Callable, save: Callable) -> None:
    history = data["history"]
    fig, ax = figure(path.name, 3)
    ax.bar(range(len(history["weeks"])), history["edits_per_week"])
    _weeks_axis(ax, history["weeks"])
    _integer_axis(ax)
    ax.set_ylabel("edits")
    save(fig, path)


def first_edit(data: dict, path: Path, figure: Callable, save: Callable) -> None:
    bins = data["history"]["first_edit"]
    fig, ax = figure(path.name, 3)
    ax.bar(bins["bins"], bins["posts"])
    _integer_axis(ax)
    ax.set_ylabel("posts")
    save(fig, path)


def removals_per_week(data: dict, path: Path, figure: Callable, save: Callable) -> None:
    history = data["history"]
    fig, ax = figure(path.name, 3)
    bottom = [0] * len(history["weeks"])
    for status, counts in history["removals_per_week"].items():
        ax.bar(range(len(counts)), counts, bottom=bottom, label=status)
        bottom = [b + c for b, c in zip(bottom, counts)]
    if history["removals_per_week"]:
        ax.legend(loc="upper left", fontsize=7)
    _weeks_axis(ax, history["weeks"])
    _integer_axis(ax)
    ax.set_ylabel("removals")
    save(fig, path)


def jobs(data: dict, directory: Path, figure: Callable, save: Callable) -> list[tuple[str, Callable[[], None]]]:
    """(file name, drawing) of each history figure."""
    draw = {"edits_per_week.png": edits_per_week, "first_edit.png": first_edit,
            "removals_per_week.png": removals_per_week}
    return [(name, partial(draw[name], data, directory / name, figure, save)) for name, _ in titles(data)]
