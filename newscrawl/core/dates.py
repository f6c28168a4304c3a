"""Dates as news sites print them, read into UTC.

A :class:`DateReader` holds what differs between sites and editions: the time zone of dates
printed without an offset, the month names of the visible dates, text rewrites made before
reading (local month names a date library lacks), and the languages handed to dateparser.
Each outlet builds its readers (``newscrawl/outlets/<name>/dates.py``); the parser fills the
record's UTC dates with one, and the spider reads listing card dates with it.

Machine dates (ISO 8601 with an offset) are converted exactly without dateparser. Visible
dates ("9 Oct 2024 09:01", "14 Nov") are the reader's zone's wall time, summer time
included; a date without a year takes the most recent year that does not put it after the
crawl time. Everything else ("2 hours ago", other forms) goes to dateparser, configured
once, with results cached.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta, timezone
from typing import Mapping, Optional, Sequence
from zoneinfo import ZoneInfo

import dateparser

from .clock import iso_utc, parse_utc, utc_now

UTC = timezone.utc

# Why a date found on a page is null in its record (see ``date_problems``).
UNREADABLE = "bad date"
FUTURE = "future date"
# Sites do not date the future: a publication date further ahead of the crawl than this is
# a broken page, not news (a day leaves room for clocks and zones set wrong).
FUTURE_MARGIN = timedelta(days=1)

_MACHINE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_VISIBLE = re.compile(
    r"^\s*(?P<day>\d{1,2})\s+(?P<month>[^\W\d_]+)\.?,?(?:\s+(?P<year>\d{4}))?,?(?:\s+(?P<hour>\d{1,2}):(?P<minute>\d{2}))?\s*$"
)
# Arabic-Indic and Eastern Arabic-Indic digits to ASCII.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Longer text is not a date (hostile pages put anything in a date field).
_MAX_LENGTH = 100
# The record attribute holding the problems: beside the dataclass fields, never among them,
# so feeds never write it.
_PROBLEMS_ATTR = "_date_problems"


def crawl_now(settings) -> datetime:
    """The crawl's "now": the NEWSCRAWL_NOW setting (ISO 8601) or the clock, in UTC."""
    value = (settings.get("NEWSCRAWL_NOW") or "").strip() if settings is not None else ""
    return parse_utc(value) if value else utc_now()


def note_date_problems(item: object, problems: Mapping[str, str]) -> None:
    """Keep on a record why its dates are null (field -> ``UNREADABLE`` or ``FUTURE``)."""
    if problems:
        setattr(item, _PROBLEMS_ATTR, dict(problems))


def date_problems(item: object) -> dict[str, str]:
    """Why dates found on the page are null in this record: ``{"published_at": FUTURE}`` for
    instance; {} when none is. The parser notes them, ValidatePipeline drops or counts them."""
    return getattr(item, _PROBLEMS_ATTR, {})


