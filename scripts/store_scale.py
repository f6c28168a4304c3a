"""Scale check of the cross-run store: 1,000,000 posts, look-up times, file size, memory.

    .venv/bin/python scripts/store_scale.py
"""
import os, sys, time, random, tempfile, resource
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from newscrawl.core.state import Store
d = tempfile.mkdtemp(); p = os.path.join(d, "s.sqlite3")
s = Store(p)
t = time.perf_counter()
s.db.execute("BEGIN")
for i in range(1_000_000):
    s.record(str(1700000 + i), str(1700000 + i), f"https://english.almayadeen.net/news/politics/some-article-slug-number-{i}", "%064x" % i, 1, "2024-10-09T06:01:00+00:00", "2026-11-20T09:00:00+00:00")
s.db.execute("COMMIT")
ins = time.perf_counter() - t
s.close(); s = Store(p)
rng = random.Random(1)
keys = [str(1700000 + rng.randrange(1_000_000)) for _ in range(10000)]
t = time.perf_counter()
for k in keys: s.get(k)
get_us = (time.perf_counter() - t) / len(keys) * 1e6
urls = [f"https://english.almayadeen.net/news/politics/some-article-slug-number-{rng.randrange(1_000_000)}" for _ in range(10000)]
t = time.perf_counter()
for u in urls: s.published_at(u)
url_us = (time.perf_counter() - t) / len(urls) * 1e6
t = time.perf_counter()
for i in range(1000): s.record(str(9000000 + i), None, f"https://x/{i}", "h", 1, None, "t")
commit_us = (time.perf_counter() - t) / 1000 * 1e6
s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
print(f"1,000,000 posts: insert {ins:.1f} s in one transaction; file {size/1e6:.0f} MB; get by key {get_us:.1f} us; by canonical URL (NOCASE index) {url_us:.1f} us; single committed record {commit_us:.0f} us; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024:.0f} MB")
