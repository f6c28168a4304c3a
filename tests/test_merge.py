"""newscrawl.merge on synthetic run files: dedupe across runs, revisions, partial lines, manifest."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.core.merge import ROOT, main, merge


def record(post_id, published, revision=1, crawled="2026-11-20T09:00:00+00:00", section="Politics", **extra):
    rec = {
        "url": f"https://english.almayadeen.net/news/politics/post-{post_id}",
        "canonical_url": f"https://english.almayadeen.net/news/politics/post-{post_id}",
        "post_id": None if post_id is None else str(post_id),
        "edition": "en",
        "section": section,
        "title": f"Post {post_id} r{revision}",
        "published_at": published,
        "crawled_at": crawled,
        "revision": revision,
    }
    rec.update(extra)
    return rec


def write_run(path: Path, records, tail: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        fh.write(tail)
    return path


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def runs(tmp_path):
    """Three runs of the en edition, plus files the merge must ignore."""
    d = tmp_path / "almayadeen" / "en"
    write_run(d / "2026-11-20T09-00-00.jsonl", [
        record(1, "2026-11-19T10:00:00+00:00"),
        record(2, "2026-11-18T10:00:00+00:00", section="Economy"),
        record(3, "2026-11-20T08:00:00+00:00"),
    ])
    write_run(d / "2026-11-20T10-00-00.jsonl", [
        # post 1 edited: revision 2 wins over both copies of revision 1
        record(1, "2026-11-19T10:00:00+00:00", revision=2, crawled="2026-11-20T10:00:00+00:00"),
        # post 2 seen again, same revision, later crawl: the later crawl wins the tie
        record(2, "2026-11-18T10:00:00+00:00", crawled="2026-11-20T10:00:05+00:00", section="Economy",
               title="Post 2 recrawled"),
        # a post without post_id: keyed by canonical_url
        record(None, "2026-11-17T00:00:00+02:00", section=None, canonical_url="https://english.almayadeen.net/videos/clip"),
    ])
    write_run(d / "2026-11-20T11-00-00.jsonl", [
        # a state file started afresh writes the current text as revision 1 again: it is the
        # same version as revision 2, and stays revision 2 (versions count in capture order)
        record(1, "2026-11-19T10:00:00+00:00", revision=1, crawled="2026-11-20T11:00:00+00:00", title="Post 1 r2"),
        record(4, "2026-11-20T07:00:00+00:00", section="Economy", title="Unicode: مرحبا"),
        # a BreakingItem that slipped into an article file: skipped, counted
        {"text": "BREAKING: something", "edition": "en", "first_seen_at": "2026-11-20T11:00:00+00:00"},
    ], tail='{"post_id": "5", "title": "cut sho')  # killed mid-write
    # never merged
    write_run(d / "2026-11-20T11-00-00.breaking.jsonl", [{"text": "x", "edition": "en", "first_seen_at": "2026"}])
    (d / "2026-11-20T11-00-00.summary.json").write_text('{"finish_reason": "finished"}')
    return d


def test_merge_dedupes_keeps_latest_revision_and_sorts(runs, tmp_path):
    out = tmp_path / "merged" / "en.jsonl"
    result = merge("en", runs, out)
    lines = read_lines(out)

    keys = [r["post_id"] or r["canonical_url"] for r in lines]
    assert len(keys) == len(set(keys)) == 5 == result.count
    by_key = {r["post_id"] or r["canonical_url"]: r for r in lines}
    assert by_key["1"]["revision"] == 2 and by_key["1"]["title"] == "Post 1 r2"
    assert by_key["2"]["title"] == "Post 2 recrawled"
    assert by_key["4"]["title"] == "Unicode: مرحبا"
    published = [r["published_at"] for r in lines]
    assert keys[0] == "https://english.almayadeen.net/videos/clip"  # 2026-11-16T22:00Z, the earliest
    assert published[1:] == sorted(published[1:])
    assert [k for k in keys] == ["https://english.almayadeen.net/videos/clip", "2", "1", "4", "3"]

    assert result.skipped == {"invalid_json": 1, "no_key": 1}
    assert result.superseded == 3


def test_manifest_matches_output(runs, tmp_path):
    out = tmp_path / "merged" / "en.jsonl"
    result = merge("en", runs, out)
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert result.manifest == tmp_path / "merged" / "en.manifest.json"

    data = out.read_bytes()
    assert manifest["count"] == len(data.splitlines()) == manifest["output"]["lines"] == 5
    assert manifest["output"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["published_at"] == {"min": "2026-11-16T22:00:00+00:00", "max": "2026-11-20T08:00:00+00:00"}
    assert manifest["sections"] == {"(none)": 1, "Economy": 2, "Politics": 2}
    assert sum(manifest["sections"].values()) == manifest["count"]
    assert manifest["skipped_lines"] == {"invalid_json": 1, "no_key": 1}

    inputs = {i["path"]: i for i in manifest["inputs"]}
    assert sorted(inputs) == ["2026-11-20T09-00-00.jsonl", "2026-11-20T10-00-00.jsonl", "2026-11-20T11-00-00.jsonl"]
    for name, info in inputs.items():
        raw = (runs / name).read_bytes()
        assert info["sha256"] == hashlib.sha256(raw).hexdigest()
        assert info["lines"] == len(raw.splitlines())
    assert inputs["2026-11-20T11-00-00.jsonl"] == {**inputs["2026-11-20T11-00-00.jsonl"], "lines": 4, "records": 2, "skipped": 2}


def test_merge_is_repeatable_and_ignores_its_own_output(runs):
    # the output inside the input directory must not be merged into itself
    out = runs / "merged.jsonl"
    first = merge("en", runs, out)
    data = out.read_bytes()
    second = merge("en", runs, out)
    assert out.read_bytes() == data
    assert second.count == first.count == 5
    assert [i.path.name for i in second.inputs] == [i.path.name for i in first.inputs]
    assert not [p for p in runs.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_merge_never_crashes_on_garbage(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.jsonl").write_bytes(b'\xff\xfe garbage\n[1, 2]\n"text"\n\n{"post_id": "1"}\n'
                                b'{"post_id": "2", "published_at": "2026-01-01T00:00:00+00:00", "revision": "x"}\n'
                                b'{"post_id": "3", "published_at": "2026-01-01", "edition": "ar"}\r\n'
                                b'{"post_id": "4", "published_at": "2026-01-01T00:00:00+00:00", "revision": 7}\n')
    result = merge("en", d, tmp_path / "out.jsonl")
    assert result.count == 1
    assert result.skipped == {"invalid_json": 1, "not_an_object": 2, "bad_published_at": 1, "other_edition": 1,
                              "bad_type:revision": 1}
    # Kept, with its revision counted from its versions (the line is otherwise copied as is).
    assert (tmp_path / "out.jsonl").read_bytes().endswith(b'"revision": 1}\n')


def test_empty_directory_gives_an_empty_dataset(tmp_path):
    (tmp_path / "in").mkdir()
    result = merge("en", tmp_path / "in", tmp_path / "out.jsonl")
    assert result.count == 0 and (tmp_path / "out.jsonl").read_bytes() == b""
    manifest = json.loads(result.manifest.read_text())
    assert manifest["published_at"] == {"min": None, "max": None} and manifest["inputs"] == []


def test_cli_missing_input_dir_exits_1(tmp_path, capsys):
    assert main(["--edition", "en", "--input-dir", str(tmp_path / "nope"), "--output", str(tmp_path / "o.jsonl")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("newscrawl.merge: error:") and "\n" not in err
    assert not (tmp_path / "o.jsonl").exists()


def test_cli_as_module_with_output_dir(runs, tmp_path):
    """`python -m newscrawl.merge` from another directory, default paths under --output-dir."""
    proc = subprocess.run(
        [sys.executable, "-m", "newscrawl.merge", "--edition", "en", "--output-dir", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("merged 5 posts from 3 files")
    assert "2 lines skipped" in proc.stdout
    merged = tmp_path / "merged" / "almayadeen-en.jsonl"
    assert len(read_lines(merged)) == 5
    assert (tmp_path / "merged" / "almayadeen-en.manifest.json").exists()


# --- hostile input (issue 14 items 3 and 14) --------------------------------------------
GOOD = record(1, "2026-11-19T10:00:00+00:00")


@pytest.mark.parametrize("line,reason", [
    (b"[" * 100_000 + b"]" * 100_000, "invalid_json"),  # RecursionError in json
    (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "invalid_json"),
    (json.dumps(record(2, "2026-11-19T10:00:00+00:00", crawled="9999-12-31T23:59:59-14:00")).encode(), "bad_crawled_at"),
    (json.dumps(record(2, "9999-12-31T23:59:59-14:00")).encode(), "bad_published_at"),
    (json.dumps(record(2, "0001-01-01T00:00:00+14:00")).encode(), "bad_published_at"),
    (json.dumps(record(2, "2026-11-19T10:00:00+00:00", word_count=float("nan"))).encode(), "invalid_json"),
    (json.dumps(record(2, "2026-11-19T10:00:00+00:00", read_time_minutes=float("inf"))).encode(), "invalid_json"),
    (json.dumps(record(2, "2026-11-19T10:00:00+00:00")).replace('"Post 2 r1"', "1e999").encode(), "invalid_json"),
    (json.dumps({**record(2, "2026-11-19T10:00:00+00:00"), "post_id": 2}).encode(), "bad_post_id"),
], ids=["brackets", "objects", "crawled_at-overflow", "published_at-overflow", "published_at-underflow",
        "nan", "infinity", "1e999", "int-post_id"])
def test_each_bad_line_is_counted_and_skipped(tmp_path, line, reason):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.jsonl").write_bytes(json.dumps(GOOD).encode() + b"\n" + line + b"\n")
    result = merge("en", d, tmp_path / "out.jsonl")
    assert result.count == 1 and result.skipped == {reason: 1}
    assert [r["post_id"] for r in read_lines(tmp_path / "out.jsonl")] == ["1"]


def test_output_is_strict_json(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.jsonl").write_text(json.dumps(GOOD) + "\n" + json.dumps(record(2, "2026-11-19T10:00:00+00:00", word_count=float("nan"))) + "\n")
    merge("en", d, tmp_path / "out.jsonl")

    def refuse(name):
        raise ValueError(name)

    for line in (tmp_path / "out.jsonl").read_text().splitlines():
        json.loads(line, parse_constant=refuse)


def test_post_id_number_and_string_are_not_merged_into_one(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    write_run(d / "a.jsonl", [record(123, "2026-11-19T10:00:00+00:00", revision=1),
                              {**record(123, "2026-11-19T10:00:00+00:00", revision=5), "post_id": 123}])
    result = merge("en", d, tmp_path / "out.jsonl")
    [kept] = read_lines(tmp_path / "out.jsonl")
    assert kept["post_id"] == "123" and kept["revision"] == 1  # the number did not win as "revision 5 of 123"
    assert result.skipped == {"bad_post_id": 1}


def test_a_huge_line_without_newline_is_skipped_in_bounded_memory(tmp_path):
    import tracemalloc

    d = tmp_path / "in"
    d.mkdir()
    huge = b'{"post_id": "9", "body": "' + b"x" * (8 * 1024 * 1024)  # 8 MiB, no newline, never ends
    path = d / "a.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + huge)
    tracemalloc.start()
    try:
        result = merge("en", d, tmp_path / "out.jsonl", max_line_bytes=64 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.count == 1 and result.skipped == {"too_long": 1}
    assert peak < 4 * 1024 * 1024, peak  # the line is 8 MiB: it was never held whole
    manifest = json.loads(result.manifest.read_text())
    assert manifest["inputs"][0]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert manifest["inputs"][0]["lines"] == 2


def test_a_long_line_with_newline_is_skipped_and_the_next_one_kept(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    long = json.dumps(record(2, "2026-11-19T10:00:00+00:00", body="y" * 5000)).encode()
    (d / "a.jsonl").write_bytes(long + b"\n" + json.dumps(GOOD).encode() + b"\n")
    result = merge("en", d, tmp_path / "out.jsonl", max_line_bytes=1000)
    assert [r["post_id"] for r in read_lines(tmp_path / "out.jsonl")] == ["1"]
    assert result.skipped == {"too_long": 1}


def test_lone_surrogates_do_not_break_the_manifest(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.jsonl").write_text(json.dumps(record(1, "2026-11-19T10:00:00+00:00", section="\ud800")) + "\n")
    result = merge("en", d, tmp_path / "out.jsonl")
    # Not text: skipped (issue 22 case 7), and the manifest is still written.
    manifest = json.loads(result.manifest.read_text())
    assert manifest["sections"] == {} and manifest["skipped_lines"] == {"lone_surrogate:section": 1}


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_dataset_and_manifest_follow_the_umask(runs, tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        result = merge("en", runs, tmp_path / "merged" / "en.jsonl")
    finally:
        os.umask(old)
    assert stat.S_IMODE(result.output.stat().st_mode) == mode
    assert stat.S_IMODE(result.manifest.stat().st_mode) == mode


def test_cli_merges_a_mirror_dataset_apart(runs, tmp_path):
    """A replica's runs (output/almayadeen-mirror-.../en) merge into their own file, never the live one."""
    mirror = tmp_path / "almayadeen-mirror-127.0.0.1-8000" / "en"
    mirror.parent.mkdir()
    runs.rename(mirror)
    assert main(["--edition", "en", "--output-dir", str(tmp_path), "--dataset", "almayadeen-mirror-127.0.0.1-8000"]) == 0
    assert len(read_lines(tmp_path / "merged" / "almayadeen-mirror-127.0.0.1-8000-en.jsonl")) == 5
    assert not (tmp_path / "merged" / "almayadeen-en.jsonl").exists()


