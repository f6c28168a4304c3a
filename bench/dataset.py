"""Speed, memory and size of the dataset build (python -m newscrawl.dataset, issue #15).

    python -m bench.dataset prepare --articles 50000 --out /tmp/ds     # merged-like input from the replica's truth
    python -m bench.dataset prepare --articles 50000 --out /tmp/ds --copies 2   # twice the years, same density
    python -m bench.dataset read-twice /tmp/ds/merged.jsonl             # the yardstick: Python's json, two passes
    python -m newscrawl.dataset --merged /tmp/ds/merged.jsonl --target /tmp/ds/dataset --no-merge
    python -m bench.dataset sizes /tmp/ds/merged.jsonl /tmp/ds/dataset  # JSON Lines, gzip -6, Parquet, CSV bytes
    python -m bench.dataset phases /tmp/ds/merged.jsonl                 # CPU seconds of each step, one after the other

Time both commands from outside as whole processes, e.g. ``/usr/bin/time -v`` (elapsed and
"Maximum resident set size"), alternating them. ``prepare`` builds the input without
crawling: every record the replica's truth says a crawl produces, with the three fields
that depend on the crawl filled in (``url`` = ``canonical_url``, a fixed ``crawled_at``,
``discovered_via`` = ``sitemap``), sorted as ``newscrawl.merge`` sorts. ``--copies N`` adds
N-1 copies shifted back by the span of the replica (new post ids and URLs), so the
input covers N times as many years with the same articles per year: peak memory should
follow the years (two at most: the one written and the one read), not the whole file.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CRAWLED_AT = "2026-11-20T09:00:01+00:00"


def _shift(value, days: int):
    if not isinstance(value, str) or not value:
        return value
    return (datetime.fromisoformat(value) - timedelta(days=days)).isoformat()


def prepare(articles: int, seed: int, out: Path, copies: int) -> Path:
    from tests.outlets.almayadeen.replica import Replica

    site = Replica(seed=seed, articles=articles)
    truth = list(site.truth().values())
    first = min(r["published_at"] for r in truth)
    last = max(r["published_at"] for r in truth)
    span = (datetime.fromisoformat(last) - datetime.fromisoformat(first)).days + 1
    records = []
    for copy in range(copies):
        for record in truth:
            record = dict(record, url=record["canonical_url"], crawled_at=CRAWLED_AT, discovered_via="sitemap")
            if copy:
                days = copy * span
                record["canonical_url"] = record["url"] = f"{record['canonical_url']}-copy{copy}"
                if record["post_id"]:
                    record["post_id"] = f"{record['post_id']}{copy:02d}"
                for name in ("published_at", "modified_at"):
                    record[name] = _shift(record[name], days)
            records.append(record)
    records.sort(key=lambda r: (r["published_at"], r["post_id"] or r["canonical_url"]))
    out.mkdir(parents=True, exist_ok=True)
    path = out / "merged.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    years = sorted({r["published_at"][:4] for r in records})
    print(f"{path}: {len(records)} records, {path.stat().st_size} bytes, years {years[0]}-{years[-1]}")
    return path


def read_twice(path: Path) -> int:
    """Parse every line with json, twice (what any tool reading the JSON Lines pays)."""
    n = 0
    for _ in range(2):
        with path.open("rb") as fh:
            for line in fh:
                if json.loads(line):
                    n += 1
    return n


def sizes(merged: Path, dataset: Path) -> dict:
    data = merged.read_bytes()
    parquet = sum(p.stat().st_size for p in (dataset / "data").glob("*.parquet"))
    csv = sum(p.stat().st_size for p in dataset.glob("*.csv"))
    result = {
        "jsonl": len(data),
        "jsonl_gzip6": len(gzip.compress(data, compresslevel=6, mtime=0)),
        "parquet": parquet,
        "csv": csv,
    }
    result["parquet_vs_gzip"] = round(parquet / result["jsonl_gzip6"], 3)
    return result


def phases(merged: Path) -> dict:
    """CPU seconds (user + system, all threads) of each step of the build, run one after
    the other on the whole input in one process (so the figures show where the time goes,
    not the build's overlap of steps, its second process or its memory bound)."""
    import resource
    import tempfile

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def timed(fn):
        start = cpu()
        value = fn()
        return value, round(cpu() - start, 3)

    out = {}
    _, out["import pyarrow and newscrawl.dataset"] = timed(lambda: __import__("newscrawl.dataset"))
    import pyarrow.csv as pcsv

    from newscrawl.core.dataset import figures, report
    from newscrawl.core.dataset.build import csv_table, read_years, write_year
    from newscrawl.core.dataset.schema import arrow_schema, columns
    from newscrawl.core.dataset.stats import Stats

    cols = columns()
    schema = arrow_schema(cols)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        years, out["read JSON Lines (Arrow)"] = timed(lambda: list(read_years(merged, schema)))
        _, out["write Parquet"] = timed(lambda: [write_year(t, tmp / f"{y}.parquet") for y, t in years])

        def csv():
            writer = None
            for _, table in years:
                flat = csv_table(table, cols)
                writer = writer or pcsv.CSVWriter(tmp / "all.csv", flat.schema)
                writer.write_table(flat)
            writer.close()

        _, out["write CSV"] = timed(csv)
        stats = Stats()
        _, out["counts (card, report)"] = timed(lambda: [stats.add(y, t, cols) for y, t in years])
        data = report.figures_data(stats, [], [c.name for c in cols])
        # The figure process's share, in this process: matplotlib's import, then drawing.
        _, out["import matplotlib"] = timed(figures.load)
        _, out["draw 7 figures"] = timed(lambda: figures.draw(data, tmp))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dataset", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--articles", type=int, default=50000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--copies", type=int, default=1)
    p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("read-twice")
    p.add_argument("merged", type=Path)
    p = sub.add_parser("phases")
    p.add_argument("merged", type=Path)
    p = sub.add_parser("sizes")
    p.add_argument("merged", type=Path)
    p.add_argument("dataset", type=Path)
    opts = parser.parse_args(argv)
    if opts.command == "prepare":
        prepare(opts.articles, opts.seed, opts.out, opts.copies)
    elif opts.command == "read-twice":
        print(read_twice(opts.merged))
    elif opts.command == "phases":
        print(json.dumps(phases(opts.merged), indent=1))
    else:
        print(json.dumps(sizes(opts.merged, opts.dataset)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
