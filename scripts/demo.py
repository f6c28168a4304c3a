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

from newscrawl.testing import run_crawl  # noqa: E402
from tests.site import Replica, ReplicaServer  # noqa: E402


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
    reachable = site.reachable(js=True)
    keys = {r["post_id"] or r["canonical_url"] for r in result.records}
    print(f"crawl: {len(result.records)} records in {elapsed:.1f} s -> {opts.output}")
    print(f"truth: {len(truth)} articles, {len(reachable)} reachable by a crawl; found {len(keys & set(reachable))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
