"""The one way components read the project's settings: every default lives in ``newscrawl/settings.py``.

A component reads each of its settings once, where it is built (``from_crawler``, or a
``Config.from_settings`` when it has several), through these getters. The value given to the
crawl (``-s``, the spider, the project) wins; when a crawler was made without the project's
settings (a test's ``get_crawler``), the value ``settings.py`` gives is used, never a second
default written in the component. ``tests/test_settings_defaults.py`` holds the package to this.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from .. import settings as _project

__all__ = ["FromSettings", "default", "get_bool", "get_float", "get_int", "get_str", "read", "setting"]

C = TypeVar("C", bound="FromSettings")


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


def read(settings: Any, name: str) -> Any:
    """The value of ``name``, of the type settings.py gives it (bool, int, float, else str)."""
    kind = type(default(name))
    if kind is bool:
        return get_bool(settings, name)
    if kind is int:
        return get_int(settings, name)
    if kind is float:
        return get_float(settings, name)
    return get_str(settings, name)


def setting(name: str) -> Any:
    """A field of a :class:`FromSettings` config: the value of the setting ``name``."""
    return dataclasses.field(metadata={"setting": name})


class FromSettings:
    """Base of a component's frozen dataclass config whose every field is one setting
    (``max_urls: int = setting("NEWSCRAWL_SITEMAP_MAX_URLS")``): ``from_settings`` reads them
    all, once, when the component is built."""

    @classmethod
    def from_settings(cls: type[C], settings: Any) -> C:
        names = {f.name: f.metadata["setting"] for f in dataclasses.fields(cls)}  # type: ignore[arg-type]  # subclasses are dataclasses, the base is not
        return cls(**{field: read(settings, name) for field, name in names.items()})
