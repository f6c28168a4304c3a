"""Where a crawl's run summary goes and how it is read back: the one reader of a run's outcome.

The ``RunSummary`` extension (newscrawl/core/extensions.py) writes the summary when the spider
closes: to the path in the ``NEWSCRAWL_SUMMARY_PATH`` setting when one is given, else
beside the run's first local feed. Whoever starts a crawl and needs its outcome (cron, the
test helper, the benchmarks) names the path it wants and reads it with ``read_summary``;
Scrapy's log is never parsed for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from .jsonfile import read_json_object

# The setting naming the summary's path; empty: beside the first local feed.
SUMMARY_PATH_SETTING = "NEWSCRAWL_SUMMARY_PATH"


def summary_beside(output: Path) -> Path:
    """``<output stem>.summary.json`` next to a run's output file."""
    stem = output.name[: -len(output.suffix)] if output.suffix else output.name
    return output.with_name(stem + ".summary.json")


@dataclass(frozen=True)
class Summary:
    """A run summary read back: its path, its content, and the parts most callers want."""

    path: Path
    data: dict

    @property
    def finish_reason(self) -> str:
        return self.data["finish_reason"]

    @property
    def stats(self) -> dict[str, Any]:
        """Every number among the crawl's stats (Scrapy's and ours), by name."""
        stats = self.data.get("stats")
        if not isinstance(stats, dict):
            return {}
        return {k: v for k, v in stats.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def read_summary(path: Path) -> Optional[Summary]:
    """The run summary at ``path``; None when it is missing or not a summary (no finish reason):
    the crawl did not close, or closed without writing it."""
    data = read_json_object(path)
    if data is None or not isinstance(data.get("finish_reason"), str) or not data["finish_reason"]:
        return None
    return Summary(Path(path), data)
