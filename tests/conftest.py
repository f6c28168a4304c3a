"""Shared fixtures: the replica site, served on 127.0.0.1 (port 0) for the whole session."""

from __future__ import annotations

import pytest

from tests.outlets.almayadeen.replica import Replica, ReplicaServer

DEFAULT_SEED = 1
DEFAULT_ARTICLES = 300


@pytest.fixture(scope="session")
def site() -> Replica:
    """The default replica (300 articles, seed 1). Tests must not edit it: use ``fresh_site``."""
    return Replica(seed=DEFAULT_SEED, articles=DEFAULT_ARTICLES)


@pytest.fixture(scope="session")
def server(site):
    with ReplicaServer(site) as running:
        yield running


@pytest.fixture
def fresh_site() -> Replica:
    """A small replica of one's own, for tests that publish or edit articles."""
    return Replica(seed=7, articles=60)


@pytest.fixture
def fresh_server(fresh_site):
    with ReplicaServer(fresh_site) as running:
        yield running
