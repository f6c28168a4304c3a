"""The dataset's edit history: the ``versions`` and ``removals`` tables, their part of the
card, and the numbers of the report's history figures.

From the merge's ``<stem>.versions.jsonl`` and ``<stem>.removals.jsonl``
(:mod:`newscrawl.core.versions`) the build writes ``versions/<name>-versions.parquet`` (one
row per version of every post: per-field changed flags, word insertions and deletions, its
WARC record) and ``removals/<name>-removals.parquet`` (one row per removal). Read with
Arrow's JSON reader and an explicit schema, like the articles; the flags and sums are Arrow
compute. A merged file without a versions file (merged with ``--no-versions``, or before
versions existed) gives neither table, and the card says so.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Optional

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pjson
import pyarrow.parquet as pq

from ..items import VERSION_FIELDS
from ..versions import TEXT_FIELDS, removals_path, versions_path
from .build import COMPRESSION, COMPRESSION_LEVEL, utc_wall
from .schema import TIMESTAMP, type_text

# Posts listed in the report with their title history.
MOST_EDITED = 10
# Time from publication to the first edit, in hours: the bins of the figure (the schedule's ages).
FIRST_EDIT_BINS = ((1, "< 1 h"), (6, "1-6 h"), (24, "6-24 h"), (72, "1-3 d"), (168, "3-7 d"), (720, "7-30 d"),
                   (None, "> 30 d"))

_WARC = pa.struct([("file", pa.string()), ("offset", pa.int64()), ("record_id", pa.string())])
_COUNTS = pa.struct([("inserted", pa.int64()), ("deleted", pa.int64())])
_IDENT = [("key", pa.string()), ("post_id", pa.string()), ("canonical_url", pa.string())]
# The merge's lines, as Arrow reads them.
_VERSIONS_JSON = pa.schema(_IDENT + [
    ("revision", pa.int64()), ("first_seen", TIMESTAMP), ("last_seen", TIMESTAMP), ("published_at", TIMESTAMP),
    ("title", pa.string()), ("version_hash", pa.string()), ("changed", pa.list_(pa.string())),
    ("words", pa.struct([(name, _COUNTS) for name in TEXT_FIELDS])), ("restored", pa.bool_()),
    ("removed_at", TIMESTAMP), ("warc", _WARC),
])
_REMOVALS_JSON = pa.schema(_IDENT + [
    ("removed_at", TIMESTAMP), ("status", pa.int64()), ("redirect_to", pa.string()), ("revision", pa.int64()),
    ("returned_at", TIMESTAMP), ("warc", _WARC),
])

_KEY_DOCS = {
    "key": "The post's key: its post_id, else its canonical_url (as in the articles).",
    "post_id": "The CMS post id, or null.",
    "canonical_url": "The post's canonical URL.",
}
_WARC_DOCS = {
    "warc_file": "WARC file holding the stored response (in output/warc/<edition>/ for the crawl's own).",
    "warc_offset": "Byte offset of that response record in the file.",
    "warc_record_id": "Its WARC-Record-ID: the stored response that backs this row.",
}


def _docs() -> dict[str, str]:
    docs = dict(_KEY_DOCS)
    docs.update({
        "revision": "1 for the first version seen; one more for each later one, in capture order.",
        "published_at": "The post's publication time (UTC).",
        "first_seen": "Capture time (crawled_at) of the first fetch that found this version (UTC).",
        "last_seen": "Last fetch or re-check that found this version (UTC).",
        "title": "The headline of this version.",
        "version_hash": "The version_hash of this version (title, summary, body, authors, tags, section, images).",
        "changed": "The fields that differ from the version before, in field order; empty for revision 1 "
                   "and for a post back unchanged after a removal.",
        "restored": "True for the first version after a removal (the post came back).",
        "removed_at": "When a re-check found the post gone after this version, or null (UTC).",
        "words_inserted": "Words inserted in title, summary and body together, from the version before.",
        "words_deleted": "Words deleted from title, summary and body together, from the version before.",
    })
    for name in VERSION_FIELDS:
        docs[f"{name}_changed"] = f"True when {name} differs from the version before."
    for name in TEXT_FIELDS:
        docs[f"{name}_words_inserted"] = f"Words inserted in {name} (word-level diff of the normalised text)."
        docs[f"{name}_words_deleted"] = f"Words deleted from {name}."
    docs.update(_WARC_DOCS)
    docs.update({
        "status": "HTTP status of the re-check that found the post gone: 404, 410 or a redirect's 3xx.",
        "redirect_to": "Where the redirect pointed (the home page, a listing), or null.",
        "returned_at": "First capture of the post after the removal, or null while it is still gone (UTC).",
    })
    return docs


DOCS = _docs()
VERSIONS_COLUMNS = (["key", "post_id", "canonical_url", "revision", "published_at", "first_seen", "last_seen", "title",
                     "version_hash", "changed", "restored", "removed_at"]
                    + [f"{name}_changed" for name in VERSION_FIELDS]
                    + [f"{name}_words_{kind}" for name in TEXT_FIELDS for kind in ("inserted", "deleted")]
                    + ["words_inserted", "words_deleted", "warc_file", "warc_offset", "warc_record_id"])
REMOVALS_COLUMNS = ["key", "post_id", "canonical_url", "removed_at", "status", "redirect_to", "revision",
                    "returned_at", "warc_file", "warc_offset", "warc_record_id"]


def _schema(table: pa.Table, what: str) -> pa.Schema:
    return pa.schema([pa.field(f.name, f.type, metadata={"description": DOCS[f.name]}) for f in table.schema],
                     metadata={"source": f"newscrawl merge, {what} (newscrawl/core/versions.py)"})


def _read(path: Path, schema: pa.Schema) -> pa.Table:
    if path.stat().st_size == 0:
        return schema.empty_table()
    return pjson.read_json(path, parse_options=pjson.ParseOptions(explicit_schema=schema,
                                                                  unexpected_field_behavior="ignore"))


def _flat(table: pa.Table) -> dict[str, pa.ChunkedArray]:
    """The columns of a read table, its ``warc`` struct as three columns."""
    columns = {name: table.column(name) for name in table.column_names if name != "warc"}
    warc = table.column("warc")
    for child in ("file", "offset", "record_id"):
        columns[f"warc_{child}"] = pc.struct_field(warc, [child])
    return columns


def versions_table(raw: pa.Table) -> pa.Table:
    """The published ``versions`` table from the merge's lines."""
    columns = _flat(raw)
    joined = pc.binary_join(pc.fill_null(raw.column("changed"), pa.scalar([], pa.list_(pa.string()))), ",")
    for name in VERSION_FIELDS:
        columns[f"{name}_changed"] = pc.match_substring_regex(joined, f"(^|,){name}(,|$)")
    words = raw.column("words")
    inserted = deleted = None
    for name in TEXT_FIELDS:
        for kind in ("inserted", "deleted"):
            value = pc.fill_null(pc.struct_field(words, [name, kind]), 0)
            columns[f"{name}_words_{kind}"] = value
        ins, dele = columns[f"{name}_words_inserted"], columns[f"{name}_words_deleted"]
        inserted = ins if inserted is None else pc.add(inserted, ins)
        deleted = dele if deleted is None else pc.add(deleted, dele)
    columns["words_inserted"], columns["words_deleted"] = inserted, deleted
    table = pa.table({name: columns[name] for name in VERSIONS_COLUMNS})
    return table.cast(_schema(table, "one row per version"))


