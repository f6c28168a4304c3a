"""Cross-run memory: which posts were emitted, with which content hash and revision, when each
was last fetched, what that found and when it is due again (``newscrawl/core/recheck.py``).

One SQLite file per dataset and edition (``output/state/<spider>-<edition>.sqlite3`` by
default; a mirror's or the replica's has its own, ``<spider>-mirror-<host>-<port>-<edition>.sqlite3``),
owned during a crawl by :class:`StateKeeper`.
Look-ups go through primary-key and indexed queries only, so the file stays fast and
small at millions of posts and is never loaded into memory. Every statement is
parameterised.
"""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

from itemadapter import ItemAdapter
from scrapy.exceptions import CloseSpider
from scrapy.extensions.feedexport import FeedExporter
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.utils.defer import deferred_from_coro

from .clock import iso_utc
from .component import connected
from .config import get_bool, get_str
from .dates import crawl_now
from .feeds import FEED_FAILURE_STAT, WRITE_FAILED_STAT, cannot_open, local_feed_paths
from .items import Article, BreakingItem, PostCheck, normalise_text
from .paths import file_in_the_way
from .recheck_schedule import DEFAULT_INTERVALS, intervals_text, next_check, parse_intervals
from .runfacts import run_facts
from .runstatus import RUN_FAILED_STAT

__all__ = ["STATE_TIMEOUT", "SCHEMA", "Seen", "StateError", "StateKeeper", "Store", "StoredPost", "post_key",
           "state_path", "state_wanted"]

