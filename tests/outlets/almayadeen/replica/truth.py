"""Ground truth: the exact record a crawler must produce for each article, and which
articles a crawl can reach (and by what way), derived from the model, not from pages."""

from __future__ import annotations

from collections import deque
from typing import Iterable, Optional

from .model import Replica, iso_local, iso_utc, url_section, visible_date
from .pages import link_target_path
from .text import content_hash, keywords, normalise, version_hash


def _layer(variant: str) -> Optional[str]:
    """Where a page's machine-readable fields come from: metadata, meta tags, or neither."""
    return {"full": "metadata", "meta_only": "meta"}.get(variant)


def _section(site: Replica, i: int) -> tuple[Optional[str], str]:
    """The expected section and its source: the category class, else the breadcrumb, else the URL."""
    h, ed = site.heads[i], site.ed
    if h.variant == "full" and h.root not in ed.uncategorised_roots:
        return ed.sections[h.section][0], "metadata"
    crumbs = site.crumbs(i)
    if crumbs:
        return crumbs[0][-1], "html"
    return url_section(h.path, ed), "url"


def _extracted(site: Replica, i: int, section_src: str) -> dict[str, str]:
    """extracted_from: one source for each multi-source field that has a value."""
    h, b = site.heads[i], site.body(i)
    src = _layer(h.variant)
    full = h.variant == "full"
    extracted = {"canonical_url": "metadata" if full else "url", "language": "metadata" if full else "html",
                 "section": section_src, "title": src or "html", "summary": "html",
                 "authors": "metadata" if full else "text", "published_at": src or "text",
                 "tags": src or "html"}
    if src:
        extracted["post_id"] = src
        extracted["modified_at"] = src
    elif h.id_in_url:
        extracted["post_id"] = "url"
    if b.video_duration and src:
        extracted["video_duration_seconds"] = src
    return extracted


def _links(site: Replica, i: int) -> dict[str, list[dict]]:
    """related and read_next: canonical URL and title of each link's target."""
    b, live = site.body(i), site.ed.live
    related = next((blk.links for blk in b.blocks if blk.kind == "related"), [])

    def entries(targets: list[int], where: str) -> list[dict]:
        return [{"url": live + link_target_path(site, j, where), "title": normalise(site.heads[j].title)} for j in targets]

    return {"related": entries(related, f"related:{i}"), "read_next": entries(b.read_next, f"read-next:{i}")}


def _classes(site: Replica, i: int) -> dict:
    """Fields only the metadata block carries (null or empty on the other variants)."""
    h, b = site.heads[i], site.body(i)
    full = h.variant == "full"
    return {
        "post_type": h.post_type if full else None,
        "regions": [h.country] if full and h.country else [],
        "coverage": [b.coverage] if full and b.coverage else [],
        "word_count": site.word_count(i) if full else None,
    }


def _real_record(site: Replica, i: int) -> dict:
    """The expected record of a post whose page carries a real block: every metadata field
    from the block, normalised; body, source, images and links from the generated page."""
    h, b, ed = site.heads[i], site.body(i), site.ed
    meta, block = h.real.meta, h.real
    category = normalise(block.first("category") or "")
    section, section_src = (category, "metadata") if category else (url_section(h.path, ed), "url")
    title, summary, tags = normalise(meta["title"]), normalise(meta["description"]) or None, keywords(meta["keywords"])
    duration = int(meta["video_duration"]) if meta["video_duration"] else None
    body = b.text
    words = len(body.split())
    extracted = {"canonical_url": "metadata", "post_id": "metadata", "language": "metadata", "section": section_src,
                 "title": "metadata", "authors": "metadata", "published_at": "metadata", "modified_at": "metadata"}
    if summary:
        extracted["summary"] = "html"
    if tags:
        extracted["tags"] = "metadata"
    if duration is not None:
        extracted["video_duration_seconds"] = "metadata"

    def classes(mapping: str) -> list[str]:
        return list(dict.fromkeys(v for v in map(normalise, block.classes(mapping)) if v))

    links = _links(site, i)
    expected = {
        "canonical_url": meta["url"],
        "post_id": meta["postid"],
        "edition": ed.code,
        "language": meta["lang"],
        "post_type": normalise(block.first("posttype")),
        "section": section,
        "regions": classes("country"),
        "coverage": classes("coverage"),
        "title": title,
        "summary": summary,
        "authors": classes("author"),
        "source": b.source,
        "published_at": iso_utc(block.published),
        "published_at_raw": meta["published_time"],
        "modified_at": iso_utc(block.modified),
        "read_time_minutes": None if h.is_video or not ed.read_time else max(1, round(b.words / 200)),
        "word_count": block.word_count,
        "tags": tags,
        "body": body,
        "images": [dict(img) for img in b.images],
        "video_duration_seconds": duration,
        "related": links["related"],
        "read_next": links["read_next"],
        "content_hash": content_hash(title, body),
        "extracted_from": extracted,
        "revision": 1,
        # The documented rule (text posts whose body has under half the block's count); the
        # replica writes enough paragraphs that it never applies.
        "flags": ["body_shorter_than_word_count"] if not h.is_video and words < block.word_count * 0.5 else [],
        "removed_at": None,
    }
    expected["version_hash"] = version_hash(expected)
    return expected


