"""CPU cost of the spider's article callback, page by page, without network or Scrapy.

    python -m bench.parsecost                      # 300 replica pages, 5 passes, CPU ms/page
    python -m bench.parsecost --profile 25         # plus the 25 costliest functions (cProfile)
    python -m bench.parsecost --dump out.jsonl     # what each page gives (record + links), to diff

Instruction counts, for a machine shared with other work: run it under
``valgrind --tool=callgrind`` with ``--passes 1`` and with ``--passes 0`` (same pages);
the difference of the two totals is the parser's cost for those pages.

Each page goes through what ``AlmayadeenSpider.parse_article`` asks of the parser:
``ArticlePage(...)``, ``is_article``, ``to_item`` and ``followable_links``.
Times are process CPU time (``time.process_time``), the minimum over the passes, so another
busy core (a test run next door) disturbs them much less than wall time. ``--dump`` writes
each page's record and followed links as JSON Lines (the stored test fixtures first, then
the replica pages): two commits' dumps must be identical.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import json
import pstats
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pages(n: int, seed: int = 1) -> list[tuple[str, str]]:
    from tests.outlets.almayadeen.replica import Replica, pages as site_pages

    site = Replica(seed=seed, articles=n)
    return [(site_pages.article(site, i), "http://127.0.0.1:1" + site.heads[i].path) for i in range(n)]


NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)  # the replica's "now"


def parse(html: str, url: str):
    """What parse_article does with one page (the same calls, in the same order)."""
    from newscrawl.outlets.almayadeen.editions import ENGLISH
    from newscrawl.outlets.almayadeen.pages import ArticlePage
    from newscrawl.core.pages import looks_complete

    page = ArticlePage(html, url, ENGLISH)
    if page.is_article() and not looks_complete(html.encode()):
        return None, []
    item = page.to_item(discovered_via="url", crawled_at="2026-11-20T09:00:00+00:00", now=NOW)
    return item, page.followable_links()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.parsecost", description=__doc__.splitlines()[0])
    p.add_argument("--pages", type=int, default=300)
    p.add_argument("--passes", type=int, default=5)
    p.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest functions")
    p.add_argument("--dump", type=Path, default=None)
    o = p.parse_args(argv)
    docs = pages(o.pages)
    parse(*docs[0])  # warm-up: imports, regex compilation
    if o.dump:
        fixtures = sorted((ROOT / "tests" / "outlets" / "almayadeen" / "fixtures" / "cases").glob("*/page.html"))
        extra = [(f.read_text(encoding="utf-8"), (f.parent / "url.txt").read_text().strip()) for f in fixtures]
        with o.dump.open("w", encoding="utf-8") as fh:
            for html, url in extra + docs:
                item, links = parse(html, url)
                fh.write(json.dumps({"url": url, "item": dataclasses.asdict(item) if item else None,
                                     "links": [dataclasses.asdict(l) for l in links]}, ensure_ascii=False) + "\n")
        print(f"wrote {o.dump}")
    best = float("inf")
    for _ in range(o.passes):
        t0 = time.process_time()
        for html, url in docs:
            parse(html, url)
        best = min(best, time.process_time() - t0)
    if o.passes:
        print(f"{len(docs)} pages, best of {o.passes} passes: {best:.3f} s CPU, {best / len(docs) * 1000:.2f} ms/page")
    if o.profile:
        prof = cProfile.Profile()
        prof.enable()
        for html, url in docs:
            parse(html, url)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(o.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
