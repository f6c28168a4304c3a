"""What differs between Al Mayadeen's editions, kept as data rather than code branches.

The English menu is the one in shared/site-notes.md (section 2). Listing paths of the real
sites are not documented: the spider reads the live menu by label first and only falls
back to these paths when a label is missing from the page (counted as
``newscrawl/menu_label_missing``).

Arabic and Spanish: the hosts, the Arabic URL shapes and the Arabic post types and
categories come from the real metadata sample (shared/real-samples); the Spanish menu,
regions, URL shapes, byline and breadcrumb, and the Arabic "Load more" class come from
site-notes section 5. Everything else for those two editions (the Arabic menu, listing
paths, the visible labels other than "Fuente:", "Autor:" and "المصدر") is NOT documented
anywhere we can see: the values below are assumptions to check against the live site with
the probe (``python -m newscrawl.probe``) before the first run. A wrong label shows up in the run
summary as missing menu labels, empty ``related``/``read_next`` lists and authors read from metadata only.
"""

from __future__ import annotations

from ...core.editions import DATE, POST_ID, SECTION, Edition, Labels, Listing

# Visible dates carry no zone: the site prints Beirut time, summer time included.
TIME_ZONE = "Asia/Beirut"
# Metadata types seen on posts (site-notes section 6: 262 "article", 34 "videoobject" newscasts
# in the real Arabic sample). A post of any other type is kept and named in the run summary.
_KNOWN_TYPES = frozenset({"article", "videoobject"})

_EN_LISTINGS = (
    Listing("politics", "Politics", "/news/politics"),
    Listing("economy", "Economy", "/news/economy"),
    Listing("sports", "Sports", "/news/sports"),
    Listing("arts-culture", "Arts&Culture", "/news/arts-culture"),
    Listing("health", "Health", "/news/health"),
    Listing("miscellaneous", "Miscellaneous", "/news/miscellaneous"),
    Listing("technology", "Technology", "/news/technology"),
    Listing("environment", "Environment", "/news/environment"),
    Listing("opinion", "Opinion", "/articles/opinion"),
    Listing("analysis", "Analysis", "/articles/analysis"),
    Listing("blog", "Blog", "/articles/blog"),
    Listing("features", "Features", "/articles/features"),
    Listing("newsfeed", "NewsFeed", "/videos/newsfeed"),
    Listing("video-features", "Video Features", "/videos/video-features"),
    Listing("explainers", "Explainers", "/videos/explainers"),
    Listing("tv", "TV", "/videos/tv"),
    Listing("digital-series", "Digital Series", "/videos/digital-series"),
    Listing("infographs", "Infographs", "/infographs"),
    Listing("in-pictures", "In Pictures", "/in-pictures"),
    Listing("africa", "Africa", "/region/africa", "region"),
    Listing("asia", "Asia", "/region/asia", "region"),
    Listing("asia-pacific", "Asia-Pacific", "/region/asia-pacific", "region"),
    Listing("europe", "Europe", "/region/europe", "region"),
    Listing("latin-america", "Latin America", "/region/latin-america", "region"),
    Listing("mena", "MENA", "/region/mena", "region"),
    Listing("palestine", "Palestine", "/region/palestine", "region"),
    Listing("us-canada", "US & Canada", "/region/us-canada", "region"),
)

ENGLISH = Edition(
    time_zone=TIME_ZONE,
    code="en",
    host="english.almayadeen.net",
    language="en",
    listings=_EN_LISTINGS,
    # /articles/<slug> without a section: one public sample input uses it (unverified).
    article_roots={
        "news": ((SECTION,),),
        "articles": ((SECTION,), ()),
        "videos": ((),),
        "infographs": ((),),
        "in-pictures": ((),),
    },
    url_sections={
        **{
            listing.path.rsplit("/", 1)[1]: listing.label
            for listing in _EN_LISTINGS
            if listing.path.count("/") == 2 and listing.kind == "section"
        },
        "articles": "Articles",
        "videos": "Videos",
        "infographs": "Infographs",
        "in-pictures": "In Pictures",
    },
    labels=Labels(
        by="By",
        source="Source:",
        min_read="Min Read",
        related="Related News",
        read_next="Read Next",
        most_read="Most Read",
        read_more="Read more:",
        breaking="BREAKING",
        load_more="Load more",
        conjunction="and",
    ),
    bodyless_roots=frozenset({"videos"}),
    bodyless_post_types=frozenset({"Videos"}),
    load_more_classes=("loadmorebtn",),
    known_page_types=_KNOWN_TYPES,
    # Public scrapers' code reads the English ticker's items by this class (text only).
    ticker_classes=("ticker__item",),
)

