"""The time helper: one way to write times (UTC, seconds, +00:00) and one lenient way to read them."""

from datetime import datetime, timedelta, timezone

import pytest

from newscrawl.core.clock import file_stamp, iso_utc, now_iso, parse_utc, parse_utc_or_none, utc_now

BEIRUT_SUMMER = timezone(timedelta(hours=3))


def test_times_are_written_in_utc_to_the_second():
    assert iso_utc(datetime(2026, 11, 20, 12, 0, 5, 999999, tzinfo=BEIRUT_SUMMER)) == "2026-11-20T09:00:05+00:00"
    assert file_stamp(datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)) == "2026-11-20T09-00-00+00-00"
    assert utc_now().microsecond == 0 and utc_now().tzinfo == timezone.utc
    assert parse_utc(now_iso()).tzinfo == timezone.utc


@pytest.mark.parametrize("text", ["2026-11-20T09:00:00Z", "2026-11-20T09:00:00", "2026-11-20T12:00:00+03:00"])
def test_z_a_missing_offset_and_other_offsets_read_as_the_same_utc_time(text):
    assert parse_utc(text) == datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    assert parse_utc(text).utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", [None, 12, "", "yesterday", "2026-13-01T00:00:00", "9999-12-31T23:59:59-14:00",
                                   " 2026-11-20T09:00:00"])
def test_what_is_not_a_time_reads_as_none(value):
    assert parse_utc_or_none(value) is None


def test_a_time_past_the_end_of_datetime_in_utc_is_a_value_error():
    with pytest.raises(ValueError, match="out of range"):
        parse_utc("9999-12-31T23:59:59-14:00")
