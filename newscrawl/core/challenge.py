"""The one place that knows what a bot-challenge page looks like.

Challenge interstitials (Cloudflare's "Just a moment...", the replica's challenge mode) are
recognised by their title and by markers in the first part of the body. The title phrases
are listed once, here; the three checks that need them are derived from that list:

- ``TITLE_IN_HTML``: a bytes regex for a raw response body (downloader middleware);
- ``title_is_challenge``: a check of an extracted title (item pipeline);
- ``CHALLENGE_PASSED_JS``: a JavaScript predicate the browser waits on until the real
  page has replaced the challenge.
"""

from __future__ import annotations

import re

from scrapy.http import Response

# Page titles of challenge interstitials, lower case, from Cloudflare's documented pages.
CHALLENGE_TITLES = ("just a moment", "attention required", "checking your browser")
# Body markers: Cloudflare's challenge scripts and ids, and the replica's challenge page.
CHALLENGE_MARKERS = (b"cf-challenge", b"challenge-platform", b"cf_chl_", b"data-newscrawl-challenge")
# Only the head of a body is searched: real articles put their content far below it.
HEAD_BYTES = 16384


def _escape(phrase: str) -> str:
    # Escapes only what is special in both Python and JavaScript regexes (re.escape also
    # escapes spaces, which a JavaScript regex with the u flag would refuse).
    return re.sub(r"[.*+?^${}()|\[\]\\/]", r"\\\g<0>", phrase)


_ALTERNATION = "|".join(_escape(phrase) for phrase in CHALLENGE_TITLES)
# A title that starts (after white space) with one of the phrases.
_TITLE_START = rf"^\s*(?:{_ALTERNATION})"

TITLE_IN_HTML = re.compile(rb"<title>\s*(?:" + _ALTERNATION.encode() + rb")", re.I)
_TITLE_TEXT = re.compile(_TITLE_START, re.I)
CHALLENGE_PASSED_JS = f"() => !/{_TITLE_START}/i.test(document.title)"


def title_is_challenge(title: str) -> bool:
    """Whether a page title is that of a challenge interstitial."""
    return bool(_TITLE_TEXT.match(title))


def looks_like_challenge(response: Response, rendered: bool = False) -> bool:
    """Whether a response is a bot-challenge page rather than the page asked for.

    ``rendered``: the body comes from a browser after scripts ran, so only the content
    counts (the status is that of the first navigation).
    """
    head = response.body[:HEAD_BYTES]
    marked = bool(TITLE_IN_HTML.search(head)) or any(marker in head for marker in CHALLENGE_MARKERS)
    if rendered:
        return marked
    if response.status == 403:
        return True
    return response.status in (200, 202, 503) and marked