def removals_table(raw: pa.Table) -> pa.Table:
    columns = _flat(raw)
    table = pa.table({name: columns[name] for name in REMOVALS_COLUMNS})
    return table.cast(_schema(table, "one row per removal"))


@dataclass
class EditHistory:
    """The two tables of one build and what the report draws of them."""

    versions: pa.Table
    removals: pa.Table

    def write(self, directory: Path, name: str) -> list[str]:
        """Both Parquet files under ``directory``; their paths relative to it."""
        written = []
        for what, table in (("versions", self.versions), ("removals", self.removals)):
            (directory / what).mkdir()
            path = directory / what / f"{name}-{what}.parquet"
            pq.write_table(table, path, compression=COMPRESSION, compression_level=COMPRESSION_LEVEL, store_schema=True)
            written.append(f"{what}/{path.name}")
        return written

    def figures(self) -> dict:
        """Every number the history figures and the report's tables show."""
        v, r = self.versions, self.removals
        edit = pc.and_(pc.greater(v.column("revision"), 1), pc.greater(pc.list_value_length(v.column("changed")), 0))
        edits = v.filter(edit)
        removal_weeks = _weeks(r.column("removed_at"))
        edit_weeks = _weeks(edits.column("first_seen"))
        weeks = _week_range(set(edit_weeks) | set(removal_weeks))
        statuses = sorted({s for s in r.column("status").to_pylist() if s is not None})
        by_status = Counter(zip(removal_weeks, r.column("status").to_pylist()))
        return {
            "counts": {"versions": v.num_rows, "posts": len(set(v.column("key").to_pylist())),
                       "edits": edits.num_rows, "edited_posts": len(set(edits.column("key").to_pylist())),
                       "removals": r.num_rows, "returned": r.num_rows - r.column("returned_at").null_count},
            "weeks": weeks,
            "edits_per_week": [Counter(edit_weeks).get(w, 0) for w in weeks],
            "removals_per_week": {str(s): [by_status.get((w, s), 0) for w in weeks] for s in statuses},
            "first_edit": _first_edit(edits),
            "most_edited": _most_edited(v, edits),
        }


