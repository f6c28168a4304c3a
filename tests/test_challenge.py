"""The challenge detector: one list of title phrases, three checks derived from it that agree."""

from __future__ import annotations

import asyncio
import os

import pytest

from newscrawl.core.challenge import CHALLENGE_PASSED_JS, CHALLENGE_TITLES, TITLE_IN_HTML, title_is_challenge

CHROMIUM = os.environ.get("NEWSCRAWL_CHROMIUM", "/usr/bin/chromium")

# (title, is it a challenge's)
TITLES = [
    ("Just a moment...", True),
    ("just a MOMENT", True),
    ("  Attention Required! | Cloudflare", True),
    ("Checking your browser before accessing", True),
    ("Gaza talks resume", False),
    ("Why we wait: just a moment of calm", False),  # the phrase, but not at the start
    ("Attention", False),
    ("", False),
]


def in_python(title: str) -> tuple[bool, bool]:
    """The bytes check of a raw page and the text check of an extracted title."""
    html = f"<html><head><title>{title}</title></head><body>x</body></html>".encode()
    return bool(TITLE_IN_HTML.search(html)), title_is_challenge(title)


@pytest.mark.parametrize("title,expected", TITLES)
def test_bytes_and_text_checks_agree(title, expected):
    assert in_python(title) == (expected, expected)


def test_every_phrase_is_recognised():
    for phrase in CHALLENGE_TITLES:
        assert in_python(phrase.title() + "...") == (True, True), phrase


async def _passed_in_browser(titles: list[str]) -> list[bool]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = await browser.new_page()
            results = []
            for title in titles:
                await page.evaluate("title => { document.title = title; }", title)
                results.append(await page.evaluate(CHALLENGE_PASSED_JS))
            return results
        finally:
            await browser.close()


@pytest.mark.browser
@pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"no Chromium at {CHROMIUM} (make setup installs it)")
def test_browser_check_agrees_with_the_python_checks():
    titles = [title for title, _ in TITLES] + [phrase.upper() for phrase in CHALLENGE_TITLES]
    passed = asyncio.run(_passed_in_browser(titles))
    for title, challenge_passed in zip(titles, passed):
        assert challenge_passed is not title_is_challenge(title), title
