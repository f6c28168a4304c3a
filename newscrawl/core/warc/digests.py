"""The last capture of each URL across runs (``digests.sqlite3`` beside the WARC files).

A payload identical to the last capture of its URL is written as a revisit record; this
memory says what that last capture was. It only saves bytes: one that cannot be read is
moved aside and a new one started, one locked by another process is kept in RAM.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import Optional

from ..clock import file_stamp, utc_now

logger = logging.getLogger(__name__)

# (payload digest, WARC-Date, record id, file name, offset) of a URL's last capture.
Capture = tuple[str, str, str, str, int]


def _locked(exc: Exception) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def move_aside(path: Path) -> Path:
    """Rename ``path`` (and its SQLite ``-wal``/``-shm`` files) to ``<name>.broken-<UTC time>``;
    the new name. Nothing is deleted."""
    aside = path.with_name(f"{path.name}.broken-{file_stamp(utc_now())}")
    serial = 0
    while os.path.lexists(aside):
        serial += 1
        aside = path.with_name(f"{path.name}.broken-{file_stamp(utc_now())}-{serial}")
    os.rename(path, aside)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.is_file():
            os.rename(companion, aside.with_name(aside.name + suffix))
    return aside


class DigestMemory:
    """The last capture of each URL (payload digest, date, record id, file, offset).

    New entries are held in memory and written in one transaction per batch (a commit per
    capture cost ~0.07 s of a 900-page crawl), at most ``BATCH`` entries or ``MAX_AGE``
    seconds after the last write, and on ``close``. Between batches no lock is held on the
    file. A crash loses only the entries not yet written: those URLs are then stored as
    full responses instead of revisits by the next run; no WARC data is lost.
    """

    SCHEMA = ("CREATE TABLE IF NOT EXISTS captures (key TEXT PRIMARY KEY, digest TEXT NOT NULL, "
              "date TEXT NOT NULL, record_id TEXT NOT NULL, file TEXT NOT NULL, offset INTEGER NOT NULL)")
    UPSERT = ("INSERT INTO captures VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
              "digest = excluded.digest, date = excluded.date, record_id = excluded.record_id, "
              "file = excluded.file, offset = excluded.offset")
    BATCH = 256
    MAX_AGE = 2.0
    TIMEOUT = 5.0  # seconds a statement waits for another process's lock

    def __init__(self, path: Path):
        """Open (or create) the memory at ``path``. One that cannot be read (corrupted, a
        directory) is moved aside with one warning and a new one started: it only saves bytes,
        and without it every run would keep no WARC at all. One locked by another process
        is left alone: this run keeps its memory in RAM (full responses, no revisits)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.failed = False  # a statement failed mid-run: said once, the memory goes on in RAM
        self.pending: dict[str, Capture] = {}
        self.written_at = time.monotonic()
        try:
            self.db = self._connect(str(path))
        except sqlite3.DatabaseError as exc:
            if _locked(exc):
                logger.warning("WARC digest memory %s is locked by another process (%s): this run stores "
                               "full responses, no revisits", path, exc)
                self.db = self._connect(":memory:")
                return
            aside = move_aside(path)
            logger.warning("WARC digest memory %s cannot be read (%s): moved aside to %s; a new one is "
                           "started (this run stores full responses where it would have written revisits)",
                           path, exc, aside.name)
            self.db = self._connect(str(path))

    def _connect(self, name: str) -> sqlite3.Connection:
        if name != ":memory:" and os.path.lexists(name) and not Path(name).is_file():
            raise sqlite3.DatabaseError("not a regular file")
        db = sqlite3.connect(name, timeout=self.TIMEOUT, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(check)
            db.execute(self.SCHEMA)
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _failed(self, exc: sqlite3.Error) -> None:
        if not self.failed:
            logger.warning("WARC digest memory %s failed (%s): the rest of this run stores full responses, "
                           "no revisits", self.path, exc)
        self.failed = True

    def last(self, key: str) -> Optional[Capture]:
        if key in self.pending:
            return self.pending[key]
        if self.failed:
            return None
        try:
            return self.db.execute("SELECT digest, date, record_id, file, offset FROM captures WHERE key = ?",
                                   (key,)).fetchone()
        except sqlite3.Error as exc:
            self._failed(exc)
            return None

    def remember(self, key: str, digest: str, date: str, record_id: str, file: str, offset: int) -> None:
        self.pending[key] = (digest, date, record_id, file, offset)
        if len(self.pending) >= self.BATCH or time.monotonic() - self.written_at >= self.MAX_AGE:
            self.flush()

    def flush(self) -> None:
        """Write the entries held in memory, in one transaction (kept in memory if that fails)."""
        if self.pending and not self.failed:
            try:
                with self.db:
                    self.db.execute("BEGIN")
                    self.db.executemany(self.UPSERT, [(key, *entry) for key, entry in self.pending.items()])
                self.pending.clear()
            except sqlite3.Error as exc:
                self._failed(exc)
        self.written_at = time.monotonic()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.db.close()


