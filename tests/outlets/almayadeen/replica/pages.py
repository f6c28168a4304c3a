"""HTML (and XML, JSON) of the replica's pages, as tests/outlets/almayadeen/replica/README.md describes them."""

from __future__ import annotations

import json
import zlib
from html import escape
from typing import Optional

from .editions import NonPost, Profile
from .model import (
    BEIRUT,
    MONTHS,
    Block,
    Replica,
    iso_local,
    slugify,
    visible_date,
)


def _e(text: str) -> str:
    return escape(text, quote=True)


def _absolute(seed: int, *parts) -> bool:
    """About one link in ten is absolute on the live host, chosen deterministically."""
    return zlib.crc32(repr((seed, parts)).encode()) % 10 == 0


def href(site: Replica, j: int, where: str) -> str:
    """The href by which a page links to article j (a URL variant for some posts)."""
    h = site.heads[j]
    path = h.path
    variant = h.link_variant
    if variant == "UPPER":
        prefix, slug = path.rsplit("/", 1)
        path = prefix + "/" + slug.title()
    elif variant:
        path = path + variant
    return (site.ed.live + path) if _absolute(site.seed, j, where) else path


def link_target_path(site: Replica, j: int, where: str) -> str:
    """The path a link's href names, without query, fragment or trailing slash."""
    value = href(site, j, where)
    live = site.ed.live
    value = value[len(live):] if value.startswith(live) else value
    return value.split("#")[0].split("?")[0].rstrip("/")


def key_js(slug: str) -> int:
    """The key the listing script computes (the endpoint refuses any other)."""
    return sum(ord(c) * (k + 7) for k, c in enumerate(slug)) % 9973


def _langs(ed: Profile) -> str:
    from .editions import PROFILES

    short = {"en": "En", "ar": "Ar", "es": "Es"}
    return " ".join(f'<a href="{p.live}" hreflang="{p.code}">{short[p.code]}</a>' for p in PROFILES.values() if p is not ed)


def _layout(site: Replica, title: str, head_extra: str, main: str) -> str:
    ed = site.ed
    menu = []
    grouped = {root for _, _, root in ed.groups}
    for label, path, root in ed.groups:
        subs = "".join(f'<li><a href="{p}">{_e(l)}</a></li>' for s, (l, p, r, _) in ed.sections.items() if r == root)
        menu.append(f'<li class="has-sub"><a href="{path}">{_e(label)}</a><ul>{subs}</ul></li>')
    menu.append("".join(f'<li><a href="{p}">{_e(l)}</a></li>' for s, (l, p, r, _) in ed.sections.items()
                        if r not in grouped and s not in ed.unlisted_sections))
    menu.append('<li><a href="/live" class="live">LIVE</a></li>')
    regions = "".join(f'<li><a href="/region/{slug}">{_e(label)}</a></li>' for slug, (label, _) in ed.regions.items())
    return f"""<!DOCTYPE html>
<html lang="{ed.lang}" dir="{ed.direction}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
{head_extra}
</head>
<body>
<header class="site-header">
<a class="logo" href="/">{_e(ed.site_name)}</a>
<nav class="main-menu"><ul>{''.join(menu)}</ul>
<ul class="regions-menu">{regions}</ul></nav>
<a class="search-link" href="/search?q=">{_e(ed.labels["search"])}</a>
<div class="langs">{_langs(ed)}</div>
</header>
{_ticker(site)}
<main>
{main}
</main>
<footer><p>&copy; {_e(ed.site_name)}</p></footer>
</body>
</html>
"""