_AR_LISTINGS = (
    # The /news listing shows every kind of post (site-notes section 5: its "Load more" button).
    Listing("news", "أخبار", "/news"),
    Listing("politics", "سياسة", "/news/politics"),
    Listing("economic", "اقتصاد", "/news/economic"),
    Listing("sports", "رياضة", "/news/sports"),
    Listing("culture", "ثقافة", "/news/culture"),
    Listing("miscellaneous", "أخبار منوعة", "/news/miscellaneous"),
    Listing("articles", "مقالات", "/articles"),
    Listing("reports", "تقارير", "/reports"),
    Listing("tv-reports", "تقارير تلفزيونية", "/tv-reports"),
    Listing("video", "الميادين Go", "/video"),
    Listing("newscast", "نشرة الأخبار", "/newscast"),
    Listing("palestine", "فلسطين المحتلة", "/region/palestine", "region"),
    Listing("lebanon", "لبنان", "/region/lebanon", "region"),
    Listing("arab-world", "العالم العربي", "/region/arab-world", "region"),
    Listing("iran", "إيران", "/region/iran", "region"),
    Listing("world", "دولي", "/region/world", "region"),
)

ARABIC = Edition(
    time_zone=TIME_ZONE,
    code="ar",
    host="www.almayadeen.net",
    language="ar",
    listings=_AR_LISTINGS,
    # news ... newscast: the first samples; misc, press, research-papers, podcasts and health:
    # the May 2024 sample (site-notes section 6). More roots certainly exist: a post under one
    # of them is kept all the same (its page decides) and its root named in the run summary.
    article_roots={
        "news": ((SECTION,),),
        "articles": ((),),
        "reports": ((),),
        "tv-reports": ((),),
        "video": ((),),
        "newscast": ((DATE,),),
        "misc": ((),),
        "press": ((),),
        "research-papers": ((),),
        "podcasts": ((),),
        "health": ((),),
    },
    url_sections={
        **{
            listing.path.rsplit("/", 1)[1]: listing.label
            for listing in _AR_LISTINGS
            if listing.kind == "section" and listing.slug != "news"
        },
        # The post type the May 2024 sample shows under each of these roots.
        "misc": "منوعات",
        "press": "صحافة",
        "research-papers": "متابعات",
        "podcasts": "بودكاست",
        "health": "صحة",
    },
    labels=Labels(
        by="بقلم",
        source="المصدر:",
        min_read="دقائق قراءة",
        related="أخبار ذات صلة",
        read_next="اقرأ التالي",
        most_read="الأكثر قراءة",
        read_more="اقرأ أيضاً:",
        breaking="عاجل",
        load_more="المزيد",
        # Arabic "and" is a prefix written onto the next name; names are read from links.
        conjunction="و",
    ),
    # Post types from the real sample; newscasts there have word_count 0 or a video.
    bodyless_roots=frozenset({"video", "newscast"}),
    bodyless_post_types=frozenset({"فيديو", "نشرة الأخبار"}),
    # site-notes section 5: the /news listing's button has this class; its label is unknown.
    load_more_classes=("loadmorebtn",),
    known_page_types=_KNOWN_TYPES,
    # The site's own analytics skip the posttype "Pages" as well as type "page" (site-notes 6).
    non_post_post_types=frozenset({"الصفحات"}),
    # Public scrapers read the Arabic ticker by these classes: #ticker-box ... .ticker-item .ticker-text.
    ticker_classes=("ticker-item",),
)