logger = logging.getLogger(__name__)

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
    -- version_hash, checked_at, check_outcome, next_check, removed_at: added by Store._migrate
);
-- Every version emitted: its hashes and when it was first seen.
CREATE TABLE IF NOT EXISTS versions (
    key TEXT NOT NULL,
    revision INTEGER NOT NULL,
    version_hash TEXT,
    content_hash TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (key, revision)
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


F = TypeVar("F", bound=Callable[..., Any])


def _guarded(method: F) -> F:
    """A store method whose SQLite error, once the store is open, becomes a StateError
    (and is reported to ``Store.on_failure``): a write that fails must stop the run, never
    be a traceback in the log while the crawl goes on forgetting what it emitted."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            if not self.ready:
                raise  # while opening: __init__ says what is wrong with the file
            raise self._failed(exc) from None

    return guarded  # type: ignore[return-value]  # functools.wraps keeps the signature, mypy cannot see it


@dataclass
class Seen:
    """What the store remembers of a post."""

    key: str
    content_hash: str
    revision: int
    version_hash: Optional[str] = None  # None in rows written before versions were told apart
    removed_at: Optional[str] = None

    def same_version(self, version_hash: Optional[str], content_hash: str) -> bool:
        """Whether a fetched record is this version (by content hash for rows without a version hash)."""
        return self.version_hash == version_hash if self.version_hash else self.content_hash == content_hash


@dataclass
class StoredPost:
    """A stored post as a re-check needs it."""

    key: str
    post_id: Optional[str]
    canonical_url: str
    removed_at: Optional[str]


# Columns added to ``posts`` after its first version (older state files get them on open).
_POST_COLUMNS = ("version_hash", "checked_at", "check_outcome", "next_check", "removed_at")


class Store:
    """The SQLite state of one edition; ``intervals``: the re-check ages its due times follow."""

    def __init__(self, path: Path | str, timeout: float = 5.0, intervals: Any = None):
        self.path = Path(path)
        self.intervals = parse_intervals(intervals if intervals is not None else DEFAULT_INTERVALS)
        self._db: Optional[sqlite3.Connection] = None
        # Told (with the one-line message) when a statement fails once the store is open.
        self.on_failure: Optional[Callable[[str], None]] = None
        self.ready = False
        blocking = file_in_the_way(self.path.parent)
        if blocking is not None:
            # mkdir would say "File exists" or "Not a directory", which reads like a lock problem.
            raise StateError(self._unusable(f"{blocking} is a file, where a directory is expected")) from None
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
            self._db = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit survives the crawl being killed (the OS has it),
            # at the cost of the last commits on power loss.
            self.db.execute("PRAGMA synchronous=NORMAL")
            check = self.db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(check)
            self.db.executescript(SCHEMA)
            self._migrate()
            # Reads pass under another process's write lock (WAL), and a file that cannot be
            # written opens all the same: only a write finds either. One is made now and rolled
            # back, so that the run stops before its first request instead of failing every write.
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('write_check', '')")
            finally:
                self.db.execute("ROLLBACK")
        except sqlite3.DatabaseError as exc:
            if self._db is not None:
                self._db.close()
            if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
                raise StateError(
                    f"state database {self.path} is locked by another process ({exc}); wait for the other "
                    f"crawl to finish, or run this one with -s NEWSCRAWL_STATE=off"
                ) from None
            if not self.path.is_file():  # could not even be created: moving it aside means nothing
                raise StateError(self._unusable(str(exc))) from None
            if isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc):
                raise StateError(self._unusable(f"{exc}: it cannot be written")) from None
            raise StateError(self._corrupt(exc)) from None
        self.ready = True

    @property
    def db(self) -> sqlite3.Connection:
        """The open connection (StateError before the file was opened)."""
        if self._db is None:
            raise StateError(f"state database {self.path} is not open")
        return self._db

    def _failed(self, exc: sqlite3.Error) -> StateError:
        """The error of a statement that failed during the run, told to ``on_failure``."""
        if "locked" in str(exc) or "busy" in str(exc):
            why = f"is locked by another process ({exc})"
        else:
            why = f"failed during the run ({exc})"
        message = (f"state database {self.path} {why}; the run stops (the next run reads back the "
                   f"articles this one wrote)")
        if self.on_failure is not None:
            self.on_failure(message)
        return StateError(message)

    def _migrate(self) -> None:
        # State files written before the ticker kept last_seen: add it, filled with first_seen.
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(ticker)")}
        if "last_seen" not in columns:
            self.db.execute("ALTER TABLE ticker ADD COLUMN last_seen TEXT")
            self.db.execute("UPDATE ticker SET last_seen = first_seen")
        # Posts stored before re-checks: last fetched when last seen, due times computed below.
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(posts)")}
        for name in _POST_COLUMNS:
            if name not in columns:
                self.db.execute(f"ALTER TABLE posts ADD COLUMN {name} TEXT")
        if "checked_at" not in columns:
            self.db.execute("UPDATE posts SET checked_at = last_seen")
        self.db.execute(
            "CREATE INDEX IF NOT EXISTS posts_next_check ON posts (next_check) WHERE next_check IS NOT NULL"
        )
        schedule = intervals_text(self.intervals)
        if self.get_meta("recheck_intervals") != schedule:
            self._reschedule()
            self.set_meta("recheck_intervals", schedule)

    def _reschedule(self) -> None:
        """Every post's due time under the current intervals (a new file, an older one, or
        changed intervals: one pass, in one transaction)."""
        rows = self.db.execute("SELECT key, published_at, checked_at FROM posts").fetchall()
        self.db.execute("BEGIN")
        self.db.executemany("UPDATE posts SET next_check = ? WHERE key = ?",
                            [(next_check(published, checked, self.intervals), key) for key, published, checked in rows])
        self.db.execute("COMMIT")

    def _unusable(self, why: str) -> str:
        return (f"state database {self.path} cannot be used ({why}); point -s NEWSCRAWL_STATE_PATH at a "
                f"file (the default is output/state/<dataset>-<edition>.sqlite3), or run with -s NEWSCRAWL_STATE=off")

    def _corrupt(self, exc: Exception) -> str:
        return (f"state database {self.path} is unreadable ({exc}); move it aside "
                f"(mv {self.path} {self.path}.broken) to start a fresh memory of what was emitted, "
                f"or run with -s NEWSCRAWL_STATE=off")

    @_guarded
    def get(self, key: str) -> Optional[Seen]:
        row = self.db.execute("SELECT key, content_hash, revision, version_hash, removed_at FROM posts WHERE key = ?",
                              (key,)).fetchone()
        return Seen(*row) if row else None

    @_guarded
    def post(self, key: str) -> Optional[StoredPost]:
        row = self.db.execute(
            "SELECT key, post_id, canonical_url, removed_at FROM posts WHERE key = ?", (key,)
        ).fetchone()
        return StoredPost(*row) if row else None

    @_guarded
    def known(self, post_id: Optional[str] = None, canonical_url: Optional[str] = None) -> bool:
        """Whether a post was emitted before, by its id or its canonical URL."""
        if post_id and self.db.execute("SELECT 1 FROM posts WHERE key = ?", (post_id,)).fetchone():
            return True
        return bool(canonical_url) and self.db.execute(
            "SELECT 1 FROM posts WHERE canonical_url = ? COLLATE NOCASE LIMIT 1", (canonical_url,)
        ).fetchone() is not None

    @_guarded
    def published_at(self, canonical_url: str) -> Optional[str]:
        """The stored publication time of the post at this canonical URL, or None if unknown."""
        row = self.db.execute(
            "SELECT published_at FROM posts WHERE canonical_url = ? COLLATE NOCASE LIMIT 1", (canonical_url,)
        ).fetchone()
        return (row[0] or "") if row else None

    @_guarded
    def record(self, key: str, post_id: Optional[str], canonical_url: str, content_hash: str, revision: int,
               published_at: Optional[str], seen_at: str, version_hash: Optional[str] = None) -> None:
        """Remember that this version of a post was emitted: the post (fetched now, online, due
        at its next re-check age) and the version."""
        outcome = "new" if revision == 1 else "changed"
        # The post and its version in one transaction: both or neither (a crash between two
        # autocommits left a post without its version), and one commit instead of two.
        self.db.execute("BEGIN")
        try:
            self._record(key, post_id, canonical_url, content_hash, revision, published_at, seen_at, version_hash,
                         outcome)
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def _record(self, key: str, post_id: Optional[str], canonical_url: str, content_hash: str, revision: int,
                published_at: Optional[str], seen_at: str, version_hash: Optional[str], outcome: str) -> None:
        self.db.execute(
            "INSERT INTO posts (key, post_id, canonical_url, content_hash, revision, published_at, first_seen, "
            "last_seen, version_hash, checked_at, check_outcome, next_check, removed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL) "
            "ON CONFLICT(key) DO UPDATE SET content_hash = excluded.content_hash, revision = excluded.revision, "
            "canonical_url = excluded.canonical_url, last_seen = excluded.last_seen, "
            "version_hash = excluded.version_hash, checked_at = excluded.checked_at, "
            "check_outcome = CASE WHEN posts.removed_at IS NULL THEN excluded.check_outcome ELSE 'back' END, "
            "next_check = excluded.next_check, removed_at = NULL",
            (
                key,
                post_id,
                canonical_url,
                content_hash,
                revision,
                published_at,
                seen_at,
                seen_at,
                version_hash,
                seen_at,
                outcome,
                next_check(published_at, seen_at, self.intervals),
            ),
        )
        self.db.execute("INSERT OR REPLACE INTO versions (key, revision, version_hash, content_hash, seen_at) "
                        "VALUES (?, ?, ?, ?, ?)", (key, revision, version_hash, content_hash, seen_at))

    @_guarded
    def touch(self, key: str, seen_at: str, version_hash: Optional[str] = None) -> None:
        """A fetch found the stored version again (its version hash filled in if the row had none)."""
        self.checked(key, seen_at, "unchanged", last_seen=True, version_hash=version_hash)

    @_guarded
    def checked(self, key: str, at: str, outcome: str, last_seen: bool = False,
                version_hash: Optional[str] = None) -> None:
        """A fetch of a stored post at ``at`` found ``outcome``; it is due again at its next age."""
        row = self.db.execute("SELECT published_at FROM posts WHERE key = ?", (key,)).fetchone()
        if row is None:
            return
        self.db.execute(
            "UPDATE posts SET checked_at = ?, check_outcome = ?, next_check = ?, "
            "last_seen = CASE WHEN ? THEN ? ELSE last_seen END, version_hash = COALESCE(version_hash, ?) WHERE key = ?",
            (at, outcome, next_check(row[0], at, self.intervals), last_seen, at, version_hash, key))

    @_guarded
    def removed(self, key: str, at: str, status: int) -> None:
        """A re-check found the post gone: remembered once, until a fetch finds it back."""
        self.checked(key, at, f"removed ({status})")
        self.db.execute("UPDATE posts SET removed_at = COALESCE(removed_at, ?) WHERE key = ?", (at, key))

    _DUE = "FROM posts WHERE next_check <= ? AND published_at >= ? AND published_at < ?"

    @_guarded
    def due_count(self, now: str, since: Optional[str] = None, before: Optional[str] = None) -> int:
        """How many posts are due for a re-check at ``now`` (ISO 8601 UTC), of those published
        from ``since`` and before ``before`` when given."""
        return self.db.execute(f"SELECT COUNT(*) {self._DUE}", (now, since or "", before or "~")).fetchone()[0]

    @_guarded
    def due(
        self, now: str, limit: int, since: Optional[str] = None, before: Optional[str] = None
    ) -> list[tuple[str, str]]:
        """(key, canonical URL) of at most ``limit`` posts due at ``now``, youngest first."""
        return self.db.execute(f"SELECT key, canonical_url {self._DUE} ORDER BY published_at DESC, key LIMIT ?",
                               (now, since or "", before or "~", limit)).fetchall()

    @_guarded
    def versions(self, key: str) -> list[tuple[int, Optional[str], str, str]]:
        """(revision, version hash, content hash, first seen) of every version emitted, in order."""
        return self.db.execute("SELECT revision, version_hash, content_hash, seen_at FROM versions WHERE key = ? "
                               "ORDER BY revision", (key,)).fetchall()

    @_guarded
    def ticker_last_seen(self, text_key: str) -> Optional[str]:
        """When a ticker line was last seen by any run (ISO 8601 UTC), or None."""
        row = self.db.execute(
            "SELECT COALESCE(last_seen, first_seen) FROM ticker WHERE text_key = ?", (text_key,)
        ).fetchone()
        return row[0] if row else None

    @_guarded
    def see_ticker(self, text_key: str, seen_at: str) -> None:
        """Note that a known line is still on the ticker (it was not emitted again)."""
        self.db.execute("UPDATE ticker SET last_seen = ? WHERE text_key = ?", (seen_at, text_key))

    @_guarded
    def record_ticker(self, text_key: str, text: str, seen_at: str) -> None:
        """Remember an emitted ticker line (a line emitted again starts a new sighting)."""
        self.db.execute(
            "INSERT INTO ticker (text_key, text, first_seen, last_seen) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(text_key) DO UPDATE SET text = excluded.text, first_seen = excluded.first_seen, "
            "last_seen = excluded.last_seen",
            (text_key, text, seen_at, seen_at),
        )

    @_guarded
    def get_meta(self, name: str) -> Optional[str]:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    @_guarded
    def set_meta(self, name: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    @_guarded
    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM posts").fetchone()[0]

    def close(self) -> None:
        self.db.close()


# How long a statement waits for another process's lock on the state database before the
# run stops (at open: before its first request).
STATE_TIMEOUT = 5.0
_CMDLINE = SETTINGS_PRIORITIES["cmdline"]


def state_wanted(settings: Any) -> tuple[bool, str]:
    """Whether this run uses the cross-run memory, and why not when it does not.

    ``NEWSCRAWL_STATE=auto`` (the default): on, except for a run given ``-O``/``-o`` (the
    crawl command sets ``NEWSCRAWL_NAMED_OUTPUT``), whose file is a full snapshot, unless
    ``-s NEWSCRAWL_STATE_PATH`` names the memory to use.
    """
    state = get_str(settings, "NEWSCRAWL_STATE").strip().lower()
    if state in ("off", "0", "false", "no"):
        return False, "NEWSCRAWL_STATE=off"
    if state == "auto" and get_bool(settings, "NEWSCRAWL_NAMED_OUTPUT") \
            and settings.getpriority("NEWSCRAWL_STATE_PATH") < _CMDLINE:
        return False, "an -O/-o run; add -s NEWSCRAWL_STATE=on to use it"
    return True, ""


def state_path(crawler: Any) -> str:
    """``NEWSCRAWL_STATE_PATH`` filled in for this run (edition, spider name, dataset),
    from the run facts the spider published."""
    facts = run_facts(crawler)
    names = facts.names() if facts is not None else {"edition": "", "name": "", "dataset": ""}
    return get_str(crawler.settings, "NEWSCRAWL_STATE_PATH") % names


def post_key(record: Any) -> str:
    """Identity of a post: its CMS id, else its canonical URL."""
    return str(record.get("post_id") or record["canonical_url"])


@dataclass(frozen=True)
class _StateConfig:
    """The keeper's settings, read once when it is built."""

    wanted: bool
    off_because: str
    # As given (a "1h,6h" string or a list); None: the store's default, settings.py's.
    intervals: Any

    @classmethod
    def from_settings(cls, settings: Any) -> "_StateConfig":
        wanted, why = state_wanted(settings)
        return cls(wanted, why, settings.get("NEWSCRAWL_RECHECK_INTERVALS"))


