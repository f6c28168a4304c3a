"""``report.html`` and its PNG figures, with ``figures.json`` beside them holding every
number drawn, so that a reader (or a test) can check a figure against the data. The figures
are drawn by a process of their own (:class:`Drawer`, :mod:`.figures`)."""

from __future__ import annotations

import html
import json
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Optional

import pyarrow as pa
import pyarrow.compute as pc

from .build import YEARS, DatasetError
from .figures import HEALTH, titles
from .history import report_html as history_html
from .stats import Stats, group_name, is_live_origin, iso

# Groups drawn over time: the SERIES largest by name, the others summed in one row; bars of
# totals and top lists: the TOP largest.
SERIES = 12
TOP = 20


def run_health(summaries: list[Path], sources: Optional[Counter] = None) -> list[dict]:
    """One row per run summary (oldest first): requests, errors, challenges, browser use, articles.
    ``sources``, when given, counts the runs by how they got their pages (:func:`run_source`)."""
    runs = []
    for path in sorted(summaries, key=lambda p: p.name):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        counts = data.get("newscrawl") or {}
        if sources is not None:
            sources[run_source(data)] += 1
        runs.append({
            "run": path.name[: -len(".summary.json")],
            "start_time": data.get("start_time"),
            "finish_reason": data.get("finish_reason"),
            "requests": int(data.get("requests") or 0),
            "errors": int(data.get("errors") or 0),
            "challenges": int(counts.get("newscrawl/challenge/detected", 0)),
            "browser": sum(int(v) for k, v in counts.items() if k.startswith("newscrawl/browser/requests/")),
            # Articles, not `items` (articles and BREAKING ticker lines together).
            "articles": int(data.get("articles", data.get("items")) or 0),
            "coverage_below": _below_minimum(data),
        })
    return runs


def run_source(summary: dict) -> str:
    """How one run got its pages, as a JSON text (hashable, sorted): ``{"reextract": true}``
    for a re-extraction from WARC files; for a crawl the politeness settings its summary
    records (``{}`` for a summary written before they were) and the robots.txt Crawl-delay
    it honoured."""
    if summary.get("command") == "reextract":
        return json.dumps({"reextract": True})
    source = dict(summary.get("politeness") or {}) if isinstance(summary.get("politeness"), dict) else {}
    counts = summary.get("newscrawl")
    if not isinstance(counts, dict):
        counts = {}
    delay = counts.get("newscrawl/robots/crawl_delay_capped", counts.get("newscrawl/robots/crawl_delay"))
    if source and isinstance(delay, (int, float)):
        source["robots_crawl_delay"] = delay
    return json.dumps(source, sort_keys=True)


def _below_minimum(summary: dict) -> list[dict]:
    """The run summary's fields under the edition's minimum coverage (newscrawl/core/coverage.py)."""
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


# --- what the figures draw, chosen by the size of the data ---------------------------------
# Time is cut into the finest of these periods that gives at most MAX_PERIODS bars and, on
# average, at least MIN_PER_PERIOD articles in each: 300 articles over two years are drawn per
# month (weekly bars of 1 to 3 posts say nothing), 50,000 per week, 300,000 over ten years per
# month again.
PERIODS = ("day", "week", "month", "quarter", "year")
MAX_PERIODS = 150
MIN_PER_PERIOD = 5
# A group (section, post type) is drawn over time, one heatmap row per group, only when its
# cells hold on average at least MIN_PER_CELL articles (and there are two groups or more, and
# MIN_COLUMNS periods); else the totals per group as bars.
MIN_PER_CELL = 3
MIN_COLUMNS = 4
# Crawl health: one bar per run up to MAX_RUN_BARS runs, else the runs summed per period.
MAX_RUN_BARS = 40


