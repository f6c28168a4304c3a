"""The offline replica of Al Mayadeen (see README.md beside this file)."""

from .model import Replica
from .server import ReplicaServer, RequestRecord
from . import truth as _truth


def _truth_method(self):
    """Expected record of every article, by key (post id, else canonical URL)."""
    return _truth.truth(self)


def _reachable_method(self, js=False, follow=("related", "read_next", "most_read"), max_pages=None, sections=None):
    """Articles a crawl can reach, each with the set of discovered_via values that can find it."""
    return _truth.reachable(self, js=js, follow=follow, max_pages=max_pages, sections=sections)


Replica.truth = _truth_method
Replica.reachable = _reachable_method

__all__ = ["Replica", "ReplicaServer", "RequestRecord"]