class StateKeeper:
    """The one owner of the cross-run memory (extension).

    Opens the store when the spider opens (after checking every local feed file can be
    written: a run that could not write would otherwise fetch pages and remember them),
    catches up with what the previous run wrote but did not live to remember, commits a
    record only once its line was written (``item_scraped`` fires after the feed exporter
    wrote it, so a kill never loses a record), and stops the crawl when the output fails.
    Others reach it with ``crawler.get_extension(StateKeeper)``.
    """

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats
        self.config = _StateConfig.from_settings(crawler.settings)
        self.store: Optional[Store] = None
        self.stopping = False
        self.state_failed = False  # a store statement failed during the run: it is stopping
        self._failed_store: Optional[Store] = None
        self.now_iso = iso_utc(crawl_now(crawler.settings))

    @classmethod
    def from_crawler(cls, crawler: Any) -> "StateKeeper":
        keeper = cls(crawler)
        return connected(keeper, crawler, spider_opened=keeper.open, spider_closed=keeper.close,
                         item_scraped=keeper.item_written)

    # --- open -----------------------------------------------------------------------
    def open(self, spider: Any) -> None:
        self._check_feeds()
        if not self.config.wanted:
            self.stats.set_value("newscrawl/state/memory", f"off ({self.config.off_because})")
            logger.info("cross-run memory off (%s): every post found is emitted", self.config.off_because)
            return
        path = state_path(self.crawler)
        try:
            self.store = store = Store(path, timeout=STATE_TIMEOUT, intervals=self.config.intervals)
            self._reconcile(store)
            # Written before the first record: a run stopped later (killed, or its store
            # failing) is caught up by the next one from these files.
            store.set_meta("last_outputs", json.dumps(self._feed_paths(article_only=True)))
        except (StateError, ValueError) as exc:
            # Scrapy would log this and crawl on without memory, emitting every post again
            # as revision 1: the run stops before its first request instead.
            if self.store is not None:
                self.store.close()
                self.store = None
            self.stats.set_value(RUN_FAILED_STAT, str(exc))
            logger.error("%s", exc)
            raise CloseSpider("state_unusable") from None
        self.store.on_failure = self._state_failed
        self.stats.set_value("newscrawl/state/memory", f"on ({path})")

    def _check_feeds(self) -> None:
        # Every local feed file must be writable before the first request.
        for path in self._feed_paths(article_only=False):
            problem = cannot_open(Path(path))
            if problem:
                self.stopping = True
                self.stats.inc_value(WRITE_FAILED_STAT)
                self.stats.set_value(FEED_FAILURE_STAT, problem)
                self.stats.set_value(RUN_FAILED_STAT, problem)
                self._no_empty_files()
                logger.error("%s; the crawl does not start", problem)
                raise CloseSpider("feed_write_failed")

    def _feed_paths(self, article_only: bool) -> list[str]:
        """Paths of this run's feeds (local files only; article feeds only if asked)."""
        return [str(path.resolve()) for path in local_feed_paths(self.crawler, article_only)]

    def _reconcile(self, store: Store) -> None:
        """Record what the previous run wrote but did not live to remember.

        A run killed between writing a record's line and committing it to the store
        would otherwise emit that post again. Its output files are read back (only
        whole lines exist) and the store caught up before this run emits anything.
        """
        for name in json.loads(store.get_meta("last_outputs") or "[]"):
            path = Path(name)
            if not path.is_file():
                continue
            with path.open("rb") as fh:
                for line in fh:
                    try:
                        self._catch_up(store, json.loads(line))
                    except (ValueError, KeyError, TypeError, AttributeError):
                        continue

    def _catch_up(self, store: Store, record: dict) -> None:
        key = post_key(record)
        seen = store.get(key)
        if seen is None or (not seen.same_version(record.get("version_hash"), record["content_hash"])
                            and record.get("revision", 1) > seen.revision):
            store.record(key, record.get("post_id"), record["canonical_url"], record["content_hash"],
                         record.get("revision", 1), record.get("published_at"), self.now_iso,
                         record.get("version_hash"))
            self.stats.inc_value("newscrawl/state/reconciled")

    def _no_empty_files(self) -> None:
        # A feed that cannot be opened is not opened again at close to store it empty
        # (-O does that): one clear line, not a second traceback.
        for slot in getattr(self.crawler.get_extension(FeedExporter), "slots", []):
            slot.store_empty = False

    # --- during the run -------------------------------------------------------------
    def item_written(self, item: Any, response: Any = None, spider: Any = None) -> None:
        """Remember a record the feed exporter has written; stop the run if it could not."""
        if self.stats.get_value(WRITE_FAILED_STAT):
            self._output_failed()
            return
        if self.state_failed:
            # Written, not remembered: the next run reads this run's files back (_reconcile).
            self.stats.inc_value("newscrawl/not_remembered/state_failed")
            return
        if self.store is None:
            return
        try:
            if isinstance(item, BreakingItem):
                self.store.record_ticker(normalise_text(item.text).casefold(), item.text, self.now_iso)
            elif isinstance(item, Article):
                self.store.record(post_key(ItemAdapter(item)), item.post_id, item.canonical_url, item.content_hash,
                                  item.revision, item.published_at, self.now_iso, item.version_hash)
            elif isinstance(item, PostCheck) and item.outcome == "removed":
                self.store.removed(item.post_id or item.canonical_url, self.now_iso, item.status)
        except StateError:
            self.stats.inc_value("newscrawl/not_remembered/state_failed")  # the run is stopping

    def _state_failed(self, message: str) -> None:
        # A store statement failed (another process took the lock, the disk went away): the
        # run stops, as for a feed that fails, rather than go on emitting what it cannot
        # remember (the next run would emit it again as revision 1). The store is withdrawn
        # (the spider, the pipelines and re-checks see no memory): each later call would
        # wait out the lock's timeout again.
        if self.state_failed:
            return
        self.state_failed = True
        self._failed_store, self.store = self.store, None
        self.stats.set_value(RUN_FAILED_STAT, message)
        if self.stopping:
            return
        self.stopping = True
        logger.error("%s", message)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="state_unusable"))

    def _output_failed(self) -> None:
        # The feed exporter could not open its file, or its write raised (disk full): this
        # record may not be in the file, so it must not be remembered as emitted. Stop the
        # run rather than crawl on with nowhere to write (memory on or off).
        if self.store is not None:
            self.stats.inc_value("newscrawl/not_remembered/feed_write_failed")
        if self.stopping:
            return
        self.stopping = True
        self._no_empty_files()
        message = self.stats.get_value(FEED_FAILURE_STAT) or "writing the output failed"
        self.stats.set_value(RUN_FAILED_STAT, message)
        logger.error("%s; stopping the crawl (nothing unwritten is remembered)", message)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="feed_write_failed"))

    def close(self, spider: Any) -> None:
        if self.store is not None:
            try:
                self.stats.set_value("newscrawl/state/posts", self.store.count())
            except StateError:
                pass  # said once: the run failed
        store = self.store or self._failed_store
        if store is not None:
            store.close()
