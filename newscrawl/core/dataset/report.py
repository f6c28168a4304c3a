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
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Optional

from .build import DatasetError
from .figures import HEALTH, titles
from .history import report_html as history_html
from .stats import Stats, iso

# Groups drawn per week: the largest ones by name, the others summed as "(other)".
SERIES = 8
TOP = 20
OTHER = "(other)"


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

    def _write(self, line: bytes) -> None:
        try:
            self._proc.stdin.write(line)
            self._proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass  # it died: finish() says why

    def _join_writer(self) -> None:
        if self._writer is not None:
            self._writer.join()

    def finish(self, timeout: float = 600) -> None:
        """Wait for every figure sent; DatasetError with the process's last words when it failed."""
        self._close_input()
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
            self._proc.stdin.close()
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
    for name, caption in drawn:
        parts.append(f"<h2>{esc(caption)}</h2><img src=\"figures/{esc(name)}\" alt=\"{esc(caption)}\">")
    parts.append("<h2>Runs</h2><table><tr><th>run</th><th>finish</th>"
                 + "".join(f"<th>{k}</th>" for k in HEALTH) + "<th>coverage below the minimum</th></tr>")
    for r in data["runs"]:
        parts.append(f"<tr><td>{esc(r['run'])}</td><td>{esc(str(r['finish_reason']))}</td>"
                     + "".join(f"<td>{r[k]:,}</td>" for k in HEALTH) + f"<td>{esc(below_text(r))}</td></tr>")
    parts.append("</table>")
    parts += history_html(data.get("history"))
    parts += ["</body></html>", ""]
    (directory / "report.html").write_text("\n".join(parts), encoding="utf-8")
