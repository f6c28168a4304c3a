"""Edit history end to end: scheduled runs with the clock injected re-check exactly the due
posts within the budget, youngest first; every edit becomes a version with the right
changed fields and word counts, every removal is recorded once; the merged versions and
removals, the Parquet tables and ``python -m newscrawl.history`` say what the replica's
truth says."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest

from newscrawl.core.clock import file_stamp, parse_utc
from newscrawl.core.merge import merge
from newscrawl.core.testing import ROOT, run_crawl
from tests.outlets.almayadeen.replica import ReplicaServer
from tests.outlets.almayadeen.replica.history import HistoryReplica, takedowns

# The default schedule (newscrawl/settings.py), modelled here on its own.
AGES = [timedelta(hours=h) for h in (1, 6, 24, 72, 168, 720)]


def key_of(record: dict) -> str:
    return record["post_id"] or record["canonical_url"]


@dataclass
class Run:
    at: datetime
    budget: int
    expected: list[str]  # the keys the model says are re-checked, youngest first
    due: int
    requested: set[str] = field(default_factory=set)
    summary: dict = field(default_factory=dict)
    records: list[dict] = field(default_factory=list)


@dataclass
class Story:
    site: HistoryReplica
    runs: list[Run]
    out: Path  # run files, their checks and WARCs (-O into one directory)
    keys: dict[str, str]  # role -> post key
    stored: set[str]


def _text_posts(site: HistoryReplica, keys: list[str]) -> list[str]:
    return [k for k in keys if sum(1 for b in site.body(site.index_of(k)).blocks if b.kind == "p" and b.text) > 1]


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> Story:
    site = HistoryReplica(seed=11, articles=40)
    new = site.publish(8)  # 5 minutes apart, newest last; the archive's are weeks apart
    out = tmp_path_factory.mktemp("history") / "runs"
    state = out.parent / "state.sqlite3"
    published = {k: parse_utc(r["published_at"]) for k, r in site.truth().items()}
    last_fetch: dict[str, datetime] = {}
    runs: list[Run] = []

    with ReplicaServer(site, responder=takedowns()) as server:
        def crawl(at: datetime, budget: int) -> Run:
            site.now = at
            due = [k for k, fetched in last_fetch.items()
                   if any(fetched < published[k] + age <= at for age in AGES)]
            expected = sorted(due, key=lambda k: (-published[k].timestamp(), k))[:budget]
            run = Run(at, budget, expected, len(due))
            start = len(server.log)
            result = run_crawl(server.url, out / f"{file_stamp(at)}.jsonl", settings={
                "NEWSCRAWL_NOW": at.isoformat(), "NEWSCRAWL_STATE_PATH": str(state), "NEWSCRAWL_INCREMENTAL": "True",
                "NEWSCRAWL_BROWSER_ENABLED": "False", "NEWSCRAWL_RECHECK_BUDGET": str(budget)})
            assert result.returncode == 0, result.stderr[-3000:]
            run.records, run.summary = result.records, result.summary.data
            run.requested = {unquote(r.path.split("?")[0]) for r in server.log[start:]
                             if site.article_at(unquote(r.path.split("?")[0])) is not None}
            for k in expected:
                last_fetch[k] = at
            for r in result.records:
                last_fetch.setdefault(key_of(r), at)
            runs.append(run)
            return run

        t0 = site.now
        first = crawl(t0, 5)
        stored = {key_of(r) for r in first.records}
        crawl(t0 + timedelta(minutes=65), 5)  # the 1 h age of the 8 new posts: 5 of them
        crawl(t0 + timedelta(minutes=70), 5)  # the other 3
        text = _text_posts(site, new)
        others = [k for k in reversed(new) if k not in text[:3]]
        keys = {"headline": text[0], "added": text[1], "removed": text[2], "tags": others[0],
                "gone_404": others[1], "gone_410": others[2], "gone_home": others[3], "gone_listing": others[4]}
        site.now = t0 + timedelta(hours=5)
        site.retitle(keys["headline"])
        site.add_paragraph(keys["added"])
        site.remove_paragraph(keys["removed"])
        site.retag(keys["tags"])
        site.take_down(keys["gone_404"], 404)
        site.take_down(keys["gone_410"], 410)
        site.take_down(keys["gone_home"], "home")
        site.take_down(keys["gone_listing"], "listing")
        crawl(t0 + timedelta(hours=6), 10)  # the 6 h age
        site.now = t0 + timedelta(hours=20)
        site.add_paragraph(keys["headline"])  # a second edit
        site.bring_back(keys["gone_404"])  # back as it was
        site.retitle(keys["gone_410"])  # edited while down
        site.bring_back(keys["gone_410"])
        crawl(t0 + timedelta(hours=25), 10)  # the 1 d age; gone_home and gone_listing still gone
    return Story(site, runs, out, keys, stored)


def _paths(site: HistoryReplica, keys) -> set[str]:
    return {site.heads[site.index_of(k)].path for k in keys}


# --- the schedule ---------------------------------------------------------------------------
def test_the_rechecks_made_are_the_due_ones_within_the_budget_youngest_first(story):
    site = story.site
    assert story.runs[0].summary["recheck"]["due"] == 0  # nothing stored yet
    for run in story.runs[1:]:
        assert run.expected, "every later run has posts due"
        assert run.requested == _paths(site, run.expected), run.at
        counts = run.summary["recheck"]
        assert (counts["due"], counts["made"], counts["skipped_budget"], counts["budget"]) == (
            run.due, len(run.expected), run.due - len(run.expected), run.budget)
    one, two = story.runs[1], story.runs[2]
    assert (one.due, len(one.expected), two.due, len(two.expected)) == (8, 5, 3, 3)
    # youngest first: every post re-checked in the first run is younger than those left for the second
    published = {k: r["published_at"] for k, r in site.truth().items()}
    assert min(published[k] for k in one.expected) > max(published[k] for k in two.expected)


def test_the_run_summary_counts_what_the_rechecks_found(story):
    counts = [{k: v for k, v in run.summary["recheck"].items() if k in ("changed", "unchanged", "gone", "removed", "back")}
              for run in story.runs[1:]]
    assert counts == [
        {"changed": 0, "unchanged": 5, "gone": 0, "removed": 0, "back": 0},
        {"changed": 0, "unchanged": 3, "gone": 0, "removed": 0, "back": 0},
        {"changed": 4, "unchanged": story.runs[3].due - 8, "gone": 4, "removed": 4, "back": 0},
        {"changed": 1, "unchanged": story.runs[4].due - 5, "gone": 2, "removed": 0, "back": 2},
    ]


def test_rechecks_emit_new_versions_and_checks_files_record_sightings_and_removals(story):
    keys, third, fourth = story.keys, story.runs[3], story.runs[4]
    assert sorted((key_of(r), r["revision"], r["discovered_via"]) for r in third.records) == sorted(
        (keys[k], 2, "recheck") for k in ("headline", "added", "removed", "tags"))
    assert sorted((key_of(r), r["revision"]) for r in fourth.records) == sorted(
        [(keys["headline"], 3), (keys["gone_404"], 2), (keys["gone_410"], 2)])
    checks = [json.loads(line) for line in (story.out / f"{file_stamp(third.at)}.checks.jsonl").read_text().splitlines()]
    removed = {key_of(c): c for c in checks if c["outcome"] == "removed"}
    assert {k: (c["status"], c["redirect_to"]) for k, c in removed.items()} == {
        keys["gone_404"]: (404, None), keys["gone_410"]: (410, None),
        keys["gone_home"]: (302, "https://english.almayadeen.net/"),
        keys["gone_listing"]: (301, "https://english.almayadeen.net" + story.site.redirect_path(
            story.site.index_of(keys["gone_listing"])))}
    assert all(re.fullmatch(r"<urn:uuid:[0-9a-f-]{36}>", c["warc"]["record_id"]) for c in checks)
    assert sum(c["outcome"] == "unchanged" for c in checks) == third.summary["recheck"]["unchanged"]
    assert third.summary["checks"] == len(checks) and third.summary["items"] == len(third.records) + len(checks) + \
        third.summary["ticker_lines"]
    later = (story.out / f"{file_stamp(fourth.at)}.checks.jsonl").read_text().splitlines()
    assert [json.loads(line)["outcome"] for line in later].count("removed") == 0  # still gone: not again


# --- merged history -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def merged(story):
    out = story.out.parent / "merged" / "almayadeen-en.jsonl"
    merge("en", story.out, out)
    read = lambda p: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()]  # noqa: E731
    return (read(out), read(out.with_name("almayadeen-en.versions.jsonl")),
            read(out.with_name("almayadeen-en.removals.jsonl")), out)


def test_every_version_is_in_the_versions_file_as_the_truth_says(story, merged):
    _, versions, _, _ = merged
    truth = story.site.versions()
    got: dict[str, list] = {}
    for row in versions:
        got.setdefault(row["key"], []).append(row)
    assert set(got) == story.stored
    for key, rows in got.items():
        expected = truth[key]
        assert [r["revision"] for r in rows] == list(range(1, len(expected) + 1)), key
        assert [(r["title"], r["changed"], r["words"], r["restored"]) for r in rows] == \
               [(e.title, e.changed, e.words, e.restored) for e in expected], key
        assert all(r["first_seen"] <= r["last_seen"] for r in rows)
        assert [r["first_seen"] for r in rows] == sorted(r["first_seen"] for r in rows)
    assert len(got[story.keys["headline"]]) == 3


def test_every_removal_is_recorded_once(story, merged):
    _, versions, removals, _ = merged
    truth = story.site.removals()
    assert {(r["key"], r["status"], r["redirect_to"], r["revision"], r["returned_at"] is not None) for r in removals} == \
           {(k, e["status"], e["redirect_to"], e["revision"], e["returned"]) for k, rows in truth.items() for e in rows}
    assert len(removals) == 4
    ended = {(v["key"], v["revision"]): v["removed_at"] for v in versions if v["removed_at"]}
    assert ended == {(r["key"], r["revision"]): r["removed_at"] for r in removals}


def test_the_merged_file_is_the_latest_version_with_removed_at(story, merged):
    records, _, _, _ = merged
    truth, versions = story.site.truth(), story.site.versions()
    by_key = {key_of(r): r for r in records}
    assert set(by_key) == story.stored
    for key, record in by_key.items():
        assert record["revision"] == len(versions[key])
        assert record["version_hash"] == truth[key]["version_hash"], key
        assert (record["removed_at"] is not None) == (key in (story.keys["gone_home"], story.keys["gone_listing"]))


# --- python -m newscrawl.history ----------------------------------------------------------
def history(story, merged, *args) -> subprocess.CompletedProcess:
    _, _, _, out = merged
    return subprocess.run([sys.executable, "-m", "newscrawl.history", *args, "--input-dir", str(story.out),
                           "--merged", str(out), "--no-merge"], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_history_prints_the_headline_change_first_and_each_versions_warc_record(story, merged):
    key = story.keys["headline"]
    truth = story.site.versions()[key]
    shown = history(story, merged, key)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert text.startswith(f"post {key}  https://english.almayadeen.net/")
    assert "3 versions, 0 removals" in text
    before, after = truth[0].title.split(), truth[1].title.split()
    kept = [w for w in after if w in before]
    line = " ".join(kept) + " [-" + " ".join(before[len(kept):]) + "-] {+" + " ".join(after[len(kept):]) + "+}"
    revisions = text.split("\nrevision ")
    assert len(revisions) == 4
    assert "changed: title" in revisions[2] and f"title (+4 -{len(before) - len(kept)} words):\n    {line}\n" in revisions[2]
    assert "changed: body" in revisions[3] and "{+Editors added later" in revisions[3] and "title (" not in revisions[3]
    # every version names its stored response, read back from the WARC file on disk
    assert len(re.findall(r"WARC <urn:uuid:[0-9a-f-]{36}>  \S+\.warc\.gz @ \d+  \(response 200 http://127\.0\.0\.1:\d+/", text)) == 3


def test_history_by_url_shows_a_removal_and_the_return(story, merged):
    key = story.keys["gone_410"]
    head = story.site.heads[story.site.index_of(key)]
    shown = history(story, merged, "https://english.almayadeen.net" + head.path)
    assert shown.returncode == 0, shown.stderr
    assert "\nremoved " in shown.stdout and "(410), back " in shown.stdout
    assert "revision 2 (back after a removal)" in shown.stdout and "changed: title" in shown.stdout
    assert re.search(r"\(410\), back .*\n  WARC <urn:uuid:[0-9a-f-]{36}> .*\(response 410 ", shown.stdout)


def test_history_of_an_unknown_post_exits_1(story, merged):
    shown = history(story, merged, "no-such-post")
    assert shown.returncode == 1 and "no post 'no-such-post'" in shown.stderr


# --- the dataset's tables -------------------------------------------------------------------
@pytest.fixture(scope="module")
def dataset(story, merged):
    from newscrawl.core.dataset import build

    _, _, _, out = merged
    target = story.out.parent / "dataset"
    build("en", story.out.parent, merged=out, target=target, merge_first=False, summaries_dir=story.out)
    return target


def test_the_parquet_versions_and_removals_tables_equal_the_truth(story, dataset):
    import pyarrow.parquet as pq

    versions = pq.read_table(dataset / "versions").to_pylist()
    removals = pq.read_table(dataset / "removals").to_pylist()
    truth = story.site.versions()
    expected = {(k, n): e for k, rows in truth.items() if k in story.stored for n, e in enumerate(rows, start=1)}
    assert {(r["key"], r["revision"]) for r in versions} == set(expected)
    fields = ("title", "summary", "body", "authors", "tags", "section", "images")
    for row in versions:
        e = expected[(row["key"], row["revision"])]
        assert row["title"] == e.title and row["changed"] == e.changed and row["restored"] == e.restored
        assert [f for f in fields if row[f"{f}_changed"]] == e.changed
        for f in ("title", "summary", "body"):
            assert (row[f"{f}_words_inserted"], row[f"{f}_words_deleted"]) == (
                e.words[f]["inserted"], e.words[f]["deleted"]), (row["key"], f)
        assert row["words_inserted"] == sum(e.words[f]["inserted"] for f in ("title", "summary", "body"))
        assert re.fullmatch(r"<urn:uuid:[0-9a-f-]{36}>", row["warc_record_id"]) and row["warc_file"].endswith(".warc.gz")
        assert row["first_seen"].utcoffset().total_seconds() == 0
    gone = story.site.removals()
    assert sorted((r["key"], r["status"], r["redirect_to"], r["revision"], r["returned_at"] is not None) for r in removals) == \
           sorted((k, e["status"], e["redirect_to"], e["revision"], e["returned"]) for k, rows in gone.items() for e in rows)
    assert all(r["warc_record_id"] for r in removals)


def test_the_card_and_report_document_the_history(story, dataset):
    card = (dataset / "README.md").read_text(encoding="utf-8")
    assert "config_name: versions" in card and "config_name: removals" in card
    section = card.split("## Versions and removals", 1)[1]
    assert "| `warc_record_id` |" in section and "| `title_words_inserted` |" in section and "| `redirect_to` |" in section
    data = json.loads((dataset / "figures" / "figures.json").read_text(encoding="utf-8"))["history"]
    edits = sum(1 for rows in story.site.versions().values() for e in rows[1:] if e.changed)
    assert data["counts"]["edits"] == edits == sum(data["edits_per_week"]) == 6
    assert data["counts"]["removals"] == 4 and data["counts"]["returned"] == 2
    assert sum(data["first_edit"]["posts"]) == data["counts"]["edited_posts"] == 5
    top = data["most_edited"][0]
    assert (top["key"], top["edits"]) == (story.keys["headline"], 2)
    assert [t["title"] for t in top["titles"]] == [e.title for e in story.site.versions()[story.keys["headline"]]]
    report = (dataset / "report.html").read_text(encoding="utf-8")
    for name in ("edits_per_week", "first_edit", "removals_per_week"):
        assert (dataset / "figures" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f'src="figures/{name}.png"' in report
    assert "Most-edited posts and their headlines" in report and top["titles"][1]["title"] in report