def period_of(day: str, period: str) -> str:
    """The label of the ``period`` ("day", "week", ...) holding ``day`` (``YYYY-MM-DD``)."""
    if period == "day":
        return day
    if period == "week":  # weeks start on Monday, labelled by that day
        d = date.fromisoformat(day)
        return (d - timedelta(days=d.weekday())).isoformat()
    if period == "month":
        return day[:7]
    if period == "quarter":
        return f"{day[:4]}-Q{(int(day[5:7]) - 1) // 3 + 1}"
    return day[:4]


def period_range(first: str, last: str, period: str) -> list[str]:
    """Every period label from the one holding day ``first`` to the one holding ``last``."""
    out: list[str] = []
    day = date.fromisoformat(first)
    end = period_of(last, period)
    while True:
        label = period_of(day.isoformat(), period)
        if not out or out[-1] != label:
            out.append(label)
        if label == end:
            return out
        # the next period's first day, at most a year on
        step = {"day": 1, "week": 7 - day.weekday()}.get(period)
        if step:
            day += timedelta(days=step)
        elif period == "month":
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        elif period == "quarter":
            month = (day.month - 1) // 3 * 3 + 4
            day = date(day.year + (month > 12), (month - 1) % 12 + 1, 1)
        else:
            day = date(day.year + 1, 1, 1)


def choose_period(days: dict, finest: str = "day") -> str:
    """The finest period from ``finest`` on that draws ``days`` ({day: articles}) readably
    (see PERIODS)."""
    if not days:
        return "month"
    first, last, total = min(days), max(days), sum(days.values())
    candidates = PERIODS[PERIODS.index(finest):]
    for period in candidates:
        n = len(period_range(first, last, period))
        if n <= MAX_PERIODS and total / n >= MIN_PER_PERIOD:
            return period
    return candidates[-1]  # too few articles for any: years


def group_counts(stats: Stats, by: str, period: str) -> dict[tuple[str, str], int]:
    """{(period label, group): articles}, from the per-day counts (summed in Arrow)."""
    tables = stats.by_day.get(by)
    if not tables:
        return {}
    table = pa.concat_tables(tables)
    days = pc.unique(table.column("day"))
    labels = pa.array([period_of(d, period) for d in days.to_pylist()], pa.string())
    table = pa.table({"period": pc.take(labels, pc.index_in(table.column("day"), days)),
                      "value": table.column("value"), "n": table.column("count_all")})
    summed = table.group_by(["period", "value"]).aggregate([("n", "sum")])
    out: dict[tuple[str, str], int] = {}
    for p, v, n in zip(*(summed.column(c).to_pylist() for c in ("period", "value", "n_sum"))):
        key = (p, group_name(v))
        out[key] = out.get(key, 0) + n
    return out


def others(n: int) -> str:
    """The name of the row or bar that sums the ``n`` smaller groups."""
    return f"{n} other{'s' if n != 1 else ''}"


def group_figure(stats: Stats, by: str, period: str, periods: list[str]) -> dict:
    """What the figure of one group (section, post type) draws: a heatmap of articles per
    period of the SERIES largest groups (the rest summed, :func:`others`) when the data fills
    it, else the totals of the TOP largest groups as bars."""
    totals: Counter = stats.totals.get(by, Counter())
    ranked = sorted(totals, key=lambda k: (-totals[k], k))
    rows = min(len(ranked), SERIES + 1)
    if len(periods) >= MIN_COLUMNS and rows >= 2 and stats.count / (len(periods) * rows) >= MIN_PER_CELL:
        counts = group_counts(stats, by, period)
        shown = ranked[:SERIES] if len(ranked) > SERIES + 1 else ranked
        rest = set(ranked) - set(shown)
        grid = [[counts.get((p, name), 0) for p in periods] for name in shown]
        names = list(shown)
        if rest:
            grid.append([sum(counts.get((p, name), 0) for name in rest) for p in periods])
            names.append(others(len(rest)))
        return {"chart": "heatmap", "period": period, "periods": periods, "names": names,
                "totals": [sum(row) for row in grid], "counts": grid}
    shown = ranked[:TOP] if len(ranked) > TOP + 1 else ranked
    names, values = list(shown), [totals[k] for k in shown]
    if len(ranked) > len(shown):
        names.append(others(len(ranked) - len(shown)))
        values.append(sum(totals[k] for k in ranked[len(shown):]))
    return {"chart": "totals", "names": names, "totals": values}


