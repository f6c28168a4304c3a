"""A replica whose posts change between scheduled runs, with the truth of every version.

``HistoryReplica`` is a :class:`~.model.Replica` whose posts can be edited in the ways news
sites edit them (a headline rewritten, a paragraph added or removed, tags changed), taken
down (404, 410, a redirect to the home page or to a listing) and brought back. Serve it with
``ReplicaServer(site, responder=takedowns())``: the responder answers the posts taken down.

Each change is applied to the content the pages and :meth:`truth` are built from, so the
current truth is always that of the page served; :meth:`versions` and :meth:`removals` are
the truth of the history: every version a crawl that fetches the post after each change
must find, with the fields that changed and the words inserted and deleted, known by
construction, and every removal.

    site = HistoryReplica(seed=11, articles=40)
    site.retitle(key); site.add_paragraph(key); site.remove_paragraph(key); site.retag(key)
    site.take_down(key, 404 | 410 | "home" | "listing"); site.bring_back(key)
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Optional, Union
from urllib.parse import unquote, urlsplit

from newscrawl.core.items import VERSION_FIELDS

from .model import Block, Body, Replica, Segment
from .server import NOT_FOUND, Reply, html, respond

# A rewritten headline ends in words it did not hold, so that a diff must count exactly these
# as inserted and the words they replace as deleted. A paragraph added or removed is the
# body's last: the rest of the body is one unchanged run either way.
HEADLINE_WORDS = ("reportedly", "pending", "review", "indefinitely")
ADDED_PARAGRAPH = "Editors added later that officials confirmed the casualty figures at noon."
GONE_PAGE = "<!DOCTYPE html><html><head><title>Gone</title></head><body><h1>This page was removed</h1></body></html>"


@dataclasses.dataclass
class Expected:
    """One expected version: the fields that changed from the one before and the words
    inserted and deleted in each text field."""

    title: str
    changed: list[str]
    words: dict[str, dict[str, int]]
    restored: bool = False


def _no_words() -> dict[str, dict[str, int]]:
    return {name: {"inserted": 0, "deleted": 0} for name in ("title", "summary", "body")}


class HistoryReplica(Replica):
    """A replica with edits, takedowns and returns (see the module docstring)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._ops: dict[int, list[tuple]] = {}  # per article, the body changes in order
        self.down: dict[int, Union[int, str]] = {}  # article -> how it is answered while taken down
        self._versions: dict[str, list[Expected]] = {}
        self._removals: dict[str, list[dict]] = {}
        self._pending: dict[str, Expected] = {}  # changes made while a post is down

    # --- content --------------------------------------------------------------------
    def body(self, i: int) -> Body:
        body = super().body(i)
        ops = self._ops.get(i)
        if not ops:
            return body
        blocks, tags = list(body.blocks), list(body.tags)
        for op in ops:
            if op[0] == "add":
                blocks.append(Block("p", [Segment(op[1], None)]))
            elif op[0] == "remove":
                del blocks[op[1]]
            elif op[0] == "tags":
                tags = list(op[1])
        # Each change was made at the replica's "now" of its time: the CMS's last_updated.
        return dataclasses.replace(body, blocks=blocks, tags=tags, keywords_raw=",".join(tags),
                                   modified=max([body.modified] + [op[-1] for op in ops]))

    # --- changes ----------------------------------------------------------------------
    def _history(self, key: str) -> list[Expected]:
        if key not in self._versions:
            self._versions[key] = [Expected(self.heads[self.index_of(key)].title, [], _no_words())]
        return self._versions[key]

    def _changed(self, key: str, field: str, inserted: int, deleted: int) -> None:
        history = self._history(key)
        i = self.index_of(key)
        if i in self.down:  # seen only when the post is back: one version with every change
            pending = self._pending.setdefault(key, Expected("", [], _no_words(), restored=True))
            target = pending
        else:
            target = Expected("", [], _no_words())
            history.append(target)
        target.title = self.heads[i].title
        if field not in target.changed:
            target.changed = sorted(target.changed + [field], key=VERSION_FIELDS.index)
        if field in target.words:
            target.words[field]["inserted"] += inserted
            target.words[field]["deleted"] += deleted

    def retitle(self, key: str) -> str:
        """Rewrite the headline: its second half replaced by other words (the slug stays, as
        site-notes section 6 shows on the real site). Returns the new headline."""
        i = self.index_of(key)
        old = self.heads[i].title.split()
        kept = old[: max(1, len(old) // 2)]
        assert not set(HEADLINE_WORDS) & set(old), "the new words must be new"
        self._history(key)
        self.heads[i].title = " ".join(kept + list(HEADLINE_WORDS))
        self._changed(key, "title", len(HEADLINE_WORDS), len(old) - len(kept))
        return self.heads[i].title

    def add_paragraph(self, key: str) -> None:
        """A paragraph added at the end of the body."""
        i = self.index_of(key)
        self._history(key)
        self._ops.setdefault(i, []).append(("add", ADDED_PARAGRAPH, self.now))
        self._changed(key, "body", len(ADDED_PARAGRAPH.split()), 0)

    def remove_paragraph(self, key: str) -> None:
        """The body's last paragraph with text removed (it must have more than one)."""
        i = self.index_of(key)
        blocks = self.body(i).blocks
        texts = [n for n, b in enumerate(blocks) if b.kind == "p" and b.text]
        assert len(texts) > 1, "a post with one paragraph keeps it"
        self._history(key)
        words = len(blocks[texts[-1]].text.split())
        self._ops.setdefault(i, []).append(("remove", texts[-1], self.now))
        self._changed(key, "body", 0, words)

    def retag(self, key: str) -> list[str]:
        """The last tag replaced by one of the edition's tags the post did not have."""
        i = self.index_of(key)
        tags = list(self.body(i).tags)
        tags[-1] = next(t for t in self.ed.tags if t not in tags)
        self._history(key)
        self._ops.setdefault(i, []).append(("tags", tuple(tags), self.now))
        self._changed(key, "tags", 0, 0)
        return tags

    def take_down(self, key: str, how: Union[int, str] = 404) -> None:
        """Answer the post with 404 or 410, or redirect it to the home page or its listing."""
        assert how in (404, 410, "home", "listing")
        i = self.index_of(key)
        self._history(key)
        self.down[i] = how
        status = how if isinstance(how, int) else 302 if how == "home" else 301
        where = None if isinstance(how, int) else self.ed.live + ("/" if how == "home" else self.redirect_path(i))
        self._removals.setdefault(key, []).append({"status": status, "redirect_to": where,
                                                   "revision": len(self._history(key))})

    def bring_back(self, key: str) -> None:
        """Serve the post again: a new version, with whatever changed while it was down."""
        i = self.index_of(key)
        del self.down[i]
        version = self._pending.pop(key, None) or Expected(self.heads[i].title, [], _no_words(), restored=True)
        self._history(key).append(version)
        self._removals[key][-1]["returned"] = True

    def redirect_path(self, i: int) -> str:
        """The listing a post taken down to its listing is redirected to."""
        return self.ed.sections[self.heads[i].section][1]

    # --- truth ------------------------------------------------------------------------
    def versions(self) -> dict[str, list[Expected]]:
        """Every version of every post, as a crawl that fetched each post after each change
        sees them (one version for a post never changed)."""
        return {key: list(self._versions.get(key) or [Expected(record["title"], [], _no_words())])
                for key, record in self.truth().items()}

    def removals(self) -> dict[str, list[dict]]:
        """Every removal by post: status, where it redirected, the revision it ended, whether
        the post came back."""
        return {key: [{"returned": False, **r} for r in rows] for key, rows in self._removals.items()}


def takedowns(responder: Callable = respond) -> Callable:
    """Wrap a responder so that the posts a ``HistoryReplica`` has taken down are answered
    as it says: 404, 410, or a redirect (to the home page or the post's listing)."""

    def answer(site, method, target, host_url, headers=None):
        down = getattr(site, "down", {})
        i = site.article_at(unquote(urlsplit(target).path)) if down else None
        how: Optional[Union[int, str]] = down.get(i) if i is not None else None
        if how == 404:
            return html(NOT_FOUND, 404)
        if how == 410:
            return html(GONE_PAGE, 410)
        if how == "home":
            return Reply(302, b"", headers={"Location": host_url + "/"})
        if how == "listing":
            return Reply(301, b"", headers={"Location": site.redirect_path(i)})
        return responder(site, method, target, host_url, headers)

    return answer
