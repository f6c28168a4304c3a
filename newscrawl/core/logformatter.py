"""How Scrapy's own events are logged: one short line per dropped record.

Scrapy's default logs every dropped item at WARNING with the whole record (its body
included): a scheduled run with hundreds of ``unchanged`` posts wrote a log bigger than
its dataset, and real warnings drowned in it. Here a drop is one line with the reason
and what identifies the record (its URL or key, as the pipeline gave it); drops that a
healthy run makes all the time are DEBUG, the others stay WARNING. Every drop is also
counted under ``newscrawl/dropped/<reason>`` by the pipelines.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult

from .pipelines import printable

# Drops that say the pipelines did their job, not that a page was broken.
EXPECTED_DROPS = frozenset({"unchanged", "out of range", "duplicate", "ticker seen", "empty ticker",
                            # After the one error line of a failed output, the records still coming.
                            "not written"})
DROPPED_LINE = "Dropped (%(reason)s): %(detail)s"


def drop_reason(exception: BaseException) -> tuple[str, str]:
    """(reason, detail) of a DropItem raised as ``DropItem("reason: detail")``."""
    reason, _, detail = str(exception).partition(": ")
    return reason, detail


class NewscrawlLogFormatter(LogFormatter):
    """Scrapy's log formatter with one short line per dropped item."""

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any) -> LogFormatterResult:
        reason, detail = drop_reason(exception)
        if not detail:
            url = getattr(item, "url", None) or getattr(item, "text", None)
            detail = str(url) if url else type(item).__name__
        if (level := getattr(exception, "log_level", None)) is None:
            level = logging.DEBUG if reason in EXPECTED_DROPS else logging.WARNING
        if isinstance(level, str):
            level = getattr(logging, level)
        return {
            "level": level,
            "msg": DROPPED_LINE,
            "args": {"reason": printable(reason, 80), "detail": printable(detail, 200)},
        }
