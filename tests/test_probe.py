"""The probe (``python -m newscrawl.probe``): a capped first look that writes nothing."""

from __future__ import annotations

import subprocess
import sys

from newscrawl.core.testing import ROOT
from tests.outlets.almayadeen.replica import Replica, ReplicaServer


def run_probe(server, site, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.probe", "--base-url", server.url, "-s", "DOWNLOAD_DELAY=0",
         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", f"NEWSCRAWL_NOW={site.now.isoformat()}", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )


def snapshot() -> set:
    output = ROOT / "output"
    return {p for p in output.rglob("*")} if output.exists() else set()


def test_probe_stays_under_its_cap_prints_the_table_and_writes_nothing(tmp_path):
    site = Replica(seed=5, articles=80)
    before = snapshot()
    with ReplicaServer(site) as server:
        proc = run_probe(server, site, "--max-requests", "35", "--per-listing", "2")
        requests = len(server.log)
    assert proc.returncode == 0, proc.stderr
    assert requests <= 35
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["field", "coverage", "source", "example"]
    title = next(line for line in lines if line.startswith("title "))
    assert "100%" in title
    assert any(line.startswith("labels never seen: ") for line in lines)
    assert any(line.startswith("URL shapes not seen: ") for line in lines)
    assert snapshot() == before, "the probe must write nothing under output/"


def test_probe_names_the_labels_the_site_does_not_show():
    site = Replica(seed=5, articles=40, labels={"read_next": "Up next"})
    with ReplicaServer(site) as server:
        proc = run_probe(server, site, "--max-requests", "30")
    assert proc.returncode == 0, proc.stderr
    [labels] = [line for line in proc.stdout.splitlines() if line.startswith("labels never seen: ")]
    assert "read_next ('Read Next')" in labels and "most_read" not in labels


def test_probe_names_what_the_edition_table_should_gain():
    # Posts kept under a root the table does not list and links of shapes it does not list:
    # the operator adds one line to the edition table (issue 21).
    from newscrawl.core.probe import report

    records = [{"canonical_url": "https://www.almayadeen.net/investigations/x", "title": "T", "post_type": "تحقيقات",
                "word_count": 10, "extracted_from": {}, "flags": []}]
    summary = {"requests": 3, "coverage": {
        "labels_missing": [], "page_types_unseen": ["liveblog"],
        "unknown_link_shapes": {"/programs/<slug>": {"count": 7, "example": "https://www.almayadeen.net/programs/a"}},
        "not_posts": {"reasons": {"type_page": 2}, "found_via": {"sitemap": 2}}}}
    lines = report(records, summary, "ar").splitlines()
    assert "post roots not in the edition table: /investigations/ 1 (e.g. https://www.almayadeen.net/investigations/x)" in lines
    assert ("link shapes not in the edition table (not followed): /programs/<slug> 7 "
            "(e.g. https://www.almayadeen.net/programs/a)") in lines
    assert "post types never seen before: liveblog" in lines
    assert "pages that were not posts: type_page 2" in lines


def test_probe_of_the_arabic_replica_names_its_unlisted_root():
    site = Replica(seed=1, articles=120, edition="ar")
    with ReplicaServer(site) as server:
        proc = run_probe(server, site, "--edition", "ar", "--sections", "news,palestine,lebanon,world",
                         "--per-listing", "10", "--max-requests", "60")
    assert proc.returncode == 0, proc.stderr
    [roots] = [line for line in proc.stdout.splitlines() if line.startswith("post roots not in the edition table: ")]
    assert "/investigations/" in roots, proc.stdout
