"""HTML (and XML, JSON) of the replica's pages, as tests/outlets/almayadeen/replica/README.md describes them."""

from __future__ import annotations

import json
import zlib
from html import escape
from typing import Optional

from .editions import Profile
from .model import (
    BEIRUT,
    MONTHS,
    PAGE_SIZE,
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
    menu.append("".join(f'<li><a href="{p}">{_e(l)}</a></li>' for s, (l, p, r, _) in ed.sections.items() if r not in grouped))
    menu.append('<li><a href="/live" class="live">LIVE</a></li>')
    regions = "".join(f'<li><a href="/region/{slug}">{_e(label)}</a></li>' for slug, (label, _) in ed.regions.items())
    ticker = "" if site.js_blocks else "".join(f"<li>{_e(t)}</li>" for t in ed.ticker)
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
<div class="breaking-bar"><span class="breaking-label">{_e(ed.labels["breaking"])}</span><ul class="breaking-items"{' id="ticker"' if site.js_blocks else ""}>{ticker}</ul></div>{_fill_script("ticker", "/api/ticker") if site.js_blocks else ""}
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
        return (f'<div class="white-card"><a href="{_e(link)}"><img src="https://{ed.image_host}/media/image/card.jpg" alt="">'
                f'<h4>{_e(h.title)}</h4></a><a class="category-meta" href="{ed.sections[h.section][1]}">'
                f'{_e(ed.sections[h.section][0])}</a>{date}{country}</div>')
    date = f'<span class="card-date">{shown}</span>' if with_date else ""
    return (f'<div class="news-card"><a class="card-img" href="{_e(link)}"><img src="https://{ed.image_host}/media/image/card.jpg" alt=""></a>'
            f'<a class="card-title" href="{_e(link)}"><h3>{_e(h.title)}</h3></a>'
            f'<span class="card-section">{_e(ed.sections[h.section][0])}</span>{date}</div>')


def _fill_script(element_id: str, endpoint: str) -> str:
    """A script that fills an empty block from a JSON endpoint after load (js_blocks mode)."""
    return (f"<script>fetch({json.dumps(endpoint)}).then(function (r) {{ return r.json(); }})"
            f".then(function (d) {{ document.getElementById({json.dumps(element_id)}).innerHTML = d.html; }});</script>")


def most_read_cards(site: Replica) -> str:
    return "".join(_card(site, j, "most-read") for j in site.most_read)


def ticker_items(site: Replica) -> str:
    return "".join(f"<li>{_e(t)}</li>" for t in site.ed.ticker)


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
    chunk = members[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    cards = "".join(_card(site, j, f"listing:{slug}") for j in chunk)
    extra = site.ed.non_article
    if extra and extra[0] == slug and page == 1:
        # A page at an article-shaped URL that the CMS says is not an article.
        cards += f'<div class="news-card"><a class="card-title" href="{_e(extra[1])}"><h3>{_e(extra[1].rsplit("/", 1)[1])}</h3></a></div>'
    return cards, page * PAGE_SIZE < len(members)


def listing(site: Replica, slug: str) -> str:
    ed = site.ed
    label = ed.sections[slug][0] if slug in ed.sections else ed.regions[slug][0]
    cards, more = listing_cards(site, slug, 1)
    button = ""
    if more:
        # The endpoint is assembled at run time: no crawler reading static HTML can see it.
        button_label, button_class = ed.load_more_button
        button = f"""<button type="button" class="{button_class}" id="more-btn">{_e(button_label or ed.labels["load_more"])}</button>
<script>
(function () {{
  var name = {json.dumps(slug)}, page = 1, box = document.getElementById('cards');
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
    main = (f'<h1 class="listing-title">{_e(label)}</h1><div class="cards" id="cards">{cards}</div>{button}'
            f"{_most_read(site)}")
    return _layout(site, f"{label} | {ed.site_name}", "", main)


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
        "type": "article",
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
    if h.variant == "full":
        data = json.dumps(metadata(site, i), ensure_ascii=False).replace("</", "<\\/")
        head.append(f'<script id="tawsiyat-metadata" type="text/tawsiyat">{data}</script>')
    if h.variant in ("full", "meta_only"):
        metas = [("name", "postid", h.post_id), ("name", "keywords", b.keywords_raw), ("name", "author", ed.author_joiner.join(b.authors)),
                 ("name", "description", b.summary), ("property", "og:title", h.title), ("property", "og:description", b.summary),
                 ("property", "og:image", b.thumbnail), ("property", "article:published_time", iso_local(h.published)),
                 ("property", "article:modified_time", iso_local(b.modified))]
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


def sitemap_month(site: Replica, host_url: str, year: int, month: int) -> Optional[str]:
    heads = [h for h in site.heads if _month(h) == (year, month)]
    if not heads:
        return None
    urls = []
    for h in heads:
        urls.append(f"<url><loc>{_e(host_url + h.path)}</loc><lastmod>{iso_local(site.body(h.index).modified)}</lastmod></url>")
    authors = sorted({a for h in heads for a in site.body(h.index).authors})
    urls += [f"<url><loc>{host_url}/authors/{slugify(a)}</loc></url>" for a in authors]
    covers = sorted({site.body(h.index).coverage for h in heads} - {None})
    urls += [f"<url><loc>{host_url}/coverage/{slugify(c)}</loc></url>" for c in covers]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(urls) + "</urlset>\n")


__all__ = ["article", "home", "listing", "listing_cards", "plain_page", "robots", "sitemap_index", "sitemap_month",
           "key_js", "href", "link_target_path", "metadata", "MONTHS"]
