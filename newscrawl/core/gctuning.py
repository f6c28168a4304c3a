"""The garbage collector's first threshold, raised for a crawl process.

CPython runs a young-generation collection every 700 allocations by default. A crawl
allocates a great many short-lived objects per page (asyncio tasks and handles, Deferreds,
selectors, strings) and creates few reference cycles, so those collections find little to
free, yet they cost several per cent of a 1,000-page crawl's CPU time, most of it while the
spider, the outlet and dateparser are imported (docs/benchmarks.md, section 8d). Collecting
less often frees the same cycles a little later; the memory this holds back is bounded by
the threshold's count of objects. ``scrapy crawl`` sets it (newscrawl/core/commands/crawl.py)
as soon as the project's settings are read, before the spider is loaded.
"""

from __future__ import annotations

import gc

THRESHOLD_SETTING = "NEWSCRAWL_GC_THRESHOLD"


def raise_threshold(settings) -> None:
    """Sets ``gc``'s first threshold to the ``NEWSCRAWL_GC_THRESHOLD`` setting; 0 or less
    leaves the interpreter's own. The older generations keep their thresholds."""
    threshold = settings.getint(THRESHOLD_SETTING)
    if threshold > 0:
        gc.set_threshold(threshold, *gc.get_threshold()[1:])