def record(site: Replica, i: int) -> dict:
    """The expected record of article i (all fields but url, crawled_at, discovered_via)."""
    h, b, ed = site.heads[i], site.body(i), site.ed
    if h.real:
        return _real_record(site, i)
    meta = _layer(h.variant) is not None
    section, section_src = _section(site, i)
    body = b.text
    classes = _classes(site, i)
    links = _links(site, i)
    expected = {
        "canonical_url": ed.live + h.path,
        "post_id": h.post_id if meta or h.id_in_url else None,
        "edition": ed.code,
        "language": ed.lang,
        "post_type": classes["post_type"],
        "section": section,
        "regions": classes["regions"],
        "coverage": classes["coverage"],
        "title": normalise(h.title),
        "summary": normalise(b.summary),
        "authors": [normalise(a) for a in b.authors],
        "source": b.source,
        "published_at": iso_utc(h.published),
        "published_at_raw": iso_local(h.published) if meta else visible_date(h.published, site.now, months=ed.months),
        "modified_at": iso_utc(b.modified) if meta else None,
        "read_time_minutes": None if h.is_video or not ed.read_time else max(1, round(b.words / 200)),
        "word_count": classes["word_count"],
        "tags": keywords(b.keywords_raw) if meta else list(dict.fromkeys(normalise(t) for t in b.tags)),
        "body": body,
        "images": [dict(img) for img in b.images],
        "video_duration_seconds": b.video_duration if meta else None,
        "related": links["related"],
        "read_next": links["read_next"],
        "content_hash": content_hash(h.title, body),
        "extracted_from": _extracted(site, i, section_src),
        "revision": 1,
        "flags": (["body_shorter_than_word_count"] if site.inflated(i) else [])
        + ([] if meta else ["date_from_visible_text"]),
        "removed_at": None,
    }
    expected["version_hash"] = version_hash(expected)
    return expected


def truth(site: Replica) -> dict[str, dict]:
    """Expected record of every article, by key (post id, else canonical URL)."""
    return {h.key: record(site, h.index) for h in site.heads if not h.members_only}


def out_links(site: Replica, i: int) -> Iterable[tuple[str, int]]:
    """(kind, target) for every article link on article i's page."""
    b = site.body(i)
    for block in b.blocks:
        if block.kind in ("related", "promo"):
            for j in block.links:
                yield "related", j
        elif block.kind == "p":
            for seg in block.segments:
                if isinstance(seg.html, tuple):
                    yield "related", seg.html[1]
    for j in b.read_next:
        yield "read_next", j
    if not site.js_blocks:  # else only a browser sees them (the home page, rendered once)
        for j in site.most_read:
            yield "most_read", j


def crawl_listings(site: Replica) -> list[str]:
    """The listings a crawl starts from: every menu section and region (and /news where the
    edition has it); not the sections no menu links."""
    return [slug for slug in site.listings if slug not in site.ed.unlisted_sections]


def reachable(site: Replica, js: bool = False, follow=("related", "read_next", "most_read", "ticker"),
              max_pages: Optional[int] = None, sections: Optional[Iterable[str]] = None) -> dict[str, set[str]]:
    """Articles a crawl starting from the listings can reach, each with every
    ``discovered_via`` value by which it can be found. Robots-disallowed posts never are.

    Listings are read up to ``max_pages`` pages (None: all) when they page by plain links;
    "Load more" pages only with ``js`` (a browser), else the first page alone."""
    follow = set(follow)
    ways: dict[int, set[str]] = {}
    queue: deque[int] = deque()

    def reach(j: int, way: str) -> None:
        if site.heads[j].members_only:
            return
        if j not in ways:
            ways[j] = set()
            queue.append(j)
        ways[j].add(way)

    slugs = list(sections) if sections else crawl_listings(site)
    by_links = site.pager != "load_more"
    pages = (max_pages or 10**9) if js or by_links else 1
    for slug in slugs:
        for j in site.listings[slug][: pages * site.page_size]:
            reach(j, f"listing:{slug}")
    if "most_read" in follow and (js or not site.js_blocks):
        for j in site.most_read:
            reach(j, "most_read")
    if "ticker" in follow and (js or not site.js_blocks):
        for j in site.ticker_links:
            if j is not None:
                reach(j, "ticker")
    while queue:
        i = queue.popleft()
        for kind, j in out_links(site, i):
            if kind in follow:
                reach(j, kind)
    return {site.heads[j].key: v for j, v in ways.items()}


def breaking_truth(site: Replica) -> list[dict]:
    """The ticker as a crawl must record it: each line's text, and the canonical URL of
    the post it links (None for text-only items)."""
    out = []
    for line, j in zip(site.ed.ticker, site.ticker_links):
        out.append({"text": normalise(line), "url": None if j is None else site.ed.live + site.heads[j].path})
    return out
