"""``python -m newscrawl.dataset --edition en [--dataset NAME]``: build the published dataset of an edition."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Optional

from ..merge import MergeError, location_parser, parse_location
from . import DatasetError, MergedRefused, TargetRefused, build
from .build import YEARS


class Stopped(BaseException):
    """SIGTERM or SIGHUP: raised in the build so that its temporary directory is removed
    (the default action ends the process on the spot and leaves it behind)."""


def _stop(signum, frame):
    raise Stopped(signal.Signals(signum).name)


def _memory_pool() -> None:
    """jemalloc for Arrow's buffers when the wheel has it: measured on the 50,000-article
    replica, ~25% less peak memory and half the system time of the default (mimalloc), which
    keeps more of what each year freed."""
    import pyarrow as pa

    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ:  # the user's choice wins
        return
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:
        pass


def main(argv: Optional[list[str]] = None, figure_process: Optional[tuple] = None) -> int:
    """The command; ``figure_process``: started before this module was imported (see
    :mod:`newscrawl.dataset`), handed to the build."""
    parser = location_parser("python -m newscrawl.dataset",
                             "Build Parquet, CSV, dataset card and report of an edition from its merged JSON Lines.",
                             "run files and their summaries")
    parser.add_argument("--merged", type=Path,
                        help="merged JSON Lines to read (default: <output-dir>/merged/<dataset>-<edition>.jsonl)")
    parser.add_argument("--target", type=Path,
                        help="dataset directory (default: <output-dir>/dataset/<dataset>-<edition>)")
    parser.add_argument("--no-merge", action="store_true", help="never run the merge, even when it is stale")
    opts = parse_location(parser, argv, "newscrawl.dataset")
    if opts is None:
        return 2
    _memory_pool()
    # Only where the signal would end the process anyway: under nohup SIGHUP stays ignored.
    handlers = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGHUP)
                if signal.getsignal(sig) == signal.SIG_DFL}
    try:
        result = build(opts.edition, opts.output_dir, merged=opts.merged, target=opts.target,
                       merge_first=not opts.no_merge, input_dir=opts.input_dir, spider=opts.spider,
                       figure_process=figure_process, dataset=opts.dataset)
    except (TargetRefused, MergedRefused) as exc:
        print(f"newscrawl.dataset: error: {exc}", file=sys.stderr)
        return 2
    except (DatasetError, MergeError, OSError) as exc:
        print(f"newscrawl.dataset: error: {exc}", file=sys.stderr)
        return 1
    except Stopped as exc:
        print(f"newscrawl.dataset: error: stopped by {exc}; the dataset was not replaced", file=sys.stderr)
        return 1
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    for path in result.leftovers:
        print(f"newscrawl.dataset: warning: removed {path}, left by a build that was killed", file=sys.stderr)
    years = ", ".join(f"{y} ({sum(g)} rows, {len(g)} row groups)" for y, g in sorted(result.row_groups.items()))
    left_out = (f"; {result.out_of_range} records dated outside {YEARS[0]}-{YEARS[1]} left out"
                if result.out_of_range else "")
    print(f"dataset {result.directory}: {result.count} articles"
          f"{' (merged again first)' if result.merged_again else ''}; years {years or 'none'}{left_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