def _card(site: Replica, j: int, where: str, with_date: bool = True) -> str:
    h = site.heads[j]
    ed = site.ed
    shown = visible_date(h.published, site.now, with_time=False, months=ed.months)
    link = href(site, j, where)
    if ed.card_style == "white" and where.startswith("listing:"):
        # The Arabic listing card of site-notes section 5.
        date = f'<div class="time"><p>{shown}</p></div>' if with_date else ""
        country = (f'<div class="country-img"><img src="https://{ed.image_host}/flags/x.png" alt="{_e(h.country)}"></div>'
                   if h.country else "")
        # A real post of a root without a listing (press, podcasts) names its section unlinked.
        category = f' href="{ed.sections[h.section][1]}"' if h.section else ""
        return (f'<div class="white-card"><a href="{_e(link)}"><img src="https://{ed.image_host}/media/image/card.jpg" alt="">'
                f'<h4>{_e(h.title)}</h4></a><a class="category-meta"{category}>'
                f'{_e(h.section_label)}</a>{date}{country}</div>')
    date = f'<span class="card-date">{shown}</span>' if with_date else ""
    return (f'<div class="news-card"><a class="card-img" href="{_e(link)}"><img src="https://{ed.image_host}/media/image/card.jpg" alt=""></a>'
            f'<a class="card-title" href="{_e(link)}"><h3>{_e(h.title)}</h3></a>'
            f'<span class="card-section">{_e(h.section_label)}</span>{date}</div>')


def _plain_card(site: Replica, path: str, title: str) -> str:
    """A listing card of a page that is not a post (in the edition's card style)."""
    if site.ed.card_style == "white":
        return f'<div class="white-card"><a href="{_e(path)}"><h4>{_e(title)}</h4></a></div>'
    return f'<div class="news-card"><a class="card-title" href="{_e(path)}"><h3>{_e(title)}</h3></a></div>'


def _fill_script(element_id: str, endpoint: str) -> str:
    """A script that fills an empty block from a JSON endpoint after load (js_blocks mode)."""
    return (f"<script>fetch({json.dumps(endpoint)}).then(function (r) {{ return r.json(); }})"
            f".then(function (d) {{ document.getElementById({json.dumps(element_id)}).innerHTML = d.html; }});</script>")


def most_read_cards(site: Replica) -> str:
    return "".join(_card(site, j, "most-read") for j in site.most_read)


def ticker_items(site: Replica) -> str:
    """The ticker's list items in the edition's markup: the Arabic ones link posts."""
    style = site.ed.ticker_style
    items = []
    for k, (line, j) in enumerate(zip(site.ed.ticker, site.ticker_links)):
        if style == "ar":
            # The structure public scrapers read: #ticker-box ul li .ticker-item .ticker-text (a > p).
            # The post's own path: ticker links carry no tracking suffix or changed case.
            link = f' href="{_e(site.heads[j].path)}"' if j is not None else ""
            items.append(f'<li><div class="ticker-item"><a class="ticker-text"{link}><p>{_e(line)}</p></a></div></li>')
        elif style == "en":
            items.append(f'<li class="ticker__item">{_e(line)}</li>')
        else:
            items.append(f"<li>{_e(line)}</li>")
    return "".join(items)


def _ticker(site: Replica) -> str:
    """The BREAKING bar: its label and the list (empty, filled by a script, in js_blocks mode)."""
    label = _e(site.ed.labels["breaking"])
    items = "" if site.js_blocks else ticker_items(site)
    script = _fill_script("ticker", "/api/ticker") if site.js_blocks else ""
    list_id = ' id="ticker"' if site.js_blocks else ""
    if site.ed.ticker_style == "ar":
        return (f'<div id="ticker-box" class="breaking-bar"><div class="ticker-title">{label}</div>'
                f"<ul{list_id}>{items}</ul></div>{script}")
    return (f'<div class="breaking-bar"><span class="breaking-label">{label}</span>'
            f'<ul class="breaking-items"{list_id}>{items}</ul></div>{script}')


def _most_read(site: Replica) -> str:
    label = _e(site.ed.labels["most_read"])
    if site.js_blocks:
        return (f'<section class="popular-box"><h2 class="box-title">{label}</h2><div class="cards" id="popular"></div>'
                f'{_fill_script("popular", "/api/popular")}</section>')
    return f'<section class="popular-box"><h2 class="box-title">{label}</h2><div class="cards">{most_read_cards(site)}</div></section>'


def home(site: Replica) -> str:
    return _layout(site, site.ed.site_name, "", _most_read(site))


