"""URL rules of each edition: which paths are articles, what they name, and host mapping."""

from __future__ import annotations

import pytest

from newscrawl.outlets.almayadeen.editions import ARABIC, ENGLISH, SPANISH
from newscrawl.core.urls import HostMap, canonical_url, is_article_path, post_id_from_path, section_from_path

ARTICLES = [
    (ENGLISH, "/news/politics/drone-hits-bahrain-airport"),
    (ENGLISH, "/articles/blog/gaza-seized-the-initiative:-might-vs-willpower"),
    (ENGLISH, "/videos/what-s-happening-in-syria"),
    (ARABIC, "/news/economic/بلومبرغ:-الصين-تبني-شبكات-تكنولوجية-سرية-وتلتف-على-العقوبات"),
    (ARABIC, "/video/-إسرائيل--ترتكب--إبادة-بيئية--في-غزة"),
    (ARABIC, "/tv-reports/انعقاد-الدورة-ال-55-لمجلس-حقوق-الإنسان"),
    (ARABIC, "/newscast/2024/7/26/نشرة-منتصف-الليل"),
    (ARABIC, "/articles/الصين-وسوريا---رفع-مستوى-العلاقات"),
    (SPANISH, "/news/1257172/en-defensa-de-la-pluralidad"),
    (SPANISH, "/articles/1592705/análisis-de-la-semana"),
    # site-notes section 5: the real Spanish shapes, and a section-less English /articles/<slug>.
    (SPANISH, "/noticias/politica/2016121/en-busca-del-diálo"),
    (SPANISH, "/entrevistas/2046797/entrevista-con"),
    (SPANISH, "/articulos-exclusivos/2046797/un-kind-not-seen-yet"),  # any root with an id before the slug
    (ENGLISH, "/articles/gaza-seized-the-initiative:-might-vs-willpower"),
]
NOT_ARTICLES = [
    (ENGLISH, "/news/politics"),
    (ENGLISH, "/videos/newsfeed"),  # a listing
    (ENGLISH, "/authors/roqayah-chamseddine"),
    (ARABIC, "/newscast/2024/7/نشرة"),  # a date needs day, month and year
    (ARABIC, "/newscast/2024/July/26/نشرة"),
    (ARABIC, "/video"),
    (ARABIC, "/coverage/طوفان-الأقصى"),
    (SPANISH, "/news/politica"),  # a listing
    (SPANISH, "/news/politica/en-defensa-de-la-pluralidad"),  # the id is missing
    (SPANISH, "/news/1257172"),
    (SPANISH, "/profundidad/politica"),  # a listing
    (SPANISH, "/noticias/politica"),
    (SPANISH, "/autores/bouthaina-shaaban"),
    (ENGLISH, "/articles/opinion"),  # a listing, not a section-less article
]


@pytest.mark.parametrize("edition,path", ARTICLES, ids=[p for _, p in ARTICLES])
def test_article_shapes(edition, path):
    assert is_article_path(path, edition)


@pytest.mark.parametrize("edition,path", NOT_ARTICLES, ids=[p for _, p in NOT_ARTICLES])
def test_not_article_shapes(edition, path):
    assert not is_article_path(path, edition)


def test_percent_encoded_arabic_path_is_the_same_article_and_stored_readable():
    raw = "/newscast/2024/7/26/نشرة-منتصف-الليل"
    encoded = "/newscast/2024/7/26/%D9%86%D8%B4%D8%B1%D8%A9-%D9%85%D9%86%D8%AA%D8%B5%D9%81-%D8%A7%D9%84%D9%84%D9%8A%D9%84"
    assert is_article_path(encoded, ARABIC)
    assert canonical_url("http://127.0.0.1:8080" + encoded, ARABIC) == "https://www.almayadeen.net" + raw


def test_section_from_path_per_edition():
    assert section_from_path("/news/politics/x", ENGLISH) == "Politics"
    assert section_from_path("/news/economic/x", ARABIC) == "اقتصاد"
    assert section_from_path("/newscast/2024/7/26/x", ARABIC) == "نشرة الأخبار"
    # Spanish URLs carry an id where the section would be: only the kind of post is named.
    assert section_from_path("/news/1257172/x", SPANISH) == "Noticias"


def test_post_id_only_from_id_bearing_urls():
    assert post_id_from_path("/news/1257172/en-defensa", SPANISH) == "1257172"
    assert post_id_from_path("/news/politica", SPANISH) is None
    assert post_id_from_path("/news/politics/x", ENGLISH) is None
    assert post_id_from_path("/newscast/2024/7/26/x", ARABIC) is None


def test_arabic_links_with_or_without_www_map_to_the_mirror():
    hosts = HostMap(ARABIC, "http://127.0.0.1:9")
    assert hosts.to_crawl_url("https://almayadeen.net/video/x") == "http://127.0.0.1:9/video/x"
    assert hosts.to_crawl_url("https://www.almayadeen.net/video/x") == "http://127.0.0.1:9/video/x"
    assert hosts.to_crawl_url("https://english.almayadeen.net/video/x") is None


@pytest.mark.parametrize("path,section,post_id", [
    ("/noticias/politica/2016121/x", "Política", "2016121"),
    ("/news/1290578/x", "Noticias", "1290578"),
    ("/entrevistas/2046797/x", "Entrevistas", "2046797"),
    ("/otra-cosa/2046797/x", None, "2046797"),
])
def test_spanish_urls_name_section_and_id(path, section, post_id):
    assert section_from_path(path, SPANISH) == section
    assert post_id_from_path(path, SPANISH) == post_id


def test_english_section_less_article_url_names_its_kind():
    assert section_from_path("/articles/some-slug", ENGLISH) == "Articles"
    assert section_from_path("/articles/opinion/some-slug", ENGLISH) == "Opinion"


def test_listing_paths_of_two_outlets_with_the_same_edition_code_stay_apart():
    """A path that one outlet lists as a section is not an article there, but may be one on
    another outlet's edition of the same code: the lookup is per edition, not per code."""
    from newscrawl.core.editions import Edition, Listing

    lists_it = Edition(code="en", host="a.example", language="en", listings=(Listing("x", "X", "/news/x-y"),),
                       article_roots={"news": ((),)}, url_sections={})
    has_it = Edition(code="en", host="b.example", language="en", listings=(),
                     article_roots={"news": ((),)}, url_sections={})
    assert not is_article_path("/news/x-y", lists_it)
    assert is_article_path("/news/x-y", has_it)
