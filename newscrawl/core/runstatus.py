"""How a component says the run failed, for the crawl command to exit with it.

A module of its own so that whoever sets it (the state keeper, the WARC capture, the replay,
the extensions) and whoever reads it (``newscrawl/core/commands/crawl.py``) import nothing of
one another.
"""

from __future__ import annotations

__all__ = ["RUN_FAILED_STAT"]

# Set (to one line) when the run failed in a way Scrapy would call "finished": the crawl
# command then exits 1 with that line (newscrawl/core/commands/crawl.py).
RUN_FAILED_STAT = "newscrawl/run_failed"
