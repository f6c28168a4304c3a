"""The run summary: a JSON file beside each run's output saying what the run did.

``<output stem>.summary.json`` holds counts (items, drops by reason, requests,
responses by status, errors), start and end time, the finish reason, the spider
arguments and the output files. Written to a temporary name and renamed, so it is
either whole or absent.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.extensions.feedexport import FeedExporter
from w3lib.url import file_uri_to_path

from .coverage import CoverageExtension


def _iso(value: Any) -> Any:
    return value.astimezone(timezone.utc).replace(microsecond=0).isoformat() if isinstance(value, datetime) else value


class RunSummary:
    """Writes ``<first article feed>.summary.json`` when the spider closes."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.outputs: list[str] = []

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signals.spider_opened)
        crawler.signals.connect(ext.closed, signals.feed_exporter_closed)
        return ext

    def opened(self, spider):
        exporter = self.crawler.get_extension(FeedExporter)
        for slot in getattr(exporter, "slots", []):
            uri = slot.uri
            if uri.startswith("file:"):
                uri = file_uri_to_path(uri)
            if "://" not in uri:
                self.outputs.append(str(Path(uri)))

    def closed(self):
        if not self.outputs:
            return
        stats = self.crawler.stats.get_stats()
        spider = self.crawler.spider
        main = Path(self.outputs[0])
        stem = main.name[: -len(main.suffix)] if main.suffix else main.name
        path = main.with_name(stem + ".summary.json")
        summary = {
            "spider": getattr(spider, "name", None),
            "edition": getattr(spider, "edition", None),
            "arguments": getattr(getattr(spider, "args", None), "raw", {}),
            "start_time": _iso(stats.get("start_time")),
            "end_time": _iso(stats.get("finish_time") or datetime.now(timezone.utc)),
            "finish_reason": stats.get("finish_reason"),
            "items": stats.get("item_scraped_count", 0),
            "dropped": {k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith("newscrawl/dropped/")},
            "requests": stats.get("downloader/request_count", 0),
            "responses_by_status": {k.rsplit("/", 1)[1]: v for k, v in stats.items()
                                    if k.startswith("downloader/response_status_count/")},
            "errors": stats.get("log_count/ERROR", 0),
            "newscrawl": {k: v for k, v in stats.items() if k.startswith("newscrawl/") and not k.startswith("newscrawl/dropped/")},
            "outputs": self.outputs,
        }
        coverage = self.crawler.get_extension(CoverageExtension) if self.crawler.settings.getbool(
            "NEWSCRAWL_COVERAGE", True) else None
        if coverage is not None and coverage.summary() is not None:
            summary["coverage"] = coverage.summary()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        os.replace(tmp, path)
