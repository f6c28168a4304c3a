"""-a discover=sitemap against the replica: exactly the articles published in [since, until],
and only the monthly sitemaps that overlap the range are requested."""

from __future__ import annotations

from datetime import date

import pytest

from newscrawl.testing import run_crawl
from tests.site.model import BEIRUT


def key_of(record):
    return record["post_id"] or record["canonical_url"]


@pytest.mark.parametrize(
    "since,until",
    [("2025-03-01", "2025-03-31"), ("2024-12-31", "2025-01-01"), ("2023-01-01", "2023-01-31")],
    ids=["a-month", "year-edge", "empty"],
)
def test_sitemap_discovery_emits_exactly_the_range(site, server, tmp_path, since, until):
    start = len(server.log)
    result = run_crawl(
        server.url, tmp_path / "range.jsonl",
        args={"discover": "sitemap", "since": since, "until": until, "follow": "none"},
        settings={"NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False", "NEWSCRAWL_NOW": site.now.isoformat()},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    truth = site.truth()
    expected = {k for k, r in truth.items() if since <= r["published_at"][:10] <= until}
    assert {key_of(r) for r in result.records} == expected
    months = {r.path for r in server.log[start:] if r.path.startswith("/sitemaps/all/")}
    first, last = date.fromisoformat(since), date.fromisoformat(until)
    wanted = {f"/sitemaps/all/sitemap-{y}-{m}.xml" for y, m in {(h.published.astimezone(BEIRUT).year, h.published.astimezone(BEIRUT).month) for h in site.heads}
              if (y, m) >= (first.year, first.month) and (y, m) <= (last.year, last.month)}
    assert months == wanted
