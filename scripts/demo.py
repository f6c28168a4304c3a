"""Offline demo: serve the replica, crawl it with the real spider, check it against its truth,
and build its dataset.

    python scripts/demo.py [--articles 300] [--seed 1] [--output-dir output]

The demo's data is the dataset ``demo`` (newscrawl/core/dataset_names.py), never the live
site's names: the run file ``<output-dir>/demo/en/<UTC start>.jsonl`` (and its summary), its
WARC files in ``<output-dir>/warc/demo-en/``, the merged file
``<output-dir>/merged/demo-en.jsonl`` and the published dataset ``<output-dir>/dataset/demo-en/``
(``python -m newscrawl.dataset --dataset demo``). Each demo replaces the previous demo's run
and WARC files, so its dataset is this replica's alone. Exit 1 when the crawl, the check or
the build fails.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newscrawl.core.clock import file_stamp, utc_now  # noqa: E402
from newscrawl.core.dataset_names import DEMO  # noqa: E402
from newscrawl.core.testing import run_crawl  # noqa: E402
from tests.outlets.almayadeen.replica import Replica, ReplicaServer  # noqa: E402

EDITION = "en"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output-dir", type=Path, default=ROOT / "output",
                        help="root of the demo's files (default: <project>/output)")
    opts = parser.parse_args()
    runs, warcs = opts.output_dir / DEMO / EDITION, opts.output_dir / "warc" / f"{DEMO}-{EDITION}"
    for directory in (runs, warcs):  # the previous demo's: only the demo writes there
        shutil.rmtree(directory, ignore_errors=True)
    runs.mkdir(parents=True)
    output = runs / f"{file_stamp(utc_now())}.jsonl"

    site = Replica(seed=opts.seed, articles=opts.articles)
    with ReplicaServer(site) as server:
        print(f"replica: {server.url}/ ({opts.articles} articles, seed {opts.seed})", flush=True)
        started = time.monotonic()
        result = run_crawl(
            server.url,
            output,
            settings={"NEWSCRAWL_NOW": site.now.isoformat(), "NEWSCRAWL_STATE": "off",
                      "NEWSCRAWL_WARC_DIR": str(warcs)},
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
    print(f"crawl: {len(result.records)} articles in {elapsed:.1f} s -> {output}")
    print(f"truth: {len(truth)} articles; reachable with max_pages=3 {'and' if browser else 'without'} a browser: "
          f"{len(reachable)}; found {len(keys & set(reachable))}; records equal to the truth in every field: "
          f"{exact}/{len(result.records)}", flush=True)
    checked = keys == set(reachable) and exact == len(result.records)
    # The dataset, as a user builds it: the same command, the demo's dataset named.
    built = subprocess.run([sys.executable, "-m", "newscrawl.dataset", "--edition", EDITION, "--dataset", DEMO,
                            "--output-dir", str(opts.output_dir)], cwd=ROOT)
    return 0 if checked and built.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
