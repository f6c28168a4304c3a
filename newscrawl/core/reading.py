"""How an article response is read into its page object: one way for the crawl and ``reextract``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .editions import Edition
from .outlet import ArticlePageContract
from .pages import looks_complete, page_text

__all__ = ["ArticleRead", "read_article"]


@dataclass(frozen=True)
class ArticleRead:
    """The outlet's page object of a response, and whether the page arrived cut short (an
    article page without its closing markup: the crawl fetches it again, reextract skips it)."""

    page: ArticlePageContract
    unclosed: bool


def read_article(response: Any, article_page: Callable[..., ArticlePageContract], edition: Edition) -> ArticleRead:
    """``article_page`` (an outlet's) of ``response``'s text, decoded as the page declares it
    (``page_text``: a meta charset Scrapy's guess overrode is honoured)."""
    text = response.text
    if hasattr(response, "_declared_encoding"):
        text = page_text(response.body, response._declared_encoding(), text)
    page = article_page(text, response.url, edition)
    return ArticleRead(page, page.is_article() and not looks_complete(response.body))
