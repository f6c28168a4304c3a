"""The benchmark harness still runs (a tiny version; the real figures are in docs/benchmarks.md)."""

import subprocess
import sys

from newscrawl.core.testing import ROOT


def test_bench_smoke():
    proc = subprocess.run([sys.executable, "-m", "bench", "--smoke"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "smoke OK" in proc.stdout
