"""``report.html`` and its PNG figures (matplotlib, Agg backend), with ``figures.json``
beside them holding every number drawn, so that a reader (or a test) can check a figure
against the data."""

from __future__ import annotations

import html
import json
from datetime import date, timedelta
from pathlib import Path

from .stats import Stats, iso

# Groups drawn per week: the largest ones by name, the others summed as "(other)".
SERIES = 8
TOP = 20
OTHER = "(other)"
HEALTH = ("requests", "errors", "challenges", "browser", "records")


def run_health(summaries: list[Path]) -> list[dict]:
    """One row per run summary (oldest first): requests, errors, challenges, browser use, records."""
    runs = []
    for path in sorted(summaries, key=lambda p: p.name):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        counts = data.get("newscrawl") or {}
        runs.append({
            "run": path.name[: -len(".summary.json")],
            "start_time": data.get("start_time"),
            "finish_reason": data.get("finish_reason"),
            "requests": int(data.get("requests") or 0),
            "errors": int(data.get("errors") or 0),
            "challenges": int(counts.get("newscrawl/challenge/detected", 0)),
            "browser": sum(int(v) for k, v in counts.items() if k.startswith("newscrawl/browser/requests/")),
            "records": int(data.get("items") or 0),
            "coverage_below": _below_minimum(data),
        })
    return runs


def _below_minimum(summary: dict) -> list[dict]:
    """The run summary's fields under the edition's minimum coverage (newscrawl/coverage.py)."""
    coverage = summary.get("coverage")
    below = coverage.get("below_minimum") if isinstance(coverage, dict) else None
    if not isinstance(below, list):
        return []
    return [{"field": str(b.get("field")), "share": b.get("share"), "minimum": b.get("minimum")}
            for b in below if isinstance(b, dict)]


def below_text(run: dict) -> str:
    """``field 40% < 80%, ...`` for one run, or empty."""
    def pct(value) -> str:
        return f"{100 * float(value):.0f}%" if isinstance(value, (int, float)) else "?"
    return ", ".join(f"{b['field']} {pct(b['share'])} < {pct(b['minimum'])}" for b in run.get("coverage_below", []))


