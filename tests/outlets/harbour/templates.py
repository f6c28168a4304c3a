"""HTML of the Gazette's three page kinds: home, section listing, article.

The markup is deliberately unlike Al Mayadeen's: JSON-LD instead of a metadata script,
``<time datetime>`` in the byline, credits in their own element, a plain next-page link.
"""

from __future__ import annotations

import json
from html import escape

from .model import LIVE, OLDER_LABEL, RELATED_LABEL, SECTIONS, SITE_NAME, Gazette, Story, lisbon


def _e(text: str) -> str:
    return escape(text, quote=True)


def _layout(title: str, head: str, main: str) -> str:
    nav = "".join(f'<li><a href="/section/{slug}">{_e(label)}</a></li>' for slug, label in SECTIONS.items())
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{_e(title)}</title>
{head}
</head>
<body>
<header class="masthead"><a class="brand" href="/">{_e(SITE_NAME)}</a>
<nav class="sections"><ul>{nav}</ul></nav></header>
{main}
<footer class="colophon">Printed on the quay since 1911.</footer>
</body>
</html>
"""


def _story_href(site: Gazette, j: int, where: str) -> str:
    """Relative, except one link in five, absolute on the live host (a mirror must map it)."""
    path = site.stories[j].path
    return LIVE + path if (j + len(where)) % 5 == 0 else path


def _stamp(moment, with_offset: bool) -> str:
    """A JSON-LD date: Lisbon time with its offset, or the bare wall time."""
    local = lisbon(moment)
    return local.isoformat(timespec="seconds") if with_offset else local.replace(tzinfo=None).isoformat(timespec="seconds")


def home(site: Gazette) -> str:
    """The front page: the section menu and a welcome line, no story links."""
    return _layout(SITE_NAME, "", '<main class="front"><p class="welcome">News from the quay, daily.</p></main>')


def listing(site: Gazette, slug: str, page: int) -> str:
    """Page ``page`` of a section's listing: teasers, then the "Older stories" link."""
    teasers = []
    for j in site.listing_page(slug, page):
        story = site.stories[j]
        teasers.append(f'<li class="teaser"><h2><a href="{_e(_story_href(site, j, slug))}">{_e(story.title)}</a></h2>'
                       f'<p>{_e(story.summary)}</p><time>{lisbon(story.published):%d %B %Y}</time></li>')
    older = (f'<a class="older" rel="next" href="/section/{slug}?page={page + 1}">{OLDER_LABEL}</a>'
             if page < site.listing_pages(slug) else "")
    main = f'<main class="section-front"><h1>{_e(SECTIONS[slug])}</h1><ul class="teasers">{"".join(teasers)}</ul>{older}</main>'
    return _layout(f"{SECTIONS[slug]} | {SITE_NAME}", "", main)


def json_ld(site: Gazette, story: Story) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.title,
        "url": LIVE + story.path,
        "identifier": story.story_id,
        "datePublished": _stamp(story.published, story.with_offset),
        "dateModified": _stamp(story.modified, story.with_offset),
        "author": [{"@type": "Person", "name": name} for name in story.authors],
        "keywords": story.keywords,
        "articleSection": SECTIONS[story.section],
        "publisher": {"@type": "Organization", "name": SITE_NAME},
    }


def article(site: Gazette, i: int) -> str:
    """A story page: JSON-LD, headline, byline, body with one figure, related links."""
    story = site.stories[i]
    data = json.dumps(json_ld(site, story), ensure_ascii=False).replace("</", "<\\/")
    head = (f'<meta name="description" content="{_e(story.summary)}">\n'
            f'<link rel="canonical" href="{LIVE}{story.path}">\n'
            f'<script type="application/ld+json">{data}</script>')
    names = " and ".join(f'<span class="author">{_e(a)}</span>' for a in story.authors)
    local = lisbon(story.published)
    byline = f'<p class="byline">By {names} · <time datetime="{local.isoformat()}">{local:%d %B %Y, %H:%M}</time></p>'
    image = story.image
    credit = f'<span class="credit">{_e(image.credit)}</span>' if image.credit else ""
    figure = (f'<figure class="lead"><img src="{_e(image.url)}" alt="">'
              f'<figcaption><span class="caption">{_e(image.caption)}</span>{credit}</figcaption></figure>')
    paragraphs = [f"<p>{_e(p)}</p>" for p in story.paragraphs]
    body = "\n".join(paragraphs[:1] + [figure] + paragraphs[1:])
    links = "".join(f'<li><a href="{_e(_story_href(site, j, f"related:{i}"))}">{_e(site.stories[j].title)}</a></li>'
                    for j in story.related)
    main = f"""<main>
<article class="story">
<h1>{_e(story.title)}</h1>
{byline}
<div class="story-body">
{body}
</div>
<aside class="more-from"><h3>{RELATED_LABEL}</h3><ul>{links}</ul></aside>
</article>
</main>"""
    return _layout(f"{story.title} | {SITE_NAME}", head, main)
