"""When a stored post is due for a re-check: the schedule the store and the re-checks share.

Its own module so that the store (``newscrawl/core/state.py``), which keeps each post's due
time, and the re-checks (``newscrawl/core/recheck.py``), which use the store, import it and not
one another.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Optional, Sequence

from .clock import iso_utc, parse_utc_or_none
from .config import default

__all__ = ["DEFAULT_INTERVALS", "intervals_text", "next_check", "parse_intervals"]

# The ages a store follows when it is given none: settings.py's NEWSCRAWL_RECHECK_INTERVALS.
DEFAULT_INTERVALS: str = default("NEWSCRAWL_RECHECK_INTERVALS")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$")


def parse_intervals(value: Any) -> tuple[timedelta, ...]:
    """The re-check ages (``"1h,6h,1d"``, or a list of such words; m, h or d), sorted and
    distinct; ValueError naming the bad item."""
    items = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
    ages = set()
    for item in items:
        match = _INTERVAL.match(str(item))
        if not match or float(match.group(1)) <= 0:
            raise ValueError(f"NEWSCRAWL_RECHECK_INTERVALS: {str(item).strip()!r} is not an age such as 6h, 3d or 30m")
        ages.add(float(match.group(1)) * _UNITS[match.group(2)])
    return tuple(sorted(ages))


def intervals_text(intervals: Sequence[timedelta]) -> str:
    """The ages in seconds, as the store remembers which schedule its due times follow."""
    return ",".join(str(int(a.total_seconds())) for a in intervals)


def next_check(published_at: Optional[str], checked_at: Optional[str], intervals: Sequence[timedelta]) -> Optional[str]:
    """When a post published at ``published_at`` and last fetched at ``checked_at`` is due
    again: the first age after that fetch (ISO 8601 UTC), or None when none is left (or the
    times are unknown)."""
    published, checked = parse_utc_or_none(published_at), parse_utc_or_none(checked_at)
    if published is None or checked is None:
        return None
    for age in intervals:
        if published + age > checked:
            return iso_utc(published + age)
    return None