def _weeks(stats: Stats) -> list[str]:
    if not stats.weekly.get("section") and not stats.weekly.get("edition"):
        return []
    keys = {w for series in stats.weekly.values() for (w, _) in series}
    first, last = date.fromisoformat(min(keys)), date.fromisoformat(max(keys))
    return [(first + timedelta(weeks=i)).isoformat() for i in range((last - first).days // 7 + 1)]


def weekly_series(stats: Stats, by: str, weeks: list[str]) -> dict[str, list[int]]:
    """{group: articles per week} for the SERIES largest groups, the rest as "(other)"."""
    counts = stats.weekly.get(by, {})
    totals = stats.totals.get(by, {})
    ranked = sorted(totals, key=lambda k: (-totals[k], k))
    shown, rest = ranked[:SERIES], set(ranked[SERIES:])
    series = {name: [counts.get((w, name), 0) for w in weeks] for name in shown}
    if rest:
        series[OTHER] = [sum(counts.get((w, name), 0) for name in rest) for w in weeks]
    return series


def figures_data(stats: Stats, runs: list[dict], columns: list[str]) -> dict:
    """Every number the figures show."""
    weeks = _weeks(stats)
    months = sorted(stats.months)
    return {
        "count": stats.count,
        "published_at": {"min": iso(stats.published_min), "max": iso(stats.published_max)},
        "weeks": weeks,
        "weekly": {by: weekly_series(stats, by, weeks) for by in ("section", "post_type", "edition")},
        "top": {name: sorted(stats.top.get(name, {}).items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
                for name in ("authors", "tags")},
        "coverage": {
            "months": months,
            "articles": [stats.months[m] for m in months],
            "filled": {c: [stats.filled[m].get(c, 0) for m in months] for c in columns},
        },
        "runs": runs,
    }


def _plt():
    import matplotlib

    matplotlib.use("Agg")  # files only: no display, same output everywhere
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 8})
    return plt


def preload() -> None:
    """Import matplotlib (to be run in a thread while the data is written)."""
    _plt()


def draw(data: dict, figures: Path) -> list[tuple[str, str]]:
    """Write the PNG figures; returns (file name, title) in report order."""
    plt = _plt()
    figures.mkdir(parents=True, exist_ok=True)
    out = []
    meta = {"Software": None}  # no version string in the files

    def save(fig, name, title):
        # Fixed margins instead of tight_layout (which measures every label: slow), and
        # light PNG compression: the figures are small either way.
        fig.subplots_adjust(left=0.22 if name.startswith(("top_", "coverage")) else 0.07, right=0.97,
                            bottom=0.2, top=0.95, hspace=0.15)
        fig.savefig(figures / name, dpi=80, metadata=meta, pil_kwargs={"compress_level": 1})
        plt.close(fig)
        out.append((name, title))

    weeks = data["weeks"]
    for by, label in (("section", "section"), ("post_type", "post type"), ("edition", "edition")):
        series = data["weekly"][by]
        fig, ax = plt.subplots(figsize=(10, 3.6))
        if weeks and series:
            x = list(range(len(weeks)))
            # Steps, not slopes: each week's stack is its exact count (one polygon per group,
            # far cheaper to draw than a bar per week and group).
            ax.stackplot(x, *series.values(), labels=list(series), linewidth=0, step="post")
            ticks = x[:: max(1, len(x) // 12)]
            ax.set_xticks(ticks, [weeks[i] for i in ticks], rotation=30, ha="right")
            ax.legend(loc="upper left", fontsize=7, ncol=3)
        ax.set_ylabel("articles per week")
        save(fig, f"weekly_{by}.png", f"Articles per week by {label}")
    for name in ("authors", "tags"):
        top = data["top"][name]
        fig, ax = plt.subplots(figsize=(7, 0.25 * max(len(top), 4) + 0.8))
        if top:
            ax.barh([k for k, _ in reversed(top)], [v for _, v in reversed(top)])
        ax.set_xlabel("articles")
        save(fig, f"top_{name}.png", f"Top {len(top)} {name}")
    cov = data["coverage"]
    fig, ax = plt.subplots(figsize=(10, 0.22 * max(len(cov["filled"]), 4) + 1.2))
    if cov["months"]:
        rows = [[f / a if a else 0 for f, a in zip(cov["filled"][c], cov["articles"])] for c in cov["filled"]]
        image = ax.imshow(rows, aspect="auto", vmin=0, vmax=1, cmap="viridis", interpolation="nearest")
        ax.set_yticks(range(len(rows)), list(cov["filled"]))
        ticks = list(range(0, len(cov["months"]), max(1, len(cov["months"]) // 12)))
        ax.set_xticks(ticks, [cov["months"][i] for i in ticks], rotation=30, ha="right")
        fig.colorbar(image, ax=ax, label="share of articles with a value")
    save(fig, "coverage.png", "Field coverage by month of publication")
    runs = data["runs"]
    fig, axes = plt.subplots(len(HEALTH), 1, figsize=(10, 1.4 * len(HEALTH) + 0.6), sharex=True)
    for ax, key in zip(axes, HEALTH):
        ax.bar(range(len(runs)), [r[key] for r in runs])
        ax.set_ylabel(key)
    if runs:
        ticks = list(range(0, len(runs), max(1, len(runs) // 12)))
        axes[-1].set_xticks(ticks, [runs[i]["run"] for i in ticks], rotation=30, ha="right")
    save(fig, "crawl_health.png", "Crawl health per run")
    return out


def write(directory: Path, title: str, data: dict) -> None:
    """figures/*.png, figures/figures.json and report.html under ``directory``."""
    figures = directory / "figures"
    drawn = draw(data, figures)
    (figures / "figures.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    esc = html.escape
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}img{max-width:100%}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style>",
        "</head><body>", f"<h1>{esc(title)}</h1>",
        f"<p>{data['count']:,} articles published between {esc(str(data['published_at']['min']))} and "
        f"{esc(str(data['published_at']['max']))} (UTC). The numbers behind every figure are in "
        '<a href="figures/figures.json">figures/figures.json</a>.</p>',
    ]
    for name, caption in drawn:
        parts.append(f"<h2>{esc(caption)}</h2><img src=\"figures/{esc(name)}\" alt=\"{esc(caption)}\">")
    parts.append("<h2>Runs</h2><table><tr><th>run</th><th>finish</th>"
                 + "".join(f"<th>{k}</th>" for k in HEALTH) + "<th>coverage below the minimum</th></tr>")
    for r in data["runs"]:
        parts.append(f"<tr><td>{esc(r['run'])}</td><td>{esc(str(r['finish_reason']))}</td>"
                     + "".join(f"<td>{r[k]:,}</td>" for k in HEALTH) + f"<td>{esc(below_text(r))}</td></tr>")
    parts += ["</table>", "</body></html>", ""]
    (directory / "report.html").write_text("\n".join(parts), encoding="utf-8")
