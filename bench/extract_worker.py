"""Runs another project's extractor over pages given on stdin, in that project's own venv.

newspaper4k and news-please pin versions of shared packages (python-dateutil < 3) that
differ from the crawler's, so they are installed in ``.venv-extractors`` and driven from
there rather than imported into the venv whose crawler the benchmark measures. Only the
standard library is imported here before the tool itself.

stdin: one JSON object per line, ``{"html": ..., "url": ...}``.
stdout: a first line ``{"version": ...}``, then one line per page with ``title``, ``body``,
``authors``, ``date`` (publication day in UTC, ISO) and ``seconds`` (extraction only).
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from datetime import datetime, timezone
from typing import Optional


def utc_day(published: Optional[datetime]) -> Optional[str]:
    """The ISO day of a publication time in UTC; a time without a zone is taken as given."""
    if published is None:
        return None
    if published.tzinfo is not None:
        published = published.astimezone(timezone.utc)
    return published.date().isoformat()


def newspaper4k():
    warnings.filterwarnings("ignore")  # "nltk is not installed": NLP features are not used
    import newspaper
    from newspaper import Article

    def extract(html: str, url: str) -> dict:
        article = Article(url, fetch_images=False)
        article.download(input_html=html)
        article.parse()
        return {"title": article.title, "body": article.text, "authors": list(article.authors),
                "date": utc_day(article.publish_date)}

    return newspaper.__version__, extract


def news_please():
    warnings.filterwarnings("ignore")
    import logging
    from importlib.metadata import version

    logging.disable(logging.WARNING)  # it logs each page's extractor choices
    from newsplease import NewsPlease

    def extract(html: str, url: str) -> dict:
        article = NewsPlease.from_html(html, url=url, fetch_images=False)
        return {"title": article.title, "body": article.maintext, "authors": list(article.authors or []),
                "date": utc_day(article.date_publish)}

    return version("news-please"), extract


TOOLS = {"newspaper4k": newspaper4k, "news-please": news_please}


def refuse_network() -> None:
    """Extraction from stored HTML needs no network; some tools would fetch images or
    feeds if allowed, which here (offline) waits on DNS and would be timed as extraction."""
    import socket

    def refuse(*args, **kwargs):
        raise OSError("extract_worker: no network during extraction")

    socket.getaddrinfo = refuse
    socket.socket.connect = refuse
    socket.create_connection = refuse


def main() -> int:
    refuse_network()
    version, extract = TOOLS[sys.argv[1]]()
    print(json.dumps({"version": version}), flush=True)
    first = True
    for line in sys.stdin:
        page = json.loads(line)
        if first:  # warm-up, as the in-process extractors get: imports and caches
            extract(page["html"], page["url"])
            first = False
        started = time.perf_counter()
        got = extract(page["html"], page["url"])
        got["seconds"] = time.perf_counter() - started
        print(json.dumps(got), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
