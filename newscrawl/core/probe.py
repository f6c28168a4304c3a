"""A first look at the live site before the first scheduled run: ``python -m newscrawl.probe``.

Fetches the newest few articles of each listing of an edition (polite defaults, a hard cap
on requests, no links followed, no "Load more") and prints one table: each record field,
the share of articles that had it, where it came from, and an example value; then the
edition's visible labels and article URL shapes that no fetched page showed. Nothing is
written to the dataset, the state store or the WARC archive: the crawl's files go to a
temporary directory that is deleted afterwards.

Exit status: 0 the probe ran (read the table), 1 the crawl failed or found no article,
2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Optional

from .coverage import REPORTED_FIELDS, coverage_of, has_value
from .editions import Edition
from .outlet import add_edition_argument, add_spider_argument, check_edition, outlet
from .paths import PROJECT_ROOT as ROOT
from .runsummary import SUMMARY_PATH_SETTING, read_summary, summary_beside
from .urls import known_shapes

DEFAULT_PER_LISTING = 3
DEFAULT_MAX_REQUESTS = 120


def probe_command(opts: argparse.Namespace, output: Path) -> list[str]:
    """The ``scrapy crawl`` the probe runs: one listing page each, a few articles, a cap."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", opts.spider, "-O", str(output),
           "-a", f"edition={opts.edition}", "-a", "max_pages=1", "-a", "follow=none",
           "-s", "NEWSCRAWL_STATE=off", "-s", "NEWSCRAWL_WARC=off",
           "-s", f"NEWSCRAWL_PER_LISTING={opts.per_listing}", "-s", f"NEWSCRAWL_MAX_REQUESTS={opts.max_requests}",
           "-s", f"LOG_FILE={output.with_suffix('.log')}", "-s", f"{SUMMARY_PATH_SETTING}={summary_beside(output)}"]
    if opts.base_url:
        cmd += ["-a", f"base_url={opts.base_url}"]
    if opts.sections:
        cmd += ["-a", f"sections={opts.sections}"]
    for setting in opts.settings:
        cmd += ["-s", setting]
    return cmd


def _example(value: Any, width: int = 50) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
        if isinstance(value, dict):
            value = value.get("url") or value.get("title") or ""
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def report(records: list[dict], summary: dict, edition_code: str, spider: Optional[str] = None) -> str:
    """The table an operator reads: field, coverage, source, example; then what was not seen."""
    edition = outlet(spider).editions[edition_code]
    coverage = coverage_of(records, edition)
    table = coverage.table()
    lines = _field_rows(records, table) + ["", *_not_seen(table, summary, edition)]
    below = coverage.below_minimum(min_records=1)
    if below:
        lines.append("below the edition's minimum: " + ", ".join(
            f"{b['field']} {100 * b['share']:.0f}% < {100 * b['minimum']:.0f}%" for b in below))
    return "\n".join(lines)


def _field_rows(records: list[dict], table: dict) -> list[str]:
    """One aligned line per reported field: name, coverage, sources, an example value."""
    rows = [("field", "coverage", "source", "example")]
    for name in REPORTED_FIELDS:
        info = table["fields"][name]
        share = "-" if info["share"] is None else f"{100 * info['share']:.0f}%"
        sources = ", ".join(f"{src} {100 * v:.0f}%" for src, v in info["sources"].items())
        example = next((r.get(name) for r in records if has_value(r.get(name))), "")
        rows.append((name, share, sources, _example(example)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}".rstrip() for row in rows]


def _not_seen(table: dict, summary: dict, edition: Edition) -> list[str]:
    """Counts and flags, then the labels and URL shapes of the edition no fetched page showed."""
    missing = (summary.get("coverage") or {}).get("labels_missing", [])
    labels = edition.printed_labels()
    seen_shapes = set(table["url_shapes"])
    return [
        f"articles: {table['records']} (text posts {table['text_posts']}); requests: {summary.get('requests', 0)}",
        "flags: " + (", ".join(f"{k} {v}" for k, v in table["flags"].items()) or "none"),
        "labels never seen: " + (", ".join(f"{k} ({labels[k]!r})" for k in missing if k in labels) or "none"),
        "URL shapes not seen: " + (", ".join(s for s in known_shapes(edition) if s not in seen_shapes) or "none"),
        "URL shapes seen: " + ", ".join(f"{k} {v}" for k, v in table["url_shapes"].items()),
        *_new_shapes(table, summary.get("coverage") or {}),
    ]


def _new_shapes(table: dict, coverage: dict) -> list[str]:
    """What the edition table should gain: roots of kept posts it does not list, the most
    frequent link shapes it does not list, post types never seen; and the pages that were
    not posts."""
    def tally(found: dict) -> str:
        return ", ".join(f"{key} {v['count']} (e.g. {v['example']})" for key, v in found.items()) or "none"

    not_posts = coverage.get("not_posts") or {}
    return [
        "post roots not in the edition table: " + tally(table.get("unlisted_roots") or {}),
        "link shapes not in the edition table (not followed): " + tally(coverage.get("unknown_link_shapes") or {}),
        "post types never seen before: " + (", ".join(coverage.get("page_types_unseen") or []) or "none"),
        "pages that were not posts: " + (", ".join(f"{k} {v}" for k, v in (not_posts.get("reasons") or {}).items())
                                         or "none"),
    ]


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m newscrawl.probe", description=__doc__.splitlines()[0])
    add_spider_argument(parser, "the outlet to probe")
    add_edition_argument(parser, "edition to probe")
    parser.add_argument("--base-url", help="a mirror or the local replica instead of the live host")
    parser.add_argument("--sections", help="comma list of listing slugs (default: every listing of the edition)")
    parser.add_argument("--per-listing", type=int, default=DEFAULT_PER_LISTING, metavar="N",
                        help=f"newest articles taken from each listing (default: {DEFAULT_PER_LISTING})")
    parser.add_argument("--max-requests", type=int, default=DEFAULT_MAX_REQUESTS, metavar="N",
                        help=f"hard cap on requests, robots.txt included (default: {DEFAULT_MAX_REQUESTS})")
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="Scrapy setting, as for scrapy crawl (repeatable)")
    opts = parser.parse_args(argv)
    check_edition(parser, opts)
    if opts.per_listing < 1 or opts.max_requests < 1:
        parser.error("--per-listing and --max-requests must be 1 or more")
    if any("=" not in s for s in opts.settings):
        parser.error("-s takes NAME=VALUE")
    return opts


def main(argv: Optional[list[str]] = None) -> int:
    opts = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newscrawl-probe-") as tmp:
        output = Path(tmp) / "probe.jsonl"
        proc = subprocess.run(probe_command(opts, output), cwd=ROOT, capture_output=True, text=True)
        if proc.returncode == 2:
            print(
                f"newscrawl.probe: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else 'bad arguments'}",
                file=sys.stderr,
            )
            return 2
        records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()
                   if line.strip()] if output.exists() else []
        found = read_summary(summary_beside(output))
        summary = found.data if found is not None else {}
        if proc.returncode != 0 or not records:
            log = output.with_suffix(".log")
            tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:] if log.exists() else []
            print(f"newscrawl.probe: {opts.edition}: the crawl {'failed' if proc.returncode else 'found no article'} "
                  f"(exit {proc.returncode}, {summary.get('requests', 0)} requests)"
                  + (f"; last log line: {tail[0][:300]}" if tail else ""), file=sys.stderr)
            return 1
        print(report(records, summary, opts.edition, opts.spider))
    return 0


if __name__ == "__main__":
    sys.exit(main())
