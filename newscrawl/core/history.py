"""``python -m newscrawl.history <post id or URL>``: a post's versions, what changed between
them word by word, and the stored response behind each, from local files only.

    python -m newscrawl.history 1700284 [--spider NAME] [--edition en] [--dataset NAME] [--output-dir output]
    python -m newscrawl.history https://english.almayadeen.net/news/politics/<slug>

Reads ``<output-dir>/merged/<dataset>-<edition>.versions.jsonl`` and ``.removals.jsonl``
(merging the edition's runs first when a run or checks file is newer, as the dataset
command does), each version's record from the run file it came from, and the head of its
WARC record (date, URL, HTTP status) from the WARC files on disk. For each version after
the first it prints the fields that changed, headline first, as a word-level diff
(``[-deleted-]`` ``{+inserted+}``, long unchanged stretches cut to a few words), and where
the post was removed and came back.

Exit status: 0 when the post was found, 1 when it was not (or there is no history to read),
2 for bad arguments.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Iterable, Optional, TextIO

from . import merge as merge_mod
from .dataset_names import warc_dir_name
from .items import VERSION_FIELDS, version_parts
from .outlet import check_edition, outlet
from .urls import canonical_url
from .versions import read_versions, removals_path, versions_path, word_opcodes, words

# Unchanged words shown on each side of a change in a long text.
CONTEXT = 6
# Fields shown as lists of items (one per line), the others as text.
LIST_FIELDS = {"authors": "\x1f", "tags": "\x1f", "images": "\x1d"}


def word_diff(old: str, new: str, context: int = CONTEXT) -> str:
    """``old`` to ``new`` as one line of words: deletions ``[-...-]``, insertions ``{+...+}``,
    unchanged runs longer than twice ``context`` cut to ``context`` words each side (``...``)."""
    a, b = words(old), words(new)
    out: list[str] = []
    opcodes = word_opcodes(a, b)
    for n, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            run = a[i1:i2]
            first, last = n == 0, n == len(opcodes) - 1
            if len(run) > 2 * context or (first and len(run) > context) or (last and len(run) > context):
                head = [] if first else run[:context]
                tail = [] if last else run[-context:]
                run = head + ["..."] + tail
            out += run
            continue
        if tag in ("delete", "replace"):
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if tag in ("insert", "replace"):
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out)


def list_diff(old: str, new: str, separator: str) -> list[str]:
    """Items removed (``- item``) and added (``+ item``) between two joined lists."""
    a = [i for i in old.split(separator) if i]
    b = [i for i in new.split(separator) if i]
    return [f"- {_item(i)}" for i in a if i not in b] + [f"+ {_item(i)}" for i in b if i not in a] or [
        "(same items, in another order)"]


def _item(text: str) -> str:
    return " ".join(part for part in text.split("\x1f") if part)  # an image: URL, caption, credit


def field_diffs(before: dict, after: dict) -> list[tuple[str, list[str]]]:
    """(field, lines) for every version field that differs, in ``VERSION_FIELDS`` order
    (the headline first)."""
    old, new = version_parts(before), version_parts(after)
    out = []
    for name in VERSION_FIELDS:
        if old[name] == new[name]:
            continue
        if name in LIST_FIELDS:
            out.append((name, list_diff(old[name], new[name], LIST_FIELDS[name])))
        else:
            out.append((name, [word_diff(old[name], new[name])]))
    return out


class HistoryError(Exception):
    """The history cannot be shown (one-line message)."""


def find_versions(path: Path, wanted: str, edition) -> list[dict]:
    """The versions of one post, by post id, key or URL (any host: compared canonically)."""
    url = canonical_url(wanted, edition) if "/" in wanted else None
    rows = [r for r in read_versions(path)
            if wanted in (r.get("key"), r.get("post_id")) or (url and r.get("canonical_url") == url)]
    return sorted(rows, key=lambda r: r["revision"])


def _record(input_dir: Path, source: Optional[dict]) -> Optional[dict]:
    if not isinstance(source, dict):
        return None
    path = input_dir / str(source.get("file", ""))
    try:
        with path.open("rb") as fh:
            fh.seek(int(source.get("offset", 0)))
            return json.loads(fh.readline())
    except (OSError, ValueError):
        return None


def default_warc_dirs(output_dir: Path, input_dir: Path, dataset: str, edition: str, spider: str) -> list[Path]:
    """Where a dataset's WARC files are: ``<output-dir>/warc/<its directory>``, and beside run
    files written with ``-O`` (``<input-dir>/warc/<edition>``, a mirror's ``warc/<dataset>-<edition>``)."""
    where = warc_dir_name(dataset, edition, spider)
    dirs = [output_dir / "warc" / where, input_dir / "warc" / where]
    beside = input_dir / "warc"
    if beside.is_dir():
        dirs += sorted(p for p in beside.iterdir() if p.is_dir() and p not in dirs
                       and (p.name == edition or p.name.endswith("-" + edition)))
    return dirs


def warc_head(directories: Iterable[Path], ref: Optional[dict]) -> str:
    """One line on a version's stored response: its record id, file and offset, and what the
    local WARC file says of it (date, status, URL), or that the file is not here."""
    if not isinstance(ref, dict):
        return "no WARC record (the run kept none)"
    where = f"{ref.get('record_id')}  {ref.get('file')} @ {ref.get('offset')}"
    for directory in directories:
        path = directory / str(ref.get("file", ""))
        if path.is_file():
            return f"{where}  ({_describe(path, int(ref.get('offset', 0)), ref.get('record_id'))})"
    return f"{where}  (WARC file not found here)"


def _describe(path: Path, offset: int, record_id: Optional[str]) -> str:
    from .warc import iter_records

    with path.open("rb") as fh:
        fh.seek(offset)
        for record, _ in iter_records(fh, path.name):
            headers = record.rec_headers
            if record_id and headers.get_header("WARC-Record-ID") != record_id:
                return "another record is at that offset"
            status = record.http_headers.get_statuscode() if record.http_headers else "?"
            return (f"{headers.get_header('WARC-Type')} {status} {headers.get_header('WARC-Target-URI')}, "
                    f"{headers.get_header('WARC-Date')}")
    return "no record at that offset"


def show(rows: list[dict], removals: list[dict], input_dir: Path, warc_dirs: list[Path], out: TextIO) -> None:
    """Print the history of one post (its version rows, oldest first, and its removals)."""
    first = rows[0]
    out.write(f"post {first['key']}  {first['canonical_url']}\n")
    out.write(f"published {first['published_at']}; {len(rows)} version{'s' * (len(rows) != 1)}, "
              f"{len(removals)} removal{'s' * (len(removals) != 1)}\n")
    gone = {r["revision"]: r for r in removals}
    before: Optional[dict] = None
    for row in rows:
        record = _record(input_dir, row.get("source"))
        changed = ", ".join(row["changed"]) or ("nothing (back as it was)" if row.get("restored") else "")
        out.write(f"\nrevision {row['revision']}{' (back after a removal)' if row.get('restored') else ''}  "
                  f"first seen {row['first_seen']}, last seen {row['last_seen']}"
                  f"{'  changed: ' + changed if row['revision'] > 1 else ''}\n")
        out.write(f"  WARC {warc_head(warc_dirs, row.get('warc'))}\n")
        if before is None or record is None:
            out.write(f"  title: {row['title']}\n")
            if record is None:
                out.write(f"  (its record is not in {input_dir / str((row.get('source') or {}).get('file', '?'))})\n")
        else:
            for name, lines in field_diffs(before, record):
                counts = (row.get("words") or {}).get(name)
                suffix = f" (+{counts['inserted']} -{counts['deleted']} words)" if counts else ""
                out.write(f"  {name}{suffix}:\n")
                out.writelines(f"    {line}\n" for line in lines)
        before = record or before
        removal = gone.get(row["revision"])
        if removal is not None:
            where = f" -> {removal['redirect_to']}" if removal.get("redirect_to") else ""
            out.write(f"\nremoved {removal['removed_at']} ({removal['status']}{where})"
                      f"{', back ' + removal['returned_at'] if removal.get('returned_at') else ', still gone'}\n")
            out.write(f"  WARC {warc_head(warc_dirs, removal.get('warc'))}\n")


def main(argv: Optional[list[str]] = None, out: TextIO = sys.stdout) -> int:
    parser = merge_mod.location_parser("python -m newscrawl.history",
                                       "Print a post's versions, word-level diffs and WARC records.",
                                       "run files and their checks")
    parser.add_argument("post", help="the post's id, or its URL (on the live host, a mirror or the replica)")
    parser.add_argument("--merged", type=Path, help="merged file whose versions to read "
                                                    "(default: <output-dir>/merged/<dataset>-<edition>.jsonl)")
    parser.add_argument("--warc-dir", type=Path, action="append", default=[],
                        help="where the WARC files are (default: <output-dir>/warc/<edition>, a mirror's "
                             "<output-dir>/warc/<dataset>-<edition>, and <input-dir>/warc/<edition>)")
    parser.add_argument("--no-merge", action="store_true", help="never run the merge, even when it is stale")
    opts = merge_mod.parse_location(parser, argv, "newscrawl.history")
    if opts is None:
        return 2
    check_edition(parser, opts)
    dataset, input_dir = opts.dataset, opts.input_dir
    merged = opts.merged or merge_mod.default_output(opts.edition, opts.output_dir, dataset)
    warc_dirs = opts.warc_dir or default_warc_dirs(opts.output_dir, input_dir, dataset, opts.edition, opts.spider)
    try:
        if not opts.no_merge and input_dir.is_dir() and (
                merge_mod.merged_is_stale(merged, input_dir) or not versions_path(merged).exists()):
            merge_mod.merge(opts.edition, input_dir, merged)
        if not versions_path(merged).exists():
            raise HistoryError(f"no versions file {versions_path(merged)} (run python -m newscrawl.merge)")
        rows = find_versions(versions_path(merged), opts.post, outlet(opts.spider).editions[opts.edition])
        if not rows:
            raise HistoryError(f"no post {opts.post!r} in {versions_path(merged)}")
        key = rows[0]["key"]
        removals = [r for r in read_versions(removals_path(merged)) if r.get("key") == key] \
            if removals_path(merged).exists() else []
        show(rows, removals, input_dir, warc_dirs, out)
    except (HistoryError, merge_mod.MergeError, OSError) as exc:
        print(f"newscrawl.history: error: {exc}", file=sys.stderr)
        return 1
    return 0
