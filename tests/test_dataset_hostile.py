"""python -m newscrawl.dataset on hostile merged files (issue 22 cases 6 and 7): small merged
files written here, no crawl."""

from __future__ import annotations

import csv
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from newscrawl.core.dataset import DatasetError, build
from newscrawl.core.testing import ROOT

build_mod = importlib.import_module("newscrawl.core.dataset.build")  # the package's `build` is the function

EDITION = "en"


def record(i: int, published: str, **extra) -> dict:
    rec = {
        "url": f"https://english.almayadeen.net/news/politics/post-{i}",
        "canonical_url": f"https://english.almayadeen.net/news/politics/post-{i}",
        "post_id": str(i), "edition": EDITION, "section": "Politics", "title": f"Post {i}",
        "published_at": published, "crawled_at": "2026-11-20T09:00:00+00:00", "revision": 1,
        "authors": ["Staff"], "tags": ["Gaza"], "body": f"Text of post {i}.",
    }
    rec.update(extra)
    return rec


def write_merged(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def build_from(tmp_path: Path, records: list[dict]):
    merged = write_merged(tmp_path / "merged.jsonl", records)
    target = tmp_path / "ds" / "x-en"
    return build(EDITION, tmp_path / "out", merged=merged, target=target, merge_first=False), target


def csv_rows(target: Path) -> list[dict]:
    (path,) = target.glob("*.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if ".build-" in p.name) if directory.is_dir() else []


# --- case 6: CSV formula injection ----------------------------------------------------------
def test_csv_cells_a_spreadsheet_would_run_get_a_quote_and_parquet_keeps_the_text(tmp_path):
    hostile = {
        "title": '=HYPERLINK("http://evil.example/","click")',
        "tags": ["=1+1", "-2+3+cmd|' /C calc'!A0"],
        "section": "@SUM(A1)",
        "authors": ["+1 Staff"],
        "summary": "\tindented",
        "body": "\rcarriage",
    }
    _, target = build_from(tmp_path, [record(1, "2024-05-01T10:00:00+00:00", **hostile),
                                      record(2, "2024-05-02T10:00:00+00:00", title="A - B = C", tags=["a", "=b"])])
    first, second = csv_rows(target)
    assert first["title"] == "'" + hostile["title"]
    assert first["tags"] == "'=1+1 | -2+3+cmd|' /C calc'!A0"  # the cell starts with a formula: quoted once
    assert first["section"] == "'@SUM(A1)" and first["authors"] == "'+1 Staff"
    assert first["summary"] == "'\tindented" and first["body"] == "'\rcarriage"
    assert first["published_at"] == "2024-05-01T10:00:00+00:00" and first["post_id"] == "1"
    # Only a cell's first character counts.
    assert second["title"] == "A - B = C" and second["tags"] == "a | =b"
    rows = pq.read_table(target / "data").to_pylist()
    assert [rows[0][k] for k in hostile] == list(hostile.values())  # the true text
    card = (target / "README.md").read_text(encoding="utf-8")
    assert "has a `'` put" in card and "the Parquet files hold" in card


# --- case 7: records, text, dates and inputs that broke the build -------------------------
def test_a_record_longer_than_a_json_block_is_read(tmp_path):
    # 11 MB: under the 10 MiB page limit once parsed text, over Arrow's 4 MiB JSON block.
    body = "word " * (11 * 1000 * 1000 // 5)
    result, target = build_from(tmp_path, [record(1, "2024-05-01T10:00:00+00:00"),
                                           record(2, "2024-05-02T10:00:00+00:00", body=body),
                                           record(3, "2024-05-03T10:00:00+00:00")])
    assert result.count == 3
    bodies = pq.read_table(target / "data", columns=["body"]).column("body").to_pylist()
    assert [len(b) for b in bodies] == [len("Text of post 1."), len(body), len("Text of post 3.")]


def test_a_line_over_the_limit_is_refused_with_bounded_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(build_mod, "MAX_LINE_BYTES", 1 << 20)
    merged = tmp_path / "zeros.jsonl"
    merged.write_bytes(json.dumps(record(1, "2024-05-01T10:00:00+00:00")).encode() + b"\n" + bytes(3 << 20))
    with pytest.raises(DatasetError, match=r"a line over 1,048,576 bytes from byte \d+ on: not a merged file"):
        build(EDITION, tmp_path / "out", merged=merged, target=tmp_path / "ds" / "x-en", merge_first=False)
    assert leftovers(tmp_path / "ds") == []


def test_dollar_signs_in_labels_are_drawn_as_text(tmp_path):
    # matplotlib reads "$...$" as mathtext: "$_$" failed to parse and killed every figure.
    records = [record(i, f"2024-05-{i:02d}T10:00:00+00:00", section="$_$", authors=["$_$", "A $5 bill"],
                      tags=["$x^2$", "$_$"], title="$_$") for i in range(1, 6)]
    result, target = build_from(tmp_path, records)
    assert result.count == 5
    assert len(list((target / "figures").glob("*.png"))) == 7
    figures = json.loads((target / "figures" / "figures.json").read_text(encoding="utf-8"))
    assert dict(figures["top"]["tags"]) == {"$x^2$": 5, "$_$": 5}


def test_the_figure_process_never_parses_mathtext():
    script = ROOT / "newscrawl" / "core" / "dataset" / "figures.py"
    code = (f"import runpy\nfigures = runpy.run_path({str(script)!r})\nfigures['load']()\n"
            "import matplotlib\nprint(matplotlib.rcParams['text.parse_math'])\n")
    proc = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "False"


def test_posts_dated_outside_1990_to_2100_are_left_out_and_counted(tmp_path):
    records = [record(1, "1900-01-01T00:00:00+00:00"), record(2, "2024-05-01T10:00:00+00:00"),
               record(3, "2024-07-01T10:00:00+00:00"), record(4, "9999-12-31T23:59:59+00:00")]
    result, target = build_from(tmp_path, records)
    assert (result.count, result.out_of_range) == (2, 2)
    assert sorted(p.name for p in (target / "data").iterdir()) == ["almayadeen-en-2024.parquet"]
    assert len(csv_rows(target)) == 2
    card = (target / "README.md").read_text(encoding="utf-8")
    assert "- Months without any post between the first and the last: 2024-06." in card
    assert ("- Records dated outside 1990 to 2100 (`published_at`: a wrong date, not news), "
            "left out of every file: 2.") in card
    assert len(card) < 20_000
    figures_json = (target / "figures" / "figures.json").read_text(encoding="utf-8")
    assert len(figures_json) < 50_000 and json.loads(figures_json)["out_of_range"] == 2
    assert "<strong>Left out:</strong> 2 records dated outside 1990 to 2100" in (target / "report.html").read_text()


def test_the_command_says_how_many_records_it_left_out(tmp_path):
    merged = write_merged(tmp_path / "merged.jsonl", [record(1, "2024-05-01T10:00:00+00:00"),
                                                      record(2, "9999-12-31T23:59:59+00:00")])
    proc = subprocess.run([sys.executable, "-m", "newscrawl.dataset", "--edition", EDITION, "--merged", str(merged),
                           "--no-merge", "--target", str(tmp_path / "ds")], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().endswith("; 1 records dated outside 1990-2100 left out")


@pytest.mark.parametrize("kind", ["/dev/null", "/dev/zero", "directory", "fifo"])
def test_a_merged_path_that_is_no_regular_file_is_refused_before_anything(tmp_path, kind):
    if kind == "directory":
        merged = tmp_path / "merged.jsonl"
        merged.mkdir()
    elif kind == "fifo":
        merged = tmp_path / "merged.jsonl"
        os.mkfifo(merged)
    else:
        merged = Path(kind)
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = subprocess.run([sys.executable, "-m", "newscrawl.dataset", "--edition", EDITION, "--merged", str(merged),
                           "--output-dir", str(tmp_path / "out"), "--target", str(tmp_path / "ds" / "x-en")],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr == f"newscrawl.dataset: error: --merged {merged} is not a regular file; not read\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no output, no target, no temporary


def test_a_symlink_to_a_merged_file_is_read(tmp_path):
    merged = write_merged(tmp_path / "merged.jsonl", [record(1, "2024-05-01T10:00:00+00:00")])
    link = tmp_path / "link.jsonl"
    link.symlink_to(merged)
    assert build(EDITION, tmp_path / "out", merged=link, target=tmp_path / "ds", merge_first=False).count == 1


def test_the_next_build_removes_what_a_killed_build_left(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    parent = tmp_path / "ds"
    parent.mkdir()
    killed = parent / f".x-en.build-{dead.pid}-abc123"
    (killed / "data").mkdir(parents=True)
    (killed / "data" / "x-en-2024.parquet").write_bytes(b"half")
    running = parent / f".x-en.build-{os.getpid()}-def456"  # a build still running: its process lives
    running.mkdir()
    other = parent / ".x-en.build-notes"  # not a name a build makes
    other.mkdir()
    other_target = parent / f".y-en.build-{dead.pid}-abc123"  # another target's
    other_target.mkdir()
    result, target = build_from(tmp_path, [record(1, "2024-05-01T10:00:00+00:00")])
    assert result.leftovers == [killed]
    assert leftovers(parent) == sorted(p.name for p in (running, other, other_target))
    assert (target / "README.md").is_file()


def test_a_build_stopped_by_sigterm_removes_its_temporary_directory(tmp_path):
    merged = write_merged(tmp_path / "merged.jsonl", [record(1, "2024-05-01T10:00:00+00:00")])
    target = tmp_path / "ds" / "x-en"
    # Stopped while the card is written: the Parquet files and figures are half done.
    code = (
        "import os, runpy, signal, sys\n"
        "from newscrawl.core.dataset import card\n"
        "def render(*args, **kwargs):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    raise AssertionError('SIGTERM did not stop the build')\n"
        "card.render = render\n"
        f"sys.argv = ['x', '--edition', 'en', '--merged', {str(merged)!r}, '--no-merge', '--target', {str(target)!r}]\n"
        "runpy.run_module('newscrawl.dataset', run_name='__main__')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-2000:])
    assert proc.stderr == "newscrawl.dataset: error: stopped by SIGTERM; the dataset was not replaced\n"
    assert leftovers(tmp_path / "ds") == [] and not target.exists()


def test_a_build_under_nohup_keeps_ignoring_sighup(tmp_path):
    merged = write_merged(tmp_path / "merged.jsonl", [record(1, "2024-05-01T10:00:00+00:00")])
    target = tmp_path / "ds" / "x-en"
    code = (
        "import os, runpy, signal, sys\n"
        "signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as nohup leaves it\n"
        "from newscrawl.core.dataset import card\n"
        "real = card.render\n"
        "def render(*args, **kwargs):\n"
        "    os.kill(os.getpid(), signal.SIGHUP)\n"
        "    return real(*args, **kwargs)\n"
        "card.render = render\n"
        f"sys.argv = ['x', '--edition', 'en', '--merged', {str(merged)!r}, '--no-merge', '--target', {str(target)!r}]\n"
        "runpy.run_module('newscrawl.dataset', run_name='__main__')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    assert (target / "README.md").is_file()


def test_formula_prefix_over_chunks_nulls_and_slices():
    import pyarrow as pa

    texts = ["=1", None, "", "ok", "-", "@x", "a=b", "\r", "+", "é"]
    values = pa.chunked_array([pa.array(texts[:4]), pa.array(texts[4:]).slice(0)])
    sliced = pa.chunked_array([pa.array(["x"] + texts).slice(1)])  # a year's rows start mid-batch
    expected = [None if t is None else ("'" + t if t[:1] in ("=", "+", "-", "@", "\t", "\r") else t) for t in texts]
    assert build_mod.formula_safe(values).to_pylist() == expected
    assert build_mod.formula_safe(sliced).to_pylist() == expected


# --- fresh hostile pass: inputs inside the target --------------------------------------------
@pytest.mark.parametrize("inside", ["merged", "input_dir"])
def test_a_target_holding_the_merged_file_or_the_runs_is_refused(tmp_path, inside):
    """The build replaces the target whole: a --merged file (and its manifest and history) or
    the run files inside it were deleted with the old dataset (issue 22, fresh hostile pass)."""
    _, target = build_from(tmp_path, [record(1, "2024-05-01T10:00:00+00:00")])  # a marked dataset
    runs = target / "runs" if inside == "input_dir" else tmp_path / "runs"
    runs.mkdir()
    merged = write_merged((target if inside == "merged" else tmp_path) / "x-en.jsonl",
                          [record(2, "2024-06-01T10:00:00+00:00")])
    (runs / "2026-11-20T09-00-00+00-00.jsonl").write_text(merged.read_text(encoding="utf-8"), encoding="utf-8")
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    with pytest.raises(build_mod.TargetRefused, match="which a build would delete with the old dataset"):
        build(EDITION, tmp_path / "out", merged=merged, target=target, input_dir=runs)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before


def test_a_target_that_is_a_symlink_loop_is_refused_as_before(tmp_path):
    merged = write_merged(tmp_path / "merged.jsonl", [record(1, "2024-05-01T10:00:00+00:00")])
    loop = tmp_path / "loop"
    loop.symlink_to("loop")
    with pytest.raises(build_mod.TargetRefused, match="is not a directory this command built"):
        build(EDITION, tmp_path / "out", merged=merged, target=loop, merge_first=False)
