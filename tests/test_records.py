"""The shared record check (newscrawl.core.records): what merge, dataset and reextract accept
(issue 22 case 7)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from newscrawl.core import records
from newscrawl.core.items import Article
from newscrawl.core.schema import article_schema

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "tests" / "outlets" / "almayadeen" / "fixtures" / "cases").glob("*/expected.json"))
URL = "https://english.almayadeen.net/news/politics/p"
BASE = {"url": URL, "canonical_url": URL,
        "post_id": "1", "edition": "en", "title": "T", "body": "B", "published_at": "2026-11-19T10:00:00+00:00",
        "crawled_at": "2026-11-20T09:00:00+00:00"}

BAD = [
    ({"revision": "2"}, "bad_type:revision"),
    ({"revision": 10 ** 30}, "bad_type:revision"),
    ({"revision": 1 << 63}, "bad_type:revision"),  # one past int64
    ({"revision": True}, "bad_type:revision"),
    ({"revision": 2.0}, "bad_type:revision"),
    ({"tags": "Gaza"}, "bad_type:tags"),
    ({"tags": [1]}, "bad_type:tags"),
    ({"tags": None}, "bad_type:tags"),  # not Optional
    ({"title": None}, "bad_type:title"),
    ({"extracted_from": ["title"]}, "bad_type:extracted_from"),
    ({"extracted_from": {"title": 1}}, "bad_type:extracted_from"),
    ({"flags": {"body_empty": True}}, "bad_type:flags"),
    ({"images": [{"url": 5}]}, "bad_type:images"),
    ({"images": [{"caption": "no url"}]}, "bad_type:images"),
    ({"related": ["https://x"]}, "bad_type:related"),
    ({"warc": "a.warc.gz"}, "bad_type:warc"),
    ({"warc": {"file": "a", "offset": "1", "record_id": "r"}}, "bad_type:warc"),
    ({"post_id": 1}, "bad_post_id"),
    ({"body": "a \ud800 b"}, "lone_surrogate:body"),
    ({"authors": ["\udc00"]}, "lone_surrogate:authors"),
    ({"comment": {"x": ["\ud83d"]}}, "lone_surrogate:(other field)"),
    ({"modified_at": "garbage"}, "bad_modified_at"),
    ({"modified_at": "2026-W47-4"}, "bad_modified_at"),  # Python's fromisoformat reads it, Arrow does not
    ({"removed_at": "2026-11-19T10:00:00.1234567+00:00"}, "bad_removed_at"),
    ({"crawled_at": "9999-12-31T23:59:59-14:00"}, "bad_crawled_at"),
    ({"published_at": 20261119}, "bad_published_at"),
]


@pytest.mark.parametrize("extra,reason", BAD, ids=[f"{next(iter(e))}-{i}" for i, (e, _) in enumerate(BAD)])
def test_a_value_outside_the_schema_gives_its_reason(extra, reason):
    assert records.check({**BASE, **extra}) == reason


def test_published_at_is_needed_and_other_fields_may_be_missing():
    assert records.check({k: v for k, v in BASE.items() if k != "published_at"}) == "bad_published_at"
    # Older run files lack the fields added since; a missing field is read as null.
    minimal = {"post_id": "1", "published_at": "2026-11-19"}
    assert records.check(minimal) is minimal


@pytest.mark.parametrize("extra", [
    {"summary": None, "modified_at": None, "warc": None, "word_count": None},
    {"revision": (1 << 63) - 1, "images": [{"url": "https://x/a.jpg", "caption": None}]},
    {"extracted_from": {"title": "metadata"}, "flags": ["body_empty"], "tags": ["\U0001F600 emoji"]},
    {"modified_at": "2026-11-19T10:00:00Z", "removed_at": "2026-11-19 10:00"},
    {"not_in_the_item": [1, {"a": None}]},
])
def test_values_of_the_schema_pass(extra):
    record = {**BASE, **extra}
    assert records.check(record) is record


@pytest.mark.parametrize("path", CASES, ids=[p.parent.name for p in CASES])
def test_every_stored_expected_record_passes(path):
    record = json.loads(path.read_text(encoding="utf-8"))
    assert records.check(record) is record


def test_the_checks_are_those_of_every_item_field():
    names = {f.name for f in dataclasses.fields(Article)}
    assert set(records._fields()) == names == set(article_schema()["properties"])


def test_a_line_is_read_strictly_and_a_bom_ignored():
    assert records.parse_line(b"\xef\xbb\xbf" + json.dumps(BASE).encode() + b"\n") == (BASE, "")
    day = b'{"published_at": "2026-11-19", '
    assert records.parse_line(day + b'"t": "\xed\xa0\x80"}') == (None, "invalid_json")  # a raw surrogate
    assert records.parse_line(day + b'"n": NaN}') == (None, "invalid_json")
    assert records.parse_line(day + b'"t": "\\ud83d\\ude00"}')[1] == ""  # a pair: one character
    assert records.parse_line(b"[1]") == (None, "not_an_object")
    assert records.parse_line(b"  \r\n") == (None, "blank")


# --- the dataset reads every line the merge would keep, and skips the others ---------------
def _line(record: dict) -> bytes:
    return json.dumps(record).encode() + b"\n"  # ASCII: a lone surrogate written as \ud800


def test_the_dataset_skips_the_lines_the_merge_skips_and_builds(tmp_path, caplog):
    """A merged file of an older merge (or edited by hand) holding each line of the issue:
    before, each made the build exit 1 with a traceback."""
    import pyarrow.parquet as pq

    from newscrawl.core.dataset import build

    good = [{**BASE, "post_id": str(i), "published_at": f"2026-11-{10 + i}T10:00:00+00:00"} for i in range(3)]
    bad = [{**BASE, "post_id": f"b{i}", "published_at": "2026-11-11T11:00:00+00:00", **extra}
           for i, (extra, _) in enumerate(BAD)]
    merged = tmp_path / "merged.jsonl"
    merged.write_bytes(_line(good[0]) + b"".join(_line(r) for r in bad) + b"\xef\xbb\xbf" + _line(good[1])
                       + _line(good[2]))
    result = build("en", tmp_path / "out", merged=merged, target=tmp_path / "ds", merge_first=False)
    assert result.count == 3
    table = pq.read_table(tmp_path / "ds" / "data")
    assert sorted(table.column("post_id").to_pylist()) == ["0", "1", "2"]
    [warning] = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert f"{len(BAD)} lines skipped, as the merge skips them" in warning
    assert "bad_type:revision 5" in warning and "lone_surrogate:body 1" in warning


def test_the_dataset_reader_counts_by_the_merges_reasons(tmp_path):
    from collections import Counter

    from newscrawl.core.dataset.build import read_batches
    from newscrawl.core.dataset.schema import arrow_schema
    from newscrawl.core.merge import merge

    run = tmp_path / "in" / "a.jsonl"
    run.parent.mkdir()
    lines = [_line({**BASE, "post_id": "g"})]
    lines += [_line({**BASE, "post_id": f"b{i}", **extra}) for i, (extra, _) in enumerate(BAD)]
    run.write_bytes(b"".join(lines))
    skipped: Counter = Counter()
    rows = sum(b.num_rows for b in read_batches(run, arrow_schema(), skipped=skipped))
    result = merge("en", run.parent, tmp_path / "merged.jsonl")
    assert rows == result.count == 1
    assert skipped == result.skipped == Counter(reason for _, reason in BAD)


# --- reextract writes only what the check accepts ------------------------------------------
def test_reextract_skips_a_record_outside_the_schema(tmp_path, monkeypatch):
    """A stored page whose metadata gives ``word_count`` ``1e30`` (an int beyond int64 the
    parser once made of it) is now a record, the count null and flagged; a parser bug that
    still made such an int is skipped and counted (by the validate pipeline's check)."""
    from newscrawl.core.args import CrawlArgs
    from newscrawl.core.reextract import reextract
    from newscrawl.core.testing import read_jsonl
    from newscrawl.outlets.almayadeen.pages import ArticlePage
    from tests.outlets.almayadeen.replica import Replica, pages
    from tests.test_reextract import _articles_warc

    site = Replica(seed=5, articles=60)
    article = pages.article

    def huge_first_word_count(s, i):
        html = article(s, i)
        return re.sub(r'"word_count": "\d+"', '"word_count": "1e30"', html) if i == first else html

    first = next(h.index for h in site.heads if h.key in site.truth())  # the first _articles_warc writes
    assert re.search(r'"word_count": "\d+"', article(site, first))
    monkeypatch.setattr(pages, "article", huge_first_word_count)
    path = tmp_path / "a.warc.gz"
    assert _articles_warc(site, path, 3)[0] == first
    monkeypatch.undo()
    out = tmp_path / "out.jsonl"
    outcome = reextract([path], CrawlArgs.from_kwargs({"edition": "en"}), out, workers=1)
    written = read_jsonl(out)
    assert outcome.written == len(written) == 3
    assert all(records.check(r) is r for r in written)
    huge = [r for r in written if r["word_count"] is None]
    assert len(huge) == 1 and "metadata_invalid" in huge[0]["flags"]

    word_count = ArticlePage.word_count
    monkeypatch.setattr(ArticlePage, "word_count", lambda page: 10 ** 30 if page.metadata_invalid else word_count(page))
    outcome = reextract([path], CrawlArgs.from_kwargs({"edition": "en"}), out, workers=1)
    assert outcome.counts["skipped/dropped/bad_type:word_count"] == 1
    written = read_jsonl(out)
    assert outcome.written == len(written) == 2
    assert all(records.check(r) is r for r in written)
