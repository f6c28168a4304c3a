"""Every version of every post, in capture order: the merge's edit history.

``newscrawl.merge`` hands this module every record it reads (:meth:`History.add`) and the
re-checks' findings (``<run>.checks.jsonl``: :meth:`History.read_checks`). A post's
captures are ordered by capture time (``crawled_at``) and content (``version_hash``), never
by the ``revision`` a run wrote: a state file started afresh or a re-extraction cannot make
an older text the latest. The same stored response read twice (a crawl's record and a
re-extraction's of the same ``warc.record_id``) is one capture, the later file's record.
Consecutive captures of one content are one version; a removal found by a re-check ends
the current version, and a capture after it (the post back) is a new one, even with the
same content.

Beside the merged file it writes, in the merged file's order:

- ``<stem>.versions.jsonl``: one line per version (post key, revision, first and last seen,
  title, the fields that changed from the version before, word-level insertions and
  deletions of the text fields, whether the post came back, removal time, its WARC record
  and the run file line it was read from);
- ``<stem>.removals.jsonl``: one line per removal (time, status, where it redirected, the
  revision removed, when the post came back, the WARC record of the answer).

Memory holds one small tuple per record read and per finding; the records themselves are
read back (by file and offset) only for posts with more than one capture.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from difflib import SequenceMatcher
from pathlib import Path
from typing import Callable, Iterator, NamedTuple, Optional

from .clock import iso_utc, parse_utc_or_none
from .items import VERSION_FIELDS, normalise_text, version_hash, version_parts

# The text fields whose words are counted; the other version fields are lists or labels.
TEXT_FIELDS = ("title", "summary", "body")
_NO_WORDS = {name: {"inserted": 0, "deleted": 0} for name in TEXT_FIELDS}


def versions_path(output: Path) -> Path:
    return output.with_name(output.stem + ".versions.jsonl")


def removals_path(output: Path) -> Path:
    return output.with_name(output.stem + ".removals.jsonl")


def check_files(input_dir: Path) -> list[Path]:
    """The re-checks' findings of an edition directory, oldest first."""
    return sorted((p for p in input_dir.glob("*.checks.jsonl") if p.is_file() and not p.name.startswith(".")),
                  key=lambda p: p.name)


# --- word-level diffs -----------------------------------------------------------------------
def words(text: str) -> list[str]:
    return text.split()


