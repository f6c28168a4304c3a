"""The replica serves what its README promises, and its truth agrees with its pages."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from urllib.parse import quote

import pytest
from parsel import Selector

from newscrawl.core.items import Article
from tests.outlets.almayadeen.replica import Replica, ReplicaServer
from tests.outlets.almayadeen.replica.pages import key_js

META_KEYS = {"type", "postid", "title", "url", "keywords", "thumbnail", "video_duration", "word_count", "lang",
             "published_time", "last_updated", "description", "author", "classes", "html", "lite_url"}


def get(server, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(server.url + quote(path, safe="/?&=:%")) as reply:
            return reply.status, reply.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


def heads_of(site, variant):
    return [h for h in site.heads if h.variant == variant and not h.members_only]


def test_variety(site):
    heads = [h for h in site.heads if not h.members_only]
    assert {h.variant for h in heads} == {"full", "meta_only", "html_only"}
    assert {h.post_type for h in heads} == {"News", "Articles", "Videos", "Infographs", "In Pictures"}
    assert any(not h.listed for h in heads) and any(h.members_only for h in site.heads)
    assert any(h.second_section for h in heads) and any(h.link_variant for h in heads)
    years = Counter(h.published.year for h in heads)
    assert len(years) >= 3 and site.now.year in years
    slugs = Counter(h.path.rsplit("/", 1)[1] for h in site.heads)
    assert any(n > 1 for n in slugs.values()), "two posts must share a truncated slug"
    assert any(len(site.body(h.index).authors) == 2 for h in heads)


def test_full_article_markup(site, server):
    head = next(h for h in heads_of(site, "full") if h.post_type == "News" and site.body(h.index).source)
    status, html = get(server, head.path)
    sel = Selector(text=html)
    assert status == 200
    meta = json.loads(sel.css("script#tawsiyat-metadata::text").get())
    assert set(meta) == META_KEYS and meta["type"] == "article" and meta["postid"] == head.post_id
    assert isinstance(meta["word_count"], str) and meta["word_count"].isdigit()
    assert meta["published_time"][-6:] in ("+02:00", "+03:00")
    assert {c["mapping"] for c in meta["classes"]} >= {"posttype", "category", "author"}
    for name in ("postid", "keywords", "author", "description"):
        assert sel.css(f"meta[name={name}]::attr(content)").get()
    for prop in ("og:title", "og:description", "og:image", "article:published_time", "article:modified_time"):
        assert sel.xpath(f'//meta[@property="{prop}"]/@content').get()
    assert sel.css("p.lg_para.summary::text").get() == meta["description"]
    assert sel.css("div.p-content > p")
    text = " ".join(sel.xpath("//body//text()").getall())
    for label in ("By ", "Source:", "Min Read", "Read Next", "Most Read", "BREAKING"):
        assert label in text
    assert sel.css("figure img::attr(src)").get().startswith("https://alpha-en-media.almayadeen.net/media/image/")


def test_variants_drop_their_layers(site, server):
    _, meta_only = get(server, heads_of(site, "meta_only")[0].path)
    _, html_only = get(server, heads_of(site, "html_only")[0].path)
    assert "tawsiyat-metadata" not in meta_only and 'name="postid"' in meta_only
    assert "tawsiyat-metadata" not in html_only and 'name="postid"' not in html_only and "<h1" in html_only


def test_same_post_under_url_variants(site, server):
    head = next(h for h in site.heads if h.second_section)
    bodies = {get(server, p)[1] for p in (head.path, head.alt_path, head.path + "/", head.path.upper())}
    assert len(bodies) == 1 and get(server, head.path)[0] == 200


def test_robots_and_disallowed_links(site, server):
    status, robots = get(server, "/robots.txt")
    assert status == 200 and "Disallow: /search" in robots and "Disallow: /articles/blog/members-only-" in robots
    assert f"Sitemap: {server.url}/sitemaps/all.xml" in robots
    members = next(h for h in site.heads if h.members_only)
    linking = site.heads[members.index - 2]
    assert members.index in site.body(linking.index).read_next
    assert members.path in get(server, linking.path)[1]


def test_sitemaps_list_every_article(site, server):
    status, index = get(server, "/sitemaps/all.xml")
    locs = Selector(text=index, type="xml").xpath("//*[local-name()='loc']/text()").getall()
    assert status == 200 and locs and all("/sitemaps/all/sitemap-" in l for l in locs)
    listed = set()
    for loc in locs:
        _, month = get(server, loc[len(server.url):])
        sel = Selector(text=month, type="xml")
        listed |= set(sel.xpath("//*[local-name()='loc']/text()").getall())
        assert sel.xpath("//*[local-name()='lastmod']")
    assert {server.url + h.path for h in site.heads} <= listed
    assert any("/authors/" in l for l in listed) and any("/coverage/" in l for l in listed)


def test_listing_and_load_more_endpoint(site, server):
    status, html = get(server, "/news/politics")
    assert status == 200 and "Load more" in html and "/api/listing" not in html
    first = site.listings["politics"][:10]
    for j in first:
        assert site.heads[j].path in html or site.heads[j].link_variant
    status, body = get(server, f"/api/listing?section=politics&page=2&key={key_js('politics')}")
    data = json.loads(body)
    assert status == 200 and site.heads[site.listings["politics"][10]].title.replace('"', "&quot;") in data["html"]
    assert get(server, "/api/listing?section=politics&page=2&key=0")[0] == 403
    assert get(server, "/no/such/page")[0] == 404


def test_truth_matches_pages_and_schema(site, server):
    fields = set(Article.__dataclass_fields__) - {"url", "crawled_at", "discovered_via", "warc"}
    truth = site.truth()
    assert len(truth) == sum(1 for h in site.heads if not h.members_only)
    for key, record in list(truth.items())[:40]:
        assert set(record) == fields
        head = site.heads[site.index_of(key)]
        _, html = get(server, head.path)
        sel = Selector(text=html)
        assert sel.css("h1::text").get() == record["title"]
        assert record["summary"] == sel.css("p.lg_para.summary::text").get()
        if record["published_at_raw"][0].isdigit() and "T" not in record["published_at_raw"]:
            assert record["published_at_raw"] in html
        assert record["published_at"].endswith("+00:00")


def test_reachability(site):
    static, with_js = site.reachable(js=False), site.reachable(js=True)
    assert set(static) < set(with_js), "some articles must be behind Load more"
    unlisted = [h for h in site.heads if not h.listed and not h.members_only]
    assert unlisted and all(set(with_js[h.key]) <= {"related", "read_next", "most_read"} for h in unlisted if h.key in with_js)
    assert not any(h.key in with_js for h in site.heads if h.members_only)
    assert site.reachable(js=True, follow=()) .keys() <= {h.key for h in site.heads if h.listed}


def test_deterministic():
    a, b = Replica(seed=3, articles=50), Replica(seed=3, articles=50)
    assert a.truth() == b.truth()
    assert Replica(seed=4, articles=50).truth() != a.truth()


def test_edit_and_publish_change_only_what_they_say():
    site = Replica(seed=5, articles=60)
    before = site.truth()
    key = next(iter(before))
    site.edit(key)
    after = site.truth()
    assert after[key]["content_hash"] != before[key]["content_hash"]
    assert {k for k in before if before[k] != after[k]} == {key}
    new = site.publish(5)
    published = site.truth()
    assert set(published) - set(after) == set(new) and len(new) == 5
    assert all(published[k] == after[k] for k in after)
    assert all(site.heads[site.index_of(k)].published < site.now for k in new)


def test_large_replica_builds_and_serves():
    site = Replica(articles=100_000)
    with ReplicaServer(site) as server:
        status, html = get(server, site.heads[99_999].path)
        assert status == 200 and site.heads[99_999].title.split()[0] in html


def test_members_only_posts_stay_behind_robots_at_scale():
    # At 50,000 articles some headlines repeat and are published under a new slug (5 posts
    # lost the disallowed prefix), and the twin-slug rule moved 2 out of the blog section.
    site = Replica(seed=1, articles=50_000)
    members = [h for h in site.heads if h.members_only]
    assert members and all(h.path.startswith(site.ed.members_disallow) for h in members)


def test_related_boxes_never_list_a_post_twice_even_at_scale():
    # The box starts with the unlisted neighbour; a second pick equal to it made a duplicate
    # link, found only at 50,000 articles (13 pages).
    site = Replica(seed=1, articles=50_000)
    for i in range(0, 50_000, 7):
        related = next((b.links for b in site.body(i).blocks if b.kind == "related"), [])
        assert len(related) == len(set(related)), i


# --- issue 21: real blocks, /news, unknown roots, non-post pages, pagers, ticker, invisible text ---

import re
from datetime import datetime, timezone
from pathlib import Path

from tests.outlets.almayadeen.replica import real, real_blocks_available
from tests.outlets.almayadeen.replica.text import keywords, normalise
from tests.outlets.almayadeen.replica.truth import out_links

needs_real = pytest.mark.skipif(not real_blocks_available(), reason=f"no real sample at {real.SAMPLE}")
NEWS_ID = re.compile(r"^/news/[a-z-]+/")


@pytest.fixture(scope="module")
def ar_site():
    return Replica(seed=1, articles=300, edition="ar")


@pytest.fixture(scope="module")
def ar_server(ar_site):
    with ReplicaServer(ar_site) as running:
        yield running


@pytest.fixture(scope="module")
def real_site():
    if not real_blocks_available():
        pytest.skip(f"no real sample at {real.SAMPLE}")
    return Replica(edition="ar", real_posts=True)


@pytest.fixture(scope="module")
def real_server(real_site):
    with ReplicaServer(real_site) as running:
        yield running


def sample_rows() -> list[dict]:
    """The real sample read here on its own (not through the replica's loader)."""
    return [json.loads(line) for line in Path(real.SAMPLE).read_text(encoding="utf-8").splitlines() if line.strip()]


def script_block(html: str) -> str:
    """The metadata script's text exactly as served (no HTML parser: it would touch CRLF)."""
    start = html.index('<script id="tawsiyat-metadata" type="text/tawsiyat">') + len('<script id="tawsiyat-metadata" type="text/tawsiyat">')
    return html[start: html.index("</script>", start)]


def test_normalise_follows_the_four_rules():
    assert normalise("\u200bغزة\u200b") == "غزة" and normalise("a\u200fb\u200e c\ufeff") == "ab c"
    assert normalise("می\u200cخواهم") == "می\u200cخواهم", "a joiner between letters stays"
    assert normalise("\u200cغزة \u200c x") == "غزة x", "a joiner beside a space or an edge goes"
    assert normalise("👨\u200d👩") == "👨\u200d👩" and normalise("a\u200d👩") == "a👩"
    assert normalise("e\u0301") == "\u00e9" and normalise("a\x85b\x07c\u00adl") == "abcl"
    assert normalise("  a \n\t b\u00a0 ") == "a b"
    assert keywords("غزة, \u200bغزة\u200b,,لبنان , ") == ["غزة", "لبنان"]


@needs_real
def test_default_arabic_replica_carries_real_blocks_once_each(ar_site):
    blocks = real.blocks()
    reals = [h for h in ar_site.heads if h.real]
    assert len(reals) > len(ar_site.heads) // 3, "a large share of posts"
    assert len({h.real.post_id for h in reals}) == len(reals), "each block at most once"
    assert all(h.variant == "full" and not h.members_only and h.index % 2 == 0 for h in reals)
    assert {h.real for h in reals} <= set(blocks)
    assert {h.root for h in reals} == {b.root for b in blocks}, "every root of the sample"
    assert {h.root for h in Replica(seed=1, articles=40, edition="ar").heads if h.real} == {b.root for b in blocks}
    assert {h.kind for h in reals} == {"article", "videoobject"}
    assert Replica(edition="ar", real_blocks=False).heads[0].real is None
    assert not any(h.real for h in Replica(seed=1, articles=300).heads), "English never"


@needs_real
def test_generated_ids_never_collide_with_real_ones_at_scale():
    site = Replica(seed=1, articles=50_000, edition="ar")
    real_ids = {b.post_id for b in real.blocks()}
    generated = [h.post_id for h in site.heads if not h.real]
    assert not real_ids & set(generated)
    keys = [h.key for h in site.heads]
    assert len(keys) == len(set(keys))


@needs_real
def test_real_block_pages_print_the_block_verbatim(ar_site, ar_server):
    rows = {row["url"]: row["raw"] for row in sample_rows()}
    reals = [h for h in ar_site.heads if h.real]
    for h in reals[:60]:
        status, html = get(ar_server, h.path)
        assert status == 200
        raw = rows[ar_site.ed.live + h.path]
        assert script_block(html) == raw and "\r\n" in raw
        meta = json.loads(raw)
        sel = Selector(text=html)
        tag = lambda attr, name: sel.xpath(f'//meta[@{attr}="{name}"]/@content').get()  # noqa: E731
        assert (tag("name", "postid"), tag("property", "og:title"), tag("name", "keywords")) == (
            meta["postid"], meta["title"], meta["keywords"])
        assert tag("property", "article:published_time") == meta["published_time"]
        assert tag("property", "article:modified_time") == meta["last_updated"]
        assert (sel.css("p.lg_para.summary::text").get() or "") == meta["description"]
        byline = " ".join(sel.css("article .post-info, article .byline-line").xpath(".//text()").getall())
        for author in (c["value"] for c in meta["classes"] if c["mapping"] == "author"):
            assert author in byline
        paragraphs = " ".join(" ".join(p.xpath(".//text()").getall()) for p in sel.css("div.p-content > p"))
        bodyless = meta["type"] == "videoobject" or h.post_type in ("فيديو", "نشرة الأخبار")
        if bodyless:
            assert not paragraphs.strip() and not sel.css(".read-time")
        else:
            assert len(paragraphs.split()) >= 0.6 * int(meta["word_count"])


@needs_real
def test_truth_of_real_posts_comes_from_their_blocks(ar_site):
    truth = ar_site.truth()
    by_url = {row["url"]: json.loads(row["raw"]) for row in sample_rows()}
    checked = 0
    for h in (h for h in ar_site.heads if h.real):
        record, meta = truth[h.key], by_url[ar_site.ed.live + h.path]
        classes = lambda m: [normalise(c["value"]) for c in meta["classes"] if c["mapping"] == m]  # noqa: E731
        when = lambda s: datetime.fromisoformat(s).astimezone(timezone.utc).isoformat()  # noqa: E731
        assert h.key == meta["postid"] == record["post_id"]
        assert record["canonical_url"] == meta["url"] and record["language"] == "ar"
        assert record["title"] == normalise(meta["title"]) and "\u200f" not in record["title"]
        assert record["summary"] == (normalise(meta["description"]) or None)
        assert record["published_at"] == when(meta["published_time"]) and record["published_at"].endswith("+00:00")
        assert record["published_at_raw"] == meta["published_time"]
        assert record["modified_at"] == when(meta["last_updated"])
        assert record["word_count"] == int(meta["word_count"]) and record["video_duration_seconds"] is None
        assert record["post_type"] == classes("posttype")[0]
        assert record["section"] == (classes("category") or [ar_site.ed.url_sections.get(
            h.path.split("/")[2] if h.root == "news" else h.root)])[0]
        assert (record["regions"], record["coverage"], record["authors"]) == (
            classes("country"), classes("coverage"), classes("author"))
        tags = [normalise(t) for t in meta["keywords"].split(",")]
        assert record["tags"] == list(dict.fromkeys(t for t in tags if t))
        assert record["flags"] == []
        assert (record["read_time_minutes"] is None) == (meta["type"] == "videoobject" or h.is_video)
        checked += 1
    assert checked > 100


@needs_real
def test_real_posts_mode_has_exactly_the_296_posts_newest_first(real_site, real_server):
    rows = sample_rows()
    assert len(real_site.heads) == len(rows) == 296
    times = [h.published for h in real_site.heads]
    assert times == sorted(times, reverse=True)
    truth = real_site.truth()
    assert set(truth) == {json.loads(r["raw"])["postid"] for r in rows}
    assert all(h.real and h.listed and not h.members_only for h in real_site.heads)
    assert len(real_site.listings["news"]) == 296
    _, index = get(real_server, "/sitemaps/all.xml")
    listed = set()
    for loc in Selector(text=index, type="xml").xpath("//*[local-name()='loc']/text()").getall():
        _, month = get(real_server, loc[len(real_server.url):])
        listed |= set(Selector(text=month, type="xml").xpath("//*[local-name()='loc']/text()").getall())
    assert {real_server.url + urllib.parse.urlsplit(r["url"]).path for r in rows} <= listed
    for h in real_site.heads[::37]:
        status, html = get(real_server, h.path)
        assert status == 200 and script_block(html) == h.real.raw
    walked = Replica(edition="ar", real_posts=True, pager="next").reachable(js=False, follow=())
    assert set(walked) == set(truth), "a listing walk by plain links reaches every real post"


def test_arabic_news_listing_holds_every_kind_newest_first(ar_site, ar_server):
    news = ar_site.listings["news"]
    assert set(news) == {h.index for h in ar_site.heads if h.listed}
    assert [ar_site.heads[j].published for j in news] == sorted((ar_site.heads[j].published for j in news), reverse=True)
    assert {ar_site.heads[j].post_type for j in news} >= {"أخبار", "مقالات", "فيديو", "نشرة الأخبار", "تحقيقات"}
    status, html = get(ar_server, "/news")
    sel = Selector(text=html)
    assert status == 200 and sel.css("h1.listing-title::text").get() == "أخبار"
    assert sel.css("div.white-card").__len__() == 10 and sel.css(".loadmorebtn")
    assert 'href="/news"' in html, "the menu group links it"
    _, english = get_english_news()
    assert "hub page" in english


def get_english_news():
    with ReplicaServer(Replica(seed=1, articles=30)) as server:
        return get(server, "/news")


def test_investigations_root_is_reached_only_through_listing_cards_and_sitemaps(ar_site, ar_server):
    posts = [h for h in ar_site.heads if h.section == "investigations"]
    assert 3 <= len(posts) <= 30 and all(h.path.startswith("/investigations/") and h.variant == "full" for h in posts)
    indexes = {h.index for h in posts}
    linked = {j for h in ar_site.heads for _, j in out_links(ar_site, h.index)} | set(ar_site.ticker_links)
    assert not indexes & linked, "never linked from Related, Read Next, inline links, Most Read or the ticker"
    truth = ar_site.truth()
    assert all(h.key in truth and truth[h.key]["section"] == "تحقيقات" for h in posts)
    _, home_html = get(ar_server, "/")
    assert "/investigations" not in home_html, "no menu links the root"
    assert get(ar_server, "/investigations")[0] == 200
    reach = ar_site.reachable(js=True)
    found = [h for h in posts if h.key in reach]
    assert found and all(reach[h.key] <= {"listing:news"} | {f"listing:{r}" for r in ar_site.ed.regions} for h in found)
    assert any(h.key in ar_site.reachable(js=False) for h in posts), "one on the first page of /news"
    meta = json.loads(script_block(get(ar_server, posts[0].path)[1]))
    assert {"mapping": "category", "value": "تحقيقات"} in [{k: c[k] for k in ("mapping", "value")} for c in meta["classes"]]


def test_non_post_pages_are_served_and_never_in_the_truth(ar_site, ar_server):
    truth = ar_site.truth()
    truth_urls = {r["canonical_url"] for r in truth.values()}
    pages_by_path = {p.path: p for p in ar_site.ed.non_posts}
    program = json.loads(script_block(get(ar_server, "/reports/برنامج-حوار-الساعة")[1]))
    assert program["type"] == "page"
    about = json.loads(script_block(get(ar_server, "/articles/من-نحن")[1]))
    assert about["type"] == "article" and {"key": "class1", "mapping": "posttype", "value": "الصفحات"} in about["classes"]
    assert 'href="/articles/من-نحن"' in get(ar_server, "/articles")[1]
    assert 'href="/reports/برنامج-حوار-الساعة"' in get(ar_server, "/reports")[1]
    for path in pages_by_path:
        assert get(ar_server, path)[0] == 200 and ar_site.ed.live + path not in truth_urls
    assert {p.kind for p in ar_site.ed.non_posts} == {"type_page", "posttype_pages"}
    liveblog = [h for h in ar_site.heads if h.kind == "liveblog"]
    assert liveblog and all(h.key in truth for h in liveblog)
    assert json.loads(script_block(get(ar_server, liveblog[0].path)[1]))["type"] == "liveblog"


def test_sitemap_non_post_counts_match_what_the_sitemaps_list(ar_site, ar_server):
    months = ar_site.sitemap_months()
    totals = {"authors": 0, "coverage": 0, "type_page": 0, "posttype_pages": 0}
    for year, month in months:
        _, xml = get(ar_server, f"/sitemaps/all/sitemap-{year}-{month}.xml")
        paths = [urllib.parse.urlsplit(loc).path for loc in
                 Selector(text=xml, type="xml").xpath("//*[local-name()='loc']/text()").getall()]
        found = {"authors": 0, "coverage": 0, "type_page": 0, "posttype_pages": 0}
        for path in paths:
            if ar_site.article_at(path) is not None:
                continue
            if path.split("/")[1] in ("authors", "coverage"):
                found[path.split("/")[1]] += 1
                continue
            meta = json.loads(script_block(get(ar_server, path)[1]))
            posttypes = [c["value"] for c in meta.get("classes", []) if c["mapping"] == "posttype"]
            assert meta["type"] == "page" or posttypes == ["الصفحات"], path
            found["type_page" if meta["type"] == "page" else "posttype_pages"] += 1
        assert ar_site.sitemap_non_posts([(year, month)]) == found
        totals = {k: totals[k] + found[k] for k in totals}
    assert ar_site.sitemap_non_posts() == totals and totals["type_page"] == 3 and totals["posttype_pages"] == 1
    assert any(p.startswith("/programs/") for p in (np.path for np in ar_site.ed.non_posts if np.sitemap))


def cards_of(html: str) -> list[str]:
    sel = Selector(text=html)
    return sel.css("#cards div.white-card > a:first-child::attr(href), #cards div.news-card a.card-title::attr(href)").getall()


def test_spanish_listings_page_by_a_plain_next_link():
    site = Replica(seed=1, articles=300, edition="es")
    assert site.pager == "next"
    with ReplicaServer(site) as server:
        path, seen, pages = "/noticias/politica", [], 0
        while path:
            status, html = get(server, path)
            assert status == 200 and "Cargar más" not in html and "/api/listing" not in html
            seen += cards_of(html)
            pages += 1
            nxt = Selector(text=html).css('a[rel="next"]')
            assert not nxt or nxt.css("::text").get() == "Siguiente"
            path = nxt.attrib["href"] if nxt else None
        assert pages == -(-len(site.listings["politica"]) // 10) > 1
        assert len(seen) == len(site.listings["politica"])
        assert get(server, f"/noticias/politica?page={pages + 1}")[0] == 404
        assert 'rel="prev" href="/noticias/politica"' in get(server, "/noticias/politica?page=2")[1]


def test_numbered_pager_and_page_size():
    site = Replica(seed=1, articles=300, pager="numbered", page_size=40)
    with ReplicaServer(site) as server:
        members = site.listings["politics"]
        last = -(-len(members) // 40)
        _, first = get(server, "/news/politics")
        sel = Selector(text=first)
        assert len(cards_of(first)) == min(40, len(members)) and not sel.css("a[rel]").xpath("self::*[@rel='next']")
        assert sel.css(".pagination .current::text").get() == "1"
        assert not sel.css('.pagination a:not([href*="page="])'), "the current page is not a link"
        assert sel.css(".pagination a::text").getall()[0] == "2"
        _, second = get(server, "/news/politics?page=2")
        assert Selector(text=second).css(".pagination .current::text").get() == "2"
        assert 'href="/news/politics"' in second, "page 1 linked back"
        assert cards_of(second)[0].endswith(site.heads[members[40]].path.rsplit("/", 1)[1]) or site.heads[members[40]].link_variant
        assert last >= 2
    with pytest.raises(ValueError):
        Replica(pager="infinite")


def test_reachable_follows_plain_pagers_without_a_browser():
    loading = Replica(seed=1, articles=300)
    paged = Replica(seed=1, articles=300, pager="next")
    deep = set(paged.reachable(js=False, follow=()))
    assert set(loading.reachable(js=False, follow=())) < deep
    assert deep == set(loading.reachable(js=True, follow=())), "every page of every listing"
    assert set(paged.reachable(js=False, follow=(), max_pages=1)) == set(loading.reachable(js=False, follow=()))
    two = paged.reachable(js=False, follow=(), max_pages=2)
    politics = paged.listings["politics"]
    assert paged.heads[politics[15]].key in two and len(two) < len(deep)
    big = Replica(seed=1, articles=300, pager="next", page_size=40)
    assert set(big.reachable(js=False, follow=(), max_pages=1)) > set(paged.reachable(js=False, follow=(), max_pages=1))


def test_arabic_ticker_links_posts_in_the_scrapers_structure(ar_site, ar_server):
    _, html = get(ar_server, "/")
    sel = Selector(text=html)
    items = sel.css("#ticker-box ul li .ticker-item .ticker-text")
    assert "عاجل" in sel.css("#ticker-box").xpath("string()").get()
    assert len(items) == len(ar_site.ed.ticker)
    assert [i.css("p::text").get() for i in items] == ar_site.ed.ticker
    hrefs = [i.attrib["href"] for i in items]
    assert all(ar_site.article_at(urllib.parse.unquote(h)) is not None for h in hrefs)
    assert [{"text": t, "url": ar_site.ed.live + h} for t, h in zip(ar_site.ed.ticker, hrefs)] == ar_site.breaking_truth()
    only = [h for h in ar_site.heads if h.ticker_only]
    assert len(only) == 1 and not only[0].listed
    reach = ar_site.reachable(js=False)
    assert reach[only[0].key] == {"ticker"}
    assert only[0].key not in ar_site.reachable(js=True, follow=("related", "read_next", "most_read"))
    assert {"ticker"} < reach[ar_site.heads[ar_site.ticker_links[0]].key]


def test_english_and_spanish_tickers_stay_text_only(site, server):
    sel = Selector(text=get(server, "/")[1])
    assert sel.css("li.ticker__item::text").getall() == site.ed.ticker and not sel.css(".breaking-bar a")
    assert site.breaking_truth() == [{"text": t, "url": None} for t in site.ed.ticker]
    es = Replica(seed=1, articles=30, edition="es")
    with ReplicaServer(es) as es_server:
        bar = Selector(text=get(es_server, "/")[1]).css(".breaking-bar")
        assert bar.css("li::text").getall() == es.ed.ticker and not bar.css("a") and not bar.css(".ticker__item")


def test_js_ticker_is_filled_with_the_same_items():
    site = Replica(seed=1, articles=300, edition="ar", js_blocks=True)
    with ReplicaServer(site) as server:
        sel = Selector(text=get(server, "/")[1])
        assert sel.css("#ticker-box ul#ticker") and not sel.css("#ticker-box li")
        filled = json.loads(get(server, "/api/ticker")[1])["html"]
        assert len(Selector(text=filled).css(".ticker-item a.ticker-text[href] p")) == len(site.ed.ticker)
    only = next(h for h in site.heads if h.ticker_only)
    assert only.key not in site.reachable(js=False) and "ticker" in site.reachable(js=True)[only.key]


def test_invisible_characters_in_a_few_arabic_posts(ar_site, ar_server):
    generated = [h for h in ar_site.heads if not h.real and not h.members_only]
    marked = [h for h in generated if re.search("[\u200b\u200c\u200f]", h.title)]
    doubled = [h for h in generated if "\u200b" in ar_site.body(h.index).keywords_raw]
    assert marked and doubled and len(marked) + len(doubled) <= 0.1 * len(generated)
    truth = ar_site.truth()
    for h in marked:
        record = truth[h.key]
        assert not re.search("[\u200b\u200f]", record["title"])
        assert ("\u200c" in record["title"]) == ("\u200c" in h.title), "a joiner between letters stays"
        assert not re.search("[\u200b\u200c\u200f]", h.path), "slugs carry none"
    assert any("\u200c" in truth[h.key]["title"] for h in marked)
    for h in (h for h in doubled if h.variant != "html_only"):
        raw = ar_site.body(h.index).keywords_raw
        wrapped = raw.rsplit(",", 1)[1]
        assert wrapped.startswith("\u200b") and normalise(wrapped) in truth[h.key]["tags"]
        assert len(truth[h.key]["tags"]) == len(raw.split(",")) - 1, "the wrapped keyword is the same tag"
    status, html = get(ar_server, marked[0].path)
    assert status == 200 and marked[0].title in Selector(text=html).css("h1::text").get()
