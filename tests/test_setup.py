"""Set-up on a fresh machine: `make demo` and `make test` each install what they need first
(the venv with the pinned requirements, and Chromium), CI runs `make test` alone, and the
README's quick start shows exactly those two commands."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from newscrawl.core.testing import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@pytest.fixture
def fresh_clone(tmp_path: Path) -> Path:
    """The files the set-up reads, as a fresh clone has them: no .venv yet."""
    clone = tmp_path / "clone"
    clone.mkdir()
    for name in ("Makefile", "requirements.txt", "requirements-dev.txt"):
        shutil.copy(ROOT / name, clone / name)
    return clone


def plan(clone: Path, target: str, **variables: str) -> list[str]:
    """The commands `make <target>` would run there, in order (`make -n` runs none)."""
    # No "Entering/Leaving directory" lines: under CI this runs inside `make test` (MAKELEVEL 1).
    proc = subprocess.run(["make", "--no-print-directory", "-n", target, *(f"{k}={v}" for k, v in variables.items())],
                          cwd=clone, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def position(lines: list[str], pattern: str) -> int:
    found = [i for i, line in enumerate(lines) if re.search(pattern, line)]
    assert found, f"{pattern!r} not in the plan:\n" + "\n".join(lines)
    return found[0]


@pytest.mark.parametrize("target, command", [("test", r"-m pytest"), ("demo", r"scripts/demo\.py")])
def test_make_test_and_make_demo_set_everything_up_first(fresh_clone, target, command):
    lines = plan(fresh_clone, target, CHROMIUM=str(fresh_clone / "no-chromium"))
    venv = position(lines, r"-m venv \.venv")
    requirements = position(lines, r"pip install .*-r requirements-dev\.txt")
    chromium = position(lines, r"apt-get install -y -qq chromium")
    run = position(lines, command)
    assert venv < requirements < run and chromium < run


def test_the_chromium_step_installs_debians_package_only_when_it_is_missing(fresh_clone, tmp_path):
    # apt-get and sudo stand-ins record what they were asked to do.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    for tool in ("apt-get", "sudo"):
        script = bin_dir / tool
        script.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{calls}"\n'
                          + ('exec "$@"\n' if tool == "sudo" else ""))
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    missing = subprocess.run(["make", "chromium", f"CHROMIUM={tmp_path / 'none'}"], cwd=fresh_clone, env=env,
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 0, missing.stderr
    assert "apt-get install -y -qq chromium" in calls.read_text()
    calls.unlink()
    present = subprocess.run(["make", "chromium", f"CHROMIUM={bin_dir / 'apt-get'}"], cwd=fresh_clone, env=env,
                             capture_output=True, text=True, timeout=60)
    assert present.returncode == 0 and not calls.exists(), present.stdout


def test_ci_runs_the_lint_then_the_readmes_test_command():
    commands = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line.strip().startswith("make ")]
    assert commands == ["make lint", "make test"]
    assert "make test" in (ROOT / "README.md").read_text()


def test_make_lint_runs_ruff_then_mypy_with_the_pinned_versions(fresh_clone):
    lines = plan(fresh_clone, "lint")
    assert position(lines, r"/ruff check newscrawl$") < position(lines, r"/mypy$")
    # mypy reads its configuration (what it checks, and how strictly) from mypy.ini.
    assert "[mypy]" in (ROOT / "mypy.ini").read_text()
    pins = (ROOT / "requirements-dev.txt").read_text().split()
    assert "mypy==2.4.1" in pins and any(pin.startswith("ruff==") for pin in pins)


@pytest.mark.parametrize("target", ["cron", "merge", "dataset"])
def test_the_edition_of_make_targets_is_the_commands_default_unless_given(fresh_clone, target):
    # No edition written in the Makefile: the command takes its outlet's first one.
    (fresh_clone / ".venv" / "bin").mkdir(parents=True)
    (fresh_clone / ".venv" / "bin" / ".installed").touch()
    command = plan(fresh_clone, target)[-1]
    assert f"-m newscrawl.{target}" in command and "--edition" not in command
    assert "--edition ar" in plan(fresh_clone, target, EDITION="ar")[-1]


def test_the_quick_start_is_make_demo_then_make_test():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Quick start"):]
    block = section[section.index("```sh") + 5:section.index("```", section.index("```sh") + 5)]
    assert [line.split("#")[0].strip() for line in block.strip().splitlines()] == ["make demo", "make test"]
