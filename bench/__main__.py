"""Benchmarks of newscrawl against the offline replica (issue #9).

    python -m bench                 # everything; writes docs/benchmarks.md and docs/benchmarks.png
    python -m bench --smoke         # a tiny run (< 60 s) that only checks the harness works
    python -m bench --only throughput,extraction --sizes 1000,10000 --reps 3

The replica is served from a thread of this process; every crawl is its own subprocess
(`scrapy crawl almayadeen`, or `scrapy runspider bench/bare_spider.py` for the baseline).
Peak RSS is the crawl process's own high-water mark (VmHWM, read from /proc every 50 ms
while it runs): Chromium and the Playwright driver, its children, are not included.
"Replica CPU" is this process's CPU time during a crawl divided by the crawl's wall time
(1.0 = one full core of the 2).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newscrawl.core.runsummary import SUMMARY_PATH_SETTING, read_summary  # noqa: E402
from tests.outlets.almayadeen.replica import Replica, ReplicaServer  # noqa: E402

SAME = {  # settings both crawlers get: politeness off, same concurrency
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "LOG_LEVEL": "INFO",
}
# What our settings.py sets that a bare Scrapy project does not, but that changes what is
# fetched or how (not what is done with it): given to the bare spider too.
BARE_EXTRA = {
    "ROBOTSTXT_OBEY": "True",
    "USER_AGENT": "newscrawl/0.1 (bench bare spider)",
    "DEPTH_PRIORITY": "1",
    "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
    "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
    "TELNETCONSOLE_ENABLED": "False",
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
}
TABLES = ("throughput", "throughput_jobdir")  # results keyed by archive size, merged row by row
# Extractors whose pinned dependencies differ from the crawler's run from their own venv.
EXTRACTORS_PYTHON = ROOT / ".venv-extractors" / "bin" / "python"
# The bare spider is given our run summary extension alone (its cost: one file written at
# close), so that both crawls' stats are read the same way, from the summary they were told to write.
BARE_SUMMARY_EXTENSION = json.dumps({"newscrawl.core.extensions.RunSummary": 500})


def _vm_hwm_kib(pid: int) -> int:
    """The process's peak resident set so far (VmHWM), in KiB; 0 once it has exited.

    Not ru_maxrss from wait4: Linux carries the parent's high-water mark over fork and
    exec into the child's, so a crawl started by this process (which holds a 50,000-article
    replica) would report at least this process's size. VmHWM belongs to the crawl's own
    address space, which starts afresh at exec.
    """
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run(cmd: list[str], cwd: Path, summary_path: Path, env: dict | None = None, timeout: float = 3600) -> dict:
    """One crawl subprocess: wall time, peak RSS (MiB), stats (from the run summary it was
    told to write at ``summary_path``), replica CPU share."""
    summary_path.unlink(missing_ok=True)
    cmd = [*cmd, "-s", f"{SUMMARY_PATH_SETTING}={summary_path}"]
    with tempfile.TemporaryFile("w+") as err:
        cpu0, t0 = time.process_time(), time.monotonic()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err,
                                env={**{k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"},
                                     **(env or {})})
        deadline = t0 + timeout
        peak_kib = 0
        while True:
            peak_kib = max(peak_kib, _vm_hwm_kib(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
            time.sleep(0.05)
        wall = time.monotonic() - t0
        cpu = time.process_time() - cpu0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read()
    summary = read_summary(summary_path)
    if proc.returncode != 0 or summary is None:
        print(stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"crawl failed ({proc.returncode}{', no run summary' if summary is None else ''}): "
                         f"{shlex.join(cmd)}")
    stats = summary.stats
    return {"wall": wall, "rss_mib": peak_kib / 1024, "stats": stats, "replica_cpu": cpu / wall,
            "elapsed": stats.get("elapsed_time_seconds", wall), "cmd": shlex.join(cmd)}


def ours_cmd(url: str, tmp: Path, site: Replica, **extra: str) -> list[str]:
    settings = {**SAME, "NEWSCRAWL_BROWSER_ENABLED": "False", "NEWSCRAWL_STATE_PATH": str(tmp / "state.sqlite3"),
                "NEWSCRAWL_NOW": site.now.isoformat(), **extra}
    cmd = [sys.executable, "-m", "scrapy", "crawl", "almayadeen", "-a", f"base_url={url}", "-O", str(tmp / "out.jsonl")]
    for k, v in settings.items():
        cmd += ["-s", f"{k}={v}"]
    return cmd


def crawl_ours(url: str, tmp: Path, site: Replica, **extra: str) -> dict:
    out = tmp / "out.jsonl"
    for p in (out, tmp / "out.breaking.jsonl", tmp / "out.summary.json"):
        p.unlink(missing_ok=True)
    r = run(ours_cmd(url, tmp, site, **extra), ROOT, tmp / "out.summary.json")
    r["records"] = sum(1 for line in out.open() if line.strip()) if out.exists() else 0
    r["requests"] = r["stats"].get("downloader/request_count", 0)
    r["responses"] = r["stats"].get("downloader/response_count", 0)
    return r


def crawl_bare(url: str, tmp: Path, **extra: str) -> dict:
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(ROOT / "bench" / "bare_spider.py"), "-a", f"base_url={url}"]
    for k, v in {**SAME, **BARE_EXTRA, "EXTENSIONS": BARE_SUMMARY_EXTENSION, **extra}.items():
        cmd += ["-s", f"{k}={v}"]
    # cwd without scrapy.cfg: the project's settings (pipelines, middlewares, feeds) are not loaded.
    r = run(cmd, tmp, tmp / "bare.summary.json", env={"PYTHONPATH": str(ROOT)})
    r["requests"] = r["stats"].get("downloader/request_count", 0)
    r["responses"] = r["stats"].get("downloader/response_count", 0)
    r["records"] = r["stats"].get("bare/article_pages", 0)
    return r


def med(values):
    return statistics.median(values) if values else float("nan")


# --- 1 + 3: throughput and memory against archive size ------------------------------------
def bench_throughput(sizes: list[int], reps: int, results: dict, jobdir: bool = False) -> None:
    """Measurements 1 and 3. With ``jobdir``, both crawlers keep their request queue and
    seen-fingerprints on disk (Scrapy's JOBDIR, a new one per run), as scheduled runs do."""
    rows = []
    for n in sizes:
        site = Replica(seed=1, articles=n)
        reachable = len(site.reachable(js=False, max_pages=3))
        runs = {"ours": [], "bare": []}
        with ReplicaServer(site) as server, tempfile.TemporaryDirectory(prefix="bench-") as d:
            tmp = Path(d)
            for rep in range(reps):
                order = ("bare", "ours") if rep % 2 else ("ours", "bare")  # alternate who goes first
                for who in order:
                    extra = {"JOBDIR": str(tmp / f"job-{who}-{rep}")} if jobdir else {}
                    if who == "ours":
                        # Every pipeline on, the cross-run store included; a new store file
                        # each time, so every run is a first full run.
                        for leftover in tmp.glob("state.sqlite3*"):
                            leftover.unlink()
                        r = crawl_ours(server.url, tmp, site, **extra)
                    else:
                        r = crawl_bare(server.url, tmp, **extra)
                    print(f"  {n} articles, {who} #{rep + 1}: {r['records']} articles, {r['responses']} responses, "
                          f"{r['elapsed']:.1f} s crawl, {r['wall']:.1f} s wall, {r['rss_mib']:.0f} MiB, "
                          f"replica CPU {r['replica_cpu']:.2f}", flush=True)
                    runs[who].append(r)
        row = {"articles": n, "reachable": reachable, "reps": reps}
        for who, rs in runs.items():
            row[who] = {
                "records": med([r["records"] for r in rs]),
                "responses": med([r["responses"] for r in rs]),
                "elapsed": med([r["elapsed"] for r in rs]),
                "wall": med([r["wall"] for r in rs]),
                "articles_per_s": med([r["records"] / r["elapsed"] for r in rs]),
                "responses_per_s": med([r["responses"] / r["elapsed"] for r in rs]),
                "rss_mib": med([r["rss_mib"] for r in rs]),
                "rss_all": [round(r["rss_mib"], 1) for r in rs],
                "replica_cpu": med([r["replica_cpu"] for r in rs]),
            }
        # Same-run ratios: each repetition's pair, then the median of the ratios.
        row["ratio_responses_per_s"] = med([(o["responses"] / o["elapsed"]) / (b["responses"] / b["elapsed"])
                                            for o, b in zip(runs["ours"], runs["bare"])])
        row["ratio_articles_per_s"] = med([(o["records"] / o["elapsed"]) / (b["records"] / b["elapsed"])
                                           for o, b in zip(runs["ours"], runs["bare"]) if b["records"]])
        row["cmd_ours"], row["cmd_bare"] = runs["ours"][0]["cmd"], runs["bare"][0]["cmd"]
        rows.append(row)
    results["throughput_jobdir" if jobdir else "throughput"] = rows


# --- 2: extraction -----------------------------------------------------------------------
def _norm(text) -> str:
    return " ".join(str(text or "").split())


def bench_extraction(pages: int, results: dict, extractors_python: Path = EXTRACTORS_PYTHON) -> None:
    from tests.outlets.almayadeen.replica import pages as site_pages
    from newscrawl.outlets.almayadeen.editions import ENGLISH
    from newscrawl.outlets.almayadeen.pages import ArticlePage

    site = Replica(seed=1, articles=pages)
    truth = site.truth()
    docs = []
    for i in range(pages):
        h = site.heads[i]
        if h.key in truth:  # the replica's truth leaves out pages a crawl must drop
            docs.append((site_pages.article(site, i), "http://127.0.0.1:1" + h.path, truth[h.key]))
    runs = {"newscrawl": ("working tree", _run_in_process(_ours_extract(ArticlePage, ENGLISH), docs))}
    versions = {}
    try:
        import trafilatura
        runs["trafilatura"] = (trafilatura.__version__, _run_in_process(_trafilatura_extract(trafilatura), docs))
    except ImportError as exc:
        versions["trafilatura"] = f"not installed ({exc})"
    for tool in ("newspaper4k", "news-please"):
        if extractors_python.exists():
            runs[tool] = _run_worker(extractors_python, tool, docs)
        else:
            versions[tool] = f"not installed (`make bench` puts it in {EXTRACTORS_PYTHON.parent.parent.name})"
    out = {}
    for name, (version, outputs) in runs.items():
        times, ok = [], {"title": 0, "body": 0, "published_date": 0, "authors": 0}
        have = {"published_date": 0}
        for (html, url, t), (got, seconds) in zip(docs, outputs):
            times.append(seconds)
            ok["title"] += _norm(got["title"]) == _norm(t["title"])
            ok["body"] += _norm(got["body"]) == _norm(t["body"])
            ok["authors"] += [_norm(a) for a in got["authors"]] == [_norm(a) for a in t["authors"]]
            have["published_date"] += bool(got["date"])
            ok["published_date"] += bool(got["date"]) and got["date"] == t["published_at"][:10]
        out[name] = {"version": version, "pages": len(times), "ms_per_page_median": med(times) * 1000,
                     "ms_per_page_mean": sum(times) / len(times) * 1000,
                     **{f"{k}_exact": v for k, v in ok.items()}, "with_date": have["published_date"]}
        print(f"  {name}: {out[name]}", flush=True)
    for name, v in versions.items():
        out[name] = {"version": v}
    results["extraction"] = out


def _run_in_process(fn, docs) -> list[tuple[dict, float]]:
    fn(docs[0][0], docs[0][1])  # warm-up (imports, caches)
    outputs = []
    for html, url, _ in docs:
        started = time.perf_counter()
        got = fn(html, url)
        outputs.append((got, time.perf_counter() - started))
    return outputs


def _run_worker(python: Path, tool: str, docs) -> tuple[str, list[tuple[dict, float]]]:
    """Extraction by ``tool`` in another venv (bench/extract_worker.py); times taken there."""
    payload = "".join(json.dumps({"html": html, "url": url}) + "\n" for html, url, _ in docs)
    proc = subprocess.run([str(python), str(ROOT / "bench" / "extract_worker.py"), tool], input=payload,
                          capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"{tool} worker failed: {proc.stderr[-2000:]}")
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return lines[0]["version"], [(got, got.pop("seconds")) for got in lines[1:]]


def _ours_extract(ArticlePage, edition):
    from datetime import datetime as _dt

    def fn(html, url):
        item = ArticlePage(html, url, edition).to_item(discovered_via="url", crawled_at="2026-11-20T09:00:00+00:00",
                                                       now=_dt.fromisoformat("2026-11-20T09:00:00+00:00"))
        get = item.get if hasattr(item, "get") else lambda k, d=None: getattr(item, k, d)
        published = get("published_at")
        day = None
        if published:
            try:
                day = _dt.fromisoformat(published).astimezone(timezone.utc).date().isoformat()
            except ValueError:
                day = None
        return {"title": get("title"), "body": get("body"), "authors": list(get("authors") or []), "date": day}
    return fn


def _trafilatura_extract(trafilatura):
    def fn(html, url):
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
        if doc is None:
            return {"title": None, "body": None, "authors": [], "date": None}
        get = doc.get if isinstance(doc, dict) else lambda k: getattr(doc, k, None)
        author = get("author")
        authors = [a.strip() for a in re.split(r";| and ", author)] if author else []
        return {"title": get("title"), "body": get("text"), "authors": authors, "date": get("date")}
    return fn


# --- 4: re-crawl cost --------------------------------------------------------------------
def bench_recrawl(articles: int, results: dict) -> None:
    site = Replica(seed=1, articles=articles)
    rows = []
    with ReplicaServer(site) as server, tempfile.TemporaryDirectory(prefix="bench-") as d:
        tmp = Path(d)
        inc = {"NEWSCRAWL_INCREMENTAL": "True"}
        for label, new in (("first full run", None), ("re-run, 0 new", 0), ("re-run, 1% new", max(1, articles // 100))):
            if new:
                site.publish(new)
            r = crawl_ours(server.url, tmp, site, **inc)
            rows.append({"run": label, "new": new, "requests": r["requests"], "records": r["records"],
                         "elapsed": r["elapsed"], "wall": r["wall"], "cmd": r["cmd"]})
            print(f"  {label}: {rows[-1]}", flush=True)
    for row in rows:
        row["requests_ratio"] = row["requests"] / rows[0]["requests"]
        row["wall_ratio"] = row["wall"] / rows[0]["wall"]
        row["elapsed_ratio"] = row["elapsed"] / rows[0]["elapsed"]
    results["recrawl"] = {"articles": articles, "rows": rows}


# --- 5: browser share --------------------------------------------------------------------
def bench_browser(articles: int, reps: int, results: dict) -> None:
    site = Replica(seed=1, articles=articles)
    runs = {"off": [], "on": []}
    with ReplicaServer(site) as server, tempfile.TemporaryDirectory(prefix="bench-") as d:
        tmp = Path(d)
        for rep in range(reps):
            for mode in (("on", "off") if rep % 2 else ("off", "on")):
                r = crawl_ours(server.url, tmp, site, NEWSCRAWL_STATE="off",
                               NEWSCRAWL_BROWSER_ENABLED="True" if mode == "on" else "False")
                rendered = sum(v for k, v in r["stats"].items() if k.startswith("newscrawl/browser/requests/"))
                r["rendered"] = rendered
                print(f"  browser {mode} #{rep + 1}: {r['records']} articles, {r['requests']} requests, "
                      f"{rendered} rendered, {r['wall']:.1f} s wall", flush=True)
                runs[mode].append(r)
    out = {"articles": articles, "reps": reps}
    for mode, rs in runs.items():
        out[mode] = {"records": med([r["records"] for r in rs]), "requests": med([r["requests"] for r in rs]),
                     "rendered": med([r["rendered"] for r in rs]),
                     "rendered_share": med([r["rendered"] / r["requests"] for r in rs]),
                     "elapsed": med([r["elapsed"] for r in rs]), "wall": med([r["wall"] for r in rs]),
                     "rss_mib": med([r["rss_mib"] for r in rs]),
                     "browser_stats": {k: v for k, v in rs[0]["stats"].items() if "browser" in k or "playwright/page_count" == k}}
    out["wall_ratio_on_off"] = med([a["wall"] / b["wall"] for a, b in zip(runs["on"], runs["off"])])
    out["cmd_on"] = runs["on"][0]["cmd"]
    results["browser"] = out


# --- report ------------------------------------------------------------------------------
def machine() -> dict:
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(mem / 1024 / 1024, 1),
            "python": platform.python_version(), "kernel": platform.release()}


def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = results["throughput"]
    xs = [r["articles"] for r in rows]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    a1.plot(xs, [r["ours"]["responses_per_s"] for r in rows], "o-", label="scrapy crawl almayadeen")
    a1.plot(xs, [r["bare"]["responses_per_s"] for r in rows], "s--", label="bare spider")
    a1.set(xscale="log", xlabel="replica articles", ylabel="pages/s (median)", title="Throughput")
    a1.legend()
    a2.plot(xs, [r["ours"]["rss_mib"] for r in rows], "o-", label="scrapy crawl almayadeen")
    a2.plot(xs, [r["bare"]["rss_mib"] for r in rows], "s--", label="bare spider")
    on_disk = results.get("throughput_jobdir")
    if on_disk:
        a2.plot([r["articles"] for r in on_disk], [r["ours"]["rss_mib"] for r in on_disk], "^-",
                label="scrapy crawl almayadeen, JOBDIR")
    a2.set(xscale="log", xlabel="replica articles", ylabel="peak RSS, MiB (median)", title="Peak memory")
    a2.legend()
    for axes in (a1, a2):
        axes.set_ylim(bottom=0)  # a truncated axis would make a 10% gap look like a cliff
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--smoke", action="store_true", help="tiny replica, 1 repetition, no report unless --out is given")
    p.add_argument("--only", default="throughput,extraction,recrawl,browser")
    p.add_argument("--sizes", default="1000,10000,50000", help="archive sizes for throughput + memory")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--jobdir", action="store_true",
                   help="throughput + memory with each crawl's request queue on disk (JOBDIR), as cron runs")
    p.add_argument("--articles", type=int, default=300, help="replica size for browser share")
    p.add_argument("--recrawl-articles", type=int, default=1000)
    p.add_argument("--pages", type=int, default=300, help="stored pages for extraction")
    p.add_argument("--extractors-python", type=Path, default=EXTRACTORS_PYTHON,
                   help="python of the venv with requirements-bench-extractors.txt")
    p.add_argument("--json", type=Path, default=None, help="write raw results here")
    p.add_argument("--merge", type=Path, action="append", default=[], help="earlier --json results to include")
    p.add_argument("--out", type=Path, default=None, help="markdown report (default docs/benchmarks.md; none with --smoke)")
    o = p.parse_args(argv)
    if o.smoke:
        o.sizes, o.reps, o.articles, o.recrawl_articles, o.pages = "60", 1, 60, 60, 20
        o.only = o.only if o.only != p.get_default("only") else "throughput,extraction,recrawl"
    elif o.out is None:
        o.out = ROOT / "docs" / "benchmarks.md"
    only = set(o.only.split(","))
    results: dict = {"machine": machine(), "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                     "argv": ["python", "-m", "bench", *(argv if argv is not None else sys.argv[1:])]}
    commands = []
    for path in o.merge:
        earlier = json.loads(path.read_text())
        commands += earlier.get("commands") or [" ".join(earlier.get("argv", [])) + f"   # {earlier.get('started')}, {earlier.get('seconds', 0):.0f} s"]
        for key, value in earlier.items():
            if key in ("machine", "argv", "started", "seconds", "commands"):
                continue
            if key in TABLES:  # rows of several invocations (e.g. 50k with fewer runs) make one table
                rows = {row["articles"]: row for row in results.get(key, []) + value}
                results[key] = [rows[n] for n in sorted(rows)]
            else:
                results[key] = value
    if commands:
        results["commands"] = commands
    t0 = time.monotonic()
    if "throughput" in only:
        print("throughput + memory" + (" (JOBDIR)" if o.jobdir else "") + ":", flush=True)
        key = "throughput_jobdir" if o.jobdir else "throughput"
        merged = results.pop(key, [])
        bench_throughput([int(s) for s in o.sizes.split(",")], o.reps, results, o.jobdir)
        rows = {row["articles"]: row for row in merged + results[key]}
        results[key] = [rows[n] for n in sorted(rows)]
    if "extraction" in only:
        print("extraction:", flush=True)
        bench_extraction(o.pages, results, o.extractors_python)
    if "recrawl" in only:
        print("re-crawl:", flush=True)
        bench_recrawl(o.recrawl_articles, results)
    if "browser" in only:
        print("browser:", flush=True)
        bench_browser(o.articles, min(o.reps, 2), results)
    results["seconds"] = time.monotonic() - t0
    if o.json:
        o.json.write_text(json.dumps(results, indent=1, default=str))
    if o.smoke:
        tp = results.get("throughput", [{}])[0]
        assert not tp or (tp["ours"]["records"] > 0 and tp["bare"]["responses"] > 0), "smoke: a crawl fetched nothing"
        print(f"smoke OK in {results['seconds']:.1f} s")
    if o.out:
        from bench.report import write
        write(results, o.out)
        if results.get("throughput"):
            plot(results, o.out.with_suffix(".png"))
        print(f"wrote {o.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
