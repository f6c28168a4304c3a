"""A feed storage whose disk fills up after a byte budget, for crawl tests in a subprocess:
``-s FEED_STORAGES={"file": "tests.disk_full.DiskFullAfter", ...}`` with the budget in
``NEWSCRAWL_TEST_FEED_BYTES``. The last write that fits is cut short, as on a real disk."""

from __future__ import annotations

import errno
import os

from newscrawl.core import feeds
from newscrawl.core.feeds import LineAtomicFileStorage

_real_write = os.write
_budgets: dict[int, int] = {}


def _write(fd: int, data) -> int:
    if fd not in _budgets:
        return _real_write(fd, data)
    if _budgets[fd] <= 0:
        raise OSError(errno.ENOSPC, "No space left on device")
    written = _real_write(fd, bytes(data[: _budgets[fd]]))
    _budgets[fd] -= written
    return written


class DiskFullAfter(LineAtomicFileStorage):
    def open(self, spider):
        handle = super().open(spider)
        _budgets[handle.fd] = int(os.environ["NEWSCRAWL_TEST_FEED_BYTES"])
        feeds.os.write = _write  # the os module: every fd not in _budgets writes as before
        return handle


class OpenFails(LineAtomicFileStorage):
    """A feed whose file cannot be opened when the first record comes (the check at spider
    open passed: the directory became read-only, the disk went away, ...)."""

    def open(self, spider):
        self.path = "/sys/kernel/newscrawl-test/feed.jsonl"  # not creatable, even by root
        return super().open(spider)
