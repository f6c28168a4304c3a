"""The crawler under seeded faults: every article stored exactly once, every field right."""

from __future__ import annotations

import os

import pytest

from newscrawl.core.testing import run_crawl
from tests.outlets.almayadeen.replica import Replica, ReplicaServer
from tests.outlets.almayadeen.replica.faults import FaultRates, faults
from tests.test_browser import deep_enough

CHROMIUM = os.environ.get("NEWSCRAWL_CHROMIUM", "/usr/bin/chromium")


def key_of(record):
    return record["post_id"] or record["canonical_url"]


@pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"no Chromium at {CHROMIUM} (challenge retries need it)")
def test_crawl_under_faults_stores_every_article_once_and_right(site, tmp_path):
    rates = FaultRates()  # 5% 5xx, 2% 429, 1% resets, 1% slow, 1% truncated, 1% challenges
    with ReplicaServer(site) as server:
        server.responder = responder = faults(server.responder, rates, seed=3)
        result = run_crawl(
            server.url, tmp_path / "faults.jsonl", args={"max_pages": str(deep_enough(site))},
            settings={"NEWSCRAWL_STATE": "off", "NEWSCRAWL_NOW": site.now.isoformat(), "DOWNLOAD_TIMEOUT": "2",
                      "NEWSCRAWL_RETRY_AFTER_MAX": "2"},
        )
    assert result.returncode == 0, result.stderr[-3000:]
    injected = responder.injected
    assert all(injected[name] > 0 for name in ("server_error", "too_many", "reset", "slow", "truncated", "challenge")), injected
    truth = site.truth()
    keys = [key_of(r) for r in result.records]
    assert len(keys) == len(set(keys)), "an article was stored twice"
    assert set(keys) == set(truth), f"missing {sorted(set(truth) - set(keys))[:5]}"
    wrong = [(key_of(r), f) for r in result.records for f, v in truth[key_of(r)].items() if r.get(f) != v]
    assert not wrong, wrong[:5]
    assert result.stats["newscrawl/incomplete/detected"] >= 1
