"""``python -m newscrawl.dataset``: the entry point users type; the command is :mod:`newscrawl.core.dataset`.

The figure process is started here, before anything imports pyarrow: its import of
matplotlib (about 0.45 s of CPU) then runs while this process imports, on a core that is
free, rather than against Arrow's reading on both cores (docs/benchmarks.md, section 7).
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

FIGURES = Path(__file__).parent / "core" / "dataset" / "figures.py"


def start_figures() -> tuple:
    """The figure process (``figures.py``, a plain script: no pyarrow) and the file taking its errors."""
    errors = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-P", str(FIGURES)], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=errors)
    return proc, errors


def run(argv=None) -> int:
    """Start the figure process, then the command; the process never outlives it (--help, errors)."""
    started = start_figures()
    try:
        from .core.dataset.__main__ import main

        return main(argv, figure_process=started)
    finally:
        proc, errors = started
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdin.close()
        errors.close()


def leave(code: int) -> None:
    """End the process at once with ``code``, its output flushed: everything the command
    wrote is closed by now, and the interpreter's teardown with pyarrow loaded (modules,
    Arrow's thread pools) costs ~0.1 s of wall time, 5% of the build (docs/benchmarks.md)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    leave(run())
