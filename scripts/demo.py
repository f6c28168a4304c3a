"""Offline demo: serve the replica, crawl it with the real spider, compare with its truth.

    python scripts/demo.py --articles 300 --output output/demo.jsonl
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newscrawl.core.testing import run_crawl  # noqa: E402
from tests.outlets.almayadeen.replica import Replica, ReplicaServer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=ROOT / "output" / "demo.jsonl")
    opts = parser.parse_args()
    opts.output.parent.mkdir(parents=True, exist_ok=True)

    site = Replica(seed=opts.seed, articles=opts.articles)
    with ReplicaServer(site) as server:
        print(f"replica: {server.url}/ ({opts.articles} articles, seed {opts.seed})", flush=True)
        started = time.monotonic()
        result = run_crawl(
            server.url,
            opts.output,
            settings={"NEWSCRAWL_NOW": site.now.isoformat(), "NEWSCRAWL_STATE": "off"},
        )
        elapsed = time.monotonic() - started
    if result.returncode != 0:
        print(result.stderr[-4000:], file=sys.stderr)
        print(f"crawl failed with exit status {result.returncode}", file=sys.stderr)
        return 1
    truth = site.truth()
    browser = result.stats.get("newscrawl/browser/unavailable/load_more", 0) == 0
    reachable = site.reachable(js=browser, max_pages=3)
    keys = {r["post_id"] or r["canonical_url"] for r in result.records}
    exact = sum(all(r.get(f) == v for f, v in truth[k].items()) for r in result.records
                for k in [r["post_id"] or r["canonical_url"]] if k in truth)
    print(f"crawl: {len(result.records)} records in {elapsed:.1f} s -> {opts.output}")
    print(f"truth: {len(truth)} articles; reachable with max_pages=3 {'and' if browser else 'without'} a browser: "
          f"{len(reachable)}; found {len(keys & set(reachable))}; records equal to the truth in every field: "
          f"{exact}/{len(result.records)}")
    return 0 if keys == set(reachable) and exact == len(result.records) else 1


if __name__ == "__main__":
    sys.exit(main())
