"""What every extension, middleware and pipeline of the crawler does the same way."""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from scrapy import signals

T = TypeVar("T")


def connected(component: T, crawler: Any, **handlers: Callable) -> T:
    """``component`` with each handler connected to the Scrapy signal of its keyword's name
    (``spider_opened=ext.opened``), for ``from_crawler`` to return."""
    for name, handler in handlers.items():
        crawler.signals.connect(handler, getattr(signals, name))
    return component
