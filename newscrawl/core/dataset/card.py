"""The dataset card (``README.md``) in the format the Hugging Face hub reads: a YAML header
with the config and its data files, then prose. The field table is generated from
``newscrawl/core/items.py``; every number comes from the data. Nothing depends on the time of
the build, so the same merged file gives the same card, byte for byte."""

from __future__ import annotations

import json
from collections import Counter
from typing import Optional, Sequence

import pyarrow as pa

from ..args import FOLLOW_KINDS
from ..outlet import Outlet
from .build import FORMULA_PREFIX, LIST_SEPARATOR, YEARS, csv_columns
from .report import below_text
from .schema import PANDAS_NULLABLE, Column, type_text
from .stats import Stats, is_live_origin, iso

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
           runs: Sequence[dict] = (), sources: Optional[Counter] = None) -> str:
    """The whole card of one edition of ``site`` as text. ``sources``: the runs counted by how
    they got their pages (:func:`newscrawl.core.dataset.report.run_source`)."""
    ed = site.editions.get(edition)
    publisher = site.publisher
    zone = ed.time_zone if ed else "UTC"
    host = ed.host if ed else edition
    language = ed.language if ed else edition
    lang_name = LANGUAGES.get(edition, edition)
    elsewhere = {o: n for o, n in stats.origins.items() if not is_live_origin(o, host)}
    not_live = " (crawled from a mirror or replica, not the live site)" if elsewhere else ""
    out = [
        "---",
        f"pretty_name: {_yaml_str(f'{publisher} ({lang_name}) news articles, archived by newscrawl{not_live}')}",
        "language:",
        f"- {language}",
        "license: other",
        "license_name: publisher-copyright",
        "license_details: "
        + _yaml_str(f"The texts and images belong to {publisher}, the publisher; "
                    "this archive grants no licence to them."),
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
        f"# {name}: {publisher}, {lang_name} edition{not_live}",
        "",
        f"Articles of the news site {publisher} ({lang_name} edition, `https://{host}`), one row per post,",
        "as archived by [newscrawl](https://github.com/newscrawl/newscrawl) and merged across its runs",
        "(the latest revision of each post).",
        "",
    ]
    if elsewhere:
        out += [
            f"**Not the live site's pages.** They were fetched from {_origins_text(elsewhere)}, "
            "a mirror or the offline replica standing in for",
            f"`https://{host}`: `url` names the host fetched, `canonical_url` the live address the page stands for.",
            "These rows are not evidence of what the publisher published.",
            "",
        ]
    out += [
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
        f"In pandas the integer columns ({', '.join(f'`{c.name}`' for c in cols if c.type == pa.int64())}) are",
        "nullable integers (`Int64`, `<NA>` where there is no value: the Parquet files' pandas metadata says",
        "so), not float64."
        + (" `df.flags` is pandas' own attribute (`DataFrame.flags`), not the `flags` column: read it as"
           " `df[\"flags\"]`." if any(c.name == "flags" for c in cols) else ""),
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
        "| `report.html`, `figures/` | articles over time (in total, by section, by post type), top authors and tags, "
        "field coverage over time, crawl health per run; `figures/figures.json` holds every number drawn |",
        "",
        "## How it was collected",
        "",
        f"- Source: the article pages of {_origins_text(stats.origins) if stats.origins else f'`https://{host}`'}"
        + (f", standing in for `https://{host}`," if elsewhere else "")
        + f" found through {_discovery_text(stats.totals.get('discovered_via', {}))} (table below).",
        "  Each page is parsed from its metadata block, meta tags and visible text. A headless browser is used",
        "  only for \"Load more\", script-filled blocks and bot-challenge retries; `Retry-After` is honoured.",
    ]
    out += _politeness(sources or Counter())
    out += [
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
        f"- {stats.count:,} articles, published between {iso(stats.published_min)} and "
        f"{iso(stats.published_max)} (UTC).",
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


def _origins_text(origins: dict) -> str:
    """`http://127.0.0.1:8000` (295 rows), ...: the hosts fetched, most rows first."""
    rows = sorted(origins.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = [f"`{o}` ({n:,} rows)" for o, n in rows[:5]]
    if len(rows) > 5:
        shown.append(f"{len(rows) - 5} more hosts ({sum(n for _, n in rows[5:]):,} rows)")
    return ", ".join(shown)


def _discovery_text(found: dict) -> str:
    """The ways the rows were found (``discovered_via``), in words: only those that found some."""
    kinds = [k for k in found if k != "(none)"]
    links = [k for k in FOLLOW_KINDS if k in kinds]
    ways = []
    if any(k.startswith("listing:") for k in kinds):
        ways.append("the section listings (with their \"Load more\" steps)")
    if links:
        ways.append(f"the links between articles ({', '.join(links)})")
    if "sitemap" in kinds:
        ways.append("the monthly sitemaps")
    if "url" in kinds:
        ways.append("article URLs given to the crawl")
    if "warc" in kinds:
        ways.append("re-extraction of stored responses (WARC)")
    other = sorted(
        set(kinds) - set(links) - {"sitemap", "url", "warc"} - {k for k in kinds if k.startswith("listing:")}
    )
    ways += [f"`{k}`" for k in other]
    if not ways:
        return "no recorded way"
    return ways[0] if len(ways) == 1 else ", ".join(ways[:-1]) + " and " + ways[-1]


def _politeness(sources: Counter) -> list[str]:
    """How hard the runs pressed the site, as their summaries record it (never the defaults)."""
    crawls = {k: n for k, n in sources.items() if not json.loads(k).get("reextract")}
    unknown = crawls.pop("{}", 0)
    reextracted = sum(sources.values()) - sum(crawls.values()) - unknown
    if not sources:
        return ["- Politeness: not known (no run summary beside the run files)."]
    out = []
    for key, n in sorted(crawls.items(), key=lambda kv: (-kv[1], kv[0])):
        out.append(
            f"- Politeness of {n:,} run{'s' if n != 1 else ''} (run summaries): {_settings_text(json.loads(key))}."
        )
    if unknown:
        out.append(
            f"- {unknown:,} run summar{'ies do' if unknown != 1 else 'y does'} not record the politeness settings "
            "(written before newscrawl recorded them)."
        )
    if reextracted:
        out.append(f"- {reextracted:,} re-extraction{'s' if reextracted != 1 else ''} from stored responses "
                   "(WARC files, no request sent).")
    return out


def _settings_text(p: dict) -> str:
    def num(value) -> str:
        return f"{value:g}" if isinstance(value, (int, float)) else str(value)

    delay = f"download delay {num(p.get('DOWNLOAD_DELAY'))} s"
    if p.get("RANDOMIZE_DOWNLOAD_DELAY") and p.get("DOWNLOAD_DELAY"):
        delay += " (randomised, 0.5 to 1.5 times)"
    if p.get("AUTOTHROTTLE_ENABLED"):
        throttle = (
            f"AutoThrottle on (start {num(p.get('AUTOTHROTTLE_START_DELAY'))} s, at most "
            f"{num(p.get('AUTOTHROTTLE_MAX_DELAY'))} s, "
            f"target concurrency {num(p.get('AUTOTHROTTLE_TARGET_CONCURRENCY'))})"
        )
    else:
        throttle = "AutoThrottle off"
    parts = [
        "robots.txt obeyed" if p.get("ROBOTSTXT_OBEY") else "robots.txt **not** obeyed",
        f"{num(p.get('CONCURRENT_REQUESTS_PER_DOMAIN'))} "
        f"request{'s' if p.get('CONCURRENT_REQUESTS_PER_DOMAIN') != 1 else ''} "
        f"at a time per host ({num(p.get('CONCURRENT_REQUESTS'))} in all)",
        delay,
        throttle,
    ]
    if "robots_crawl_delay" in p:
        parts.append(f"robots.txt Crawl-delay {num(p['robots_crawl_delay'])} s honoured")
    if p.get("USER_AGENT"):
        parts.append(f"User-Agent `{p['USER_AGENT']}`")
    return "; ".join(parts)


def _known_gaps(cols: list[Column], stats: Stats, runs: Sequence[dict]) -> list[str]:
    """Empty months, flags, runs under the coverage minimum, sparse fields."""
    out = ["", "## Known gaps", ""]
    empty = stats.empty_months()
    out.append(f"- Months without any post between the first and the last: {', '.join(empty) if empty else 'none'}.")
    out.append(f"- Records dated outside {YEARS[0]} to {YEARS[1]} (`published_at`: a wrong date, not news), left out "
               f"of every file: {f'{stats.out_of_range:,}' if stats.out_of_range else 'none'}.")
    if "flags" in stats.top:
        flags = stats.top["flags"]
        out.append("- Records flagged by the crawler (`flags`): "
                   + (", ".join(f"`{k}` {v:,}" for k, v in sorted(flags.items())) if flags else "none") + ".")
    low = [f"{r['run']} ({below_text(r)})" for r in runs if r.get("coverage_below")]
    out.append(f"- Runs whose field coverage was below the edition's minimum (run summaries): "
               f"{'; '.join(low) if low else 'none'} (of {len(runs)} run{'' if len(runs) == 1 else 's'}).")
    total = stats.count or 1
    sparse = []
    for c in cols:
        filled = sum(m.get(c.name, 0) for m in stats.filled.values())
        if filled < total:
            sparse.append(f"`{c.name}` {100 * filled / total:.1f}%")
    out.append("- Fields not always filled (share of rows with a value): " + (", ".join(sparse) or "none") + ".")
    out.append("- Only what the crawler reached is here: posts never listed, linked or in a crawled sitemap month are")
    out.append(
        "  missing, and an edit after the last fetch of a post is not seen. `report.html` shows coverage over time."
    )
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
    keyed = [c for c in cols if c.open_keys]
    if keyed:
        out += ["", "Struct fields with open keys (" + ", ".join(f"`{c.name}`" for c in keyed)
                + ") have one child per Article field name; children without a value are null."]
    fallback = [c for c in cols if c.kind == "fallback"]
    if fallback:
        out += [
            "",
            "Stored as text because their type has no Arrow mapping: "
            + ", ".join(f"`{c.name}`" for c in fallback)
            + ".",
        ]
    return out


def csv_types(cols: list[Column]) -> dict[str, str]:
    """{CSV column: its type there}, as the card's CSV table states it."""
    by_name = {c.name: c for c in cols}
    types = {}
    for name, _ in csv_columns(cols):
        c = by_name[name]
        if c.kind == "timestamp":
            types[name] = "text, quoted: a UTC time (ISO 8601)"
        elif c.type == pa.int64():
            types[name] = "integer"
        elif c.type == pa.float64():
            types[name] = "number"
        elif c.type == pa.bool_():
            types[name] = "true / false"
        else:
            types[name] = "text, quoted"
    return types


def read_csv_code(name: str, cols: list[Column]) -> str:
    """The pandas call that reads the CSV with the dataset's types."""
    by_name = {c.name: c for c in cols}
    names = [n for n, _ in csv_columns(cols)]
    dtype = {n: "string" for n in names if n == "post_id"}
    dtype.update({n: PANDAS_NULLABLE[by_name[n].type] for n in names if by_name[n].type in PANDAS_NULLABLE})
    dates = [n for n in names if by_name[n].kind == "timestamp"]
    return (f'df = pd.read_csv("{name}.csv", dtype={json.dumps(dtype)},\n'
            f'                 parse_dates={json.dumps(dates)})')


def _csv(name: str, cols: list[Column]) -> list[str]:
    """The CSV's columns, their types and how each is written."""
    left_out = [c.name for c in cols if c.name not in dict(csv_columns(cols))]
    out = [
        "",
        "## The CSV",
        "",
        f"`{name}.csv` (UTF-8, header row, RFC 4180 quoting) has these columns; lists are joined by",
        f"`{LIST_SEPARATOR.strip()}` with a space each side, so a list item that itself contains that text is "
        "ambiguous there",
        "(use the Parquet files for exact lists). Left out: " + ", ".join(f"`{n}`" for n in left_out) + ".",
        'Every text value is quoted; a missing value is an empty field, unquoted (an empty text is `""`).',
        f"A text value starting with `=`, `+`, `-`, `@`, a tab or a carriage return has a `{FORMULA_PREFIX}` put",
        "before it, so that a spreadsheet shows it rather than running it as a formula (OWASP's advice against",
        f"CSV injection): a title `-2+3` is `{FORMULA_PREFIX}-2+3` in the CSV. Only the CSV: the Parquet files hold",
        "the true text.",
        "",
        "| column | type | written as |",
        "|---|---|---|",
    ]
    types = csv_types(cols)
    out += [f"| `{n}` | {types[n]} | {_cell(how)} |" for n, how in csv_columns(cols)]
    out += [
        "",
        "A CSV carries no types: give them when reading. `post_id` is text made of digits, which a reader that",
        "guesses turns into a number (pandas into float64 as soon as one row has none); integer columns with",
        "empty fields become float64. In pandas:",
        "",
        "```python",
        "import pandas as pd",
        read_csv_code(name, cols),
        "```",
        "",
        "In a spreadsheet, import `post_id` as a text column (LibreOffice: \"Format quoted field as text\";",
        "Excel: Data > From Text/CSV, then the column's type Text): opened directly, it is read as a number.",
    ]
    return out


def _size_category(n: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < limit:
            return label
    return "1M<n<10M"
