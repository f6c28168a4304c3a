"""Real Arabic metadata blocks (``shared/real-samples/ar-metadata-2024-05.jsonl``).

Each line of the sample is ``{"url", "raw"}``, ``raw`` being the block exactly as the page
printed it (pretty-printed, CRLF, invisible characters). The replica prints ``raw``
verbatim and derives everything else (URL, dates, classes, meta tags, the truth) from it.
The file lives outside the repository (``<repo root>/../shared/real-samples/``): where it is
missing, ``available()`` is False and the replica works without real blocks.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[4]
SAMPLE = REPO_ROOT.parent / "shared" / "real-samples" / "ar-metadata-2024-05.jsonl"


@dataclass(frozen=True, eq=False)
class RealBlock:
    """One real post's metadata block, raw and parsed (compared by identity: one per line)."""

    raw: str
    meta: dict

    @property
    def url(self) -> str:
        return self.meta["url"]

    @property
    def path(self) -> str:
        """The URL's path, raw Unicode as the block gives it."""
        return urlsplit(self.url).path

    @property
    def root(self) -> str:
        return self.path.strip("/").split("/")[0]

    @property
    def type(self) -> str:
        return self.meta["type"]

    @property
    def post_id(self) -> str:
        return self.meta["postid"]

    @property
    def published(self) -> datetime:
        return datetime.fromisoformat(self.meta["published_time"])

    @property
    def modified(self) -> datetime:
        return datetime.fromisoformat(self.meta["last_updated"])

    def classes(self, mapping: str) -> list[str]:
        """The raw values of one class mapping, in block order."""
        return [c["value"] for c in self.meta["classes"] if c["mapping"] == mapping]

    def first(self, mapping: str) -> Optional[str]:
        values = self.classes(mapping)
        return values[0] if values else None

    @property
    def word_count(self) -> int:
        return int(self.meta["word_count"])


@functools.lru_cache(maxsize=4)
def _load(path: str) -> tuple[RealBlock, ...]:
    file = Path(path)
    if not file.is_file():
        return ()
    blocks = []
    with file.open(encoding="utf-8", newline="") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                blocks.append(RealBlock(row["raw"], json.loads(row["raw"])))
    # Newest first, as the replica numbers its articles (post id breaks ties).
    blocks.sort(key=lambda b: (b.published, int(b.post_id)), reverse=True)
    return tuple(blocks)


def blocks() -> tuple[RealBlock, ...]:
    """Every real block, newest first; empty when the sample file is missing."""
    return _load(str(SAMPLE))


def spread(blocks: tuple[RealBlock, ...]) -> list[RealBlock]:
    """The blocks in the order a replica hands them out: the newest of each (root, type)
    first, so that even a small replica has every root and both types; then the rest with
    each kind spread evenly over the sequence (its i-th of n blocks at (i + 0.5) / n)."""
    kinds: dict[tuple[str, str], list[RealBlock]] = {}
    for block in blocks:
        kinds.setdefault((block.root, block.type), []).append(block)
    first = [members[0] for members in kinds.values()]
    rest = sorted(((k + 0.5) / (len(members) - 1), n, block)
                  for n, members in enumerate(kinds.values()) for k, block in enumerate(members[1:]))
    return first + [block for _, _, block in rest]


def available() -> bool:
    """Whether the real sample was found (tests that need it skip when not)."""
    return bool(blocks())
