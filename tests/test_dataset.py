"""python -m newscrawl.dataset: crawl the replica, merge, build, and read the dataset back with
pandas, DuckDB and `datasets`, comparing every row with the replica's truth."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import subprocess
import sys
import typing
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from newscrawl.core.dataset import DatasetError, build
from newscrawl.core.dataset import report as report_mod
from newscrawl.core.dataset.schema import arrow_type, columns, field_docs
from newscrawl.core.items import Article, Link
from newscrawl.core.schema import article_schema
from newscrawl.core.testing import ROOT, run_crawl
from tests.outlets.almayadeen.replica import Replica, ReplicaServer

EDITION = "en"
RUN = "20261120T090000"


def key_of(record: dict) -> str:
    return record["post_id"] or record["canonical_url"]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """A sitemap backfill of a small replica written as a scheduled run would be, under
    <tmp>/output; yields (output dir, replica)."""
    site = Replica(seed=7, articles=60)
    out = tmp_path_factory.mktemp("dataset") / "output"
    run_file = out / "almayadeen" / EDITION / f"{RUN}.jsonl"
    run_file.parent.mkdir(parents=True)
    with ReplicaServer(site) as server:
        result = run_crawl(
            server.url, run_file,
            args={"discover": "sitemap", "since": "2020-01-01", "until": site.now.date().isoformat(), "follow": "none"},
            settings={"NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False",
                      "NEWSCRAWL_NOW": site.now.isoformat()},
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert {key_of(r) for r in result.records} == set(site.truth())
    return out, site


@pytest.fixture(scope="module")
def built(crawled):
    out, site = crawled
    result = build(EDITION, out)
    return out, site, result


def normalise(value):
    """A loaded value as the JSON record has it: UTC ISO strings, plain lists, no NaN, struct
    children without a value left out."""
    if type(value).__name__ == "NaTType":  # pandas' null timestamp
        return None
    if isinstance(value, datetime):
        assert value.utcoffset() is not None and value.utcoffset().total_seconds() == 0, value
        return value.astimezone(timezone.utc).isoformat()
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):  # numpy arrays and scalars
        value = value.tolist()
    if isinstance(value, float):
        return None if math.isnan(value) else int(value) if value.is_integer() else value
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    return value


def compare_with_truth(rows: list[dict], truth: dict[str, dict]) -> None:
    assert len(rows) == len(truth)
    by_key = {}
    for row in rows:
        row = {k: normalise(v) for k, v in row.items()}
        # extracted_from is a struct of every field name: the record holds only the set ones.
        row["extracted_from"] = {k: v for k, v in row["extracted_from"].items() if v is not None}
        by_key[key_of(row)] = row
    assert set(by_key) == set(truth)
    for key, expected in truth.items():
        got = by_key[key]
        assert {k: got[k] for k in expected} == expected, key
        assert got["url"] and got["discovered_via"] == "sitemap" and got["crawled_at"].endswith("+00:00")


def snippets() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## The published dataset", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


# --- the rows, through the three loaders --------------------------------------------------
def test_pandas_snippet_reads_every_row_typed(built, monkeypatch):
    out, site, _ = built
    monkeypatch.chdir(out.parent)
    scope: dict = {}
    exec(snippets()[0], scope)
    df = scope["df"]
    assert str(df["published_at"].dtype) == "datetime64[us, UTC]"
    assert str(df["crawled_at"].dtype) == "datetime64[us, UTC]"
    assert all(isinstance(v, str) for v in df["post_id"] if v is not None and v == v)
    assert any(isinstance(v, str) for v in df["post_id"])
    compare_with_truth(df.to_dict("records"), site.truth())


def test_duckdb_snippet_and_rows(built, monkeypatch):
    import duckdb

    out, site, _ = built
    monkeypatch.chdir(out.parent)
    scope: dict = {}
    exec(snippets()[1], scope)
    truth = site.truth().values()
    expected = Counter(r["section"] for r in truth if r["published_at"] >= "2025-01-01")
    assert dict(scope["per_section"]) == dict(expected)
    relation = duckdb.sql("SELECT * FROM 'output/dataset/almayadeen-en/data/*.parquet'")
    names = relation.columns
    assert dict(zip(names, relation.types))["post_id"] == "VARCHAR"
    assert str(dict(zip(names, relation.types))["published_at"]) == "TIMESTAMP WITH TIME ZONE"
    compare_with_truth([dict(zip(names, row)) for row in relation.fetchall()], site.truth())


def test_datasets_snippet_reads_every_row(built, tmp_path):
    out, site, _ = built
    # In a process of its own: `datasets` keeps a cache (sent to tmp_path) and its imports
    # are not under this suite's warnings-as-errors.
    code = snippets()[2] + (
        "\nimport json, sys\n"
        "assert str(ds.features['published_at'].dtype) == 'timestamp[us, tz=UTC]'\n"
        "assert ds.features['post_id'].dtype == 'string'\n"
        "rows = [{k: (v.isoformat() if hasattr(v, 'isoformat') else v) for k, v in r.items()} for r in ds]\n"
        "json.dump(rows, sys.stdout)\n"
    )
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
           "HF_DATASETS_DISABLE_PROGRESS_BARS": "1"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=out.parent, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = json.loads(proc.stdout)
    for row in rows:
        for name in ("published_at", "modified_at", "crawled_at"):
            if row[name] is not None:
                row[name] = datetime.fromisoformat(row[name])
    compare_with_truth(rows, site.truth())


# --- reading traps (issue 24) ---------------------------------------------------------------
INTEGERS = [f.name for f in dataclasses.fields(Article) if arrow_type(typing.get_type_hints(Article)[f.name])[0] == pa.int64()]


def test_pandas_reads_integer_columns_as_nullable_integers(built):
    import pandas as pd

    out, site, _ = built
    df = pd.read_parquet(out / "dataset" / "almayadeen-en" / "data")
    assert INTEGERS == ["read_time_minutes", "word_count", "video_duration_seconds", "revision"]
    for name in INTEGERS:
        assert str(df[name].dtype) == "Int64", name  # not float64, though some rows have none
    assert df["word_count"].isna().any() and df["video_duration_seconds"].isna().any()
    truth = site.truth()
    for key, words in zip(df["post_id"].fillna(df["canonical_url"]), df["word_count"]):
        assert (None if words is pd.NA else int(words)) == truth[key]["word_count"]
    # `flags` is reached as df["flags"]: df.flags is pandas' own attribute, as the card says.
    assert not isinstance(df.flags, pd.Series) and list(df["flags"].map(list)) == [list(f) for f in df["flags"]]
    _, body = card_parts(out / "dataset" / "almayadeen-en")
    assert "`df.flags` is pandas' own attribute (`DataFrame.flags`), not the `flags` column: read it as `df[\"flags\"]`." in body


def test_the_cards_read_csv_call_gives_the_datasets_types(built, monkeypatch):
    import pandas as pd

    out, _, _ = built
    directory = out / "dataset" / "almayadeen-en"
    _, body = card_parts(directory)
    csv_part = body.split("## The CSV", 1)[1].split("\n## ", 1)[0]  # up to the next section
    (code,) = re.findall(r"```python\n(.*?)```", csv_part, re.S)
    monkeypatch.chdir(directory)
    scope: dict = {}
    exec(code, scope)
    df, parquet = scope["df"], pd.read_parquet("data")
    assert str(df["post_id"].dtype) == "string" and df["post_id"].isna().any()
    for name in INTEGERS:
        assert str(df[name].dtype) == "Int64", name
    for name in ("published_at", "modified_at", "crawled_at"):
        assert str(df[name].dtype).startswith("datetime64") and str(df[name].dtype).endswith("UTC]"), name
        same = [str(a) == str(b) for a, b in zip(df[name].dt.strftime("%Y-%m-%dT%H:%M:%S.%f"),
                                                 parquet[name].dt.strftime("%Y-%m-%dT%H:%M:%S.%f"))]
        assert all(same), name
    assert list(df["post_id"].fillna("")) == list(parquet["post_id"].fillna(""))
    # Every column's type is in the card's table, and post_id is written quoted.
    table = dict(re.findall(r"^\| `([^`]+)` \| ([^|]+) \|", csv_part, re.M))
    assert list(table) == list(df.columns)
    assert table["post_id"].strip() == "text, quoted" and table["word_count"].strip() == "integer"
    header, first = (directory / "almayadeen-en.csv").read_text(encoding="utf-8").splitlines()[:2]
    post_id = header.split(",").index('"post_id"')
    assert re.match(r'"\d+"$', first.split(",")[post_id]), first


def test_the_card_is_true_of_every_struct_field(built):
    out, _, _ = built
    _, body = card_parts(out / "dataset" / "almayadeen-en")
    # Only extracted_from has a child per Article field; warc has its three.
    assert "Struct fields with open keys (`extracted_from`) have one child per Article field name" in body
    assert "| `warc` | `struct<file: string, offset: int64, record_id: string>` |" in body
    n = len(dataclasses.fields(Article)) - 1
    assert f"| `extracted_from` | `struct<{n} string fields>` |" in body
    assert "Left out: `extracted_from`, `warc`." in body


def test_the_card_states_the_host_and_the_politeness_of_the_runs(built, tmp_path):
    from scrapy.settings import Settings

    from newscrawl import settings as crawl_settings
    from newscrawl.core.extensions import politeness

    out, _, _ = built
    summary = json.loads((out / "almayadeen" / EDITION / f"{RUN}.summary.json").read_text(encoding="utf-8"))
    _, body = card_parts(out / "dataset" / "almayadeen-en")
    host = summary["base_url"]
    # The replica run: its host, not the live site's, and the settings it ran with (the fast ones).
    assert f"**Not the live site's pages.** They were fetched from `{host}` (" in body
    assert f"- Source: the article pages of `{host}` (" in body
    assert ("- Politeness of 1 run (run summaries): robots.txt obeyed; 16 requests at a time per host (16 in all); "
            "download delay 0 s; AutoThrottle off; User-Agent `newscrawl/") in body
    assert "about 3 s apart" not in body and "(crawled from a mirror or replica, not the live site)" in body
    # The same rows as if fetched from the live site, by runs with the project's settings.
    merged = tmp_path / "live.jsonl"
    merged.write_text((out / "merged" / "almayadeen-en.jsonl").read_text(encoding="utf-8")
                      .replace(host + "/", "https://english.almayadeen.net/"), encoding="utf-8")
    runs = tmp_path / "runs"
    runs.mkdir()
    polite = politeness(Settings({k: getattr(crawl_settings, k) for k in dir(crawl_settings) if k.isupper()}))
    for i, extra in enumerate(({}, {}, {"newscrawl/robots/crawl_delay": 10})):
        (runs / f"2026110{i}T000000.summary.json").write_text(json.dumps(
            {"items": 1, "articles": 1, "politeness": polite, "newscrawl": extra}))
    (runs / "20261104T000000.summary.json").write_text(json.dumps({"items": 1}))  # an older summary
    (runs / "20261105T000000.summary.json").write_text(json.dumps({"command": "reextract", "items": 1}))
    target = tmp_path / "ds"
    build(EDITION, out, merged=merged, target=target, summaries_dir=runs, merge_first=False)
    _, body = card_parts(target)
    assert "Not the live site" not in body and "- Source: the article pages of `https://english.almayadeen.net` (" in body
    expected = (f"robots.txt obeyed; 1 request at a time per host ({crawl_settings.CONCURRENT_REQUESTS} in all); "
                f"download delay {crawl_settings.DOWNLOAD_DELAY:g} s (randomised, 0.5 to 1.5 times); AutoThrottle on "
                f"(start {crawl_settings.AUTOTHROTTLE_START_DELAY:g} s, at most {crawl_settings.AUTOTHROTTLE_MAX_DELAY:g} s, "
                f"target concurrency {crawl_settings.AUTOTHROTTLE_TARGET_CONCURRENCY:g})")
    assert f"- Politeness of 2 runs (run summaries): {expected}; User-Agent `{crawl_settings.USER_AGENT}`." in body
    assert f"- Politeness of 1 run (run summaries): {expected}; robots.txt Crawl-delay 10 s honoured;" in body
    assert "- 1 run summary does not record the politeness settings" in body
    assert "- 1 re-extraction from stored responses (WARC files, no request sent)." in body


# --- files, schema, card ----------------------------------------------------------------
def test_one_parquet_file_per_year_with_a_row_group_per_month(built):
    out, site, result = built
    data = out / "dataset" / "almayadeen-en" / "data"
    years = Counter(r["published_at"][:4] for r in site.truth().values())
    assert sorted(p.name for p in data.iterdir()) == [f"almayadeen-en-{y}.parquet" for y in sorted(years)]
    for path in data.iterdir():
        meta = pq.ParquetFile(path).metadata
        months = Counter(r["published_at"][:7] for r in site.truth().values() if r["published_at"][:4] == path.stem[-4:])
        assert meta.num_rows == years[path.stem[-4:]]
        assert meta.num_row_groups == len(months)
        column = meta.schema.to_arrow_schema().get_field_index("published_at")
        spans = []
        for i in range(meta.num_row_groups):
            stats = meta.row_group(i).column(column).statistics
            assert stats.min.strftime("%Y-%m") == stats.max.strftime("%Y-%m")  # one month each
            spans.append((stats.min, stats.max))
        assert spans == sorted(spans)
    assert pq.read_schema(next(data.iterdir())) .equals(pa.schema([pa.field(c.name, c.type) for c in columns()]))


def test_csv_has_the_scalar_fields_with_lists_joined(built):
    import csv

    out, site, _ = built
    with (out / "dataset" / "almayadeen-en" / "almayadeen-en.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    truth = site.truth()
    assert len(rows) == len(truth)
    assert "extracted_from" not in rows[0]
    for row in rows:
        expected = truth[row["post_id"] or row["canonical_url"]]
        assert row["title"] == expected["title"] and row["body"] == expected["body"]
        assert row["published_at"] == expected["published_at"]
        assert row["tags"] == " | ".join(expected["tags"])
        assert row["related"] == " | ".join(link["url"] for link in expected["related"])
        assert row["word_count"] == ("" if expected["word_count"] is None else str(expected["word_count"]))


def card_parts(directory: Path) -> tuple[dict, str]:
    import yaml

    text = (directory / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    header, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(header), body


def test_card_fields_are_the_items_fields(built):
    out, _, _ = built
    header, body = card_parts(out / "dataset" / "almayadeen-en")
    fields_table = body.split("## Fields", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| `[^`]+` \| (.*) \|$", fields_table, re.M)
    assert [name for name, _ in rows] == [f.name for f in dataclasses.fields(Article)]
    schema = article_schema()["properties"]
    for name, description in rows:
        assert description.replace("\\|", "|") == " ".join(schema[name]["description"].split())
    # The hub's config: one per edition, its data files are the Parquet files; then the
    # edit history's two tables (tests/test_history.py).
    config, *history = header["configs"]
    assert [(c["config_name"], c["data_files"][0]["path"]) for c in history] == [
        ("versions", "versions/*.parquet"), ("removals", "removals/*.parquet")]
    assert config["config_name"] == "en"
    (files,) = config["data_files"]
    assert files["path"] == "data/*.parquet"
    assert header["license"] == "other"
    assert "belong to their publisher" in body


def test_card_states_counts_range_and_gaps(built):
    out, site, _ = built
    _, body = card_parts(out / "dataset" / "almayadeen-en")
    truth = list(site.truth().values())
    published = sorted(r["published_at"] for r in truth)
    assert f"- {len(truth):,} articles, published between {published[0]} and {published[-1]} (UTC)." in body
    months = sorted({p[:7] for p in published})
    y, m = map(int, months[0].split("-"))
    missing = []
    while f"{y:04d}-{m:02d}" <= months[-1]:
        if f"{y:04d}-{m:02d}" not in months:
            missing.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    assert f"Months without any post between the first and the last: {', '.join(missing) or 'none'}." in body
    for section, n in Counter(r["section"] or "(none)" for r in truth).items():
        assert f"| {section} | {n:,} |" in body
    if any(f.name == "flags" for f in dataclasses.fields(Article)):
        flags = Counter(flag for r in truth for flag in r.get("flags", []))
        listed = ", ".join(f"`{k}` {v:,}" for k, v in sorted(flags.items())) or "none"
        assert f"- Records flagged by the crawler (`flags`): {listed}." in body
    assert "- Runs whose field coverage was below the edition's minimum (run summaries): none (of 1 run)." in body


def test_runs_below_the_minimum_coverage_are_known_gaps(built, tmp_path):
    out, _, _ = built
    summaries = tmp_path / "runs"
    summaries.mkdir()
    for run, below in (("20261101T000000", []), ("20261102T000000", [{"field": "authors", "share": 0.4, "minimum": 0.9}])):
        (summaries / f"{run}.summary.json").write_text(json.dumps(
            {"items": 3, "requests": 9, "errors": 1, "coverage": {"below_minimum": below},
             "newscrawl": {"newscrawl/challenge/detected": 2, "newscrawl/browser/requests/load_more": 4}}))
    target = tmp_path / "ds"
    build(EDITION, out, merged=out / "merged" / "almayadeen-en.jsonl", target=target, summaries_dir=summaries,
          merge_first=False)
    _, body = card_parts(target)
    assert ("- Runs whose field coverage was below the edition's minimum (run summaries): "
            "20261102T000000 (authors 40% < 90%) (of 2 runs).") in body
    runs = json.loads((target / "figures" / "figures.json").read_text(encoding="utf-8"))["runs"]
    assert [(r["run"], r["challenges"], r["browser"], r["errors"]) for r in runs] == [
        ("20261101T000000", 2, 4, 1), ("20261102T000000", 2, 4, 1)]
    assert "authors 40% &lt; 90%" in (target / "report.html").read_text(encoding="utf-8")


def test_field_docs_are_the_json_schema_descriptions():
    schema = article_schema()["properties"]
    assert {k: " ".join(v.split()) for k, v in field_docs(Article).items()} == {
        k: " ".join(v.get("description", "").split()) for k, v in schema.items()}


def test_new_item_fields_are_typed_by_their_annotation():
    # What the parallel `flags` and `warc` fields (or any new one) become, with no edit here.
    assert arrow_type(list[str])[0] == pa.list_(pa.string())
    assert arrow_type(Optional[int])[0] == pa.int64()
    assert arrow_type(Optional[str], "archived_at", "Time, ISO 8601 in UTC.")[0] == pa.timestamp("us", tz="UTC")
    assert arrow_type(str, "published_at_raw", "ISO 8601 as found")[0] == pa.string()
    assert arrow_type(Optional[Link])[0] == pa.struct([("url", pa.string()), ("title", pa.string())])
    assert arrow_type(list[Link])[1] == "struct-list"
    assert arrow_type(set[int]) == (pa.string(), "fallback")


# --- the report ---------------------------------------------------------------------------
FIGURES = ("articles_over_time", "by_section", "by_post_type", "top_authors", "top_tags", "coverage", "crawl_health")


def by_period(df, period: str) -> list[str]:
    """Each row's period label, as the report cuts time (pandas' own dates, not the report's code)."""
    day = df["published_at"].dt.strftime("%Y-%m-%d")
    return [report_mod.period_of(d, period) for d in day]


