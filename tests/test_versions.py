"""The merge's edit history on synthetic run files: versions in capture order, whatever the
runs' counters say; removals from the checks files, once; word-level diff counts."""

from __future__ import annotations

import json
from pathlib import Path

from newscrawl.core.items import version_hash
from newscrawl.core.merge import main, merge
from newscrawl.core.versions import changes, timeline, word_changes

BODY = "First paragraph of the post.\n\nSecond paragraph, with more words in it."


def record(post_id="1", crawled="2026-11-20T09:00:00+00:00", revision=1, title="Strike reported in the south",
           body=BODY, record_id=None, **extra):
    rec = {
        "url": f"https://english.almayadeen.net/news/politics/post-{post_id}",
        "canonical_url": f"https://english.almayadeen.net/news/politics/post-{post_id}",
        "post_id": post_id, "edition": "en", "section": "Politics", "title": title, "summary": "A summary.",
        "authors": ["Al Mayadeen English"], "tags": ["Lebanon"], "images": [], "body": body,
        "published_at": "2026-11-20T08:00:00+00:00", "crawled_at": crawled, "revision": revision,
        "warc": {"file": "x.warc.gz", "offset": 0, "record_id": record_id or f"<urn:uuid:{crawled}>"},
        **extra,
    }
    rec["version_hash"] = version_hash(rec)
    return rec


def check(outcome, at, post_id="1", status=None, redirect_to=None, vhash=None):
    return {"post_id": post_id, "canonical_url": f"https://english.almayadeen.net/news/politics/post-{post_id}",
            "edition": "en", "checked_at": at, "outcome": outcome, "status": status or (200 if outcome == "unchanged" else 404),
            "redirect_to": redirect_to, "version_hash": vhash, "warc": {"file": "y.warc.gz", "offset": 7, "record_id": f"<{at}>"}}


