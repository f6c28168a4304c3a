"""Every date form the site shows becomes the right UTC instant: the shared reader
(``newscrawl.core.dates``) with Al Mayadeen's zone and month names (its ``dates.py``)."""

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from newscrawl.core.clock import iso_utc
from newscrawl.core.dates import FUTURE, UNREADABLE, DateReader, crawl_now
from newscrawl.outlets.almayadeen.dates import date_reader
from newscrawl.outlets.almayadeen.editions import EDITIONS, ENGLISH


def parse_date(raw, now, language="en"):
    """A date as the edition of this language reads it."""
    return date_reader(EDITIONS[language]).read(raw, now)


NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)

CASES = [
    # machine dates, converted exactly (summer +03:00, winter +02:00, other offsets, Z)
    ("2024-08-16T02:32:00+03:00", "en", "2024-08-15T23:32:00+00:00"),
    ("2023-12-01T10:00:00+02:00", "ar", "2023-12-01T08:00:00+00:00"),
    ("2024-08-16T02:32:00Z", "en", "2024-08-16T02:32:00+00:00"),
    ("2024-08-16T02:32:00-05:00", "en", "2024-08-16T07:32:00+00:00"),
    # visible English, Beirut wall time, summer and winter
    ("9 Oct 2024 09:01", "en", "2024-10-09T06:01:00+00:00"),
    ("9 Jan 2024 09:01", "en", "2024-01-09T07:01:00+00:00"),
    ("14 Nov 2025", "en", "2025-11-13T22:00:00+00:00"),
    # no year: the latest year that does not put the date after the crawl time
    ("9 Oct 09:01", "en", "2026-10-09T06:01:00+00:00"),
    ("21 Nov 10:00", "en", "2025-11-21T08:00:00+00:00"),
    ("20 Nov 10:59", "en", "2026-11-20T08:59:00+00:00"),
    ("29 Feb 09:00", "en", "2024-02-29T07:00:00+00:00"),
    # Spanish
    ("18 Mayo 2022 06:33", "es", "2022-05-18T03:33:00+00:00"),
    ("23 Julio 19:20", "es", "2026-07-23T16:20:00+00:00"),
    ("3 dic 2023 08:00", "es", "2023-12-03T06:00:00+00:00"),
    # Arabic: Levantine and standard month names, Arabic-Indic digits
    ("١٦ آب ٢٠٢٤ ١٠:٣٠", "ar", "2024-08-16T07:30:00+00:00"),
    ("16 أغسطس 2024 10:30", "ar", "2024-08-16T07:30:00+00:00"),
    ("3 تشرين الثاني 2024", "ar", "2024-11-02T22:00:00+00:00"),
    # relative to the crawl time
    ("2 hours ago", "en", "2026-11-20T07:00:00+00:00"),
    ("hace 2 horas", "es", "2026-11-20T07:00:00+00:00"),
    # DST edges in Beirut: 26 Oct 2025 00:00 clocks go back to 23:00 (the hour repeats:
    # read as its first, summer-time occurrence); 29 Mar 2026 00:00 jumps to 01:00.
    ("25 Oct 2025 23:30", "en", "2025-10-25T20:30:00+00:00"),
    ("26 Oct 2025 01:30", "en", "2025-10-25T23:30:00+00:00"),
    ("28 Mar 2026 23:30", "en", "2026-03-28T21:30:00+00:00"),
    ("29 Mar 2026 01:30", "en", "2026-03-28T22:30:00+00:00"),
]


@pytest.mark.parametrize("raw,language,expected", CASES, ids=[c[0] for c in CASES])
def test_date_forms(raw, language, expected):
    assert iso_utc(parse_date(raw, NOW, language)) == expected


@pytest.mark.parametrize("raw", ["", "garbage", "31 Feb 2024 10:00", "9 Foo 2024 09:01", "x" * 500, None])
def test_unreadable_dates_give_none(raw):
    assert parse_date(raw, NOW) is None


def test_real_sample_dates_are_exact():
    import json
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "shared" / "real-samples" / "ar-metadata-sample.jsonl"
    if not sample.exists():
        pytest.skip("../shared/real-samples is not beside this checkout")
    for line in sample.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        moment = datetime.fromisoformat(record["published_time"])
        assert parse_date(record["published_time"], NOW, "ar") == moment


def test_a_reader_takes_its_zone_months_and_rewrites_from_its_arguments():
    # No site in the shared reader: another zone, another language's month names.
    reader = DateReader("America/New_York", {"okt": 10}, rewrites=(("oktober", "okt"),), languages=["de"])
    assert iso_utc(reader.read("9 oktober 2024 09:01", NOW)) == "2024-10-09T13:01:00+00:00"
    assert iso_utc(reader.read("2024-10-09T09:01:00", NOW)) == "2024-10-09T13:01:00+00:00"
    # Same text, other zone: answers are not shared between readers.
    assert iso_utc(DateReader("UTC", {"okt": 10}).read("9 okt 2024 09:01", NOW)) == "2024-10-09T09:01:00+00:00"


def test_the_editions_time_zone_is_the_readers():
    assert iso_utc(date_reader(replace(ENGLISH, time_zone="UTC")).read("9 Oct 2024 09:01", NOW)) == "2024-10-09T09:01:00+00:00"


def test_publication_dates_in_the_future_or_unreadable_are_none_with_why():
    reader = date_reader(ENGLISH)
    assert reader.published("2026-11-21T10:00:00+02:00", NOW) == ("2026-11-21T08:00:00+00:00", None)  # within a day
    assert reader.published("2026-11-21T12:00:00+02:00", NOW) == (None, FUTURE)
    assert reader.published("sometime", NOW) == (None, UNREADABLE)
    assert reader.published(None, NOW) == (None, None)
    assert reader.modified("soon", NOW) == (None, UNREADABLE)
    assert reader.modified("", NOW) == (None, None)
    assert reader.modified("9 Oct 2024 09:01", NOW) == ("2024-10-09T06:01:00+00:00", None)


def test_crawl_now_setting():
    assert crawl_now({"NEWSCRAWL_NOW": "2026-11-20T12:00:00+03:00"}) == datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    assert crawl_now({"NEWSCRAWL_NOW": ""}).tzinfo is not None


def test_a_page_class_without_a_reader_of_its_own_reads_iso_dates_in_the_editions_zone():
    from newscrawl.core.pages import Page

    page = Page("<html><body></body></html>", "http://h/", ENGLISH)
    assert iso_utc(page.dates.read("2024-10-09T09:01:00", NOW)) == "2024-10-09T06:01:00+00:00"
    assert page.dates.read("9 Oct 2024 09:01", NOW) == datetime(2024, 10, 9, 6, 1, tzinfo=timezone.utc)  # dateparser