def health_data(runs: list[dict]) -> dict:
    """The crawl health figure's numbers: per run, or for many runs summed per period of
    their start; series that are zero throughout are named, not drawn."""
    if len(runs) <= MAX_RUN_BARS:
        # Labelled by their start (minutes are enough), else by the summary's name.
        unit, labels = "run", [str(r.get("start_time") or r["run"])[:16].replace("T", " ") for r in runs]
        series = {k: [r[k] for r in runs] for k in HEALTH}
    else:
        days: dict[str, int] = {}
        for r in runs:
            day = str(r.get("start_time") or r["run"])[:10]
            days[day] = days.get(day, 0) + 1
        unit = choose_period(days, "day") if len(days) > MAX_RUN_BARS else "day"
        first, last = min(days), max(days)
        labels = period_range(first, last, unit)
        at = {label: i for i, label in enumerate(labels)}
        series = {k: [0] * len(labels) for k in HEALTH}
        for r in runs:
            i = at[period_of(str(r.get("start_time") or r["run"])[:10], unit)]
            for k in HEALTH:
                series[k][i] += r[k]
    zero = [k for k in HEALTH if not any(series[k])]
    return {"unit": unit, "labels": labels, "runs": len(runs),
            "series": {k: v for k, v in series.items() if k not in zero}, "zero": zero}


def coverage_data(stats: Stats, columns: list[str]) -> dict:
    """Share of articles with a value, per field and period (months, coarser when there are
    too many); ``shown``: the fields not filled in every row (the figure draws those)."""
    months = sorted(stats.months)
    # Not by article count: every month is one column of shares, however few its articles.
    period = next(p for p in ("month", "quarter", "year")
                  if not months or len(period_range(months[0] + "-01", months[-1] + "-01", p)) <= MAX_PERIODS)
    labels = sorted({period_of(m + "-01", period) for m in months})
    at = {label: i for i, label in enumerate(labels)}
    articles = [0] * len(labels)
    filled = {c: [0] * len(labels) for c in columns}
    for m in months:
        i = at[period_of(m + "-01", period)]
        articles[i] += stats.months[m]
        for c in columns:
            filled[c][i] += stats.filled[m].get(c, 0)
    shown = [c for c in columns if sum(filled[c]) < stats.count]
    return {"period": period, "periods": labels, "articles": articles, "filled": filled, "shown": shown}


