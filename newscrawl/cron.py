"""``python -m newscrawl.cron``: the entry point users type; the command is :mod:`newscrawl.core.cron`."""

import sys

from .core.cron import main

if __name__ == "__main__":
    sys.exit(main())
