"""The demo (`make demo`, then `make dataset`, then a re-extraction and a merge of the replica's
WARCs): every file the replica's data gives lands under a name of its own (`demo`, the
mirror's), never under the live dataset's names (issue 24)."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.core.args import CrawlArgs
from newscrawl.core.testing import ROOT, read_jsonl

ARTICLES = 60
EDITION = "en"


def live_names(out: Path) -> list[Path]:
    """The live site's files of the edition under ``out`` that exist."""
    return [p for p in (out / "almayadeen", out / "merged" / f"almayadeen-{EDITION}.jsonl",
                        out / "merged" / f"almayadeen-{EDITION}.manifest.json",
                        out / "dataset" / f"almayadeen-{EDITION}", out / "warc" / EDITION,
                        out / "state" / f"almayadeen-{EDITION}.sqlite3") if p.exists()]


def make_commands(*targets: str) -> list[list[str]]:
    """The project's commands the Makefile runs for ``targets`` (`make -n`): the demo script and
    the dataset command, with the venv's python replaced by this one."""
    proc = subprocess.run(["make", "-n", "--always-make", f"ARTICLES={ARTICLES}", *targets], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    commands = []
    for line in proc.stdout.splitlines():
        if "scripts/demo.py" not in line and "newscrawl.dataset" not in line:
            continue  # the set-up steps (venv, Chromium) are shell, not commands to run here
        words = shlex.split(line)
        if len(words) > 1 and words[0].rstrip("3").endswith("python") and (words[1] == "scripts/demo.py" or words[1:3] == ["-m", "newscrawl.dataset"]):
            commands.append([sys.executable] + words[1:])
    assert [c[1] for c in commands] == ["scripts/demo.py", "-m"], proc.stdout
    return commands


def run(command: list[str], out: Path) -> subprocess.CompletedProcess:
    """A command as the Makefile gives it, writing under ``out`` instead of the project's output/."""
    return subprocess.run(command + ["--output-dir", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`make demo && make dataset` (the same commands) into a fresh output directory."""
    out = tmp_path_factory.mktemp("demo") / "output"
    demo_cmd, dataset_cmd = make_commands("demo", "dataset")
    shown = run(demo_cmd, out)
    assert shown.returncode == 0, shown.stdout[-3000:] + shown.stderr[-3000:]
    again = run(dataset_cmd, out)
    assert again.returncode == 0, again.stderr[-3000:]
    return out, shown.stdout, again.stdout


def test_make_demo_builds_the_demos_dataset_under_its_own_name(demo):
    out, shown, dataset = demo
    assert "records equal to the truth in every field" in shown
    assert f"dataset {out / 'dataset' / 'demo-en'}:" in shown  # `make demo` ends with the dataset built
    assert dataset.startswith(f"dataset {out / 'dataset' / 'demo-en'}:")  # `make dataset` finds the demo's alone
    (run_file,) = [p for p in (out / "demo" / EDITION).glob("*.jsonl") if not p.name.endswith(".breaking.jsonl")]
    records = read_jsonl(run_file)
    assert len(records) > ARTICLES // 2 and all(r["url"].startswith("http://127.0.0.1:") for r in records)
    assert list((out / "warc" / f"demo-{EDITION}").glob("*.warc.gz"))
    assert (out / "merged" / f"demo-{EDITION}.jsonl").exists()
    assert sorted(p.name for p in (out / "dataset" / f"demo-{EDITION}" / "data").iterdir())[0].startswith("demo-en-")
    assert live_names(out) == []


def test_a_replica_reextract_and_merge_never_take_the_live_names(demo, tmp_path):
    out, _, _ = demo
    # Re-extraction of the demo's WARCs: the dataset comes from their warcinfo (base_url), the replica's.
    proc = subprocess.run([sys.executable, "-m", "newscrawl.reextract", "--edition", EDITION, "--output-dir", str(out),
                           "--workers", "1", str(out / "warc" / f"demo-{EDITION}")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (crawl_summary,) = (out / "demo" / EDITION).glob("*.summary.json")
    base_url = json.loads(crawl_summary.read_text(encoding="utf-8"))["base_url"]
    mirror = CrawlArgs.from_kwargs({"base_url": base_url}).dataset("almayadeen")
    (summary_path,) = (out / mirror / EDITION).glob("*.summary.json")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert summary["dataset"] == mirror and mirror.startswith("almayadeen-mirror-127.0.0.1-")
    # Two datasets have runs now: plain merge and dataset name them and stop (exit 2, one line).
    for module in ("newscrawl.merge", "newscrawl.dataset"):
        proc = subprocess.run([sys.executable, "-m", module, "--edition", EDITION, "--output-dir", str(out)],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and f"several datasets: {mirror}, demo;" in proc.stderr
    # Named, each goes to its own files.
    proc = subprocess.run([sys.executable, "-m", "newscrawl.merge", "--edition", EDITION, "--output-dir", str(out),
                           "--dataset", mirror], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert len(read_jsonl(out / "merged" / f"{mirror}-{EDITION}.jsonl")) == summary["items"]
    proc = subprocess.run([sys.executable, "-m", "newscrawl.dataset", "--edition", EDITION, "--output-dir", str(out),
                           "--dataset", mirror], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (out / "dataset" / f"{mirror}-{EDITION}" / f"{mirror}-{EDITION}.csv").exists()
    assert live_names(out) == []
