"""JSON files that are either whole or absent: run summaries, manifests, cron's job notes.

Readers (cron, the dataset build, a researcher's script) may open these files at any
moment, and a crash may come at any moment: a file is written under a temporary name in
the same directory, flushed to disk, then renamed over the old one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Optional


def umask_mode() -> int:
    """The mode a plain ``open(..., "w")`` gives a new file: 0o666 less the umask (as the
    crawl's own files get), not the 0o600 of ``mkstemp``."""
    umask = os.umask(0o022)  # reading the umask means setting it; put it back at once
    os.umask(umask)
    return 0o666 & ~umask


def write_json_atomic(path: Path, document: object, mode: Optional[int] = None) -> None:
    """Write ``document`` as indented UTF-8 JSON to ``path``, atomically and durably.

    Values JSON has no type for (datetimes, paths) are written as their ``str``; ``mode``
    defaults to what the umask gives.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, umask_mode() if mode is None else mode)
        # backslashreplace: a lone surrogate (from a "\ud800" escape in a record, or an
        # undecodable file name) is written as its JSON escape instead of failing.
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as fh:
            json.dump(document, fh, ensure_ascii=False, indent=2, default=str)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def read_json_object(path: Path) -> Optional[dict]:
    """The JSON object in ``path``; None when the file is missing, unreadable, not JSON or not an object."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None
