"""The project's numeric settings, declared once with their ranges, and their one check.

Each component reads its setting where it starts (``getint``/``getfloat`` inside the running
crawl), so ``-s NEWSCRAWL_MAX_REQUESTS=abc`` used to be a ``ValueError`` traceback in the log
and exit 1, and ``-1`` or ``nan`` did something nobody asked for (``nan`` compares false with
every limit: a time budget that never runs out). ``scrapy crawl`` checks them all here before
the crawl is set up: one line naming the setting, exit 2.
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple, Optional

_FLOAT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|infinity|nan)", re.IGNORECASE | re.ASCII)
DAY = 86_400.0
YEAR = 365 * DAY


class Numeric(NamedTuple):
    kind: type  # int or float
    low: float
    high: float
    inf_ok: bool = False  # float("inf") accepted (it means "never")


# name -> type and inclusive range; 0 is "off" where the setting's comment in settings.py says so.
NUMERIC_SETTINGS: dict[str, Numeric] = {
    "NEWSCRAWL_INCOMPLETE_RETRIES": Numeric(int, 0, 100),
    "NEWSCRAWL_SITEMAP_MAX_BYTES": Numeric(int, 1, 2**40),
    "NEWSCRAWL_SITEMAP_MAX_URLS": Numeric(int, 1, 10**9),
    "NEWSCRAWL_SITEMAP_BATCH": Numeric(int, 1, 10**6),
    "NEWSCRAWL_MAX_LINKS_PER_PAGE": Numeric(int, 0, 10**9),
    "NEWSCRAWL_TICKER_REPEAT_HOURS": Numeric(float, 0, 100 * 365 * 24),
    "NEWSCRAWL_RECHECK_BUDGET": Numeric(int, 0, 10**9),
    "NEWSCRAWL_GC_THRESHOLD": Numeric(int, 0, 2**31 - 1),
    "NEWSCRAWL_STALL_MINUTES": Numeric(float, 0, 100 * YEAR / 60, inf_ok=True),
    "NEWSCRAWL_COVERAGE_MIN_RECORDS": Numeric(int, 0, 10**12),
    "NEWSCRAWL_WARC_MAX_SIZE": Numeric(int, 1, 2**62),
    "NEWSCRAWL_PROGRESS_INTERVAL": Numeric(float, 0, YEAR),
    "NEWSCRAWL_LIVE_PROGRESS_FD": Numeric(int, 0, 2**31 - 1),
    # A live line redrawn every 0 s would be a busy loop; 10 ms is the shortest asked for (the tests').
    "NEWSCRAWL_LIVE_PROGRESS_INTERVAL": Numeric(float, 0.01, DAY),
    "NEWSCRAWL_URL_TIME_BUDGET": Numeric(float, 0, YEAR),
    "NEWSCRAWL_HOST_TIMEOUT_BUDGET": Numeric(float, 0, YEAR),
    "NEWSCRAWL_MAX_REQUESTS": Numeric(int, 0, 10**12),
    "NEWSCRAWL_PER_LISTING": Numeric(int, 0, 10**9),
    "NEWSCRAWL_RETRY_AFTER_MAX": Numeric(float, 0, YEAR),
    "NEWSCRAWL_RETRY_AFTER_DEFAULT": Numeric(float, 0, YEAR),
    "NEWSCRAWL_RETRY_AFTER_TIMES": Numeric(int, 0, 1000),
    "NEWSCRAWL_CRAWL_DELAY_MAX": Numeric(float, 0, YEAR),
}


def _number(raw: Any, spec: Numeric) -> Optional[float]:
    """``raw`` as the setting's type when it is one and in range, else None."""
    if isinstance(raw, bool):
        return None
    if spec.kind is int:
        if isinstance(raw, int):
            value: float = raw
        else:
            text = str(raw).strip()
            # int() would take "1_000", "١" (Arabic-Indic digits) and 20,000 digits happily.
            if not (text.isascii() and text.lstrip("+-").isdigit()) or len(text) > 30:
                return None
            value = int(text)
    else:
        given = raw if isinstance(raw, (int, float)) else str(raw).strip()
        # float() would take "1_000" and "١" too; a typed number is ASCII.
        if isinstance(given, str) and not _FLOAT.fullmatch(given[:100]):
            return None
        value = float(given)
        if math.isnan(value):
            return None
        if math.isinf(value):
            return value if spec.inf_ok and value > 0 else None
    return value if spec.low <= value <= spec.high else None


def _shown(raw: Any) -> str:
    text = repr(raw) if isinstance(raw, str) else repr(str(raw))
    return text if len(text) <= 40 else text[:37] + "...'"


def settings_problem(settings) -> Optional[str]:
    """The first numeric setting of ours whose value is not a number in its range, as one
    line naming it, or None."""
    for name, spec in NUMERIC_SETTINGS.items():
        raw = settings.get(name)
        if raw is None:
            continue
        if _number(raw, spec) is None:
            what = "a whole number" if spec.kind is int else "a number"
            high = f"{spec.high:,.10g}" if spec.high < 1000 else f"{int(spec.high):,}"
            extra = " (or inf: never)" if spec.inf_ok else ""
            return f"setting {name}: {_shown(raw)} is not {what} from {spec.low:g} to {high}{extra}"
    return None
