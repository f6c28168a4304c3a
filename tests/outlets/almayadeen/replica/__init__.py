"""The offline replica of Al Mayadeen (see README.md beside this file)."""

from .model import Replica
from .server import ReplicaServer, RequestRecord
from . import pages as _pages
from . import real as _real
from . import truth as _truth


def _truth_method(self):
    """Expected record of every article, by key (post id, else canonical URL)."""
    return _truth.truth(self)


def _reachable_method(self, js=False, follow=("related", "read_next", "most_read", "ticker"), max_pages=None,
                      sections=None):
    """Articles a crawl can reach, each with the set of discovered_via values that can find it."""
    return _truth.reachable(self, js=js, follow=follow, max_pages=max_pages, sections=sections)


def _breaking_truth_method(self):
    """The ticker lines a crawl must record: [{"text", "url"}] (url null for text-only items)."""
    return _truth.breaking_truth(self)


def _sitemap_non_posts_method(self, months=None):
    """Non-post URLs the monthly sitemaps of ``months`` ((year, month) pairs; None: all) list, by kind."""
    return _pages.sitemap_non_posts(self, months)


def _sitemap_months_method(self):
    """(year, month) of every monthly sitemap, oldest first."""
    return _pages.sitemap_months(self)


Replica.truth = _truth_method
Replica.reachable = _reachable_method
Replica.breaking_truth = _breaking_truth_method
Replica.sitemap_non_posts = _sitemap_non_posts_method
Replica.sitemap_months = _sitemap_months_method

real_blocks_available = _real.available

__all__ = ["Replica", "ReplicaServer", "RequestRecord", "real_blocks_available"]
