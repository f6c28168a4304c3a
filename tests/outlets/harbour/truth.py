"""Ground truth for the Gazette: the record a crawler must produce for every story, derived
from the model (dates converted here with zoneinfo), never from a parser or a page."""

from __future__ import annotations

from collections import deque

from newscrawl.core.items import content_hash, normalise_text, version_hash

from .model import LIVE, SECTIONS, UTC, Gazette, lisbon

# Fields the crawl fills in, not the page: compared by the crawl tests, not here.
CRAWL_FIELDS = ("url", "crawled_at", "discovered_via", "warc")


def _iso_utc(moment) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _raw(moment, with_offset: bool) -> str:
    local = lisbon(moment)
    return local.isoformat(timespec="seconds") if with_offset else local.replace(tzinfo=None).isoformat(timespec="seconds")


def record(site: Gazette, i: int) -> dict:
    """The expected ``newscrawl.core.items.Article`` of story i, as a dict (every field; crawl-time
    fields hold what a crawl from the home page gives, ``url`` the live one)."""
    story = site.stories[i]
    body = "\n\n".join(story.paragraphs)
    expected = {
        "url": LIVE + story.path,
        "canonical_url": LIVE + story.path,
        "post_id": story.story_id,
        "edition": "en",
        "language": "en-GB",
        # The Gazette has no post types, regions, dossiers, sources, reading times or
        # word counts, and no videos or "Read Next" block.
        "post_type": None,
        "section": SECTIONS[story.section],
        "regions": [],
        "coverage": [],
        "title": story.title,
        "summary": story.summary,
        "authors": list(story.authors),
        "source": None,
        "published_at": _iso_utc(story.published),
        "published_at_raw": _raw(story.published, story.with_offset),
        "modified_at": _iso_utc(story.modified),
        "read_time_minutes": None,
        "word_count": None,
        "tags": list(dict.fromkeys(normalise_text(k) for k in story.keywords)),
        "body": body,
        "images": [{"url": story.image.url, "caption": story.image.caption, "credit": story.image.credit}],
        "video_duration_seconds": None,
        "related": [{"url": LIVE + site.stories[j].path, "title": site.stories[j].title} for j in story.related],
        "read_next": [],
        "content_hash": content_hash(story.title, body),
        "extracted_from": {"canonical_url": "metadata", "post_id": "metadata", "language": "html",
                           "section": "metadata", "title": "metadata", "summary": "meta", "authors": "metadata",
                           "published_at": "metadata", "modified_at": "metadata", "tags": "metadata"},
        "discovered_via": discovered_via(site)[i],
        "crawled_at": None,  # the crawl's clock
        "revision": 1,
        "flags": [],
        "warc": None,
        "removed_at": None,
    }
    expected["version_hash"] = version_hash(expected)
    return expected


def truth(site: Gazette) -> dict[str, dict]:
    """Expected record of every story, by post id."""
    return {s.story_id: record(site, s.index) for s in site.stories}


def discovered_via(site: Gazette) -> dict[int, str]:
    """How a breadth-first crawl from the home page first finds each story: the way at the
    fewest links from the home page (listing page n of a section is n links away), a listing
    before a related link at the same distance (listing pages are queued first)."""
    best: dict[int, tuple[int, int, str]] = {}
    queue: deque[tuple[int, int, str]] = deque()
    for slug in SECTIONS:
        for page in range(1, site.listing_pages(slug) + 1):
            for j in site.listing_page(slug, page):
                queue.append((j, page + 1, f"listing:{slug}"))
    while queue:
        j, depth, way = queue.popleft()
        rank = (depth, 0 if way.startswith("listing:") else 1, way)
        if j in best and best[j] <= rank:
            continue
        best[j] = rank
        queue.extend((k, depth + 1, "related") for k in site.stories[j].related)
    return {j: way for j, (_, _, way) in best.items()}
