"""The dataset card (``README.md``) in the format the Hugging Face hub reads: a YAML header
with the config and its data files, then prose. The field table is generated from
``newscrawl/core/items.py``; every number comes from the data. Nothing depends on the time of
the build, so the same merged file gives the same card, byte for byte."""

from __future__ import annotations

import json

from ... import settings as crawl_settings
from ..args import FOLLOW_KINDS
from ..outlet import Outlet
from .build import LIST_SEPARATOR, csv_columns
from .report import below_text
from .schema import Column, type_text
from .stats import Stats, iso

LANGUAGES = {"en": "English", "ar": "Arabic", "es": "Spanish"}


def _yaml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _counts_table(counter, head: str, limit: int = 0) -> list[str]:
    rows = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = rows[:limit] if limit else rows
    lines = [f"| {head} | articles |", "|---|---:|"]
    lines += [f"| {_cell(str(k))} | {v:,} |" for k, v in shown]
    if len(rows) > len(shown):
        lines.append(f"| ({len(rows) - len(shown)} more) | {sum(v for _, v in rows[len(shown):]):,} |")
    return lines


def render(site: Outlet, edition: str, name: str, cols: list[Column], stats: Stats, files: list[str],
           runs: list[dict] = ()) -> str:
    """The whole card of one edition of ``site`` as text."""
    ed = site.editions.get(edition)
    publisher = site.publisher
    zone = ed.time_zone if ed else "UTC"
    host = ed.host if ed else edition
    language = ed.language if ed else edition
    lang_name = LANGUAGES.get(edition, edition)
    out = [
        "---",
        f"pretty_name: {_yaml_str(f'{publisher} ({lang_name}) news articles, archived by newscrawl')}",
        "language:",
        f"- {language}",
        "license: other",
        "license_name: publisher-copyright",
        f"license_details: {_yaml_str(f'The texts and images belong to {publisher}, the publisher; this archive grants no licence to them.')}",
        "task_categories:",
        "- text-classification",
        "- summarization",
        f"size_categories:\n- {_size_category(stats.count)}",
        "configs:",
        f"- config_name: {edition}",
        "  default: true",
        "  data_files:",
        "  - split: train",
        "    path: data/*.parquet",
        "---",
        "",
        f"# {name}: {publisher}, {lang_name} edition",
        "",
        f"Articles of the news site {publisher} ({lang_name} edition, `https://{host}`), one row per post,",
        "as archived by [newscrawl](https://github.com/newscrawl/newscrawl) and merged across its runs",
        "(the latest revision of each post).",
        "",
        "## Licence",
        "",
        f"The texts, headlines and images belong to their publisher, {publisher}. This dataset is an archive",
        "made for research; it grants **no licence** to the content. Quote and use it as the law where you",
        "work allows (research and quotation exceptions, fair use), and ask the publisher for anything more.",
        "The code that built it is the project's own.",
        "",
        "## Loading",
        "",
        "```python",
        "import pandas as pd",
        'df = pd.read_parquet("data")  # post_id is a string; published_at a UTC timestamp',
        "```",
        "",
        "```python",
        "import duckdb",
        "duckdb.sql(\"SELECT section, count(*) AS n FROM 'data/*.parquet' "
        "WHERE published_at >= TIMESTAMPTZ '2025-01-01 00:00:00+00' GROUP BY section ORDER BY n DESC\").show()",
        "```",
        "",
        "```python",
        "from datasets import load_dataset",
        'ds = load_dataset("parquet", data_files="data/*.parquet", split="train")',
        "```",
        "",
        "## Files",
        "",
        "| file | what |",
        "|---|---|",
    ]
    out += [f"| `{f}` | articles published in {f.rsplit('-', 1)[-1].split('.')[0]} (UTC), one row group per month |"
            for f in files]
    out += [
        f"| `{name}.csv` | the same rows, without the nested fields, for spreadsheets (below) |",
        "| `report.html`, `figures/` | articles per week, top authors and tags, field coverage over time, crawl health |",
        "",
        "## How it was collected",
        "",
        f"- Source: the article pages of `https://{host}` found through its section listings (with the",
        f"  \"Load more\" steps), the links between articles ({', '.join(FOLLOW_KINDS)}) and, for backfills,",
        "  the monthly sitemaps. Each page is parsed from its metadata block, meta tags and visible text.",
        f"- Politeness: robots.txt obeyed ({crawl_settings.ROBOTSTXT_OBEY}); "
        f"{crawl_settings.CONCURRENT_REQUESTS_PER_DOMAIN} request at a time, "
        f"about {crawl_settings.DOWNLOAD_DELAY:g} s apart with jitter, AutoThrottle on; `Retry-After` honoured;",
        f"  User-Agent `{crawl_settings.USER_AGENT}`. A headless browser is used only for \"Load more\",",
        "  script-filled blocks and bot-challenge retries.",
        f"- Fetched between {iso(stats.crawled_min)} and {iso(stats.crawled_max)} (UTC, `crawled_at`).",
        f"- Dates: machine dates are converted exactly; visible dates without a zone are read in {zone} time.",
        "  Everything is stored in UTC.",
        "- How rows were found (`discovered_via`):",
        "",
    ]
    out += _counts_table(stats.totals.get("discovered_via", {}), "discovered via", 12)
    out += [
        "",
        "## Counts",
        "",
        f"- {stats.count:,} articles, published between {iso(stats.published_min)} and {iso(stats.published_max)} (UTC).",
        "- By year: " + ", ".join(f"{y}: {n:,}" for y, n in sorted(stats.years.items())) + ".",
        "",
    ]
    out += _counts_table(stats.totals.get("section", {}), "section")
    out += [""]
    out += _counts_table(stats.totals.get("post_type", {}), "post type")
    out += _known_gaps(cols, stats, runs)
    out += _fields(cols)
    out += _csv(name, cols)
    out.append("")
    return "\n".join(out)


