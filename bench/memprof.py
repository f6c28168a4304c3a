"""Where a crawl's memory goes: Python's own heap (tracemalloc) against the process's peak RSS.

    python -m bench.memprof --articles 10000 [--jobdir] [--top 15]

Runs ``scrapy crawl almayadeen`` once against a replica (store on, browser off, politeness
off, as in the throughput benchmark) with the extension below, which starts tracemalloc when
the crawler is built and, when the spider closes, prints the traced current and peak size,
the process's VmHWM and VmRSS, the largest live allocations by line, and how many requests
and responses are still alive after a full garbage collection. tracemalloc's own
bookkeeping inflates the RSS figures; compare runs of this script with each other, not with
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

from scrapy import signals
from scrapy.http import Request, Response

ROOT = Path(__file__).resolve().parents[1]


class TracemallocReport:
    """Scrapy extension: a tracemalloc summary at spider close, written to $MEMPROF_OUT."""

    def __init__(self, top: int):
        self.top = top

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(int(os.environ.get("MEMPROF_TOP", "15")))
        tracemalloc.start(1)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def closed(self, spider):
        current, peak = tracemalloc.get_traced_memory()
        with open("/proc/self/status") as status:
            vm = {k: v.strip() for k, v in (line.split(":", 1) for line in status) if k in ("VmHWM", "VmRSS")}
        lines = [f"python heap (tracemalloc): {current / 2**20:.1f} MiB live at close, {peak / 2**20:.1f} MiB peak; "
                 f"VmHWM {vm.get('VmHWM')}, VmRSS {vm.get('VmRSS')}"]
        for stat in tracemalloc.take_snapshot().statistics("lineno")[: self.top]:
            frame = stat.traceback[0]
            lines.append(f"{stat.size / 2**20:8.2f} MiB {stat.count:8d} objects  {frame.filename}:{frame.lineno}")
        # Traced objects include garbage in reference cycles not yet collected; whether
        # requests or responses outlive the crawl shows only after a full collection.
        gc.collect()
        alive = sum(isinstance(o, (Request, Response)) for o in gc.get_objects())
        lines.append(f"requests and responses alive after gc.collect(): {alive}")
        Path(os.environ["MEMPROF_OUT"]).write_text("\n".join(lines) + "\n")


def main(argv=None) -> int:
    sys.path.insert(0, str(ROOT))
    from bench.__main__ import ours_cmd  # the throughput benchmark's crawl, same settings
    from tests.outlets.almayadeen.replica import Replica, ReplicaServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--jobdir", action="store_true", help="request queue on disk (JOBDIR), as cron runs")
    parser.add_argument("--top", type=int, default=15)
    opts = parser.parse_args(argv)
    site = Replica(seed=1, articles=opts.articles)
    with ReplicaServer(site) as server, tempfile.TemporaryDirectory(prefix="memprof-") as tmp:
        extra = {"EXTENSIONS": '{"bench.memprof.TracemallocReport": 0}'}
        if opts.jobdir:
            extra["JOBDIR"] = f"{tmp}/job"
        cmd = ours_cmd(server.url, Path(tmp), site, **extra)
        report = Path(tmp) / "report.txt"
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "MEMPROF_OUT": str(report), "MEMPROF_TOP": str(opts.top)})
        if proc.returncode != 0 or not report.exists():
            print(proc.stderr[-3000:], file=sys.stderr)
            return 1
        print(f"{opts.articles} articles, queue {'on disk (JOBDIR)' if opts.jobdir else 'in memory'}")
        print(report.read_text(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
