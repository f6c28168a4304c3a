"""Dates as the site shows them, turned into UTC.

Machine dates (ISO 8601 with an offset) are converted exactly without dateparser.
Visible dates ("9 Oct 2024 09:01", "18 Mayo 2022 06:33", "23 Julio 19:20", "14 Nov")
carry no zone: they are Beirut local time, summer time included. A date without a
year takes the most recent year that does not put it after the crawl time. Everything
else (Arabic months and digits, "2 hours ago", "hace 2 horas") goes to dateparser,
configured once, with results cached.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, timedelta, timezone
from typing import Optional
from zoneinfo import ZoneInfo

import dateparser

from .clock import iso_utc, parse_utc, utc_now  # noqa: F401  (iso_utc: imported from here by others)

BEIRUT = ZoneInfo("Asia/Beirut")
UTC = timezone.utc

# Month names the site uses in visible dates (English, Spanish), and their abbreviations.
_MONTHS = {
    **{m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)},
    **{m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                   "september", "october", "november", "december"], 1)},
    **{m: i for i, m in enumerate(["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                                   "septiembre", "octubre", "noviembre", "diciembre"], 1)},
    **{m: i for i, m in enumerate(["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"], 1)},
    "sept": 9, "setiembre": 9,
}
_VISIBLE = re.compile(
    r"^\s*(?P<day>\d{1,2})\s+(?P<month>[^\W\d_]+)\.?,?(?:\s+(?P<year>\d{4}))?,?(?:\s+(?P<hour>\d{1,2}):(?P<minute>\d{2}))?\s*$"
)
# Levantine (Syriac-derived) month names used in Lebanese Arabic, which dateparser's
# Arabic data lacks; two-word names first so "تشرين الثاني" is not read as "تشرين".
_LEVANTINE = [("كانون الثاني", "Jan"), ("كانون الأول", "Dec"), ("تشرين الأول", "Oct"), ("تشرين الثاني", "Nov"),
              ("شباط", "Feb"), ("آذار", "Mar"), ("نيسان", "Apr"), ("أيار", "May"), ("حزيران", "Jun"),
              ("تموز", "Jul"), ("آب", "Aug"), ("أيلول", "Sep")]
# Arabic-Indic and Eastern Arabic-Indic digits to ASCII.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_LANGUAGES = {"en": ["en"], "es": ["es", "en"], "ar": ["ar", "en"]}


def crawl_now(settings) -> datetime:
    """The crawl's "now": the NEWSCRAWL_NOW setting (ISO 8601) or the clock, in UTC."""
    value = (settings.get("NEWSCRAWL_NOW") or "").strip() if settings is not None else ""
    return parse_utc(value) if value else utc_now()


def _local(naive: datetime) -> datetime:
    # A wall time that happens twice (the autumn change) is read as the first one;
    # one that never happens (the spring gap) is moved forward by zoneinfo's rules.
    return naive.replace(tzinfo=BEIRUT, fold=0)


def _with_year(month: int, day: int, hour: int, minute: int, now: datetime) -> Optional[datetime]:
    """The most recent date with this month/day/time that is not after ``now``."""
    local_now = now.astimezone(BEIRUT)
    for year in (local_now.year, local_now.year - 1, local_now.year - 2, local_now.year - 4):
        try:
            candidate = _local(datetime(year, month, day, hour, minute))
        except ValueError:  # 29 Feb in a year without it
            continue
        if candidate <= now + timedelta(minutes=1):
            return candidate
    return None


def parse_date(raw: Optional[str], now: datetime, language: str = "en") -> Optional[datetime]:
    """A site date as an aware UTC datetime, or None when it cannot be read."""
    if raw is None:
        return None
    text = " ".join(str(raw).translate(_DIGITS).split())
    if language == "ar" or any("\u0600" <= c <= "\u06ff" for c in text[:40]):
        for name, english in _LEVANTINE:
            text = text.replace(name, english)
    if not text or len(text) > 100:
        return None
    return _parse(text, now.astimezone(UTC), language)


@functools.lru_cache(maxsize=4096)
def _parse(text: str, now: datetime, language: str) -> Optional[datetime]:
    # 1. Machine dates: exact.
    if re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None:
            return (moment if moment.tzinfo else _local(moment)).astimezone(UTC)
    # 2. The site's visible form, with or without year and time.
    match = _VISIBLE.match(text)
    if match and match.group("month").lower() in _MONTHS:
        month = _MONTHS[match.group("month").lower()]
        day = int(match.group("day"))
        hour = int(match.group("hour") or 0)
        minute = int(match.group("minute") or 0)
        try:
            if match.group("year"):
                return _local(datetime(int(match.group("year")), month, day, hour, minute)).astimezone(UTC)
            found = _with_year(month, day, hour, minute, now)
            return found.astimezone(UTC) if found else None
        except ValueError:
            return None
    # 3. Anything else: dateparser, relative to the crawl time, in Beirut time.
    settings = {
        "TIMEZONE": "Asia/Beirut",
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RELATIVE_BASE": now.astimezone(BEIRUT).replace(tzinfo=None),
        "PREFER_DATES_FROM": "past",
        "DATE_ORDER": "DMY",
    }
    parsed = dateparser.parse(text, languages=_LANGUAGES.get(language, ["en"]), settings=settings)
    if parsed is None:
        return None
    if parsed > now + timedelta(days=1):
        # "14 Nov" read as this year's when that is still ahead: the site never dates the future.
        try:
            parsed = parsed.replace(year=parsed.year - 1)
        except ValueError:
            return None
    return parsed.astimezone(UTC)
