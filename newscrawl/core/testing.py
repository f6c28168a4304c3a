"""Running a real ``scrapy crawl`` in a subprocess, for tests, the demo and benchmarks.

A Twisted reactor cannot be restarted inside one process, so every crawl of the replica
runs as its own ``scrapy crawl <spider>`` process, exactly as a user would run it.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from .outlet import default_spider
from .paths import PROJECT_ROOT as ROOT
from .runsummary import SUMMARY_PATH_SETTING, Summary, read_summary, summary_beside

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
    base_url: str = ""
    spider: str = ""

    def warc_dir(self, edition: Optional[str] = None) -> Path:
        """Where this run (``-O output``) wrote its WARC files: ``warc/<dataset>-<edition>``
        beside the output, the dataset being the replica's mirror name (``CrawlArgs.dataset``);
        the edition is the outlet's first when not given."""
        from .args import CrawlArgs
        from .outlet import outlet
        from .warc import output_root

        site = outlet(self.spider or None)
        edition = edition if edition is not None else site.default_edition
        dataset = CrawlArgs.from_kwargs({"base_url": self.base_url, "edition": edition}, site.editions).dataset(
            site.name
        )
        return output_root(self.output, edition, site.name, dataset)[0]

    @property
    def summary(self) -> Optional[Summary]:
        """The run summary the crawl was asked to write beside its output (None if it wrote none)."""
        return read_summary(summary_beside(self.output))

    @property
    def stats(self) -> dict[str, Any]:
        """The crawl's numeric stats, from its run summary ({} when there is none)."""
        summary = self.summary
        return summary.stats if summary is not None else {}


def read_jsonl(path: Path) -> list[dict]:
    """Every line of a JSON Lines file, parsed (a partial line raises)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def run_crawl(
    base_url: str,
    output: Path,
    args: Optional[Mapping[str, str]] = None,
    settings: Optional[Mapping[str, str]] = None,
    extra: Sequence[str] = (),
    timeout: float = 600,
    env: Optional[Mapping[str, str]] = None,
    spider: Optional[str] = None,
) -> CrawlResult:
    """Run ``scrapy crawl <spider>`` (the registry's first outlet by default) against
    ``base_url`` writing ``output`` (-O)."""
    spider = spider or default_spider()
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"base_url={base_url}", "-O", str(output),
           "-s", f"{SUMMARY_PATH_SETTING}={summary_beside(output)}"]
    for key, value in dict(args or {}).items():
        cmd += ["-a", f"{key}={value}"]
    for key, value in {**FAST_SETTINGS, **dict(settings or {})}.items():
        cmd += ["-s", f"{key}={value}"]
    cmd += list(extra)
    with contextlib.suppress(OSError):  # an output under a file or in /sys: no summary there either
        summary_beside(output).unlink(missing_ok=True)  # stats are this run's, or none
    proc = subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env={**os.environ, **dict(env or {})}
    )
    return CrawlResult(proc.returncode, read_jsonl(output), proc.stderr, output, base_url, spider)
