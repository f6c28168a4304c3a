"""``python -m newscrawl.dataset``: the entry point users type; the command is :mod:`newscrawl.core.dataset`."""

import sys

from .core.dataset.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