def write(path: Path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_fresh_state_never_lets_an_older_text_win(tmp_path):
    """Issue 23: three edits (revisions 1-3), the state file deleted, then an edit written as
    revision 1 of a fresh memory: the merge keeps that newest text, as its fifth version."""
    d = tmp_path / "runs"
    titles = ["Strike reported", "Strike reported in the south", "Strike reported in the south, three hurt",
              "Strike in the south: three hurt, officials say"]
    write(d / "2026-11-20T09-00-00.jsonl", [record(title=titles[0], crawled="2026-11-20T09:00:00+00:00")])
    write(d / "2026-11-20T10-00-00.jsonl", [record(title=titles[1], crawled="2026-11-20T10:00:00+00:00", revision=2)])
    write(d / "2026-11-20T11-00-00.jsonl", [record(title=titles[2], crawled="2026-11-20T11:00:00+00:00", revision=3)])
    # state deleted: the next run writes what it finds as revision 1, then an edit as revision 2
    write(d / "2026-11-20T12-00-00.jsonl", [record(title=titles[2], crawled="2026-11-20T12:00:00+00:00", revision=1)])
    write(d / "2026-11-20T13-00-00.jsonl", [record(title=titles[3], crawled="2026-11-20T13:00:00+00:00", revision=2)])
    out = tmp_path / "merged" / "almayadeen-en.jsonl"
    merge("en", d, out)
    (merged,) = read(out)
    assert (merged["title"], merged["revision"]) == (titles[3], 4)
    versions = read(out.with_name("almayadeen-en.versions.jsonl"))
    assert [(v["revision"], v["title"], v["first_seen"][11:16], v["last_seen"][11:16]) for v in versions] == [
        (1, titles[0], "09:00", "09:00"), (2, titles[1], "10:00", "10:00"),
        (3, titles[2], "11:00", "12:00"),  # seen again after the reset: the same version
        (4, titles[3], "13:00", "13:00")]
    assert [v["changed"] for v in versions] == [[], ["title"], ["title"], ["title"]]
    # kept: Strike, in, the, three; gone: reported, "south,", hurt; new: "south:", "hurt,", officials, say
    assert versions[3]["words"]["title"] == {"inserted": 4, "deleted": 3}
    assert versions[1]["words"] == {"title": {"inserted": 3, "deleted": 0}, "summary": {"inserted": 0, "deleted": 0},
                                    "body": {"inserted": 0, "deleted": 0}}
    assert [v["warc"]["record_id"] for v in versions] == [f"<urn:uuid:2026-11-20T{h}:00:00+00:00>" for h in ("09", 10, 11, 13)]
    assert versions[2]["source"] == {"file": "2026-11-20T11-00-00.jsonl", "offset": 0}


def test_a_reextraction_replaces_its_capture_and_never_a_later_one(tmp_path):
    d = tmp_path / "runs"
    write(d / "2026-11-20T09-00-00.jsonl", [record(title="Old parse", crawled="2026-11-20T09:00:05+00:00", record_id="<a>")])
    write(d / "2026-11-20T10-00-00.jsonl", [record(title="Edited", crawled="2026-11-20T10:00:05+00:00", record_id="<b>", revision=2)])
    # the re-extraction: newest file, captures' times, the same record ids
    write(d / "2026-11-21T00-00-00.jsonl", [
        record(title="New parse", crawled="2026-11-20T09:00:00+00:00", record_id="<a>", discovered_via="warc"),
    ])
    out = tmp_path / "m.jsonl"
    merge("en", d, out)
    assert [(r["title"], r["revision"]) for r in read(out)] == [("Edited", 2)]
    versions = read(tmp_path / "m.versions.jsonl")
    assert [(v["title"], v["first_seen"]) for v in versions] == [
        ("New parse", "2026-11-20T09:00:00+00:00"), ("Edited", "2026-11-20T10:00:05+00:00")]


def test_removals_are_recorded_once_and_a_post_that_comes_back_is_a_new_version(tmp_path):
    d = tmp_path / "runs"
    first = record(crawled="2026-11-20T09:00:00+00:00")
    write(d / "2026-11-20T09-00-00.jsonl", [first, record(post_id="2", crawled="2026-11-20T09:00:00+00:00")])
    write(d / "2026-11-20T10-00-00.checks.jsonl", [
        check("unchanged", "2026-11-20T10:00:00+00:00", vhash=first["version_hash"]),
        check("removed", "2026-11-20T10:00:01+00:00", post_id="2", status=302,
              redirect_to="https://english.almayadeen.net/"),
    ])
    write(d / "2026-11-20T11-00-00.checks.jsonl", [
        check("removed", "2026-11-20T11:00:00+00:00", status=410),
        check("removed", "2026-11-20T12:00:00+00:00", status=410),  # a second report of the same removal
    ])
    # post 1 back, same text
    write(d / "2026-11-20T13-00-00.jsonl", [record(crawled="2026-11-20T13:00:00+00:00", revision=2)])
    out = tmp_path / "m.jsonl"
    merge("en", d, out)
    merged = {r["post_id"]: r for r in read(out)}
    assert (merged["1"]["revision"], merged["1"].get("removed_at")) == (2, None)
    assert (merged["2"]["revision"], merged["2"]["removed_at"]) == (1, "2026-11-20T10:00:01+00:00")  # still gone
    versions = read(tmp_path / "m.versions.jsonl")
    by_post = {(v["post_id"], v["revision"]): v for v in versions}
    assert by_post[("1", 1)]["last_seen"] == "2026-11-20T10:00:00+00:00"  # the unchanged re-check
    assert by_post[("1", 1)]["removed_at"] == "2026-11-20T11:00:00+00:00"
    assert (by_post[("1", 2)]["restored"], by_post[("1", 2)]["changed"]) == (True, [])
    removals = read(tmp_path / "m.removals.jsonl")
    assert [(r["post_id"], r["removed_at"], r["status"], r["redirect_to"], r["revision"], r["returned_at"]) for r in removals] == [
        ("1", "2026-11-20T11:00:00+00:00", 410, None, 1, "2026-11-20T13:00:00+00:00"),
        ("2", "2026-11-20T10:00:01+00:00", 302, "https://english.almayadeen.net/", 1, None),
    ]
    assert removals[1]["warc"]["record_id"] == "<2026-11-20T10:00:01+00:00>"
    manifest = json.loads((tmp_path / "m.manifest.json").read_text())
    assert manifest["history"]["removal_events"] == 2 and manifest["history"]["posts_with_later_versions"] == 1
    assert [i["path"] for i in manifest["history"]["checks_inputs"]] == [
        "2026-11-20T10-00-00.checks.jsonl", "2026-11-20T11-00-00.checks.jsonl"]


def test_changed_fields_and_word_counts():
    before = record()
    after = record(body=BODY.replace("Second paragraph, with more words in it.", "Second paragraph.")
                   + "\n\nA new paragraph of six words.", tags=["Lebanon", "Gaza"])
    changed, counts = changes(before, after)
    assert changed == ["body", "tags"]
    assert counts["body"] == {"inserted": 7, "deleted": 6}
    assert word_changes("a b c", "a b c") == (0, 0) and word_changes("", "two words") == (2, 0)


def test_no_versions_writes_the_merged_file_only(tmp_path):
    d = tmp_path / "runs"
    write(d / "a.jsonl", [record(revision=7)])
    assert main(["--input-dir", str(d), "--output", str(tmp_path / "m.jsonl"), "--no-versions"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.jsonl", "m.manifest.json", "runs"]
    assert read(tmp_path / "m.jsonl")[0]["revision"] == 7  # copied as it was


def test_timeline_orders_equal_times_by_content():
    from newscrawl.core.versions import Capture

    a, b = Capture(10.0, "a", None, 1, 0, 0, 1), Capture(10.0, "b", None, 0, 0, 0, 1)
    assert [v.first.vhash for v in timeline([b, a], [])] == ["a", "b"]


def test_every_versions_line_is_its_row_as_json(tmp_path):
    """Posts seen once (most) have their line put together from pieces: the same bytes."""
    from newscrawl.core.versions import json_line

    d = tmp_path / "runs"
    write(d / "a.jsonl", [record(post_id="1"), record(post_id="2", title='Quotes " and \\\\ and ünïcode\u2028'),
                          {**record(post_id="3"), "warc": None}])
    write(d / "b.jsonl", [record(post_id="1", crawled="2026-11-20T10:00:00+00:00", title="Edited", revision=2)])
    merge("en", d, tmp_path / "m.jsonl")
    lines = (tmp_path / "m.versions.jsonl").read_bytes().splitlines(keepends=True)
    assert len(lines) == 4
    assert all(json_line(json.loads(line)) == line for line in lines)
