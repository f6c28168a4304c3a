"""Where the project lives, and the checks of the directories a run writes into (state, WARC
files, cron's output): the checkout's root is computed here once, not in every module."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Optional

__all__ = ["PROJECT_ROOT", "file_in_the_way"]

# newscrawl/core/paths.py -> the checkout (Makefile, scrapy.cfg, output/, tests/).
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def file_in_the_way(directory: Path) -> Optional[Path]:
    """``directory``, or its nearest existing ancestor, when that is not a directory (a file
    where ``output/state`` should be), else None."""
    for parent in (directory, *directory.parents):
        try:
            info = parent.stat()
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError:
            return None
        return None if stat.S_ISDIR(info.st_mode) else parent
    return None
