"""The one place the package reads the clock and reads or writes ISO 8601 times.

Every time the project writes (records, summaries, manifests, lock files) is UTC with
whole seconds and a ``+00:00`` suffix; every time it reads back may come from a person or
another tool, so ``Z`` and a missing offset (taken as UTC) are accepted.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

UTC = timezone.utc


def utc_now() -> datetime:
    """The current time in UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with seconds and a +00:00 suffix, as every record field uses."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def now_iso() -> str:
    """The current time as ``iso_utc`` writes it."""
    return iso_utc(utc_now())


def parse_utc(value: str) -> datetime:
    """An ISO 8601 time as an aware UTC datetime; ``Z`` and a missing offset mean UTC.

    Raises ValueError for text that is not such a time, or one that leaves datetime's
    range once moved to UTC (9999-12-31T23:59:59-14:00).
    """
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value[:40]!r} is out of range in UTC") from None


def parse_utc_or_none(value: object) -> Optional[datetime]:
    """``parse_utc`` of a string, or None for anything that is not a valid time."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse_utc(value)
    except ValueError:
        return None


def file_stamp(moment: datetime) -> str:
    """A time for a file name, as Scrapy forms a feed's ``%(time)s`` (``2026-11-20T09-00-00+00-00``)."""
    return iso_utc(moment).replace(":", "-")
