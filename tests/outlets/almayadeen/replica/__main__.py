"""python -m tests.outlets.almayadeen.replica [--edition en|ar|es] --articles N --seed S [--port P] [--truth FILE]
[--pager load_more|next|numbered] [--page-size N] [--real-posts]"""

import argparse
import json
import signal
import sys
import threading

from . import Replica, ReplicaServer
from .editions import PAGERS


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.outlets.almayadeen.replica", description="Serve the offline replica of Al Mayadeen.")
    parser.add_argument("--edition", default="en", choices=["en", "ar", "es"])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--truth", help="write the ground truth as JSON Lines to this file and exit")
    parser.add_argument("--pager", choices=PAGERS, help="how listings page (default: the edition's)")
    parser.add_argument("--page-size", type=int, default=10, help="cards per listing page")
    parser.add_argument("--real-posts", action="store_true", help="Arabic: only the 296 real posts of the May 2024 sample")
    opts = parser.parse_args()
    site = Replica(seed=opts.seed, articles=opts.articles, edition=opts.edition, pager=opts.pager,
                   page_size=opts.page_size, real_posts=opts.real_posts)
    if opts.truth:
        with open(opts.truth, "w", encoding="utf-8") as fh:
            for key, record in site.truth().items():
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        return 0
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with ReplicaServer(site, opts.host, opts.port) as server:
        print(f"Serving replica at {server.url}/", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
