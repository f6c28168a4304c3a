"""What ``scrapy parse``, ``scrapy shell`` and ``scrapy check`` share: they look at pages, they do not archive.

Scrapy runs them with the project's settings, so they would open the run's feeds
(``output/<spider>/<edition>/...``, whose name needs the spider's edition: a
``KeyError: 'edition'`` in ``scrapy shell`` on another site's URL) and the cross-run
state database. Here neither is opened unless asked for on the command line (``-s``).
"""

from __future__ import annotations

from scrapy.settings import SETTINGS_PRIORITIES

# Above the spider's own settings, below the command line (which can set them back),
# as Scrapy's own `check` command does.
PRIORITY = (SETTINGS_PRIORITIES["spider"] + SETTINGS_PRIORITIES["cmdline"]) // 2


def keep_out_of_output(settings) -> None:
    """No feed files and no cross-run memory for an inspection command."""
    settings.set("FEEDS", {}, priority=PRIORITY)
    settings.set("NEWSCRAWL_STATE", "off", priority=PRIORITY)
