"""Running a real ``scrapy crawl`` in a subprocess, for tests, the demo and benchmarks.

A Twisted reactor cannot be restarted inside one process, so every crawl of the replica
runs as its own ``scrapy crawl almayadeen`` process, exactly as a user would run it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Sequence

ROOT = Path(__file__).resolve().parents[2]

# Politeness delays off and enough concurrency that the replica, not a timer, sets the pace.
FAST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "LOG_LEVEL": "INFO",
}


@dataclass
class CrawlResult:
    """What one crawl process left behind."""

    returncode: int
    records: list[dict]
    stderr: str
    output: Path

    @property
    def stats(self) -> dict[str, int]:
        """The integer crawl stats Scrapy dumps in its log when the spider closes."""
        return {m.group(1): int(m.group(2)) for m in _STAT.finditer(self.stderr.split("Dumping Scrapy stats", 1)[-1])}


_STAT = re.compile(r"'([^']+)': (\d+)[,}]")


def read_jsonl(path: Path) -> list[dict]:
    """Every line of a JSON Lines file, parsed (a partial line raises)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def run_crawl(
    base_url: str,
    output: Path,
    args: Mapping[str, str] = (),
    settings: Mapping[str, str] = (),
    extra: Sequence[str] = (),
    timeout: float = 600,
    env: Optional[Mapping[str, str]] = None,
) -> CrawlResult:
    """Run ``scrapy crawl almayadeen`` against ``base_url`` writing ``output`` (-O)."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "almayadeen", "-a", f"base_url={base_url}", "-O", str(output)]
    for key, value in dict(args).items():
        cmd += ["-a", f"{key}={value}"]
    for key, value in {**FAST_SETTINGS, **dict(settings)}.items():
        cmd += ["-s", f"{key}={value}"]
    cmd += list(extra)
    proc = subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env={**os.environ, **dict(env or {})}
    )
    return CrawlResult(proc.returncode, read_jsonl(output), proc.stderr, output)