def _weeks(values: pa.ChunkedArray) -> list[str]:
    """The Monday (UTC) of each timestamp's week, as text."""
    week = pc.floor_temporal(utc_wall(values), unit="week", week_starts_monday=True)
    return pc.utf8_slice_codeunits(pc.cast(week, pa.string()), 0, len("YYYY-MM-DD")).to_pylist()


def _week_range(weeks: set[str]) -> list[str]:
    if not weeks:
        return []
    first, last = date.fromisoformat(min(weeks)), date.fromisoformat(max(weeks))
    return [(first + timedelta(weeks=i)).isoformat() for i in range((last - first).days // 7 + 1)]


def _first_edit(edits: pa.Table) -> dict:
    """Posts by the time from publication to their first edit, in the bins of FIRST_EDIT_BINS."""
    first: dict[str, float] = {}
    for key, seen, published in zip(*(edits.column(c).to_pylist() for c in ("key", "first_seen", "published_at"))):
        hours = (seen - published).total_seconds() / 3600
        first[key] = min(first.get(key, hours), hours)
    counts = [0] * len(FIRST_EDIT_BINS)
    for hours in first.values():
        counts[next(i for i, (limit, _) in enumerate(FIRST_EDIT_BINS) if limit is None or hours < limit)] += 1
    return {"bins": [label for _, label in FIRST_EDIT_BINS], "posts": counts,
            "median_hours": _median(sorted(first.values()))}


def _median(values: list[float]) -> Optional[float]:
    if not values:
        return None
    mid = len(values) // 2
    return round(values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2, 2)


def _most_edited(versions: pa.Table, edits: pa.Table) -> list[dict]:
    """The posts with the most edits, each with the title of every version."""
    counted = Counter(edits.column("key").to_pylist())
    top = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:MOST_EDITED]
    wanted = {k for k, _ in top}
    rows = versions.filter(pc.is_in(versions.column("key"), pa.array(sorted(wanted), pa.string()))).to_pylist()
    out = []
    for key, n in top:
        mine = sorted((row for row in rows if row["key"] == key), key=lambda row: row["revision"])
        out.append({"key": key, "canonical_url": mine[0]["canonical_url"], "edits": n,
                    "titles": [{"revision": row["revision"], "first_seen": row["first_seen"].isoformat(),
                                "title": row["title"]} for row in mine]})
    return out


def read(merged: Path) -> Optional[EditHistory]:
    """The tables of the merged file's history, or None when it has no versions file."""
    versions, removals = versions_path(merged), removals_path(merged)
    if not versions.is_file():
        return None
    raw = _read(versions, _VERSIONS_JSON)
    gone = _read(removals, _REMOVALS_JSON) if removals.is_file() else _REMOVALS_JSON.empty_table()
    return EditHistory(versions_table(raw), removals_table(gone))


# --- the card -----------------------------------------------------------------------------------
def card(text: str, history: Optional[EditHistory], name: str, files: list[str]) -> str:
    """The card with the history's two configs in its YAML header and its section at the end."""
    if history is None:
        return (
            text.rstrip("\n")
            + "\n\n## Versions and removals\n\nNot in this build: the merged file has no versions file "
            "(merged with `--no-versions`).\n"
        )
    header_end = text.index("\n---\n", 4)
    configs = "".join(f"\n- config_name: {what}\n  data_files:\n  - split: train\n    path: {what}/*.parquet"
                      for what in ("versions", "removals"))
    text = text[:header_end] + configs + text[header_end:]
    counts = history.figures()["counts"] if history.versions.num_rows else {}
    out = [
        "", "## Versions and removals", "",
        "Scheduled runs re-check stored posts at fixed ages after publication; every version seen is kept.",
        f"{counts.get('versions', 0):,} versions of {counts.get('posts', 0):,} posts; {counts.get('edits', 0):,} edits "
        f"of {counts.get('edited_posts', 0):,} posts; {counts.get('removals', 0):,} removals "
        f"({counts.get('returned', 0):,} came back). Each row names the `warc_record_id` of the stored response it was "
        "read from: a claim that a headline changed at a time is backed by a response in the WARC files.",
        "", "| file | what |", "|---|---|",
    ]
    out += [f"| `{f}` | {'one row per version of every post' if f.startswith('versions/') else 'one row per removal'} |"
            for f in files]
    out += ["", "```python", "import pandas as pd",
            'versions = pd.read_parquet("versions")  # the edits: versions[versions.revision > 1]',
            'removals = pd.read_parquet("removals")', "```", ""]
    for what, table in (("versions", history.versions), ("removals", history.removals)):
        out += [f"Columns of `{what}`:", "", "| column | type | description |", "|---|---|---|"]
        out += [f"| `{f.name}` | `{type_text(f.type)}` | {f.metadata[b'description'].decode()} |" for f in table.schema]
        out.append("")
    out.append("Word counts come from a word-level diff (Python's difflib) of the normalised texts; a version's "
               "`changed` fields are those whose normalised value differs.")
    return text.rstrip("\n") + "\n" + "\n".join(out) + "\n"


# --- the report ---------------------------------------------------------------------------------
def report_html(data: Optional[dict]) -> list[str]:
    """The report's tables of the history: the most-edited posts with their titles, removals by status."""
    import html

    if not data:
        return []
    esc = html.escape
    counts = data["counts"]
    parts = [f"<h2>Edits and removals</h2><p>{counts['edits']:,} edits of {counts['edited_posts']:,} posts, "
             f"{counts['removals']:,} removals ({counts['returned']:,} came back), in {counts['versions']:,} versions "
             f"of {counts['posts']:,} posts. Median time from publication to a post's first edit: "
             f"{esc(str(data['first_edit']['median_hours']))} h.</p>",
             "<h3>Most-edited posts and their headlines</h3><table><tr><th>post</th><th>edits</th>"
             "<th>revision</th><th>first seen</th><th>headline</th></tr>"]
    for post in data["most_edited"]:
        for n, row in enumerate(post["titles"]):
            lead = (
                (
                    f'<td rowspan="{len(post["titles"])}">'
                    f'<a href="{esc(post["canonical_url"])}">{esc(post["key"])}</a></td>'
                    f'<td rowspan="{len(post["titles"])}">{post["edits"]}</td>'
                )
                if n == 0
                else ""
            )
            parts.append(f"<tr>{lead}<td>{row['revision']}</td><td>{esc(row['first_seen'])}</td>"
                         f"<td style=\"text-align:left\">{esc(str(row['title']))}</td></tr>")
    parts.append("</table>")
    totals = {status: sum(weeks) for status, weeks in data["removals_per_week"].items()}
    parts.append("<h3>Removals by status</h3><table><tr><th>status</th><th>removals</th></tr>"
                 + "".join(f"<tr><td>{esc(s)}</td><td>{n:,}</td></tr>" for s, n in totals.items()) + "</table>")
    return parts
