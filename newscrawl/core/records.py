"""The one check of a record against the Article schema: what merge, dataset and reextract accept.

    check(record) -> the record, or a reason string (``bad_type:revision``)
    parse_line(line) -> (record or None, reason): one JSON Lines line, strictly read, then checked

The checks are compiled from the JSON Schema of :class:`~newscrawl.core.items.Article`
(:func:`newscrawl.core.schema.article_schema`, the one shipped as ``docs/article.schema.json``),
never listed by hand: a field added to the item is checked by its annotation.

What a record must be (each rule is something the dataset's Arrow reader refuses otherwise, or
a value no reader can take for what the schema says):

- every field the item defines, when present, has its type: ``str`` a string, ``int`` an integer
  (not a bool, not ``5.0``) within int64, ``list[X]`` a list of X, a nested item (``Image``,
  ``Link``, ``WarcRecordRef``) an object with its required keys, ``dict[str, str]`` an object of
  strings; null only where the item says ``Optional``;
- the times (``*_at`` fields documented as ISO 8601) are ISO 8601 as the clock reads them and
  as Arrow reads them (``2024-10-09T06:01:00+00:00``; ``Z``, no offset, a date alone; at most
  six digits of fraction), within datetime's range once moved to UTC;
- no string anywhere in the record (keys included, and fields the item does not define) holds
  a lone surrogate (``"\\ud800"``: valid JSON, not text; UTF-8 cannot encode it);
- ``published_at`` is present (every reader sorts or splits by it).

A field missing is accepted (read as null): run files of older versions lack the fields added
since (``version_hash``, ``flags``, ``warc``, ``removed_at``). Fields the item does not define are
kept as they are (the dataset ignores them), checked only for lone surrogates.

A line starting with a UTF-8 byte-order mark (a file saved by an editor, or two files joined
with ``cat``) is read without it: :func:`strip_bom`; the merge writes it without the mark and
counts it (manifest ``bom_stripped``).
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Optional, Union

from .clock import parse_utc_or_none

BOM = b"\xef\xbb\xbf"
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
# After json.loads, a valid pair is one code point: any surrogate left is a lone one.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Strict UTF-8 decoding refuses encoded surrogates, so a decoded record can hold one only from
# a \uD800-\uDFFF escape: a line without one (nearly all) is not searched string by string.
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
# ISO 8601 as both Python's fromisoformat and Arrow's timestamp parser read it: Python alone
# takes week dates, ordinal dates, basic format and more than six fraction digits, which
# Arrow refuses (the dataset build then failed).
_ISO_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}(?::\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?", re.ASCII)
# The reasons merge already counted under these names before the shared check.
_NAMED = {"post_id": "bad_post_id", "published_at": "bad_published_at", "crawled_at": "bad_crawled_at"}
# What every reader needs besides the types.
REQUIRED = ("published_at",)

Checker = Callable[[Any], Optional[str]]  # None when the value fits, else "type" or "time"


def is_timestamp(name: str, description: str) -> bool:
    """A time field: named ``*_at`` and documented as ISO 8601 (the dataset's rule too,
    :mod:`newscrawl.core.dataset.schema`, which types them as timestamps)."""
    return name.endswith("_at") and "ISO 8601" in description


def has_lone_surrogate(value: Any) -> bool:
    """True when a string anywhere in ``value`` (dict keys included) holds a lone surrogate."""
    stack = [value]  # no recursion: json.loads gives nesting up to the interpreter's limit
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _text(value: Any) -> Optional[str]:
    return None if isinstance(value, str) else "type"


def _time(value: Any) -> Optional[str]:
    if not isinstance(value, str):
        return "type"
    if not _ISO_TIME.fullmatch(value) or parse_utc_or_none(value) is None:
        return "time"
    return None


def _integer(value: Any) -> Optional[str]:
    # bool is an int in Python, a boolean in JSON; 5.0 is a float in both.
    return None if type(value) is int and INT64_MIN <= value <= INT64_MAX else "type"


def _null(value: Any) -> Optional[str]:
    return None if value is None else "type"


def _anything(value: Any) -> Optional[str]:
    return None


def _compile(spec: dict, timestamp: bool = False) -> Checker:
    """A type checker of one JSON Schema node (the subset ``ItemAdapter.get_json_schema``
    writes); lone surrogates are looked for apart (:func:`has_lone_surrogate`)."""
    if "anyOf" in spec:
        return _union([_compile(s, timestamp) for s in spec["anyOf"]])
    types = spec.get("type")
    if isinstance(types, list):
        return _union([_compile({**spec, "type": t}, timestamp) for t in types])
    if types == "null":
        return _null
    if types == "string":
        return _time if timestamp else _text
    if types == "integer":
        return _integer
    if types == "boolean":
        return lambda v: None if isinstance(v, bool) else "type"
    if types == "number":
        return lambda v: None if type(v) in (int, float) else "type"
    if types == "array":
        item = _compile(spec.get("items", {}))

        def array(value: Any) -> Optional[str]:
            if not isinstance(value, list):
                return "type"
            for v in value:
                problem = item(v)
                if problem:
                    return problem
            return None
        return array
    if types == "object":
        return _object(spec)
    return _anything  # no type given: any JSON value


def _union(options: list[Checker]) -> Checker:
    if len(options) == 2 and _null in options:  # Optional[X], most of them: one test for null
        other = options[1 - options.index(_null)]
        return lambda v: None if v is None else other(v)

    def union(value: Any) -> Optional[str]:
        problems = [check(value) for check in options]
        if None in problems:
            return None
        # The problem of the alternative of the value's own kind ("time", rather than "not null").
        return next((p for p in problems if p != "type"), "type")
    return union


def _object(spec: dict) -> Checker:
    props = {name: _compile(s, is_timestamp(name, s.get("description", ""))) for name, s in
             spec.get("properties", {}).items()}
    required = tuple(spec.get("required", ()))
    extra = spec.get("additionalProperties")
    # Keys the item does not define are let through (the dataset ignores them), unless the
    # schema types them (extracted_from's values).
    other = _compile(extra) if isinstance(extra, dict) else _anything

    def obj(value: Any) -> Optional[str]:
        if not isinstance(value, dict):
            return "type"
        for name in required:
            if name not in value:
                return "type"
        for key, v in value.items():
            problem = props.get(key, other)(v)
            if problem:
                return problem
        return None
    return obj


def _fields() -> dict[str, Checker]:
    from .schema import article_schema

    schema = article_schema()
    return {name: _compile(spec, is_timestamp(name, spec.get("description", "")))
            for name, spec in schema["properties"].items()}


_FIELDS: Optional[dict[str, Checker]] = None


def _reason(name: str, problem: str) -> str:
    return _NAMED.get(name) or (f"bad_{name}" if problem == "time" else f"bad_type:{name}")


def check(record: dict, surrogates: bool = True) -> Union[dict, str]:
    """``record`` when it fits the Article schema (module docstring), else why not: ``bad_type:<field>``,
    ``bad_<time field>`` (``bad_published_at``, ``bad_modified_at``), ``bad_post_id``,
    ``lone_surrogate:<field>`` (``(other field)`` for a field the item does not define),
    or ``not_an_object``. ``surrogates=False`` skips the look for lone surrogates: for a record
    decoded from a line holding no ``\\uD800``-``\\uDFFF`` escape, which cannot have one."""
    global _FIELDS
    if _FIELDS is None:
        _FIELDS = _fields()
    if not isinstance(record, dict):
        return "not_an_object"
    for name in REQUIRED:
        if name not in record:
            return _reason(name, "time" if name.endswith("_at") else "type")
    for name, value in record.items():
        checker = _FIELDS.get(name)
        problem = checker(value) if checker is not None else None
        if problem:
            return _reason(name, problem)
    if surrogates:
        for name, value in record.items():
            if LONE_SURROGATE.search(name) or has_lone_surrogate(value):
                return f"lone_surrogate:{name if name in _FIELDS else '(other field)'}"
    return record


def may_hold_surrogate(line: bytes) -> bool:
    """False when the JSON text ``line`` cannot decode to a string with a surrogate (no
    ``\\uD800``-``\\uDFFF`` escape): :func:`check` may then skip looking for one."""
    return _ESCAPED_SURROGATE.search(line) is not None


def strip_bom(line: bytes) -> tuple[bytes, bool]:
    """``line`` without a leading UTF-8 byte-order mark, and whether it had one."""
    if line.startswith(BOM):
        return line[len(BOM):], True
    return line, False


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):  # 1e999: valid syntax, but Infinity once read
        raise ValueError("number out of range")
    return value


def loads(line: bytes) -> Any:
    """Strict JSON of one line: UTF-8 only (no raw surrogates, no other encoding guessed), no NaN
    or Infinity (Python's json reads them by default; most JSON readers refuse them). Raises
    ValueError (UnicodeDecodeError included) or RecursionError."""
    return json.loads(line.decode("utf-8"), parse_constant=_no_constant, parse_float=_finite)


def decode_line(line: bytes) -> tuple[Any, str]:
    """(the JSON object of one line, "") or (None, ``blank``, ``invalid_json`` or
    ``not_an_object``); a leading byte-order mark is ignored (:func:`strip_bom`). Not checked
    against the schema: :func:`check` does that."""
    text = strip_bom(line)[0].strip()
    if not text:
        return None, "blank"
    try:
        record = loads(text)
    except (ValueError, RecursionError):  # RecursionError: [[[[... 100,000 deep
        return None, "invalid_json"
    if not isinstance(record, dict):
        return None, "not_an_object"
    return record, ""


def parse_line(line: bytes) -> tuple[Optional[dict], str]:
    """(record, "") for a line holding a record that fits the schema, else (None, reason): a
    reason of :func:`decode_line` or of :func:`check`."""
    record, reason = decode_line(line)
    if record is None:
        return None, reason
    result = check(record, surrogates=may_hold_surrogate(line))
    if isinstance(result, str):
        return None, result
    return result, ""