# The real menu and regions (site-notes section 5). Listing paths are assumptions except
# /profundidad/politica (seen): the spider takes them from the menu by label. Coberturas,
# Escritores and En Vivo list topics, writers and the live stream, not articles.
_ES_LISTINGS = (
    Listing("politica", "Política", "/noticias/politica"),
    Listing("cultura-y-arte", "Cultura y Arte", "/noticias/cultura-y-arte"),
    Listing("deportes", "Deportes", "/noticias/deportes"),
    Listing("salud", "Salud", "/noticias/salud"),
    Listing("tecnologia", "Tecnología", "/noticias/tecnologia"),
    Listing("medio-ambiente", "Medio Ambiente", "/noticias/medio-ambiente"),
    Listing("medios-internacionales", "Medios Internacionales", "/noticias/medios-internacionales"),
    Listing("cronicas-del-medio-oriente", "Crónicas del Medio Oriente", "/noticias/cronicas-del-medio-oriente"),
    Listing("video", "Video", "/videos"),
    Listing("articulos-exclusivos", "Artículos Exclusivos", "/articulos-exclusivos"),
    Listing("articulos", "Artículos", "/articulos"),
    Listing("entrevistas", "Entrevistas", "/entrevistas"),
    Listing("profundidad", "A Profundidad", "/profundidad/politica"),
    Listing("television", "Televisión", "/television"),
    Listing("infografias", "Infografías", "/infografias"),
    Listing("caricaturas", "Caricaturas", "/caricaturas"),
    Listing("historietas", "Historietas", "/historietas"),
    Listing("medio-oriente", "Medio Oriente", "/region/medio-oriente", "region"),
    Listing("america-latina", "América Latina", "/region/america-latina", "region"),
    Listing("eeuu-canada", "EE.UU.-Canadá", "/region/eeuu-canada", "region"),
    Listing("europa", "Europa", "/region/europa", "region"),
    Listing("africa", "África", "/region/africa", "region"),
    Listing("asia", "Asia", "/region/asia", "region"),
    Listing("oceania", "Oceanía", "/region/oceania", "region"),
)

SPANISH = Edition(
    time_zone=TIME_ZONE,
    code="es",
    host="espanol.almayadeen.net",
    language="es",
    listings=_ES_LISTINGS,
    # Seen: /noticias/<sub-section>/<id>/<slug>, /entrevistas/<id>/<slug>, /articles/<id>/<slug>,
    # /news/<id>/<slug> (older). Any other root with an id before the slug is taken too
    # (id_paths): the other Opinión and Multimedia kinds have not been seen.
    article_roots={
        "noticias": ((SECTION, POST_ID),),
        "profundidad": ((SECTION, POST_ID), (POST_ID,)),
        "entrevistas": ((POST_ID,),),
        "articles": ((POST_ID,),),
        "news": ((POST_ID,),),
        "videos": ((POST_ID,),),
    },
    url_sections={
        **{
            listing.path.rsplit("/", 1)[1]: listing.label
            for listing in _ES_LISTINGS
            if listing.path.startswith("/noticias/")
        },
        "noticias": "Noticias",
        "news": "Noticias",
        "articles": "Artículos",
        "entrevistas": "Entrevistas",
        "profundidad": "A Profundidad",
        "videos": "Video",
    },
    labels=Labels(
        # The byline has no "Por": the author's name (printed twice, image alt and name), an
        # optional "Autor:" item, "Fuente:", the date, and view and share counts.
        by=None,
        author="Autor:",
        source="Fuente:",
        views="Visualizaciones",
        shares="Compartidos",
        listen="Escuchar",
        min_read=None,
        home="Inicio",
        related="Noticias relacionadas",
        read_next="Lea también",
        most_read="Lo más leído",
        read_more="Leer más:",
        breaking="ÚLTIMA HORA",
        load_more="Cargar más",
        conjunction="y",
    ),
    bodyless_roots=frozenset({"videos"}),
    bodyless_post_types=frozenset({"Videos", "Video"}),
    load_more_classes=("loadmorebtn",),
    id_paths=True,
    known_page_types=_KNOWN_TYPES,
    # The replica links authors under /autores/ (an assumption); a wrong guess costs a fetch.
    non_post_roots=frozenset({"authors", "autores", "coverage", "coberturas", "tags", "search", "region"}),
)

EDITIONS: dict[str, Edition] = {"en": ENGLISH, "ar": ARABIC, "es": SPANISH}