def test_plain_merge_after_replica_runs_takes_their_dataset(runs, tmp_path, capsys):
    """Only a replica's runs under --output-dir (scheduled runs of the replica): `merge --edition en`
    merges them, into the mirror's file (it used to exit 1: no output/almayadeen/en)."""
    mirror = tmp_path / "almayadeen-mirror-127.0.0.1-8000" / "en"
    mirror.parent.mkdir()
    runs.rename(mirror)
    (tmp_path / "state").mkdir()  # not a dataset, nor are warc/, logs/, merged/
    assert main(["--edition", "en", "--output-dir", str(tmp_path)]) == 0
    assert len(read_lines(tmp_path / "merged" / "almayadeen-mirror-127.0.0.1-8000-en.jsonl")) == 5
    assert sorted(p.name for p in (tmp_path / "merged").iterdir()) == [
        "almayadeen-mirror-127.0.0.1-8000-en.jsonl", "almayadeen-mirror-127.0.0.1-8000-en.manifest.json",
        "almayadeen-mirror-127.0.0.1-8000-en.removals.jsonl", "almayadeen-mirror-127.0.0.1-8000-en.versions.jsonl"]
    capsys.readouterr()
    # A second dataset with runs of the edition: none is guessed; one line names them, exit 2.
    write_run(tmp_path / "demo" / "en" / "2026-11-21T09-00-00.jsonl", [record(9, "2026-11-19T10:00:00+00:00")])
    write_run(tmp_path / "almayadeen" / "ar" / "2026-11-21T09-00-00.jsonl", [record(9, "2026-11-19T10:00:00+00:00")])
    assert main(["--edition", "en", "--output-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"newscrawl.merge: error: {tmp_path} holds runs of edition en in several datasets: "
        "almayadeen-mirror-127.0.0.1-8000, demo; name one with --dataset\n")
    assert main(["--edition", "en", "--output-dir", str(tmp_path), "--dataset", "demo"]) == 0
    assert len(read_lines(tmp_path / "merged" / "demo-en.jsonl")) == 1
    # An input directory given as <dataset>/<edition> names its dataset.
    assert main(["--edition", "en", "--output-dir", str(tmp_path), "--input-dir", str(mirror)]) == 0
    assert not (tmp_path / "merged" / "almayadeen-en.jsonl").exists()


@pytest.mark.parametrize("name", ["", "a/b", ".hidden", "merged", "warc"])
def test_a_dataset_name_must_be_a_dataset_directory(name, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--edition", "en", "--output-dir", str(tmp_path), "--dataset", name])
    assert exc.value.code == 2 and "is not a dataset name" in capsys.readouterr().err


def test_a_file_or_directory_given_names_its_dataset(tmp_path):
    from newscrawl.core.dataset_names import resolve

    # Several datasets under the output directory: a path given says which, no guess needed.
    for name in ("almayadeen", "demo"):
        write_run(tmp_path / name / "en" / "2026-11-21T09-00-00.jsonl", [record(9, "2026-11-19T10:00:00+00:00")])
    assert resolve(tmp_path, "en", "almayadeen", merged=Path("/x/demo-en.jsonl")) == ("demo", tmp_path / "demo" / "en")
    mirror = "almayadeen-mirror-127.0.0.1-8000"
    assert resolve(tmp_path, "en", "almayadeen", merged=Path(f"/x/{mirror}-en.jsonl"))[0] == mirror
    assert resolve(tmp_path, "en", "almayadeen", input_dir=tmp_path / mirror / "en")[0] == mirror
    assert resolve(tmp_path, "en", "almayadeen", merged=Path("/tmp/any.jsonl"))[0] == "almayadeen"
    assert resolve(tmp_path, "en", "almayadeen", named="demo", merged=Path("/x/y-en.jsonl"))[0] == "demo"


# --- records outside the schema, a byte-order mark, option bounds (issue 22 cases 7 and 10) ----
OUTSIDE_SCHEMA = [
    ({"revision": "2"}, "bad_type:revision"),
    ({"revision": 10 ** 30}, "bad_type:revision"),
    ({"tags": "Gaza"}, "bad_type:tags"),
    ({"extracted_from": ["title"]}, "bad_type:extracted_from"),
    ({"flags": {"body_empty": True}}, "bad_type:flags"),
    ({"images": [{"url": 5}]}, "bad_type:images"),
    ({"warc": "a.warc.gz"}, "bad_type:warc"),
    ({"body": "text \ud800 cut"}, "lone_surrogate:body"),
    ({"modified_at": "20261119T100000"}, "bad_modified_at"),  # Python reads it, Arrow does not
]


@pytest.mark.parametrize("extra,reason", OUTSIDE_SCHEMA, ids=[r for _, r in OUTSIDE_SCHEMA])
def test_a_record_outside_the_schema_is_skipped_so_the_dataset_can_read_every_line(tmp_path, extra, reason):
    from newscrawl.core.dataset.build import read_batches
    from newscrawl.core.dataset.schema import arrow_schema

    d = tmp_path / "in"
    d.mkdir()
    # json.dumps escapes the surrogate ("\\ud800"), as a hostile or broken writer would.
    bad = record(2, "2026-11-19T11:00:00+00:00", **extra)
    (d / "a.jsonl").write_text(json.dumps(GOOD) + "\n" + json.dumps(bad) + "\n")
    result = merge("en", d, tmp_path / "out.jsonl")
    assert result.count == 1 and result.skipped == {reason: 1}
    manifest = json.loads(result.manifest.read_text())
    assert manifest["skipped_lines"] == {reason: 1}
    assert sum(b.num_rows for b in read_batches(tmp_path / "out.jsonl", arrow_schema())) == 1


def test_a_byte_order_mark_is_stripped_and_counted(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    bom = b"\xef\xbb\xbf"
    # A file saved with a BOM, then another joined to it with cat: one at the start, one inside.
    (d / "a.jsonl").write_bytes(bom + json.dumps(GOOD).encode() + b"\n"
                                + bom + json.dumps(record(2, "2026-11-19T11:00:00+00:00")).encode() + b"\n")
    result = merge("en", d, tmp_path / "out.jsonl")
    assert result.count == 2 and not result.skipped
    text = (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    assert "\ufeff" not in text
    assert [json.loads(line)["post_id"] for line in text.splitlines()] == ["1", "2"]  # json.loads of str: no BOM
    manifest = json.loads(result.manifest.read_text())
    assert manifest["bom_stripped"] == 2 and manifest["inputs"][0]["bom_stripped"] == 2


@pytest.mark.parametrize("value", ["99999999999999999999", str((1 << 30) + 1), "0"])
def test_max_line_bytes_out_of_range_is_one_line_and_exit_2(value, runs, tmp_path, capsys):
    out = tmp_path / "o.jsonl"
    with pytest.raises(SystemExit) as exc:
        main(["--edition", "en", "--input-dir", str(runs), "--output", str(out), "--max-line-bytes", value])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith("--max-line-bytes must be from 1 to 1073741824") and "Traceback" not in "".join(err)
    assert not out.exists()


@pytest.mark.parametrize("command", ["merge", "dataset"])
def test_an_edition_that_is_not_the_outlets_is_refused_before_anything(command, runs, tmp_path, capsys):
    from newscrawl.core.dataset.__main__ import main as dataset_main

    out = tmp_path / "out"
    run = main if command == "merge" else dataset_main
    before = sorted(p for p in tmp_path.rglob("*"))
    with pytest.raises(SystemExit) as exc:
        run(["--edition", "en/../../../../x", "--output-dir", str(out), "--input-dir", str(runs)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "argument --edition: invalid choice: 'en/../../../../x'" in err and "Traceback" not in err
    assert sorted(p for p in tmp_path.rglob("*")) == before  # nothing written, inside or outside


def test_an_output_naming_a_run_file_is_refused_and_the_run_kept(tmp_path, capsys):
    """The merge leaves its output out of its inputs: --output <a run file> replaced that run's
    records with the others' (issue 22, fresh hostile pass). An earlier merge's output in the
    input directory (its manifest beside it) is still replaced."""
    runs = tmp_path / "en"
    write_run(runs / "2026-11-20T09-00-00+00-00.jsonl", [record(1, "2024-05-01T10:00:00+00:00")])
    second = write_run(runs / "2026-11-21T09-00-00+00-00.jsonl", [record(2, "2024-05-02T10:00:00+00:00")])
    before = second.read_bytes()
    assert main(["--input-dir", str(runs), "--output", str(second)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "would replace the run file" in err
    assert second.read_bytes() == before and sorted(p.name for p in runs.iterdir()) == [
        "2026-11-20T09-00-00+00-00.jsonl", "2026-11-21T09-00-00+00-00.jsonl"]
    merged = runs / "merged.jsonl"
    for _ in range(2):
        assert main(["--input-dir", str(runs), "--output", str(merged)]) == 0
        assert [r["post_id"] for r in read_lines(merged)] == ["1", "2"]


@pytest.mark.parametrize("which", ["output", "manifest"])
def test_an_output_that_is_no_regular_file_is_refused(tmp_path, capsys, which):
    """The files are replaced by a rename: --output /dev/null left a regular file in its place
    (issue 22, fresh hostile pass). A FIFO stands in for the device here."""
    runs = tmp_path / "en"
    write_run(runs / "2026-11-20T09-00-00+00-00.jsonl", [record(1, "2024-05-01T10:00:00+00:00")])
    output = tmp_path / "out" / "merged.jsonl"
    output.parent.mkdir()
    fifo = output if which == "output" else output.with_name("merged.manifest.json")
    os.mkfifo(fifo)
    assert main(["--input-dir", str(runs), "--output", str(output)]) == 2
    assert "is not a regular file" in capsys.readouterr().err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in output.parent.iterdir()) == [fifo.name]
