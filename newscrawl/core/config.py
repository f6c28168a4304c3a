"""The one way components read the project's settings: every default lives in ``newscrawl/settings.py``.

A component reads each of its settings once, where it is built (``from_crawler``, or a
``Config.from_settings`` when it has several), through these getters. The value given to the
crawl (``-s``, the spider, the project) wins; when a crawler was made without the project's
settings (a test's ``get_crawler``), the value ``settings.py`` gives is used, never a second
default written in the component. ``tests/test_settings_defaults.py`` holds the package to this.
"""

from __future__ import annotations

from typing import Any

from .. import settings as _project

__all__ = ["default", "get_bool", "get_float", "get_int", "get_str"]


def default(name: str) -> Any:
    """The value ``settings.py`` gives ``name`` (AttributeError for a name it does not define:
    a setting read but never declared is a bug)."""
    return getattr(_project, name)


def get_int(settings: Any, name: str) -> int:
    return int(settings.getint(name, default(name)))


def get_float(settings: Any, name: str) -> float:
    return float(settings.getfloat(name, default(name)))


def get_bool(settings: Any, name: str) -> bool:
    return bool(settings.getbool(name, default(name)))


def get_str(settings: Any, name: str) -> str:
    value = settings.get(name, default(name))
    return "" if value is None else str(value)
