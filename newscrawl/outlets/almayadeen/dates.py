"""How Al Mayadeen prints dates: the editions' time zone (Beirut, summer time included),
English and Spanish month names ("9 Oct 2024 09:01", "18 Mayo 2022 06:33", "23 Julio 19:20"),
and the Levantine month names of Lebanese Arabic ("3 تشرين الثاني 14:05")."""

from __future__ import annotations

import functools

from ...core.dates import DateReader
from ...core.editions import Edition


def _numbered(names: str) -> dict[str, int]:
    return {name: number for number, name in enumerate(names.split(), 1)}


MONTHS = {
    **_numbered("jan feb mar apr may jun jul aug sep oct nov dec"),
    **_numbered("january february march april may june july august september october november december"),
    **_numbered("enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"),
    **_numbered("ene feb mar abr may jun jul ago sep oct nov dic"),
    "sept": 9, "setiembre": 9,
}
# Levantine (Syriac-derived) month names, which dateparser's Arabic data lacks, as English
# ones; two-word names first so that "تشرين الثاني" is not read as "تشرين".
LEVANTINE = (("كانون الثاني", "Jan"), ("كانون الأول", "Dec"), ("تشرين الأول", "Oct"), ("تشرين الثاني", "Nov"),
             ("شباط", "Feb"), ("آذار", "Mar"), ("نيسان", "Apr"), ("أيار", "May"), ("حزيران", "Jun"),
             ("تموز", "Jul"), ("آب", "Aug"), ("أيلول", "Sep"))


def date_reader(edition: Edition) -> DateReader:
    """The reader of an edition's dates (one per zone and language, built once)."""
    return _reader(edition.time_zone, edition.language)


@functools.cache
def _reader(time_zone: str, language: str) -> DateReader:
    # The edition's language, then English as dateparser's fallback for what that one misses.
    languages = [language] if language == "en" else [language, "en"]
    return DateReader(time_zone, MONTHS, LEVANTINE, languages)