def word_opcodes(old: list[str], new: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes between two word lists (no junk heuristic: common words count).

    The words both share at the start and at the end are taken off first: an edit is
    usually a few words in a long text, and difflib's cost grows with the whole of both."""
    start, end = _trim(old, new)
    a, b = old[start:len(old) - end], new[start:len(new) - end]
    if a and b:
        middle = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    else:  # words only added, or only taken out
        middle = [("insert" if b else "delete", 0, len(a), 0, len(b))] if a or b else []
    out = [("equal", 0, start, 0, start)] if start else []
    out += [(tag, i1 + start, i2 + start, j1 + start, j2 + start) for tag, i1, i2, j1, j2 in middle
            if (i1, i2, j1, j2) != (0, 0, 0, 0)]
    if end:
        out.append(("equal", len(old) - end, len(old), len(new) - end, len(new)))
    return out


def word_changes(old: str, new: str) -> tuple[int, int]:
    """(words inserted, words deleted) from ``old`` to ``new`` (texts whose paragraphs are
    lines, as ``version_parts`` gives a body)."""
    if old == new:
        return 0, 0
    # Whole paragraphs the two share at either end first (string comparisons), then words.
    a, b = old.split("\n"), new.split("\n")
    start, end = _trim(a, b)
    inserted = deleted = 0
    for tag, i1, i2, j1, j2 in word_opcodes(
        words(" ".join(a[start : len(a) - end])), words(" ".join(b[start : len(b) - end]))
    ):
        if tag in ("insert", "replace"):
            inserted += j2 - j1
        if tag in ("delete", "replace"):
            deleted += i2 - i1
    return inserted, deleted


def _trim(a: list, b: list) -> tuple[int, int]:
    """How many items ``a`` and ``b`` share at the start, and then at the end."""
    start, end, limit = 0, 0, min(len(a), len(b))
    while start < limit and a[start] == b[start]:
        start += 1
    while end < limit - start and a[-1 - end] == b[-1 - end]:
        end += 1
    return start, end


def _body_changes(before: object, after: object) -> Optional[tuple[int, int]]:
    """(words inserted, deleted) between two bodies, or None when they are the same version.

    Paragraphs equal as stored are equal normalised, so those the two share at either end
    are left out before anything is normalised: an edit touches a few paragraphs of many."""
    a, b = str(before or "").split("\n\n"), str(after or "").split("\n\n")
    start, end = _trim(a, b)
    old = [t for t in (normalise_text(p) for p in a[start:len(a) - end]) if t]
    new = [t for t in (normalise_text(p) for p in b[start:len(b) - end]) if t]
    return None if old == new else word_changes("\n".join(old), "\n".join(new))


def changes(before: dict, after: dict) -> tuple[list[str], dict[str, dict[str, int]]]:
    """The version fields that differ between two records, and the words inserted and
    deleted in each text field (from their normalised forms, as ``version_hash`` sees them)."""
    # Fields equal as stored are equal normalised: only the others are normalised and compared.
    differ = [name for name in VERSION_FIELDS if before.get(name) != after.get(name)]
    small = [name for name in differ if name != "body"]
    old, new = version_parts(before, small), version_parts(after, small)
    changed = [name for name in small if old[name] != new[name]]
    counts = {name: {"inserted": 0, "deleted": 0} for name in TEXT_FIELDS}
    for name in ("title", "summary"):
        if name in changed:
            inserted, deleted = word_changes(old[name], new[name])
            counts[name] = {"inserted": inserted, "deleted": deleted}
    body = _body_changes(before.get("body"), after.get("body")) if "body" in differ else None
    if body is not None:
        changed = sorted(changed + ["body"], key=VERSION_FIELDS.index)
        counts["body"] = {"inserted": body[0], "deleted": body[1]}
    return changed, counts


# --- the timeline -------------------------------------------------------------------------
class Capture(NamedTuple):
    """One record of a post in a run file."""

    time: float  # crawled_at, seconds
    vhash: str
    capture: Optional[str]  # warc.record_id: the same stored response read twice is one capture
    file_index: int
    line_no: int
    offset: int
    length: int


class Finding(NamedTuple):
    """One line of a checks file."""

    time: float
    outcome: str  # unchanged | removed
    vhash: Optional[str]
    status: Optional[int]
    redirect_to: Optional[str]
    warc: Optional[dict]


@dataclass
class Version:
    first: Capture
    last_seen: float
    restored: bool
    captures: list[Capture] = field(default_factory=list)
    removal: Optional[Finding] = None


def timeline(captures: list[Capture], findings: list[Finding]) -> list[Version]:
    """A post's versions in capture order (see the module docstring)."""
    unique: dict[object, Capture] = {}
    first_time: dict[object, float] = {}
    for c in sorted(captures, key=lambda c: (c.file_index, c.line_no)):
        ident = c.capture if c.capture is not None else (c.time, c.vhash)
        first_time[ident] = min(first_time.get(ident, c.time), c.time)
        unique[ident] = c  # the later file's record of one capture
    events: list[tuple[float, int, str, Capture | Finding]] = [(first_time[i], 0, c.vhash, c)
                                                               for i, c in unique.items()]
    events += [(f.time, 1, f.vhash or "", f) for f in findings]
    versions: list[Version] = []
    for time, _kind, vhash, event in sorted(events, key=lambda e: e[:3]):
        current = versions[-1] if versions else None
        if isinstance(event, Capture):  # kind 0
            if current is None or current.removal is not None or current.first.vhash != vhash:
                back = current is not None and current.removal is not None
                versions.append(Version(event._replace(time=time), time, back, [event]))
            else:
                current.last_seen = max(current.last_seen, time)
                current.captures.append(event)
        elif current is not None and current.removal is None:
            if event.outcome == "removed":
                current.removal = event
            elif event.vhash == current.first.vhash:
                current.last_seen = max(current.last_seen, time)
    return versions


# One encoder for every line: json.dumps(..., ensure_ascii=False) builds a new one per call.
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
_STRING = json.encoder.encode_basestring  # what that encoder writes for a str (ensure_ascii off)
# The versions line of a post seen once, as json_line writes its row.
_ONLY_VERSION = (
    '{"key": %s, "post_id": %s, "canonical_url": %s, "revision": 1, "first_seen": %s, "last_seen": %s, '
    '"published_at": %s, "title": %s, "version_hash": %s, "changed": [], '
    '"words": {"title": {"inserted": 0, "deleted": 0}, "summary": {"inserted": 0, "deleted": 0}, '
    '"body": {"inserted": 0, "deleted": 0}}, "restored": false, "removed_at": null, "warc": %s, '
    '"source": {"file": %s, "offset": %d}}\n')


def _value(value: object) -> str:
    return _STRING(value) if isinstance(value, str) else _ENCODE(value)


def json_line(value: dict) -> bytes:
    """One JSON line as the crawl's exporter writes a record (UTF-8, default separators); a
    lone surrogate, which UTF-8 cannot hold, is written escaped."""
    try:
        return (_ENCODE(value) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(value) + "\n").encode("ascii")


def _iso(seconds: float) -> str:
    return iso_utc(datetime.fromtimestamp(seconds, timezone.utc))


def _seconds(value: object) -> Optional[float]:
    if isinstance(value, str) and value.endswith("+00:00"):  # as every time newscrawl writes
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            pass
    moment = parse_utc_or_none(value)
    return moment.timestamp() if moment is not None else None


# --- the history of a merge -----------------------------------------------------------------
class _AtomicLines:
    """A JSON Lines file written beside its final path and renamed into place at the end."""

    def __init__(self, path: Path, mode: int):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.fchmod(fd, mode)
        self.tmp = Path(name)
        self.fh = os.fdopen(fd, "wb")
        self.digest = hashlib.sha256()
        self.lines = 0

    def write(self, row: dict) -> None:
        self.add(json_line(row))

    def add(self, data: bytes) -> None:
        """One line already encoded."""
        self.fh.write(data)
        self.digest.update(data)
        self.lines += 1

    def commit(self) -> dict:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.replace(self.tmp, self.path)
        return {"path": self.path.name, "sha256": self.digest.hexdigest(), "lines": self.lines}

    def discard(self) -> None:
        if not self.fh.closed:
            self.fh.close()
        self.tmp.unlink(missing_ok=True)


class History:
    """The versions and removals of one merge (see the module docstring)."""

    def __init__(self) -> None:
        self.captures: dict[str, list[Capture]] = {}
        self.findings: dict[str, list[Finding]] = {}
        self.skipped: Counter = Counter()
        self.checks_inputs: list[dict] = []
        self.edited = self.removed = 0
        self.summary: dict = {}  # what the manifest says, once committed
        self._versions: Optional[_AtomicLines] = None
        self._removals: Optional[_AtomicLines] = None

    def add(self, key: str, record: dict, crawled: datetime, file_index: int, line_no: int,
            offset: int, length: int) -> None:
        """One record of a run file (already checked by the merge)."""
        vhash = record.get("version_hash")
        if not isinstance(vhash, str) or not vhash:
            vhash = version_hash(record)  # a run file written before versions were told apart
        warc = record.get("warc")
        capture = warc.get("record_id") if isinstance(warc, dict) and isinstance(warc.get("record_id"), str) else None
        self.captures.setdefault(key, []).append(
            Capture(crawled.timestamp(), vhash, capture, file_index, line_no, offset, length))

    def read_checks(self, paths: list[Path], edition: str, record_key: Callable[[dict], Optional[str]]) -> None:
        """The findings of the checks files (lines that are not one are skipped and counted)."""
        for path in paths:
            digest, lines = hashlib.sha256(), 0
            with path.open("rb") as fh:
                for line in fh:
                    digest.update(line)
                    lines += 1
                    finding, key = self._finding(line, edition, record_key)
                    if finding is None:
                        self.skipped[key] += 1
                    else:
                        self.findings.setdefault(key, []).append(finding)
            self.checks_inputs.append({"path": path.name, "sha256": digest.hexdigest(), "lines": lines})

    @staticmethod
    def _finding(line: bytes, edition: str, record_key) -> tuple[Optional[Finding], str]:
        try:
            check = json.loads(line)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None, "invalid_json"
        if not isinstance(check, dict) or check.get("outcome") not in ("unchanged", "removed"):
            return None, "not_a_check"
        key, time = record_key(check), _seconds(check.get("checked_at"))
        if key is None or time is None or check.get("edition") not in (None, edition):
            return None, "not_a_check"
        status = check.get("status")
        warc = check.get("warc")
        return Finding(
            time,
            check["outcome"],
            check.get("version_hash") if isinstance(check.get("version_hash"), str) else None,
            status if isinstance(status, int) and not isinstance(status, bool) else None,
            check.get("redirect_to") if isinstance(check.get("redirect_to"), str) else None,
            warc if isinstance(warc, dict) else None,
        ), key

    # --- writing ------------------------------------------------------------------------
    def open(self, output: Path, mode: int) -> None:
        self._versions = _AtomicLines(versions_path(output), mode)
        self._removals = _AtomicLines(removals_path(output), mode)

    def winner(self, key: str, winner: dict, line: bytes, where: tuple[int, int],
               read: Callable[[int, int, int], bytes], source: Callable[[int], str]) -> bytes:
        """Write the versions and removals of one post (its merged record ``winner``, the
        ``line`` at ``where``, a (file index, offset)); return the line to merge: rewritten only
        when its revision or removal time is not what the versions say. ``read(file_index,
        offset, length)`` gives a run file's line, ``source(file_index)`` its name."""
        captures, findings = self.captures.get(key, ()), self.findings.get(key)
        if len(captures) == 1 and not findings and (captures[0].file_index, captures[0].offset) == where:
            return self._only_version(captures[0], winner, line, source)
        versions = timeline(list(captures), findings or [])
        if not versions:
            return line
        versions_out, removals_out = self._files()
        records = [winner if (v.first.file_index, v.first.offset) == where
                   else json.loads(read(v.first.file_index, v.first.offset, v.first.length)) for v in versions]
        self.edited += len(versions) > 1
        ident = {"key": winner.get("post_id") or winner.get("canonical_url"), "post_id": winner.get("post_id"),
                 "canonical_url": winner.get("canonical_url")}
        published = winner.get("published_at")
        for n, (version, record) in enumerate(zip(versions, records), start=1):
            if n > 1:
                changed, counts = changes(records[n - 2], record)
            else:
                changed, counts = [], {name: {"inserted": 0, "deleted": 0} for name in TEXT_FIELDS}
            removal = version.removal
            versions_out.write({
                **ident, "revision": n, "first_seen": _iso(version.first.time), "last_seen": _iso(version.last_seen),
                "published_at": published, "title": record.get("title"), "version_hash": version.first.vhash,
                "changed": changed, "words": counts, "restored": version.restored,
                "removed_at": _iso(removal.time) if removal else None, "warc": record.get("warc"),
                "source": {"file": source(version.first.file_index), "offset": version.first.offset},
            })
            if removal is not None:
                self.removed += 1
                back = versions[n].first.time if n < len(versions) else None
                removals_out.write({
                    **ident, "removed_at": _iso(removal.time), "status": removal.status,
                    "redirect_to": removal.redirect_to, "revision": n,
                    "returned_at": _iso(back) if back is not None else None, "warc": removal.warc,
                })
        last = versions[-1]
        return _corrected(winner, line, len(versions), _iso(last.removal.time) if last.removal else None)

    def _only_version(self, capture: Capture, winner: dict, line: bytes, source: Callable[[int], str]) -> bytes:
        """``winner`` for a post seen once (most of them), without the timeline; its line is
        put together from encoded pieces (the same bytes as ``json_line`` of the row, in a
        third of the time: this is the merge's cost per post)."""
        post_id, url = winner.get("post_id"), winner.get("canonical_url")
        seen = winner.get("crawled_at")
        if not (isinstance(seen, str) and seen.endswith("+00:00")):  # else as written, the same time
            seen = _iso(capture.time)
        try:
            data = _ONLY_VERSION % (
                _value(post_id or url), _value(post_id), _value(url), _value(seen), _value(seen),
                _value(winner.get("published_at")), _value(winner.get("title")), _value(capture.vhash),
                _ENCODE(winner.get("warc")), _value(source(capture.file_index)), capture.offset)
            self._files()[0].add(data.encode("utf-8"))
        except UnicodeEncodeError:  # a lone surrogate: json_line escapes it
            self._files()[0].write({
                "key": post_id or url, "post_id": post_id, "canonical_url": url, "revision": 1, "first_seen": seen,
                "last_seen": seen, "published_at": winner.get("published_at"), "title": winner.get("title"),
                "version_hash": capture.vhash, "changed": [], "words": _NO_WORDS, "restored": False,
                "removed_at": None, "warc": winner.get("warc"),
                "source": {"file": source(capture.file_index), "offset": capture.offset}})
        return _corrected(winner, line, 1, None)

    def commit(self) -> dict:
        """Put both files in place; what the manifest says of them."""
        versions, removals = self._files()
        return {"versions": versions.commit(), "removals": removals.commit(),
                "posts_with_later_versions": self.edited, "removal_events": self.removed,
                "checks_inputs": self.checks_inputs, "skipped_check_lines": dict(sorted(self.skipped.items()))}

    def _files(self) -> tuple[_AtomicLines, _AtomicLines]:
        """The versions and removals files being written (RuntimeError before ``open``)."""
        if self._versions is None or self._removals is None:
            raise RuntimeError("History.open() was not called")
        return self._versions, self._removals

    def discard(self) -> None:
        for out in (self._versions, self._removals):
            if out is not None:
                out.discard()


def _corrected(winner: dict, line: bytes, revision: int, removed_at: Optional[str]) -> bytes:
    """The merged line of a post: as it was, unless its revision or removal time is not the
    versions' (then written again, with those set)."""
    if winner.get("revision") == revision and winner.get("removed_at") == removed_at:
        return line
    winner = {**winner, "revision": revision}
    if removed_at is not None or "removed_at" in winner:
        winner["removed_at"] = removed_at
    return json_line(winner)


def read_versions(path: Path) -> Iterator[dict]:
    """The lines of a ``.versions.jsonl`` (or ``.removals.jsonl``) file."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)
