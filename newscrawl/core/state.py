"""Cross-run memory: which posts were emitted, with which content hash and revision.

One SQLite file per edition (``output/state/almayadeen-<edition>.sqlite3`` by default; a
mirror's or the replica's has its own, ``almayadeen-mirror-<host>-<port>-<edition>.sqlite3``).
Look-ups go through primary-key and indexed queries only, so the file stays fast and
small at millions of posts and is never loaded into memory. Every statement is
parameterised.
"""

from __future__ import annotations

import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (
    key TEXT PRIMARY KEY,          -- post_id, else canonical_url
    post_id TEXT,
    canonical_url TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    revision INTEGER NOT NULL,
    published_at TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
-- Links sometimes differ from the canonical URL only in letter case (ASCII slugs).
CREATE INDEX IF NOT EXISTS posts_canonical_url_nocase ON posts (canonical_url COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ticker (
    text_key TEXT PRIMARY KEY,     -- normalised, case-folded text
    text TEXT NOT NULL,
    first_seen TEXT NOT NULL,      -- when the line was last emitted
    last_seen TEXT                 -- when any run last saw it on the ticker
);
"""


class StateError(RuntimeError):
    """The state database cannot be used; the message says how to recover."""


@dataclass
class Seen:
    """What the store remembers of a post."""

    key: str
    content_hash: str
    revision: int


class Store:
    """The SQLite state of one edition."""

    def __init__(self, path: Path, timeout: float = 5.0):
        self.path = Path(path)
        self.db: Optional[sqlite3.Connection] = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(self._unusable(f"cannot create {self.path.parent}: {exc.strerror or exc}")) from None
        try:
            info = self.path.stat()  # follows a symlink: what SQLite would open
        except FileNotFoundError:
            info = None
        except OSError as exc:
            raise StateError(self._unusable(exc.strerror or str(exc))) from None
        if info is not None and not stat.S_ISREG(info.st_mode):
            # A directory, /dev/zero, a FIFO: not a database that moving aside would fix.
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise StateError(self._unusable(kind))
        try:
            self.db = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit survives the crawl being killed (the OS has it),
            # at the cost of the last commits on power loss.
            self.db.execute("PRAGMA synchronous=NORMAL")
            check = self.db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(check)
            self.db.executescript(SCHEMA)
            self._migrate()
        except sqlite3.DatabaseError as exc:
            if self.db is not None:
                self.db.close()
            if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
                raise StateError(
                    f"state database {self.path} is locked by another process ({exc}); wait for the other "
                    f"crawl to finish, or run this one with -s NEWSCRAWL_STATE=off"
                ) from None
            if not self.path.is_file():  # could not even be created: moving it aside means nothing
                raise StateError(self._unusable(str(exc))) from None
            raise StateError(self._corrupt(exc)) from None

    def _migrate(self) -> None:
        # State files written before the ticker kept last_seen: add it, filled with first_seen.
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(ticker)")}
        if "last_seen" not in columns:
            self.db.execute("ALTER TABLE ticker ADD COLUMN last_seen TEXT")
            self.db.execute("UPDATE ticker SET last_seen = first_seen")

    def _unusable(self, why: str) -> str:
        return (f"state database {self.path} cannot be used ({why}); point -s NEWSCRAWL_STATE_PATH at a "
                f"file (the default is output/state/<dataset>-<edition>.sqlite3), or run with -s NEWSCRAWL_STATE=off")

    def _corrupt(self, exc: Exception) -> str:
        return (f"state database {self.path} is unreadable ({exc}); move it aside "
                f"(mv {self.path} {self.path}.broken) to start a fresh memory of what was emitted, "
                f"or run with -s NEWSCRAWL_STATE=off")

    def get(self, key: str) -> Optional[Seen]:
        row = self.db.execute("SELECT key, content_hash, revision FROM posts WHERE key = ?", (key,)).fetchone()
        return Seen(*row) if row else None

    def known(self, post_id: Optional[str] = None, canonical_url: Optional[str] = None) -> bool:
        """Whether a post was emitted before, by its id or its canonical URL."""
        if post_id and self.db.execute("SELECT 1 FROM posts WHERE key = ?", (post_id,)).fetchone():
            return True
        return bool(canonical_url) and self.db.execute(
            "SELECT 1 FROM posts WHERE canonical_url = ? COLLATE NOCASE LIMIT 1", (canonical_url,)
        ).fetchone() is not None

    def published_at(self, canonical_url: str) -> Optional[str]:
        """The stored publication time of the post at this canonical URL, or None if unknown."""
        row = self.db.execute(
            "SELECT published_at FROM posts WHERE canonical_url = ? COLLATE NOCASE LIMIT 1", (canonical_url,)
        ).fetchone()
        return (row[0] or "") if row else None

    def record(self, key: str, post_id: Optional[str], canonical_url: str, content_hash: str, revision: int,
               published_at: Optional[str], seen_at: str) -> None:
        """Remember that this version of a post was emitted (one committed statement)."""
        self.db.execute(
            "INSERT INTO posts (key, post_id, canonical_url, content_hash, revision, published_at, first_seen, last_seen) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET content_hash = excluded.content_hash, revision = excluded.revision, "
            "canonical_url = excluded.canonical_url, last_seen = excluded.last_seen",
            (key, post_id, canonical_url, content_hash, revision, published_at, seen_at, seen_at),
        )

    def touch(self, key: str, seen_at: str) -> None:
        self.db.execute("UPDATE posts SET last_seen = ? WHERE key = ?", (seen_at, key))

    def ticker_last_seen(self, text_key: str) -> Optional[str]:
        """When a ticker line was last seen by any run (ISO 8601 UTC), or None."""
        row = self.db.execute("SELECT COALESCE(last_seen, first_seen) FROM ticker WHERE text_key = ?", (text_key,)).fetchone()
        return row[0] if row else None

    def see_ticker(self, text_key: str, seen_at: str) -> None:
        """Note that a known line is still on the ticker (it was not emitted again)."""
        self.db.execute("UPDATE ticker SET last_seen = ? WHERE text_key = ?", (seen_at, text_key))

    def record_ticker(self, text_key: str, text: str, seen_at: str) -> None:
        """Remember an emitted ticker line (a line emitted again starts a new sighting)."""
        self.db.execute(
            "INSERT INTO ticker (text_key, text, first_seen, last_seen) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(text_key) DO UPDATE SET text = excluded.text, first_seen = excluded.first_seen, "
            "last_seen = excluded.last_seen",
            (text_key, text, seen_at, seen_at),
        )

    def get_meta(self, name: str) -> Optional[str]:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_meta(self, name: str, value: str) -> None:
        self.db.execute("INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                        (name, value))

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM posts").fetchone()[0]

    def close(self) -> None:
        self.db.close()