def _known_gaps(cols: list[Column], stats: Stats, runs) -> list[str]:
    """Empty months, flags, runs under the coverage minimum, sparse fields."""
    out = ["", "## Known gaps", ""]
    empty = stats.empty_months()
    out.append(f"- Months without any post between the first and the last: {', '.join(empty) if empty else 'none'}.")
    if "flags" in stats.top:
        flags = stats.top["flags"]
        out.append("- Records flagged by the crawler (`flags`): "
                   + (", ".join(f"`{k}` {v:,}" for k, v in sorted(flags.items())) if flags else "none") + ".")
    low = [f"{r['run']} ({below_text(r)})" for r in runs if r.get("coverage_below")]
    out.append(f"- Runs whose field coverage was below the edition's minimum (run summaries): "
               f"{'; '.join(low) if low else 'none'} (of {len(runs)} runs).")
    total = stats.count or 1
    sparse = []
    for c in cols:
        filled = sum(m.get(c.name, 0) for m in stats.filled.values())
        if filled < total:
            sparse.append(f"`{c.name}` {100 * filled / total:.1f}%")
    out.append("- Fields not always filled (share of rows with a value): " + (", ".join(sparse) or "none") + ".")
    out.append("- Only what the crawler reached is here: posts never listed, linked or in a crawled sitemap month are")
    out.append("  missing, and an edit after the last fetch of a post is not seen. `report.html` shows coverage over time.")
    return out


def _fields(cols: list[Column]) -> list[str]:
    """The field table, generated from the item."""
    out = [
        "",
        "## Fields",
        "",
        "Generated from `newscrawl/core/items.py` (the same text as `docs/article.schema.json`).",
        "",
        "| field | type | description |",
        "|---|---|---|",
    ]
    out += [f"| `{c.name}` | `{_cell(type_text(c.type))}` | {_cell(c.description)} |" for c in cols]
    structs = [c for c in cols if c.kind == "struct" and not c.kind == "struct-list"]
    if structs:
        out += ["", "Struct fields with open keys (" + ", ".join(f"`{c.name}`" for c in structs)
                + ") have one child per Article field name; children without a value are null."]
    fallback = [c for c in cols if c.kind == "fallback"]
    if fallback:
        out += ["", "Stored as text because their type has no Arrow mapping: " + ", ".join(f"`{c.name}`" for c in fallback) + "."]
    return out


def _csv(name: str, cols: list[Column]) -> list[str]:
    """The CSV's columns and how each is written."""
    out = [
        "",
        "## The CSV",
        "",
        f"`{name}.csv` (UTF-8, header row, RFC 4180 quoting) has these columns; lists are joined by",
        f"`{LIST_SEPARATOR.strip()}` with a space each side, so a list item that itself contains that text is ambiguous there",
        "(use the Parquet files for exact lists):",
        "",
        "| column | written as |",
        "|---|---|",
    ]
    out += [f"| `{n}` | {_cell(how)} |" for n, how in csv_columns(cols)]
    return out


def _size_category(n: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < limit:
            return label
    return "1M<n<10M"
