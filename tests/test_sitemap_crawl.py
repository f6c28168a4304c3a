"""-a discover=sitemap against the replica: exactly the articles published in [since, until],
and only the monthly sitemaps that overlap the range are requested."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from newscrawl.testing import run_crawl
from tests.site import Replica, ReplicaServer
from tests.site.model import BEIRUT


def key_of(record):
    return record["post_id"] or record["canonical_url"]


def days_with_posts(site) -> list[str]:
    return sorted({r["published_at"][:10] for r in site.truth().values()})


@pytest.mark.parametrize(
    "since,until",
    [("2025-03-01", "2025-03-31"), ("2024-12-31", "2025-01-01"), ("2023-01-01", "2023-01-31"), (-40, -30)],
    ids=["a-month", "year-edge", "empty", "post-days-as-edges"],
)
def test_sitemap_discovery_emits_exactly_the_range(site, server, tmp_path, since, until):
    edges_have_posts = isinstance(since, int)
    if edges_have_posts:
        # Both ends on days with posts (the ends are inclusive), and the nearest days with
        # posts on either side are outside the range (they are not).
        days = days_with_posts(site)
        since, until = days[since], days[until]
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
    if edges_have_posts:
        assert {truth[k]["published_at"][:10] for k in expected} >= {since, until}
    months = {r.path for r in server.log[start:] if r.path.startswith("/sitemaps/all/")}
    # The month of the day after `until` is read too (Beirut months, UTC dates).
    first, last = date.fromisoformat(since), date.fromisoformat(until) + timedelta(days=1)
    wanted = {f"/sitemaps/all/sitemap-{y}-{m}.xml" for y, m in {(h.published.astimezone(BEIRUT).year, h.published.astimezone(BEIRUT).month) for h in site.heads}
              if (y, m) >= (first.year, first.month) and (y, m) <= (last.year, last.month)}
    assert months == wanted


def test_a_post_of_the_last_utc_day_filed_in_the_next_beirut_month_is_found(tmp_path):
    # 01:30 in Beirut on 1 April is 31 March in UTC: the post is in the April sitemap
    # but inside a range that ends on 31 March.
    site = Replica(seed=7, articles=60)
    head = next(h for h in site.heads if h.variant == "full" and not h.members_only)
    head.published = datetime(2025, 4, 1, 1, 30, tzinfo=BEIRUT)
    site._index()
    with ReplicaServer(site) as server:
        result = run_crawl(
            server.url, tmp_path / "edge.jsonl",
            args={"discover": "sitemap", "since": "2025-03-31", "until": "2025-03-31", "follow": "none"},
            settings={"NEWSCRAWL_STATE": "off", "NEWSCRAWL_BROWSER_ENABLED": "False", "NEWSCRAWL_NOW": site.now.isoformat()},
        )
        requested = {r.path for r in server.log if r.path.startswith("/sitemaps/all/")}
    assert result.returncode == 0, result.stderr[-2000:]
    assert "/sitemaps/all/sitemap-2025-4.xml" in requested
    expected = {k for k, r in site.truth().items() if r["published_at"][:10] == "2025-03-31"}
    assert head.key in expected
    assert {key_of(r) for r in result.records} == expected
