"""WARC benchmark helpers: a crawl-shaped WARC of every replica article, without crawling.

    python -m bench.warc make --articles 50000 --out DIR     # DIR/warc/en/<time>-00000.warc.gz
    python -m bench.warc serve --articles 10000              # the same replica over HTTP, for a crawl

``make`` renders each article page of the replica (``tests.outlets.almayadeen.replica.pages.article``) and stores it
through the crawl's own writer (``newscrawl.core.warc.Capturer``: a Scrapy response and its request,
as ``response_received`` hands them over), then prints the WARC's size per article. Re-extraction
of that directory (``python -m newscrawl.reextract --output-dir DIR``) is then timed from outside
against a live crawl of the served replica; the commands are in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scrapy.http import HtmlResponse, Request  # noqa: E402

from newscrawl.core.clock import file_stamp  # noqa: E402
from newscrawl.core.warc import Capturer  # noqa: E402
from tests.outlets.almayadeen.replica import Replica, ReplicaServer, pages  # noqa: E402

# The replica served on this address in `serve`, so that the WARC's URLs are those of a crawl of it.
BASE_URL = "http://127.0.0.1:8765"


def make(articles: int, seed: int, out: Path) -> dict:
    """Write the WARC of every article page; sizes and counts."""
    site = Replica(seed=seed, articles=articles)
    directory = out / "warc" / "en"
    directory.mkdir(parents=True, exist_ok=True)
    info = {"software": "bench.warc", "newscrawl-edition": "en", "newscrawl-base-url": BASE_URL,
            "newscrawl-setting-NEWSCRAWL_NOW": site.now.isoformat()}
    capturer = Capturer(directory, file_stamp(datetime.now(timezone.utc)), 1_000_000_000_000, info)
    html_bytes = 0
    started = time.monotonic()
    headers = {"Content-Type": "text/html; charset=utf-8", "Server": "BaseHTTP/0.6 Python/3.11"}
    for i in range(articles):
        url = BASE_URL + quote(site.heads[i].path, safe="/")
        body = pages.article(site, i).encode("utf-8")
        html_bytes += len(body)
        request = Request(url, headers={"User-Agent": "newscrawl/0.1", "Accept": "text/html"})
        capturer.capture(HtmlResponse(url, status=200, headers=headers, body=body, request=request), request)
    capturer.close()
    files = sorted(directory.glob("*.warc.gz"))
    size = sum(f.stat().st_size for f in files)
    return {"articles": articles, "files": [str(f) for f in files], "warc_bytes": size,
            "warc_bytes_per_article": round(size / articles), "html_bytes_per_article": round(html_bytes / articles),
            "write_seconds": round(time.monotonic() - started, 1)}


def serve(articles: int, seed: int) -> None:
    site = Replica(seed=seed, articles=articles)
    port = int(BASE_URL.rsplit(":", 1)[1])
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with ReplicaServer(site, "127.0.0.1", port) as server:
        print(f"Serving replica at {server.url}/", flush=True)
        stop.wait()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.warc")
    parser.add_argument("what", choices=["make", "serve"])
    parser.add_argument("--articles", type=int, default=50000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench-warc"))
    opts = parser.parse_args(argv)
    if opts.what == "serve":
        serve(opts.articles, opts.seed)
        return 0
    print(json.dumps(make(opts.articles, opts.seed, opts.out), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
