"""``python -m newscrawl.history``: the entry point users type; the command is :mod:`newscrawl.core.history`."""

import sys

from .core.history import main

if __name__ == "__main__":
    sys.exit(main())
