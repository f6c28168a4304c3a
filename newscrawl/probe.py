"""``python -m newscrawl.probe``: the entry point users type; the command is :mod:`newscrawl.core.probe`."""

import sys

from .core.probe import main

if __name__ == "__main__":
    sys.exit(main())
