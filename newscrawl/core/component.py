"""What every extension, middleware and pipeline of the crawler does the same way."""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from scrapy import signals
from scrapy.exceptions import NotConfigured

from .config import default

T = TypeVar("T")


def connected(component: T, crawler: Any, **handlers: Callable) -> T:
    """``component`` with each handler connected to the Scrapy signal of its keyword's name
    (``spider_opened=ext.opened``), for ``from_crawler`` to return."""
    for name, handler in handlers.items():
        crawler.signals.connect(handler, getattr(signals, name))
    return component


class Component:
    """Base of a component built from the crawler alone: it keeps the crawler and its stats."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


def enabled_by(crawler: Any, setting: str, kind: Callable = float):
    """The value of a numeric setting that turns a component on when above 0 (settings.py's
    value when the crawler has none); raises ``NotConfigured`` (Scrapy leaves the component
    out) when it is 0 or less."""
    value = kind(crawler.settings.get(setting, default(setting)))
    if value <= 0:
        raise NotConfigured
    return value
