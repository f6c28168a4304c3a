"""``python -m newscrawl.merge``: the entry point users type; the command is :mod:`newscrawl.core.merge`."""

import sys

from .core.merge import main

if __name__ == "__main__":
    sys.exit(main())
