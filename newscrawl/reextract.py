"""``python -m newscrawl.reextract``: the entry point users type; the command is :mod:`newscrawl.core.reextract`."""

import sys

from .core.reextract import main

if __name__ == "__main__":
    sys.exit(main())
