"""Crawl a large replica once and compare every record with its ground truth.

The test suite checks correctness on a 300-article replica; this script checks that
nothing changes at archive scale (50,000 articles took about five minutes here):

    .venv/bin/python scripts/truth_at_scale.py --articles 50000

It prints the counts and the first differences, and exits 1 if any record is missing,
extra, duplicated or has a field unequal to the truth.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newscrawl.core.args import DEFAULT_MAX_PAGES  # noqa: E402
from newscrawl.core.testing import run_crawl  # noqa: E402
from tests.outlets.almayadeen.replica import Replica, ReplicaServer  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--edition", default="en", choices=("en", "ar", "es"))
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--max-pages", type=int, default=DEFAULT_MAX_PAGES,
                        help="listing pages per section, as the crawl's -a max_pages (default: the crawl's)")
    opts = parser.parse_args(argv)

    site = Replica(seed=opts.seed, articles=opts.articles, edition=opts.edition)
    # What the crawl can reach: a listing paged by plain links is read up to max_pages pages,
    # as the crawl reads it (the truth's default is every page).
    reachable = site.reachable(js=False, max_pages=opts.max_pages)
    truth = site.truth()
    with ReplicaServer(site) as server, tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        result = run_crawl(
            server.url,
            Path(tmp) / "out.jsonl",
            args={"edition": opts.edition, "max_pages": str(opts.max_pages)},
            settings={"NEWSCRAWL_NOW": site.now.isoformat(), "NEWSCRAWL_STATE": "off",
                      "NEWSCRAWL_BROWSER_ENABLED": "False"},
            timeout=opts.timeout,
        )
        wall = time.monotonic() - started
    if result.returncode != 0:
        print(result.stderr[-3000:])
        return 1

    keys = [r["post_id"] or r["canonical_url"] for r in result.records]
    found = set(keys)
    duplicates = [k for k, n in Counter(keys).items() if n > 1]
    missing = sorted(set(reachable) - found)
    extra = sorted(found - set(reachable))
    wrong = [(k, field, r.get(field), value)
             for k, r in zip(keys, result.records) if k in truth
             for field, value in truth[k].items() if r.get(field) != value]
    print(f"replica: {opts.edition}, seed {opts.seed}, {opts.articles} articles; "
          f"{len(reachable)} reachable without JavaScript")
    print(f"crawl: {len(result.records)} records in {wall:.0f} s; missing {len(missing)}, extra {len(extra)}, "
          f"duplicated {len(duplicates)}, wrong fields {len(wrong)}")
    for label, items in (("missing", missing), ("extra", extra), ("duplicated", duplicates), ("wrong", wrong)):
        for item in items[:5]:
            print(f"  {label}: {item}")
    return 1 if missing or extra or duplicates or wrong else 0


if __name__ == "__main__":
    sys.exit(main())
