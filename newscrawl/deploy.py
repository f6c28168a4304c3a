"""``python -m newscrawl.deploy``: the entry point users type; the command is :mod:`newscrawl.core.deploy`."""

import sys

from .core.deploy import main

if __name__ == "__main__":
    sys.exit(main())
