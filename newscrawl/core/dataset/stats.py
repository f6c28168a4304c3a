"""Counts of the dataset, gathered year by year while it is written: what the card states
and the report plots. Every number here is computed from the Arrow tables written to
Parquet, so a test can recompute it from the Parquet files."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Optional
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc

from .build import utc_wall
from .schema import Column

# What a missing value (null or empty text) is counted as.
NONE = "(none)"


def group_name(value) -> str:
    """The name a group value is counted under (``(none)`` for null or empty)."""
    return NONE if value is None or value == "" else str(value)


@dataclass
class Stats:
    """Counts over every year of one edition's dataset."""

    count: int = 0
    years: dict[int, int] = field(default_factory=dict)
    days: Counter = field(default_factory=Counter)  # "YYYY-MM-DD" -> articles
    months: Counter = field(default_factory=Counter)  # "YYYY-MM" -> articles
    # by -> one Arrow table per year of (day, value, n): the report sums them by the period
    # it draws (:func:`newscrawl.core.dataset.report.group_counts`), in Arrow.
    by_day: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    totals: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # by -> value -> n
    top: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # list field -> item -> n
    filled: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # month -> field -> non-empty
    published_min: Optional[datetime] = None
    published_max: Optional[datetime] = None
    crawled_min: Optional[datetime] = None
    crawled_max: Optional[datetime] = None
    # Where the pages were fetched from: the scheme and host of `url` -> rows. The live site's
    # origin (``home``) is counted by a prefix test, the others (a mirror, the replica) parsed.
    home: str = ""
    origins: Counter = field(default_factory=Counter)
    # Records left out for a date outside build.YEARS (never counted above).
    out_of_range: int = 0

    GROUPS = ("section", "post_type", "discovered_via")  # counted in total
    OVER_TIME = ("section", "post_type")  # and by day
    TOP = ("authors", "tags")

    def add(self, year: int, table: pa.Table, cols: list[Column]) -> None:
        """Take in one year's rows."""
        n = table.num_rows
        self.count += n
        self.years[year] = self.years.get(year, 0) + n
        published = table.column("published_at")
        # Through Arrow's cast to text: strftime looks up the zone for every value (slow).
        day = pc.utf8_slice_codeunits(pc.cast(utc_wall(published), pa.string()), 0, len("YYYY-MM-DD"))
        month = pc.utf8_slice_codeunits(day, 0, len("YYYY-MM"))
        for d, c in zip(*_value_counts(day)):
            self.days[d] += c
            self.months[d[:7]] += c
        names = set(table.column_names)
        for by in self.GROUPS:
            if by not in names:
                continue
            for v, c in zip(*_value_counts(table.column(by))):
                self.totals[by][group_name(v)] += c
            if by in self.OVER_TIME:
                self.by_day[by].append(pa.table({"day": day, "value": table.column(by)})
                                       .group_by(["day", "value"]).aggregate([([], "count_all")]))
        for name in self.TOP + ("flags",):
            if name in names and pa.types.is_list(table.schema.field(name).type):
                for v, c in zip(*_value_counts(pc.list_flatten(table.column(name)))):
                    self.top[name][v] += c
        # One group-by for the coverage of every field (not one per field).
        filled = pa.table(
            [month] + [_filled(table.column(c.name), c) for c in cols], names=["month"] + [c.name for c in cols]
        )
        sums = filled.group_by("month").aggregate([(c.name, "sum") for c in cols])
        for row in sums.to_pylist():
            counter = self.filled[row["month"]]
            for c in cols:
                counter[c.name] += row[f"{c.name}_sum"] or 0
        self.published_min = _earliest(self.published_min, pc.min(published).as_py())
        self.published_max = _latest(self.published_max, pc.max(published).as_py())
        if "url" in names:
            self._count_origins(table.column("url"))
        if "crawled_at" in names:
            self.crawled_min = _earliest(self.crawled_min, pc.min(table.column("crawled_at")).as_py())
            self.crawled_max = _latest(self.crawled_max, pc.max(table.column("crawled_at")).as_py())

    def _count_origins(self, urls: pa.ChunkedArray) -> None:
        if self.home:
            at_home = pc.fill_null(pc.starts_with(urls, self.home + "/"), False)
            home = pc.sum(at_home).as_py() or 0
            if home:
                self.origins[self.home] += home
            if home == len(urls):
                return
            urls = pc.filter(urls, pc.invert(at_home))
        origin = pc.struct_field(pc.extract_regex(pc.fill_null(urls, ""), r"^(?P<origin>[^/]*//[^/]*|)"), [0])
        for o, c in zip(*_value_counts(origin)):
            self.origins[o or NONE] += c

    def empty_months(self) -> list[str]:
        """Months between the first and the last post without any post."""
        if not self.months:
            return []
        first, last = min(self.months), max(self.months)
        y, m = map(int, first.split("-"))
        out = []
        while f"{y:04d}-{m:02d}" <= last:
            if not self.months.get(f"{y:04d}-{m:02d}"):
                out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def is_live_origin(origin: str, host: str) -> bool:
    """Whether ``origin`` (``scheme://host[:port]`` of a row's ``url``) is the edition's own
    ``host`` (with or without www, on the default port): not a mirror's, not the replica's."""
    parts = urlsplit(origin)
    bare = host.removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        return False
    return (parts.hostname or "") in (bare, "www." + bare) and port in (None, 443 if parts.scheme == "https" else 80)


def _value_counts(values) -> tuple[list, list]:
    counted = pc.value_counts(values)
    return counted.field("values").to_pylist(), counted.field("counts").to_pylist()


def _filled(values: pa.ChunkedArray, col: Column) -> pa.ChunkedArray:
    """1 where a row has a value: not null, not an empty string or list; a struct counts when
    any of its children has a value."""
    tp = values.type
    if pa.types.is_string(tp):
        mask = pc.greater(pc.binary_length(pc.fill_null(values, "")), 0)  # bytes: no decoding
    elif pa.types.is_list(tp):
        mask = pc.greater(pc.fill_null(pc.list_value_length(values), 0), 0)
    elif pa.types.is_struct(tp):
        mask = None
        for chunk_field in range(tp.num_fields):
            child = pc.is_valid(pc.struct_field(values, [chunk_field]))
            mask = child if mask is None else pc.or_(mask, child)
        mask = mask if mask is not None else pc.is_valid(values)
    else:
        mask = pc.is_valid(values)
    return pc.cast(mask, pa.int64())


def _earliest(a, b):
    return b if a is None else a if b is None else min(a, b)


def _latest(a, b):
    return b if a is None else a if b is None else max(a, b)


def iso(value: Optional[datetime]) -> Optional[str]:
    return value.astimezone(timezone.utc).isoformat() if value is not None else None