class DateReader:
    """Reads one site edition's dates into aware UTC datetimes.

    ``months`` maps month names and abbreviations (any case) to 1-12; ``rewrites`` are
    (text, replacement) pairs applied in order before reading, longer names first;
    ``languages`` are dateparser's, for the forms the reader does not know itself.
    """

    def __init__(self, time_zone: str, months: Mapping[str, int] | None = None,
                 rewrites: Sequence[tuple[str, str]] = (), languages: Sequence[str] = ("en",)):
        self.zone = ZoneInfo(time_zone)
        self.months = {name.lower(): number for name, number in (months or {}).items()}
        self.rewrites = tuple(rewrites)
        self.languages = list(languages)
        # Per reader, so that two readers never share an answer: same text, other zone.
        self._cached = functools.lru_cache(maxsize=4096)(self._read)

    def read(self, raw: Optional[str], now: datetime) -> Optional[datetime]:
        """A date as an aware UTC datetime, or None when it cannot be read."""
        if raw is None:
            return None
        text = " ".join(str(raw).translate(_DIGITS).split())
        for name, replacement in self.rewrites:
            if name in text:
                text = text.replace(name, replacement)
        if not text or len(text) > _MAX_LENGTH:
            return None
        return self._cached(text, now.astimezone(UTC))

    def published(self, raw: Optional[str], now: datetime) -> tuple[Optional[str], Optional[str]]:
        """A publication date as ISO 8601 UTC, or None and why (``UNREADABLE``, ``FUTURE``);
        (None, None) when there is none."""
        if not raw:
            return None, None
        moment = self.read(raw, now)
        if moment is None:
            return None, UNREADABLE
        if moment > now + FUTURE_MARGIN:
            return None, FUTURE
        return iso_utc(moment), None

    def modified(self, raw: Optional[str], now: datetime) -> tuple[Optional[str], Optional[str]]:
        """A modification date as ISO 8601 UTC, or None and ``UNREADABLE``; (None, None) when
        there is none."""
        if not raw:
            return None, None
        moment = self.read(raw, now)
        return (iso_utc(moment), None) if moment is not None else (None, UNREADABLE)

    def _read(self, text: str, now: datetime) -> Optional[datetime]:
        if _MACHINE.match(text):
            moment = self._machine(text)
            if moment is not None:
                return moment
        match = _VISIBLE.match(text)
        if match and match.group("month").lower() in self.months:
            return self._visible(match, now)
        return self._dateparser(text, now)

    def _local(self, naive: datetime) -> datetime:
        # A wall time that happens twice (the autumn change) is read as the first one;
        # one that never happens (the spring gap) is moved forward by zoneinfo's rules.
        return naive.replace(tzinfo=self.zone, fold=0)

    def _machine(self, text: str) -> Optional[datetime]:
        """ISO 8601, exactly; without an offset, the reader's zone."""
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return (moment if moment.tzinfo else self._local(moment)).astimezone(UTC)

    def _visible(self, match: re.Match, now: datetime) -> Optional[datetime]:
        """"<day> <month> [<year>] [<hh:mm>]" in the reader's zone."""
        month = self.months[match.group("month").lower()]
        day, hour, minute = int(match.group("day")), int(match.group("hour") or 0), int(match.group("minute") or 0)
        try:
            if match.group("year"):
                return self._local(datetime(int(match.group("year")), month, day, hour, minute)).astimezone(UTC)
        except ValueError:  # 31 Feb, 25:00
            return None
        found = self._with_year(month, day, hour, minute, now)
        return found.astimezone(UTC) if found else None

    def _with_year(self, month: int, day: int, hour: int, minute: int, now: datetime) -> Optional[datetime]:
        """The most recent date with this month/day/time that is not after ``now``."""
        year = now.astimezone(self.zone).year
        for candidate_year in (year, year - 1, year - 2, year - 4):
            try:
                candidate = self._local(datetime(candidate_year, month, day, hour, minute))
            except ValueError:  # 29 Feb in a year without it, or no such day or time at all
                continue
            if candidate <= now + timedelta(minutes=1):
                return candidate
        return None

    def _dateparser(self, text: str, now: datetime) -> Optional[datetime]:
        """Any other form, relative to the crawl time, in the reader's zone."""
        settings = {
            "TIMEZONE": self.zone.key,
            "TO_TIMEZONE": "UTC",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "RELATIVE_BASE": now.astimezone(self.zone).replace(tzinfo=None),
            "PREFER_DATES_FROM": "past",
            "DATE_ORDER": "DMY",
        }
        parsed = dateparser.parse(text, languages=self.languages, settings=settings)
        if parsed is None:
            return None
        if parsed > now + FUTURE_MARGIN:
            # "14 Nov" read as this year's when that is still ahead: the site never dates the future.
            try:
                parsed = parsed.replace(year=parsed.year - 1)
            except ValueError:
                return None
        return parsed.astimezone(UTC)
