"""The files the documentation and the code's comments point a reader to exist: a module that moved
(newscrawl/warc.py -> newscrawl/core/warc.py) leaves no dead path behind in the README, docs/, the
benchmark notes, the Makefile, scripts/, bench/ or the package's own docstrings and comments."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from newscrawl.core.paths import PROJECT_ROOT as ROOT

# A repository path with a file name: newscrawl/core/warc.py, tests/test_merge.py, docs/benchmarks.md.
# Stats keys (newscrawl/dropped/duplicate) have no extension and are not paths.
PATH = re.compile(r"\b(?:newscrawl|tests|scripts|bench|docs)/[\w./-]*\w\.(?:py|md|json|txt|cfg|ini|toml|png)\b")
# A dotted name in backticks, as the Markdown files cite an API: `newscrawl.core.runsummary.read_summary`.
DOTTED = re.compile(r"`(newscrawl(?:\.\w+)+)`")


def _sources() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "Makefile"]
    for pattern in ("docs/*.md", "bench/*.md", "bench/*.py", "scripts/*.py", "newscrawl/**/*.py"):
        files += sorted(ROOT.glob(pattern))
    return [path for path in files if path.is_file()]


def _named_paths(text: str) -> set[str]:
    # A templated or globbed path (<edition>, *.jsonl) names no one file.
    return {found for found in PATH.findall(text) if "<" not in found and "*" not in found}


def _resolves(dotted: str) -> bool:
    """Whether ``dotted`` is a module of the project or an attribute of one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


@pytest.mark.parametrize("source", _sources(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_path_named_exists(source):
    missing = sorted(path for path in _named_paths(source.read_text(encoding="utf-8")) if not (ROOT / path).exists())
    assert not missing, f"{source.relative_to(ROOT)} names paths that do not exist: {', '.join(missing)}"


def test_every_api_the_markdown_files_cite_exists():
    dead = []
    for source in [ROOT / "README.md", *sorted(ROOT.glob("docs/*.md")), *sorted(ROOT.glob("bench/*.md"))]:
        dead += [f"{source.relative_to(ROOT)}: {name}" for name in DOTTED.findall(source.read_text(encoding="utf-8"))
                 if not _resolves(name)]
    assert not dead, "dead names: " + "; ".join(dead)


def test_the_check_itself_sees_a_dead_path_and_a_dead_name():
    assert _named_paths("see newscrawl/warc.py and newscrawl/dropped/duplicate") == {"newscrawl/warc.py"}
    assert not (ROOT / "newscrawl/warc.py").exists()
    assert _resolves("newscrawl.core.runsummary.read_summary") and not _resolves("newscrawl.runsummary.read_summary")