def test_report_figures_and_their_numbers(built):
    import pandas as pd

    out, site, _ = built
    directory = out / "dataset" / "almayadeen-en"
    html_text = (directory / "report.html").read_text(encoding="utf-8")
    data = json.loads((directory / "figures" / "figures.json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in (directory / "figures").glob("*.png")) == sorted(f"{n}.png" for n in FIGURES)
    for name in FIGURES:
        png = directory / "figures" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f'src="figures/{name}.png"' in html_text
    df = pd.read_parquet(directory / "data")
    assert data["count"] == len(df)
    # 60 articles over two and a half years: too few for weeks or months.
    over = data["over_time"]
    assert over["period"] == "quarter"
    counted = Counter(by_period(df, over["period"]))
    assert over["articles"] == [counted.get(p, 0) for p in over["periods"]] and sum(over["articles"]) == len(df)
    assert over["periods"] == sorted(set(over["periods"])) and set(counted) <= set(over["periods"])
    for by in ("section", "post_type"):
        figure = data["groups"][by]
        assert figure["chart"] == "totals"  # a few articles a quarter: each group over time would be noise
        totals = Counter(df[by].fillna("(none)").replace("", "(none)"))
        ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
        named = [(n, t) for n, t in zip(figure["names"], figure["totals"]) if not re.fullmatch(r"\d+ others?", n)]
        assert named == ranked[:len(named)]
        assert sum(figure["totals"]) == len(df)
    for name in ("authors", "tags"):
        counted = Counter(item for items in df[name] for item in items)
        top = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:report_mod.TOP]
        assert [tuple(x) for x in data["top"][name]] == top and data["distinct"][name] == len(counted)
    cov = data["coverage"]
    month = df["published_at"].dt.strftime("%Y-%m")
    assert cov["period"] == "month" and cov["periods"] == sorted(set(month))
    assert cov["articles"] == [int((month == m).sum()) for m in cov["periods"]]
    filled = [int(((month == m) & df["tags"].map(len).gt(0)).sum()) for m in cov["periods"]]
    assert cov["filled"]["tags"] == filled
    filled = [int(((month == m) & df["post_id"].notna()).sum()) for m in cov["periods"]]
    assert cov["filled"]["post_id"] == filled
    assert "title" not in cov["shown"] and "post_id" in cov["shown"]  # always filled: not drawn
    summary = json.loads((out / "almayadeen" / EDITION / f"{RUN}.summary.json").read_text(encoding="utf-8"))
    (run,) = data["runs"]
    assert run["run"] == RUN
    # Articles, not `items` (articles and ticker lines together: "records 301" beside "295 articles").
    assert (run["requests"], run["errors"], run["articles"]) == (summary["requests"], summary["errors"], summary["articles"])
    assert run["articles"] == len(df)
    health = data["health"]
    assert health["unit"] == "run" and health["runs"] == 1
    assert health["zero"] == [k for k in ("requests", "errors", "challenges", "browser", "articles") if not run[k]]
    assert all(health["series"][k] == [run[k]] for k in health["series"])
    # The report says the rows are the replica's, not the live site's.
    assert "<strong>Not the live site's pages:</strong> fetched from http://127.0.0.1:" in html_text


def test_a_group_drawn_over_time_has_the_data_s_numbers(built, monkeypatch):
    # The heatmap's cells, summed per period in Arrow, against pandas' own count.
    import pandas as pd

    from newscrawl.core.dataset.stats import Stats

    out, _, _ = built
    directory = out / "dataset" / "almayadeen-en" / "data"
    cols = columns()
    stats = Stats()
    for path in sorted(directory.iterdir()):
        stats.add(int(path.stem[-4:]), pq.read_table(path), cols)
    monkeypatch.setattr(report_mod, "MIN_PER_CELL", 0)
    monkeypatch.setattr(report_mod, "SERIES", 3)
    data = report_mod.figures_data(stats, [], [c.name for c in cols])
    df = pd.read_parquet(directory)
    for by in ("section", "post_type"):
        figure = data["groups"][by]
        assert figure["chart"] == "heatmap" and figure["periods"] == data["over_time"]["periods"]
        counted = Counter(zip(by_period(df, figure["period"]), df[by].fillna("(none)").replace("", "(none)")))
        for name, row in zip(figure["names"][:3], figure["counts"]):
            assert row == [counted.get((p, name), 0) for p in figure["periods"]], (by, name)
        assert [sum(col) for col in zip(*figure["counts"])] == data["over_time"]["articles"]
        assert figure["totals"] == [sum(row) for row in figure["counts"]]
        assert figure["names"][-1] == f"{len(set(df[by].fillna('(none)'))) - 3} others"


def post_type(section: str) -> str:
    return "News" if int(section.rsplit(" ", 1)[1]) % 3 else "Articles"


def synthetic_stats(count: int, years: float, sections: int = 25) -> "Stats":
    """The counts of ``count`` articles spread evenly over ``years`` from 2016-01-04, in
    ``sections`` sections of falling size (no Parquet file: only what the report reads)."""
    from datetime import date, timedelta

    from newscrawl.core.dataset.stats import Stats

    stats = Stats()
    days = max(1, int(365 * years))
    weights = [1 / (i + 1) for i in range(sections)]
    names = [f"Section {i}" for i in range(sections)]
    rows = {"day": [], "value": [], "count_all": []}
    per_day = count / days
    done = 0
    for i in range(days):
        day = (date(2016, 1, 4) + timedelta(days=i)).isoformat()
        n = round(per_day * (i + 1)) - done
        done += n
        if not n:
            continue
        stats.days[day] += n
        stats.months[day[:7]] += n
        shares = [int(n * w / sum(weights)) for w in weights]
        shares[0] += n - sum(shares)
        for name, c in zip(names, shares):
            if c:
                rows["day"].append(day), rows["value"].append(name), rows["count_all"].append(c)
                stats.totals["section"][name] += c
                stats.totals["post_type"][post_type(name)] += c
        stats.filled[day[:7]]["title"] += n
        stats.filled[day[:7]]["tags"] += n // 2
    table = pa.table({k: pa.array(v, pa.int64() if k == "count_all" else pa.string()) for k, v in rows.items()})
    stats.by_day["section"].append(table)
    stats.by_day["post_type"].append(table.set_column(1, "value", pa.array(map(post_type, rows["value"]), pa.string())))
    stats.count = sum(stats.days.values())
    stats.top["authors"].update({f"An author with a rather long name, number {i}": 1000 - i for i in range(40)})
    stats.top["tags"].update({"one tag": 3})
    return stats


def runs_of(n: int) -> list[dict]:
    from datetime import datetime, timedelta

    start = datetime(2026, 10, 1, tzinfo=timezone.utc)
    return [{"run": f"r{i}", "start_time": (start + timedelta(hours=i)).isoformat(), "finish_reason": "finished",
             "requests": 50, "errors": int(i % 30 == 0), "challenges": 0, "browser": 0, "articles": 20,
             "coverage_below": []} for i in range(n)]


@pytest.mark.parametrize("count,years,period,chart", [
    (300, 2.5, "month", "totals"),  # the demo: weekly bars would hold 1 to 3 posts
    (50_000, 2.5, "week", "heatmap"),
    (300_000, 10, "month", "heatmap"),  # 520 weeks would not fit 150 bars
    (40, 0.02, "day", "totals"),
    (40, 10, "year", "totals"),
])
def test_figures_are_chosen_by_the_size_of_the_data(count, years, period, chart):
    data = report_mod.figures_data(synthetic_stats(count, years), runs_of(1), ["title", "tags"], "x-en")
    over = data["over_time"]
    assert over["period"] == period and len(over["periods"]) <= report_mod.MAX_PERIODS
    assert sum(over["articles"]) == data["count"]
    assert data["groups"]["section"]["chart"] == chart
    assert data["groups"]["post_type"]["chart"] == chart
    if chart == "heatmap":
        assert len(data["groups"]["section"]["names"]) == report_mod.SERIES + 1  # the rest summed in one row
    assert data["coverage"]["shown"] == ["tags"]  # title is always filled


def test_crawl_health_per_run_or_per_period_and_zero_series_named():
    one = report_mod.health_data(runs_of(1))
    assert one["unit"] == "run" and one["labels"] == ["2026-10-01 00:00"]
    assert one["zero"] == ["errors", "challenges", "browser"] or one["zero"] == ["challenges", "browser"]
    assert set(one["series"]) == {"requests", "articles", "errors"} - set(one["zero"])
    many = report_mod.health_data(runs_of(24 * 50))
    assert many["unit"] == "day" and len(many["labels"]) == 50 and many["runs"] == 1200
    assert many["series"]["requests"] == [50 * 24] * 50 and many["zero"] == ["challenges", "browser"]
    years = report_mod.health_data(runs_of(24 * 400))
    assert years["unit"] == "week" and len(years["labels"]) <= report_mod.MAX_PERIODS


@pytest.mark.parametrize("count,years,runs", [(300, 2.5, 1), (50_000, 2.5, 1200), (300_000, 10, 24 * 400), (0, 1, 0)])
def test_every_figure_has_its_title_and_nothing_drawn_off_the_canvas(count, years, runs, tmp_path, monkeypatch):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    from newscrawl.core.dataset import figures as figures_mod
    from newscrawl.core.dataset.stats import Stats

    figures_mod.load()
    stats = synthetic_stats(count, years) if count else Stats()
    data = report_mod.figures_data(stats, runs_of(runs), ["title", "tags"], "x-en")
    drawn, shown = {}, []
    real_draw = Text.draw

    def draw_text(text, renderer):  # what the canvas really draws (not ticks outside the view)
        real_draw(text, renderer)
        if text.get_visible() and text.get_text().strip():
            shown.append((text.get_text(), text.get_window_extent(renderer)))

    def save(fig, path):
        shown.clear()
        FigureCanvasAgg(fig).draw()
        drawn[path.name] = fig, list(shown)

    monkeypatch.setattr(Text, "draw", draw_text)

    monkeypatch.setattr(figures_mod, "_save", save)
    for name, run in figures_mod.jobs(data, tmp_path):
        run()
    assert sorted(drawn) == sorted(name for name, _ in figures_mod.titles(data))
    for name, (fig, texts) in drawn.items():
        width, height = fig.bbox.width, fig.bbox.height
        assert fig.texts[0].get_text() == f"x-en: {figures_mod.caption(data, name)}", name  # its title
        assert texts
        for text, box in texts:  # no label cut off at an edge
            assert box.x0 >= -1 and box.y0 >= -1 and box.x1 <= width + 1 and box.y1 <= height + 1, (name, text)
        for ax in fig.axes:
            low, high = ax.get_ylim()
            if ax.get_images() or not ax.axison:
                continue
            assert low >= 0 or ax.get_xlim()[0] >= 0, (name, ax.get_ylim())  # counts: no axis below zero


# --- rebuilds -------------------------------------------------------------------------------
def test_same_merged_file_gives_byte_identical_parquet_csv_and_card(built, tmp_path):
    out, _, _ = built
    merged = out / "merged" / "almayadeen-en.jsonl"
    first, second = tmp_path / "a", tmp_path / "b"
    build(EDITION, out, merged=merged, target=first, merge_first=False)
    build(EDITION, out, merged=merged, target=second, merge_first=False)
    names = sorted(str(p.relative_to(first)) for p in first.rglob("*") if p.is_file())
    assert names == sorted(str(p.relative_to(second)) for p in second.rglob("*") if p.is_file())
    for name in names:
        if name.startswith("data/") or name in ("README.md", "almayadeen-en.csv", "figures/figures.json"):
            assert (first / name).read_bytes() == (second / name).read_bytes(), name


def built_once(out: Path, tmp_path: Path) -> tuple[Path, Path, dict]:
    """(merged file, a dataset built from it under tmp_path, its files' bytes)."""
    merged = out / "merged" / "almayadeen-en.jsonl"
    target = tmp_path / "dataset" / "almayadeen-en"
    build(EDITION, out, merged=merged, target=target, merge_first=False)
    return merged, target, {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}


def test_a_failed_rebuild_leaves_the_old_dataset_whole(built, tmp_path, monkeypatch):
    out, _, _ = built
    merged, target, before = built_once(out, tmp_path)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(report_mod, "write", broken)
    with pytest.raises(OSError):
        build(EDITION, out, merged=merged, target=target, merge_first=False)
    assert {p: p.read_bytes() for p in target.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["almayadeen-en"]  # no temporary left


def test_a_rebuild_swaps_the_whole_directory(built, tmp_path):
    out, _, _ = built
    merged = out / "merged" / "almayadeen-en.jsonl"
    target = tmp_path / "dataset" / "almayadeen-en"
    build(EDITION, out, merged=merged, target=target, merge_first=False)
    (target / "stale-file").write_text("from an older build")
    old = os.stat(target).st_ino
    build(EDITION, out, merged=merged, target=target, merge_first=False)
    assert os.stat(target).st_ino != old  # a new directory, not files rewritten in place
    assert not (target / "stale-file").exists()
    assert sorted(p.name for p in target.parent.iterdir()) == ["almayadeen-en"]


def test_the_merge_is_run_again_only_when_stale(crawled, tmp_path):
    out, _ = crawled
    merged = out / "merged" / "almayadeen-en.jsonl"
    build(EDITION, out, target=tmp_path / "ds")
    assert build(EDITION, out, target=tmp_path / "ds").merged_again is False
    run = out / "almayadeen" / EDITION / f"{RUN}.jsonl"
    os.utime(run, ns=(merged.stat().st_mtime_ns + 10**9,) * 2)
    assert build(EDITION, out, target=tmp_path / "ds").merged_again is True


def test_an_unsorted_input_is_refused(built, tmp_path):
    out, _, _ = built
    lines = (out / "merged" / "almayadeen-en.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    shuffled = tmp_path / "unsorted.jsonl"
    shuffled.write_text("".join(lines[len(lines) // 2:] + lines[: len(lines) // 2]), encoding="utf-8")
    with pytest.raises(DatasetError, match="not sorted"):
        build(EDITION, out, merged=shuffled, target=tmp_path / "ds", merge_first=False)
    assert not (tmp_path / "ds").exists()


def test_command_line(crawled, tmp_path):
    out, site = crawled
    proc = subprocess.run([sys.executable, "-m", "newscrawl.dataset", "--edition", "en", "--output-dir", str(out),
                           "--target", str(tmp_path / "ds")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f": {len(site.truth())} articles" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "newscrawl.dataset", "--edition", "ar", "--output-dir", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "newscrawl.dataset: error:" in proc.stderr


def test_the_crawl_never_imports_the_dataset_libraries():
    # Every module a crawl loads: the spider, and each component named in the settings.
    code = """
import importlib, sys
from newscrawl import settings
names = ["newscrawl.core.spider", "newscrawl.cron", "newscrawl.merge"]
for table in (settings.ITEM_PIPELINES, settings.EXTENSIONS, settings.DOWNLOADER_MIDDLEWARES,
              settings.FEED_STORAGES, settings.FEED_EXPORTERS, settings.DOWNLOAD_HANDLERS):
    names += list(table.values() if isinstance(table, dict) and table and isinstance(next(iter(table.values())), str) else table)
for name in names:
    module, _, attr = name.rpartition(".")
    try:
        importlib.import_module(name)
    except ImportError:
        getattr(importlib.import_module(module), attr)
heavy = sorted(m for m in ("pyarrow", "matplotlib", "duckdb", "pandas", "datasets") if m in sys.modules)
print(len(names), heavy)
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    count, heavy = proc.stdout.split(" ", 1)
    assert int(count) > 8
    assert heavy.strip() == "[]"


def test_reading_in_small_chunks_gives_the_same_years(built):
    from newscrawl.core.dataset.build import read_years
    from newscrawl.core.dataset.schema import arrow_schema

    out, _, _ = built
    merged = out / "merged" / "almayadeen-en.jsonl"
    schema = arrow_schema()
    whole = [(y, t.to_pylist()) for y, t in read_years(merged, schema, chunk_size=1 << 30)]
    # Chunks far smaller than one record: every cut falls inside a line and must be carried over.
    pieces = [(y, t.to_pylist()) for y, t in read_years(merged, schema, chunk_size=1000)]
    assert [y for y, _ in whole] == sorted({y for y, _ in whole})
    assert pieces == whole
    assert sum(len(rows) for _, rows in whole) == len(merged.read_text(encoding="utf-8").splitlines())


def test_rows_out_of_order_within_a_year_are_sorted(built, tmp_path):
    out, _, _ = built
    lines = (out / "merged" / "almayadeen-en.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    years = [json.loads(line)["published_at"][:4] for line in lines]
    i = next(i for i in range(len(lines) - 1) if years[i] == years[i + 1])
    lines[i], lines[i + 1] = lines[i + 1], lines[i]
    swapped = tmp_path / "swapped.jsonl"
    swapped.write_text("".join(lines), encoding="utf-8")
    target = tmp_path / "ds"
    build(EDITION, out, merged=swapped, target=target, merge_first=False)
    path = target / "data" / f"almayadeen-en-{years[i]}.parquet"
    published = pq.read_table(path, columns=["published_at"]).column("published_at").to_pylist()
    assert published == sorted(published)
    import csv

    with (target / "almayadeen-en.csv").open(encoding="utf-8", newline="") as fh:
        csv_times = [row["published_at"] for row in csv.DictReader(fh)]
    assert csv_times == sorted(csv_times)


# --- speed: what the build does to be fast, kept by tests ----------------------------------
def test_figures_are_drawn_by_a_process_of_their_own(built, tmp_path):
    # matplotlib never enters the build's process: its import and the drawing run on the
    # other core, in the figure process, while Arrow reads.
    out, _, _ = built
    code = (
        "import sys\nfrom pathlib import Path\nfrom newscrawl.core.dataset import build\n"
        f"build('en', Path({str(out)!r}), target=Path({str(tmp_path / 'ds')!r}), merge_first=False)\n"
        "print(sorted(m for m in ('matplotlib', 'pyarrow') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "['pyarrow']"
    assert len(list((tmp_path / "ds" / "figures").glob("*.png"))) == 7  # one crawl: no edit, no removal, no history panel


def test_the_figure_process_draws_what_it_is_sent(tmp_path):
    runs = [{"run": "20261101T000000", "requests": 9, "errors": 1, "challenges": 0, "browser": 2, "articles": 3}]
    with report_mod.Drawer(tmp_path / "figures") as drawer:
        drawer.send({"health": report_mod.health_data(runs)})  # the run summaries come first: crawl health alone
        drawer.finish()
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["crawl_health.png"]


def test_a_failed_figure_process_fails_the_build_and_keeps_the_old_dataset(built, tmp_path, monkeypatch):
    out, _, _ = built
    merged, target, before = built_once(out, tmp_path)
    real = report_mod.figures_data

    def broken(*args):
        data = real(*args)
        data["coverage"]["filled"] = 5  # not a dict: drawing the coverage fails
        return data

    monkeypatch.setattr(report_mod, "figures_data", broken)
    with pytest.raises(DatasetError, match=r"drawing the figures failed \(exit 1\): TypeError"):
        build(EDITION, out, merged=merged, target=target, merge_first=False)
    assert {p: p.read_bytes() for p in target.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["almayadeen-en"]


def test_parquet_dictionaries_and_statistics_only_where_useful(built):
    out, _, _ = built
    path = next((out / "dataset" / "almayadeen-en" / "data").iterdir())
    group = pq.ParquetFile(path).metadata.row_group(0)
    chunks = {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}
    # Text new in every article: neither (a dictionary would be dropped, no filter uses its min/max).
    for name in ("body", "title", "url", "content_hash"):
        assert "RLE_DICTIONARY" not in chunks[name].encodings and not chunks[name].is_stats_set, name
    # Repeated values, nested ones too: both.
    for name in ("section", "tags.list.element", "read_next.list.element.url"):
        assert "RLE_DICTIONARY" in chunks[name].encodings and chunks[name].is_stats_set, name
    # Unique values a reader filters on: statistics, no dictionary.
    for name in ("published_at", "post_id"):
        assert "RLE_DICTIONARY" not in chunks[name].encodings and chunks[name].is_stats_set, name


def test_csv_timestamps_are_python_isoformat():
    from newscrawl.core.dataset.build import iso_text

    times = [datetime(2024, 5, 22, 8, 50, tzinfo=timezone.utc), datetime(2025, 1, 2, 3, 4, 5, 120000, tzinfo=timezone.utc),
             datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=timezone.utc), None]
    values = pa.chunked_array([pa.array(times, pa.timestamp("us", tz="UTC"))])
    assert iso_text(values).to_pylist() == [t.isoformat() if t else None for t in times]


def _pid_figures(monkeypatch, fail: str = ""):
    """The figure functions replaced by ones that write the drawing process's id (or fail)."""
    from newscrawl.core.dataset import figures as figures_mod

    def fake(*args):
        path = args[-1]
        if path.name == fail:
            raise RuntimeError(f"cannot draw {fail}")
        path.write_text(str(os.getpid()))

    for name in ("over_time", "group", "top", "coverage", "crawl_health"):
        monkeypatch.setattr(figures_mod, name, fake)
    return figures_mod


def test_the_last_six_figures_are_drawn_by_two_processes(tmp_path, monkeypatch):
    # Once the last year is counted the second core is free: the six figures waiting for it
    # are shared between the figure process and a forked child, about half each.
    figures_mod = _pid_figures(monkeypatch)
    data = {"over_time": {}, "groups": {}, "top": {}, "coverage": {}}
    names = figures_mod.draw(data, tmp_path, split=True)
    assert len(names) == 6
    pids = Counter(p.read_text() for p in tmp_path.iterdir())
    assert sorted(pids.values()) == [3, 3] and str(os.getpid()) in pids
    # One figure alone (the crawl health, drawn first) is not worth a process.
    assert figures_mod.draw({"health": {}}, tmp_path, split=True) == ["crawl_health.png"]
    assert (tmp_path / "crawl_health.png").read_text() == str(os.getpid())


def test_a_failed_drawing_child_fails_the_figure_process(tmp_path, monkeypatch, capfd):
    figures_mod = _pid_figures(monkeypatch)
    _, theirs = figures_mod.share([name for name, _ in figures_mod.jobs({"over_time": {}, "groups": {}, "top": {}, "coverage": {}}, tmp_path)])
    _pid_figures(monkeypatch, fail=theirs[0])
    with pytest.raises(figures_mod.FigureError):
        figures_mod.draw({"over_time": {}, "groups": {}, "top": {}, "coverage": {}}, tmp_path, split=True)
    assert f"RuntimeError: cannot draw {theirs[0]}" in capfd.readouterr().err


def run_command(prelude: str, out: Path, target: Path) -> subprocess.CompletedProcess:
    """``python -m newscrawl.dataset`` on ``out`` into ``target``, after the Python ``prelude``
    (run in the same process: it can watch the command)."""
    code = (
        f"import runpy, sys\n{prelude}"
        f"sys.argv = ['x', '--output-dir', {str(out)!r}, '--target', {str(target)!r}, '--no-merge']\n"
        "runpy.run_module('newscrawl.dataset', run_name='__main__')\n"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_command_starts_the_figure_process_before_pyarrow_is_imported(built, tmp_path):
    # matplotlib's import then overlaps the command's own imports (one core) rather than
    # Arrow's reading (both cores).
    out, _, _ = built
    proc = run_command(
        "import subprocess\n"
        "real = subprocess.Popen\n"
        "def popen(args, **kw):\n"
        "    if str(args[-1]).endswith('figures.py'):\n"
        "        print('pyarrow' in sys.modules)\n"
        "    return real(args, **kw)\n"
        "subprocess.Popen = popen\n", out, tmp_path / "ds")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.splitlines()[0] == "False"
    assert len(list((tmp_path / "ds" / "figures").glob("*.png"))) == 7  # one crawl: no edit, no removal, no history panel


@pytest.mark.parametrize("args", [["--help"], ["--edition", "en", "--merged", "/nonexistent.jsonl", "--no-merge"]])
def test_the_early_figure_process_never_outlives_the_command(args):
    code = (
        "import os, runpy, subprocess, sys\n"
        "def leave(code):\n"
        "    raise SystemExit(code)\n"
        "os._exit = leave  # to see the end\n"
        "real, started = subprocess.Popen, []\n"
        "def popen(*a, **kw):\n"
        "    started.append(real(*a, **kw))\n"
        "    return started[-1]\n"
        "subprocess.Popen = popen\n"
        f"sys.argv = ['x'] + {args!r}\n"
        "try:\n"
        "    runpy.run_module('newscrawl.dataset', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    print(exc.code, [p.returncode is not None for p in started], file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    code, ended = proc.stderr.strip().splitlines()[-1].split(" ", 1)
    assert code == ("0" if args == ["--help"] else "1") and ended == "[True]", proc.stderr[-2000:]


def test_the_next_year_is_read_while_a_year_is_written(built, tmp_path, monkeypatch):
    # Reading alone, or writing alone, leaves part of the two cores idle: a year's Parquet
    # file is written while the next year is read (memory: the year written and the year read).
    import threading

    import newscrawl.core.dataset as ds

    out, _, result = built
    years = sorted(result.row_groups)
    assert len(years) >= 2
    read_after = {year: threading.Event() for year in years}  # set once a later year is read
    real_years, real_write = ds.marked_years, ds.write_year
    waited = []

    def marked_years(*args, **kwargs):
        previous = None
        for year, table, last in real_years(*args, **kwargs):
            if previous is not None:
                read_after[previous].set()
            previous = year
            yield year, table, last
        read_after[previous].set()  # the end of the file

    def write_year(table, path):
        year = int(path.stem.rsplit("-", 1)[1])
        waited.append((year, read_after[year].wait(timeout=20)))  # False: it waited in vain
        return real_write(table, path)

    monkeypatch.setattr(ds, "marked_years", marked_years)
    monkeypatch.setattr(ds, "write_year", write_year)
    again = build(EDITION, out, target=tmp_path / "ds", merge_first=False)
    assert waited == [(year, True) for year in years]
    assert again.row_groups == result.row_groups
    assert [p.name for p in again.files] == [p.name for p in result.files]


def test_the_figure_process_is_set_up_for_speed():
    # Without the cyclic collector (its scans cost CPU and, in the forked child, copy every
    # page shared with the parent) and without the auto-hinter (15% of the drawing).
    script = ROOT / "newscrawl" / "core" / "dataset" / "figures.py"
    code = (f"import gc, runpy, sys\nsys.argv = [{str(script)!r}]\n"
            f"figures = runpy.run_path({str(script)!r})\nfigures['main']([])\n"
            "import matplotlib\nprint(gc.isenabled(), matplotlib.rcParams['text.hinting'])\n")
    proc = subprocess.run([sys.executable, "-P", "-c", code], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "False no_hinting"


def test_the_command_leaves_without_the_interpreter_teardown(built, tmp_path):
    # All is written and closed when it ends: the teardown (~0.1 s with pyarrow) is skipped,
    # the output still flushed.
    out, site, _ = built
    proc = run_command("import atexit\natexit.register(lambda: print('teardown'))\n", out, tmp_path / "ds")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.splitlines() == [l for l in proc.stdout.splitlines() if l.startswith("dataset ")]
    assert f": {len(site.truth())} articles" in proc.stdout
    assert len(list((tmp_path / "ds" / "data").glob("*.parquet"))) == len(built[2].files)


# --- the target: only a directory the build made is ever replaced ------------------------------
def test_a_target_holding_other_files_is_refused_and_kept(built, tmp_path):
    out, _, _ = built
    merged = out / "merged" / "almayadeen-en.jsonl"
    target = tmp_path / "mine"
    target.mkdir()
    (target / "important.txt").write_text("a researcher's notes")
    result = subprocess.run([sys.executable, "-m", "newscrawl.dataset", "--edition", EDITION, "--merged", str(merged),
                             "--no-merge", "--target", str(target)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert "not replaced" in result.stderr and "Traceback" not in result.stderr
    assert (target / "important.txt").read_text() == "a researcher's notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # nothing built beside it


def test_the_output_directory_as_target_is_refused(built):
    out, _, _ = built
    before = sorted(str(p) for p in out.rglob("*"))
    with pytest.raises(DatasetError, match="not replaced"):
        build(EDITION, out, merged=out / "merged" / "almayadeen-en.jsonl", target=out, merge_first=False)
    assert sorted(str(p) for p in out.rglob("*")) == before


def test_a_file_or_a_symlink_as_target_is_refused(built, tmp_path):
    out, _, _ = built
    merged = out / "merged" / "almayadeen-en.jsonl"
    plain = tmp_path / "plain"
    plain.write_text("keep")
    link = tmp_path / "link"
    link.symlink_to(plain)
    for target in (plain, link):
        with pytest.raises(DatasetError, match="not replaced"):
            build(EDITION, out, merged=merged, target=target, merge_first=False)
    assert plain.read_text() == "keep" and link.is_symlink()


def test_a_dataset_built_before_the_marker_is_still_rebuilt(built, tmp_path):
    out, _, _ = built
    merged, target, _ = built_once(out, tmp_path)
    (target / ".newscrawl-dataset").unlink()  # as an earlier version of the build left it
    build(EDITION, out, merged=merged, target=target, merge_first=False)
    assert (target / ".newscrawl-dataset").is_file() and (target / "README.md").is_file()
