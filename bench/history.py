"""Cost of the edit history (issue 23): a scheduled re-run on a 10,000-post state with edits,
and the merge and dataset build with versions on and off.

    python -m bench.history rerun --articles 10000 --young 288 --out /tmp/bh/rerun.json
    python -m bench.history runs --articles 10000 --out /tmp/bh/runs      # run files with an edit history

``rerun`` serves a ``HistoryReplica`` of ``--articles`` archive posts plus ``--young`` posts
published 5 minutes apart (the last day), stores them all with one full incremental crawl,
edits and takes down some of the youngest, moves the clock on an hour and makes the
scheduled re-run from copies of that state, once with the default re-check budget and once
with ``--big-budget``: the requests each spends, the re-checks due, made and skipped, and what
they found (from the run summaries). Politeness is off (as in the other benchmarks) so that
the replica, not a delay, sets the pace; the request counts do not depend on it.

``runs`` writes run files as the scheduled runs would leave them, without crawling: every
record of the replica's truth (first run), then ``--runs`` later runs each with
``--edited`` of the posts edited once more (another title and an added paragraph, later
``crawled_at``, a new WARC record id, the crawl's revision + 1), and a checks file per later
run with ``--sightings`` unchanged re-checks and ``--removals`` removals. Time the
merge and the dataset build from them, with versions and without, whole-process, the two
commands alternated under ``/usr/bin/time -v`` (docs/benchmarks.md, section 9).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rerun(articles: int, young: int, big_budget: int, out: Path) -> dict:
    from newscrawl import settings
    from newscrawl.core.clock import file_stamp
    from newscrawl.core.testing import run_crawl
    from tests.outlets.almayadeen.replica import ReplicaServer
    from tests.outlets.almayadeen.replica.history import HistoryReplica, takedowns

    site = HistoryReplica(seed=1, articles=articles)
    new = site.publish(young)  # the youngest last
    results: dict = {"articles": articles, "young": young, "rows": []}
    with ReplicaServer(site, responder=takedowns()) as server, tempfile.TemporaryDirectory(prefix="bench-history-") as d:
        tmp = Path(d)
        state = tmp / "state.sqlite3"

        def crawl(name: str, at: datetime, state_path: Path, **extra: str) -> dict:
            site.now = at
            started = time.monotonic()
            result = run_crawl(server.url, tmp / name / f"{file_stamp(at)}.jsonl", timeout=3600, settings={
                "NEWSCRAWL_NOW": at.isoformat(), "NEWSCRAWL_STATE_PATH": str(state_path),
                "NEWSCRAWL_INCREMENTAL": "True", "NEWSCRAWL_BROWSER_ENABLED": "False", "LOG_LEVEL": "WARNING", **extra})
            wall = time.monotonic() - started
            assert result.returncode == 0, result.stderr[-2000:]
            data = result.summary.data
            row = {"run": name, "requests": data["requests"], "articles": data["articles"], "checks": data.get("checks", 0),
                   "recheck": data.get("recheck", {}), "wall": round(wall, 2),
                   "elapsed": round(result.stats.get("elapsed_time_seconds", 0), 2)}
            print(f"  {name}: {row}", flush=True)
            return row

        t0 = site.now
        results["first"] = crawl("first", t0, state)
        # Edits among the posts the next run re-checks first (the youngest): two headlines, a
        # paragraph, tags, one taken down; and as many again among older young posts.
        for keys in (new[-4:], new[-40:-36]):
            site.retitle(keys[0])
            site.add_paragraph(keys[1])
            site.retag(keys[2])
            site.take_down(keys[3], 404)
        results["edits"] = 8
        at = t0 + timedelta(hours=1)
        for name, budget in (("re-run, default budget", settings.NEWSCRAWL_RECHECK_BUDGET), ("re-run, bigger budget", big_budget)):
            copy = tmp / f"state-{budget}.sqlite3"
            shutil.copy(state, copy)
            row = crawl(name.split(",")[0].replace(" ", "-") + f"-{budget}", at, copy, NEWSCRAWL_RECHECK_BUDGET=str(budget))
            row["run"], row["budget"] = name, budget
            made = row["recheck"].get("made", 0)
            row["recheck_share"] = round(made / row["requests"], 4) if row["requests"] else None
            results["rows"].append(row)
        results["stored"] = results["first"]["articles"]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return results


def runs(articles: int, seed: int, out: Path, later: int, edited: float, removals: int, sightings: int) -> None:
    from newscrawl.core.items import version_hash
    from tests.outlets.almayadeen.replica import Replica
    from tests.outlets.almayadeen.replica.history import ADDED_PARAGRAPH, HEADLINE_WORDS

    site = Replica(seed=seed, articles=articles)
    truth = sorted(site.truth().values(), key=lambda r: r["published_at"])
    out.mkdir(parents=True, exist_ok=True)
    start = datetime(2026, 11, 20, 9, 0, 1)
    n_edited = int(len(truth) * edited)

    def write(path: Path, rows) -> None:
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    def stamp(run: int) -> tuple[str, str]:
        at = start + timedelta(hours=run)
        return at.strftime("%Y-%m-%dT%H-%M-%S+00-00"), at.isoformat() + "+00:00"

    current, removed = {}, set()
    first = []
    name, crawled = stamp(0)
    for n, record in enumerate(truth):
        record = dict(record, url=record["canonical_url"], crawled_at=crawled, discovered_via="sitemap",
                      warc={"file": f"{name}-00000.warc.gz", "offset": n * 4000, "record_id": f"<urn:uuid:run0-{n}>"})
        current[n] = record
        first.append(record)
    write(out / f"{name}.jsonl", first)
    for run in range(1, later + 1):
        name, crawled = stamp(run)
        edited_now = range((run - 1) * n_edited % len(truth), (run - 1) * n_edited % len(truth) + n_edited)
        rows, checks = [], []
        for n in edited_now:
            n %= len(truth)
            before = current[n]
            record = dict(before, title=f"{before['title']} {' '.join(HEADLINE_WORDS[: 1 + run % 3])}",
                          body=before["body"] + "\n\n" + ADDED_PARAGRAPH, crawled_at=crawled, discovered_via="recheck",
                          revision=before["revision"] + 1,
                          warc={"file": f"{name}-00000.warc.gz", "offset": n * 4000, "record_id": f"<urn:uuid:run{run}-{n}>"})
            record["version_hash"] = version_hash(record)
            current[n] = record
            rows.append(record)
        touched = {n % len(truth) for n in edited_now}
        gone = seen = 0
        for n, record in current.items():
            if n in touched or n in removed:
                continue
            if gone < removals and n % 97 == run:
                outcome, gone = "removed", gone + 1
                removed.add(n)
            elif seen < sightings:
                outcome, seen = "unchanged", seen + 1
            else:
                continue
            checks.append({"post_id": record["post_id"], "canonical_url": record["canonical_url"], "edition": "en",
                           "checked_at": crawled, "outcome": outcome, "status": 404 if outcome == "removed" else 200,
                           "redirect_to": None, "version_hash": record["version_hash"] if outcome == "unchanged" else None,
                           "warc": {"file": f"{name}-00000.warc.gz", "offset": n, "record_id": f"<urn:uuid:check{run}-{n}>"}})
        rows.sort(key=lambda r: r["published_at"])
        write(out / f"{name}.jsonl", rows)
        write(out / f"{name}.checks.jsonl", checks)
    size = sum(p.stat().st_size for p in out.iterdir())
    print(f"{out}: {len(truth)} posts, {later} later runs of {n_edited} edits each, {size} bytes")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.history", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("rerun", help="a scheduled re-run on a large state with edits")
    one.add_argument("--articles", type=int, default=10_000)
    one.add_argument("--young", type=int, default=288, help="posts published 5 minutes apart before the first run")
    one.add_argument("--big-budget", type=int, default=40)
    one.add_argument("--out", type=Path, default=Path("/tmp/bench-history/rerun.json"))
    two = sub.add_parser("runs", help="run files and checks files with an edit history, for the merge and dataset timings")
    two.add_argument("--articles", type=int, default=10_000)
    two.add_argument("--seed", type=int, default=1)
    two.add_argument("--runs", type=int, default=3, help="later runs, each with edits")
    two.add_argument("--edited", type=float, default=0.1, help="share of the posts edited in each later run")
    two.add_argument("--removals", type=int, default=30, help="removals in each later run's checks")
    two.add_argument("--sightings", type=int, default=100, help="unchanged re-checks in each later run's checks")
    two.add_argument("--out", type=Path, default=Path("/tmp/bench-history/runs"))
    opts = parser.parse_args(argv)
    if opts.command == "rerun":
        rerun(opts.articles, opts.young, opts.big_budget, opts.out)
    else:
        runs(opts.articles, opts.seed, opts.out, opts.runs, opts.edited, opts.removals, opts.sightings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