def listing_cards(site: Replica, slug: str, page: int) -> tuple[str, bool]:
    members = site.listings[slug]
    size = site.page_size
    chunk = members[(page - 1) * size: page * size]
    cards = "".join(_card(site, j, f"listing:{slug}") for j in chunk)
    if page == 1:
        # Pages at post-shaped URLs that the CMS says are not posts.
        cards += "".join(_plain_card(site, np.path, np.title) for np in site.ed.non_posts if np.listing == slug)
    return cards, page * size < len(members)


def listing_label(site: Replica, slug: str) -> str:
    ed = site.ed
    if slug in ed.sections:
        return ed.sections[slug][0]
    if slug in ed.regions:
        return ed.regions[slug][0]
    return ed.all_listing[1]


def listing_path(site: Replica, slug: str) -> str:
    ed = site.ed
    if slug in ed.sections:
        return ed.sections[slug][1]
    if slug in ed.regions:
        return f"/region/{slug}"
    return ed.all_listing[2]


def listing_pages(site: Replica, slug: str) -> int:
    """How many pages the listing has (at least one, even when empty)."""
    return max(1, -(-len(site.listings[slug]) // site.page_size))


def _page_href(path: str, n: int) -> str:
    return path if n == 1 else f"{path}?page={n}"


def _pager(site: Replica, slug: str, page: int, more: bool) -> str:
    """The listing's way to its older cards: a Load more button (run by a script), a plain
    rel=next link, or a row of page-number links (the current page not a link)."""
    ed, path = site.ed, listing_path(site, slug)
    if site.pager == "next":
        links = []
        if page > 1:
            links.append(f'<a rel="prev" href="{_e(_page_href(path, page - 1))}">{_e(ed.labels["prev"])}</a>')
        if more:
            links.append(f'<a rel="next" href="{_e(_page_href(path, page + 1))}">{_e(ed.labels["next"])}</a>')
        return f'<nav class="pager">{" ".join(links)}</nav>' if links else ""
    if site.pager == "numbered":
        last = listing_pages(site, slug)
        if last == 1:
            return ""
        shown = sorted({1, last} | set(range(max(1, page - 2), min(last, page + 3) + 1)))
        items, before = [], 0
        for n in shown:
            if n > before + 1:
                items.append('<span class="gap">…</span>')
            items.append(f'<span class="current">{n}</span>' if n == page
                         else f'<a href="{_e(_page_href(path, n))}">{n}</a>')
            before = n
        return f'<div class="pagination">{"".join(items)}</div>'
    if not more:
        return ""
    # The endpoint is assembled at run time: no crawler reading static HTML can see it.
    button_label, button_class = ed.load_more_button
    return f"""<button type="button" class="{button_class}" id="more-btn">{_e(button_label or ed.labels["load_more"])}</button>
<script>
(function () {{
  var name = {json.dumps(slug)}, page = {page}, box = document.getElementById('cards');
  var key = 0; for (var k = 0; k < name.length; k++) {{ key += name.charCodeAt(k) * (k + 7); }} key = key % 9973;
  document.getElementById('more-btn').addEventListener('click', function () {{
    page += 1;
    var btn = this, u = ['', 'api', 'listing'].join('/') + '?section=' + encodeURIComponent(name) + '&page=' + page + '&key=' + key;
    fetch(u).then(function (r) {{ return r.json(); }}).then(function (d) {{
      box.insertAdjacentHTML('beforeend', d.html);
      if (!d.more) {{ btn.remove(); }}
    }});
  }});
}})();
</script>"""


def listing(site: Replica, slug: str, page: int = 1) -> str:
    """Page ``page`` of a listing: its cards, newest first, and its pager."""
    label = listing_label(site, slug)
    cards, more = listing_cards(site, slug, page)
    main = (f'<h1 class="listing-title">{_e(label)}</h1><div class="cards" id="cards">{cards}</div>'
            f"{_pager(site, slug, page, more)}{_most_read(site)}")
    return _layout(site, f"{label} | {site.ed.site_name}", "", main)


def _inline(site: Replica, i: int, segments) -> str:
    out = []
    for n, seg in enumerate(segments):
        if seg.html is None:
            out.append(_e(seg.text).replace("\u00a0", "&nbsp;"))
        elif isinstance(seg.html, tuple):
            _, j, word = seg.html
            out.append(f'<a href="{_e(href(site, j, f"inline:{i}:{n}"))}">{_e(word)}</a>')
        elif seg.html == "":
            out.append(_e(seg.text))
        else:
            out.append(seg.html)
    return "".join(out)


def _block(site: Replica, i: int, n: int, block: Block, images: list[dict]) -> str:
    if block.kind == "p":
        return f"<p>{_inline(site, i, block.segments)}</p>"
    if block.kind == "h3":
        return f"<h3>{_e(block.text)}</h3>"
    if block.kind == "strong_heading":
        return f"<p><strong>{_e(block.text)}</strong></p>"
    if block.kind == "empty":
        return "<p>&nbsp;</p>"
    if block.kind == "related":
        items = "".join(f'<li><a href="{_e(href(site, j, f"related:{i}"))}">{_e(site.heads[j].title)}</a></li>' for j in block.links)
        return f'<div class="related-box"><span class="related-label">{_e(site.ed.labels["related"])}</span><ul>{items}</ul></div>'
    if block.kind == "promo":
        j = block.links[0]
        read_more = _e(site.ed.labels["read_more"])
        return f'<p><strong>{read_more} </strong><a href="{_e(href(site, j, f"promo:{i}"))}">{_e(site.heads[j].title)}</a></p>'
    if block.kind == "figure":
        return _figure(images[block.links[0]])
    raise ValueError(block.kind)


def _figure(image: dict) -> str:
    caption = image["caption"] + (f" ({image['credit']})" if image["credit"] else "")
    return f'<figure class="post-img"><img src="{_e(image["url"])}" alt=""><figcaption>{_e(caption)}</figcaption></figure>'


def metadata(site: Replica, i: int) -> dict:
    h, b, ed = site.heads[i], site.body(i), site.ed
    category = ed.sections[h.section][0]
    classes = [{"key": "class1", "mapping": "posttype", "value": h.post_type}]
    if h.root not in ed.uncategorised_roots:
        classes.append({"key": "class2", "mapping": "category", "value": " " + category if i % 9 == 4 else category})
    if h.country:
        classes.append({"key": "class3", "mapping": "country", "value": h.country})
    if b.coverage:
        classes.append({"key": "class5", "mapping": "coverage", "value": b.coverage})
    for author in b.authors:
        classes.append({"key": "class6", "mapping": "author", "value": author})
    return {
        "type": h.kind,
        "postid": h.post_id,
        "title": h.title,
        "url": ed.live + h.path,
        "keywords": b.keywords_raw,
        "thumbnail": b.thumbnail,
        "video_duration": str(b.video_duration) if b.video_duration else None,
        "word_count": str(site.word_count(i)),
        "lang": ed.lang,
        "published_time": iso_local(h.published),
        "last_updated": iso_local(b.modified),
        "description": b.summary,
        "author": ed.author_joiner.join(b.authors),
        "classes": classes,
        "html": "",
        "lite_url": ed.live + "/lite" + h.path,
    }


def _head_tags(site: Replica, i: int) -> str:
    """The metadata block (full variant) and the meta tags (full and meta_only)."""
    h, b, ed = site.heads[i], site.body(i), site.ed
    head = []
    if h.real:
        # The real block exactly as the page printed it (CRLF, invisible characters).
        head.append(f'<script id="tawsiyat-metadata" type="text/tawsiyat">{h.real.raw}</script>')
    elif h.variant == "full":
        data = json.dumps(metadata(site, i), ensure_ascii=False).replace("</", "<\\/")
        head.append(f'<script id="tawsiyat-metadata" type="text/tawsiyat">{data}</script>')
    if h.variant in ("full", "meta_only"):
        # A real post's tags carry its block's values: its author string, its raw times.
        author = h.real.meta["author"] if h.real else ed.author_joiner.join(b.authors)
        published = h.real.meta["published_time"] if h.real else iso_local(h.published)
        modified = h.real.meta["last_updated"] if h.real else iso_local(b.modified)
        metas = [("name", "postid", h.post_id), ("name", "keywords", b.keywords_raw), ("name", "author", author),
                 ("name", "description", b.summary), ("property", "og:title", h.title), ("property", "og:description", b.summary),
                 ("property", "og:image", b.thumbnail), ("property", "article:published_time", published),
                 ("property", "article:modified_time", modified)]
        if b.video_duration:
            metas.append(("property", "og:video_duration", str(b.video_duration)))
        head += [f'<meta {k}="{n}" content="{_e(v)}">' for k, n, v in metas]
    return "\n".join(head)


def _byline(site: Replica, i: int) -> str:
    """The byline in the edition's template: a list, or one flat line."""
    b, ed = site.body(i), site.ed
    labels = ed.labels
    date = visible_date(site.heads[i].published, site.now, months=ed.months)
    if ed.byline_style == "es":
        return _spanish_byline(site, i, date)
    author_links = ed.author_joiner.join(f'<a href="/authors/{slugify(a)}">{_e(a)}</a>' for a in b.authors)
    by, source_label = _e(labels["by"] or ""), _e(labels["source"])
    if b.byline == "list":
        source = f"<li>{source_label} {_e(b.source)}</li>" if b.source else ""
        return f'<ul class="post-info"><li class="post-author">{by} {author_links}</li>{source}<li class="post-date">{date}</li></ul>'
    source = f" {source_label} {_e(b.source)}" if b.source else ""
    return f'<div class="byline-line">{by} {author_links}{source} {date}</div>'


def _breadcrumb(site: Replica, i: int) -> str:
    crumbs = site.crumbs(i)
    if not crumbs:
        return ""
    items, with_title = crumbs
    parts = [f'<a href="/">{_e(site.ed.labels["home"])}</a>'] + [f'<a href="#">{_e(c)}</a>' for c in items]
    if with_title:
        parts.append(f"<span>{_e(site.heads[i].title)}</span>")
    return f'<div class="crumbs">{" › ".join(parts)}</div>'


def _read_time(site: Replica, i: int) -> str:
    """The "N Min Read" line of text posts, where the edition prints one (in its own digits)."""
    h, b, ed = site.heads[i], site.body(i), site.ed
    if h.is_video or not ed.read_time:
        return ""
    minutes = str(max(1, round(b.words / 200)))
    if ed.read_time_digits:
        minutes = "".join(ed.read_time_digits[c] for c in minutes)
    return f'<div class="read-time"><span>{minutes}</span> {_e(ed.labels["min_read"])}</div>'


def article(site: Replica, i: int) -> str:
    """The article page of article i."""
    h, b, ed = site.heads[i], site.body(i), site.ed
    video = (f'<div class="video-player" data-src="https://{ed.image_host}/video/{h.post_id}.mp4"></div>'
             if h.is_video else "")
    lead = _figure(b.images[0]) if b.images and not h.is_video else ""
    blocks = "\n".join(_block(site, i, n, block, b.images) for n, block in enumerate(b.blocks))
    tags = "".join(f'<a href="/tags/{slugify(t)}">{_e(t)}</a>' for t in b.tags)
    coverage = f'<a class="coverage-link" href="/coverage/{slugify(b.coverage)}">{_e(b.coverage)}</a>' if b.coverage else ""
    read_next = "".join(_card(site, j, f"read-next:{i}", with_date=False) for j in b.read_next)
    main = f"""{_breadcrumb(site, i)}<article class="post">
{coverage}
<h1 class="post-title">{_e(h.title)}</h1>
{_byline(site, i)}
{_read_time(site, i)}
<p class="lg_para summary">{_e(b.summary)}</p>
{video}
{lead}
<div class="p-content">
{blocks}
</div>
<div class="post-tags">{tags}</div>
</article>
{_most_read(site)}
<section class="more-box"><h2 class="box-title">{_e(ed.labels["read_next"])}</h2><div class="cards">{read_next}</div></section>"""
    return _layout(site, f"{h.title} | {ed.site_name}", _head_tags(site, i), main)


def _spanish_byline(site: Replica, i: int, date: str) -> str:
    """The Spanish byline of site-notes section 5: each name beside its image (or printed
    twice), an optional "Autor:" item, "Fuente:", the date, view and share counts."""
    b, ed = site.body(i), site.ed
    form = site.byline_form(i)
    labels = ed.labels
    names = []
    for a in b.authors:
        image = f'<img src="https://{ed.image_host}/authors/{slugify(a)}.jpg" alt="{_e(a)}">'
        twice = f'<span class="author-alt">{_e(a)}</span>' if form["twice"] else ""
        names.append(f'{image}{twice}<a href="/autores/{slugify(a)}">{_e(a)}</a>')
    autor = ed.author_joiner.join(b.authors)
    counts = (f'{form["views"]} {_e(labels["views"])}', f'{form["shares"]} {_e(labels["shares"])}')
    if b.byline == "list":
        items = [f'<li class="post-author">{n}</li>' for n in names]
        if form["autor"]:
            items.append(f"<li>{_e(labels['author'])} {_e(autor)}</li>")
        if b.source:
            items.append(f"<li>{_e(labels['source'])} {_e(b.source)}</li>")
        items += [f'<li class="post-date">{date}</li>', f"<li>{counts[0]}</li>", f"<li>{counts[1]}</li>"]
        return f'<ul class="post-info">{"".join(items)}</ul><button class="listen">{_e(labels["listen"])}</button>'
    # One flat line, separators printed as text, each name twice.
    parts = [" ".join(f"{_e(a)} {_e(a)}" for a in b.authors)]
    if form["autor"] or len(b.authors) > 1:  # several names run together need the Autor: item
        parts.append(f"{_e(labels['author'])} {_e(autor)}")
    if b.source:
        parts.append(f"{_e(labels['source'])} {_e(b.source)}")
    parts += [date, *counts]
    return f'<div class="byline-line">• {" • ".join(parts)}</div><button class="listen">{_e(labels["listen"])}</button>'


def plain_page(site: Replica, title: str, text: str, links: Optional[list[int]] = None, kind: str = "page") -> str:
    """Authors, coverage, tags, hubs: CMS pages that are not posts."""
    meta = json.dumps({"type": kind, "title": title, "url": ""})
    cards = "".join(_card(site, j, f"page:{title}") for j in (links or []))
    main = f"<h1>{_e(title)}</h1><p>{_e(text)}</p><div class='cards'>{cards}</div>"
    return _layout(site, f"{title} | {site.ed.site_name}", f'<script id="tawsiyat-metadata" type="text/tawsiyat">{meta}</script>', main)


def robots(host_url: str, ed: Profile) -> str:
    return (f"User-agent: *\nDisallow: /search\nDisallow: {ed.members_disallow}\n\n"
            f"Sitemap: {host_url}/sitemaps/all.xml\n")


def sitemap_months(site: Replica) -> list[tuple[int, int]]:
    return sorted({_month(h) for h in site.heads})


def _month(h) -> tuple[int, int]:
    """Sitemaps file posts by their Beirut publication month."""
    local = h.published.astimezone(BEIRUT)
    return local.year, local.month


def sitemap_index(site: Replica, host_url: str) -> str:
    items = "".join(f"<sitemap><loc>{host_url}/sitemaps/all/sitemap-{y}-{m}.xml</loc></sitemap>" for y, m in sitemap_months(site))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{items}</sitemapindex>\n")


def _non_post_month(site: Replica, page: NonPost) -> Optional[tuple[int, int]]:
    if not page.sitemap:
        return None
    months = sitemap_months(site)
    return months[-1] if page.sitemap == "newest" else months[0]


def sitemap_entries(site: Replica, year: int, month: int) -> list[tuple[str, str, Optional[str]]]:
    """(kind, path, lastmod) of every URL one monthly sitemap lists: kind ``post``, or for
    pages that are not posts ``authors``, ``coverage``, ``type_page`` or ``posttype_pages``."""
    heads = [h for h in site.heads if _month(h) == (year, month)]
    if not heads:
        return []
    entries: list[tuple[str, str, Optional[str]]] = [
        ("post", h.path, iso_local(site.body(h.index).modified)) for h in heads]
    authors = sorted({a for h in heads for a in site.body(h.index).authors})
    entries += [("authors", f"/authors/{slugify(a)}", None) for a in authors]
    covers = sorted({site.body(h.index).coverage for h in heads} - {None})
    entries += [("coverage", f"/coverage/{slugify(c)}", None) for c in covers]
    entries += [(p.kind, p.path, None) for p in site.ed.non_posts if _non_post_month(site, p) == (year, month)]
    return entries


def sitemap_month(site: Replica, host_url: str, year: int, month: int) -> Optional[str]:
    entries = sitemap_entries(site, year, month)
    if not entries:
        return None
    urls = [f"<url><loc>{_e(host_url + path)}</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</url>"
            for _kind, path, lastmod in entries]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(urls) + "</urlset>\n")


def sitemap_non_posts(site: Replica, months=None) -> dict[str, int]:
    """How many URLs that are not posts the monthly sitemaps of ``months`` ((year, month)
    pairs; None: all) list, by kind: ``authors`` and ``coverage`` (declared non-post paths),
    ``type_page`` (metadata type page) and ``posttype_pages`` (type article, posttype Pages)."""
    counts = {"authors": 0, "coverage": 0, "type_page": 0, "posttype_pages": 0}
    for year, month in (sitemap_months(site) if months is None else months):
        for kind, _path, _lastmod in sitemap_entries(site, year, month):
            if kind != "post":
                counts[kind] += 1
    return counts


def non_post_page(site: Replica, page: NonPost) -> str:
    """A CMS page that is not a post: a plain page of type page, or a post-shaped page
    (metadata block, meta tags, byline date, body) whose posttype class is "Pages"."""
    if not page.posttype:
        return plain_page(site, page.title, "programme page", kind=page.type)
    ed = site.ed
    published = site.heads[-1].published if site.heads else site.now
    words = " ".join(ed.words[:24])
    meta = {"type": page.type, "postid": "1000001", "title": page.title, "url": ed.live + page.path, "keywords": "",
            "thumbnail": "", "video_duration": None, "word_count": "48", "lang": ed.lang,
            "published_time": iso_local(published), "last_updated": iso_local(published), "description": words,
            "author": ed.desk, "classes": [{"key": "class1", "mapping": "posttype", "value": page.posttype},
                                           {"key": "class6", "mapping": "author", "value": ed.desk}],
            "html": "", "lite_url": ""}
    head = (f'<script id="tawsiyat-metadata" type="text/tawsiyat">{json.dumps(meta, ensure_ascii=False)}</script>\n'
            f'<meta name="postid" content="1000001">\n<meta property="og:title" content="{_e(page.title)}">\n'
            f'<meta property="article:published_time" content="{iso_local(published)}">')
    main = f"""<article class="post">
<h1 class="post-title">{_e(page.title)}</h1>
<ul class="post-info"><li class="post-author">{_e(ed.labels["by"] or "")} {_e(ed.desk)}</li><li class="post-date">{visible_date(published, site.now, months=ed.months)}</li></ul>
<p class="lg_para summary">{_e(words)}</p>
<div class="p-content">
<p>{_e(words)}</p>
<p>{_e(" ".join(ed.words[24:48]))}</p>
</div>
</article>"""
    return _layout(site, f"{page.title} | {ed.site_name}", head, main)


__all__ = ["article", "home", "listing", "listing_cards", "listing_pages", "non_post_page", "plain_page", "robots",
           "sitemap_entries", "sitemap_index", "sitemap_month", "sitemap_non_posts",
           "key_js", "href", "link_target_path", "metadata", "MONTHS"]