def figures_data(stats: Stats, runs: list[dict], columns: list[str], name: str = "", host: str = "") -> dict:
    """Every number the figures show, and the choices made from the data's size; ``host``: the
    live site's, to name the rows fetched from elsewhere (a mirror, the replica)."""
    period = choose_period(stats.days)
    periods = period_range(min(stats.days), max(stats.days), period) if stats.days else []
    per_period: dict[str, int] = {}
    for d, n in stats.days.items():
        label = period_of(d, period)
        per_period[label] = per_period.get(label, 0) + n
    return {
        "dataset": name,
        "fetched_elsewhere": dict(sorted(((o, n) for o, n in stats.origins.items() if not is_live_origin(o, host)),
                                         key=lambda kv: (-kv[1], kv[0]))) if host else {},
        "count": stats.count,
        "out_of_range": stats.out_of_range,
        "published_at": {"min": iso(stats.published_min), "max": iso(stats.published_max)},
        "over_time": {"period": period, "periods": periods, "articles": [per_period.get(p, 0) for p in periods]},
        "groups": {by: group_figure(stats, by, period, periods) for by in Stats.OVER_TIME},
        "top": {name: sorted(stats.top.get(name, {}).items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
                for name in ("authors", "tags")},
        "distinct": {name: len(stats.top.get(name, {})) for name in ("authors", "tags")},
        "coverage": coverage_data(stats, columns),
        "runs": runs,
        "health": health_data(runs),
    }


def start(script: Path) -> tuple[subprocess.Popen, IO[bytes]]:
    """Start the figure process (``script`` is figures.py) and the file that takes its errors."""
    errors = tempfile.TemporaryFile()
    # -P: run as a plain script (figures.py imports neither the package nor pyarrow).
    proc = subprocess.Popen([sys.executable, "-P", str(script)], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=errors)
    return proc, errors


class Drawer:
    """The figure process (:mod:`.figures`), started at once: :meth:`send` hands it part
    of the figures' data (it draws what that allows), :meth:`finish` waits for it and
    raises when it failed. As a context manager it never outlives the block."""

    def __init__(self, directory: Path, started: Optional[tuple[subprocess.Popen, IO[bytes]]] = None):
        """``started``: a figure process and its error file started earlier (by the command
        line, before pyarrow is imported: :func:`newscrawl.dataset.start_figures`); it is
        owned from here on."""
        self.directory = directory
        # A file, not a pipe, for its errors: a long traceback cannot block it.
        self._proc, self._errors = started or start(Path(__file__).with_name("figures.py"))
        self._writer: Optional[threading.Thread] = None
        self.send({"directory": str(directory)})

    def send(self, part: dict) -> None:
        """Hand over part of :func:`figures_data`; returns at once (written by a thread, so
        a figure process busy drawing never holds up the build)."""
        line = (json.dumps(part, ensure_ascii=False) + "\n").encode("utf-8")
        self._join_writer()
        self._writer = threading.Thread(target=self._write, args=(line,), daemon=True)
        self._writer.start()

    @property
    def _stdin(self) -> IO[bytes]:
        stdin = self._proc.stdin
        assert stdin is not None  # start() opens the process's standard input as a pipe
        return stdin

    def _write(self, line: bytes) -> None:
        try:
            self._stdin.write(line)
            self._stdin.flush()
        except (BrokenPipeError, ValueError):
            pass  # it died: finish() says why

    def _join_writer(self) -> None:
        if self._writer is not None:
            self._writer.join()

    def finish(self, timeout: float = 600) -> None:
        """Wait for every figure sent; DatasetError with the process's last words when it failed."""
        self._close_input()
        code: int | str
        try:
            code = self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            code = f"still running after {timeout} s"
        if code != 0:
            self._errors.seek(0)
            said = self._errors.read().decode("utf-8", "replace").strip().splitlines()
            raise DatasetError(f"drawing the figures failed (exit {code}): {said[-1] if said else 'no message'}")

    def _close_input(self) -> None:
        self._join_writer()
        try:
            self._stdin.close()
        except BrokenPipeError:
            pass

    def close(self) -> None:
        """Stop the process if it still runs (a build that failed)."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._close_input()
        self._proc.wait()
        self._errors.close()

    def __enter__(self) -> "Drawer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# The report's table lists the newest runs only (an hourly schedule makes 8,760 a year).
RUNS_LISTED = 50


# What the edit-history figures show (drawn when the merge wrote a versions file).
HISTORY_NOTES = {
    "edits_per_week.png": "New versions of posts by the week a re-check or a crawl first saw them (a post's first "
                          "version is not an edit).",
    "first_edit.png": "For posts edited at least once: the time from publication to the first capture of a "
                      "changed version (an upper bound: edits are seen only when a re-check comes).",
    "removals_per_week.png": "Posts found taken down (404, 410, or a redirect to the home page or a listing) by the "
                             "week the removal was recorded, stacked by HTTP status.",
}


def describe(data: dict, name: str) -> str:
    """One sentence under a figure's heading: what it shows and why it is drawn that way."""
    if name == "articles_over_time.png":
        t = data["over_time"]
        return (f"{data['count']:,} articles in {len(t['periods']):,} {t['period']}s: the finest of day, week, month, "
                f"quarter and year with at most {MAX_PERIODS} bars and {MIN_PER_PERIOD} articles a bar on average.")
    if name.startswith("by_"):
        by = name[len("by_"):-len(".png")].replace("_", " ")
        figure = data["groups"][name[len("by_"):-len(".png")]]
        if figure["chart"] == "heatmap":
            summed = len(figure["names"]) > SERIES
            return (f"One row per {by}" + (f" (the {SERIES} largest, the others summed)" if summed else "")
                    + f", one column per {figure['period']}; the colour is the number of articles, the row's total "
                    "beside its name.")
        return (f"Too few articles per {data['over_time']['period']} to follow each {by} over time "
                f"(under {MIN_PER_CELL} a cell on average): the totals, largest first.")
    if name.startswith("top_"):
        field = name[len("top_"):-len(".png")]
        return f"The most frequent items of the list field `{field}`, with the number of articles naming each."
    if name == "coverage.png":
        cov = data["coverage"]
        full = [c for c in cov["filled"] if c not in cov["shown"]]
        return ("The fields some articles lack, by " + cov["period"] + " of publication. Filled in every article: "
                + (", ".join(full) if full else "none") + ".")
    if name in HISTORY_NOTES:
        return HISTORY_NOTES[name]
    health = data["health"]
    unit = "per run" if health["unit"] == "run" else f"summed per {health['unit']} of the runs' start"
    return (
        f"From the run summaries, {unit}: requests sent, errors logged, bot challenges met, pages rendered "
        "by the browser, articles written"
        + (f"; zero in every run: {', '.join(health['zero'])}" if health["zero"] else "")
        + "."
    )


def write(directory: Path, title: str, data: dict, drawer: Drawer) -> None:
    """figures/figures.json and report.html under ``directory``, once ``drawer`` has drawn
    figures/*.png there."""
    figures = directory / "figures"
    drawer.finish()
    drawn = titles(data)
    missing = [name for name, _ in drawn if not (figures / name).is_file()]
    if missing:
        raise DatasetError(f"the figure process did not draw {', '.join(missing)}")
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
    if data.get("out_of_range"):
        parts.append(f"<p><strong>Left out:</strong> {data['out_of_range']:,} records dated outside {YEARS[0]} to "
                     f"{YEARS[1]} (a wrong date, not news); the figures span the other articles' dates.</p>")
    elsewhere = data.get("fetched_elsewhere") or {}
    if elsewhere:
        parts.append("<p><strong>Not the live site's pages:</strong> fetched from "
                     + ", ".join(f"{esc(o)} ({n:,} rows)" for o, n in elsewhere.items())
                     + ", a mirror or the offline replica.</p>")
    parts += [
    ]
    for name, caption in drawn:
        parts.append(f"<h2>{esc(caption)}</h2><p>{esc(describe(data, name))}</p>"
                     f"<img src=\"figures/{esc(name)}\" alt=\"{esc(caption)}\">")
    runs = data["runs"]
    shown = runs[-RUNS_LISTED:]
    parts.append("<h2>Runs</h2>" + (f"<p>The last {len(shown):,} of {len(runs):,} runs (all of them are in "
                                      "figures/figures.json).</p>" if len(shown) < len(runs) else "")
                 + "<table><tr><th>run</th><th>finish</th>"
                 + "".join(f"<th>{k}</th>" for k in HEALTH) + "<th>coverage below the minimum</th></tr>")
    for r in shown:
        parts.append(f"<tr><td>{esc(r['run'])}</td><td>{esc(str(r['finish_reason']))}</td>"
                     + "".join(f"<td>{r[k]:,}</td>" for k in HEALTH) + f"<td>{esc(below_text(r))}</td></tr>")
    parts.append("</table>")
    parts += history_html(data.get("history"))
    parts += ["</body></html>", ""]
    (directory / "report.html").write_text("\n".join(parts), encoding="utf-8")
