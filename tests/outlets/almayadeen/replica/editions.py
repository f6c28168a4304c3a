"""The replica's three editions: host, menu, URL shapes, labels, dates and word pools.

This is the replica's own copy of what differs between editions, kept apart from
``newscrawl/outlets/almayadeen/editions.py`` on purpose: a wrong table in the crawler must fail the tests.

What comes from shared/site-notes.md: the English menu and labels, the hosts, the Arabic
URL shapes (``/news/politics/<slug>``, ``/video/<slug>``, ``/reports/<slug>``,
``/tv-reports/<slug>``, ``/articles/<slug>``, ``/newscast/<y>/<m>/<d>/<slug>``, all from
the real metadata sample), Arabic metadata values (post types, categories, authors,
coverage titles from ``real-samples/ar-metadata-sample.jsonl``), the Spanish id-bearing
URLs (``/news/<id>/<slug>``) and Spanish visible dates ("18 Mayo 2022 06:33", the year
dropped in the current year). What is NOT known and is this replica's assumption: the
Arabic and Spanish menus and listing paths, and every Arabic and Spanish label except
"Fuente:" and "المصدر" (how "By", "Min Read", "Related News", ... read there), and the
Arabic visible date (written here with Levantine month names, as Beirut media do).
Issue 21 added the Arabic roots of the real May 2024 sample (misc, press, research-papers,
podcasts, health: seen), the /news listing of every kind (its path from public scrapers), and
assumptions of the replica's own: the /investigations root, the /programs/ pages, the Spanish
rel=next pager and the ticker label placement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

# Segment kinds between an article URL's root and its slug.
SECTION, POST_ID, DATE = "section", "id", "date"

# How listings reach their older cards: a "Load more" button run by a script, a plain
# rel=next link to ``?page=N+1``, or a pager of page-number links.
PAGERS = ("load_more", "next", "numbered")


@dataclass(frozen=True)
class NonPost:
    """A CMS page that is not a post, though it may look like one."""

    path: str
    title: str
    type: str  # its metadata ``type``
    posttype: Optional[str] = None  # its posttype class (article-shaped pages)
    listing: Optional[str] = None  # linked from the first page of this listing
    sitemap: Optional[str] = None  # "newest" or "oldest": the sitemap month that lists it

    @property
    def kind(self) -> str:
        """How tests count it: ``type_page`` or ``posttype_pages`` (type article, posttype Pages)."""
        return "posttype_pages" if self.posttype else "type_page"


@dataclass(frozen=True)
class Profile:
    code: str
    host: str
    lang: str
    direction: str
    site_name: str
    # slug -> (menu label, listing path, URL root, post type)
    sections: dict
    # root -> what sits between root and slug: (), (SECTION,), (POST_ID,) or (DATE,)
    roots: dict
    # URL segment (sub-section or root) -> the section label a URL names
    url_sections: dict
    # slug -> (label, countries)
    regions: dict
    # section slug -> weight (mostly news, as on the real site)
    weights: dict
    members_section: str
    members_disallow: str
    months: list
    labels: dict
    # Menu groups: (label, hub path, root) whose sections are listed under them.
    groups: list
    subjects: list
    verbs: list
    objects: list
    contexts: list
    words: list
    people: list
    sources: list
    tags: list
    coverage: list
    credits: list
    ticker: list
    desk: str
    headings: list
    image_host: str
    caption: Callable[[str, int], str]
    # Post types whose pages carry a video and no body text.
    video_types: tuple
    opinion_types: tuple
    # Post type -> number of paragraphs, for types with a fixed shape (the rest get 3 to 7).
    paragraphs: dict
    author_joiner: str = " and "
    read_time_digits: Optional[dict] = None
    # Two sections whose posts may share a slug cut to the same 60 characters.
    twin_sections: tuple = ("politics", "analysis")
    long_title: str = "Statement of the joint committee on the humanitarian corridor for northern Gaza, part "
    summary_quote: str = ' "We will not back down," he said.'
    quote: str = " \"Şahin's plan is dead,\" a source told Al Mayadeen."
    # A word in <em> with text glued to it after the closing tag.
    glued: tuple = ("Gaza", "'s ")
    update_line: str = "Update {n}: officials confirmed the figures later in the day."
    # URL roots whose metadata has no category class (as newscasts, reports and opinion
    # articles in the real Arabic sample): the section then comes from the URL.
    uncategorised_roots: tuple = ()
    # How the byline is printed: "by" ("By <names> Source: X <date>") or "es" (the Spanish
    # pages of site-notes section 5: no "Por", the name printed twice, "Autor:", view and
    # share counts).
    byline_style: str = "by"
    read_time: bool = True
    # URL root -> the breadcrumb's second item ("Inicio › Noticias › Cultura"); None: no breadcrumb.
    breadcrumb_groups: Optional[dict] = None
    # Listing cards: "news" (made-up classes) or "white" (the Arabic cards of site-notes section 5).
    card_style: str = "news"
    # The "Load more" button: its label (None: the edition's load_more label) and class.
    load_more_button: tuple = (None, "btn-more")
    # (root, year): posts of the SECTION+id root published before that year use /<root>/<id>/<slug>.
    old_root: Optional[tuple] = None
    # A root some of whose posts have no section in the URL (/articles/<slug>).
    sectionless_root: Optional[str] = None
    # CMS pages that are not posts: linked from a listing, listed in a sitemap, or both.
    non_posts: tuple = ()
    # Sections with a listing page that no menu links (the crawler's table does not know
    # it): their posts are found through /news, region listings and sitemaps only.
    unlisted_sections: tuple = ()
    # The listing of every post of every kind: (slug, label, path), or None.
    all_listing: Optional[tuple] = None
    # How listings page (one of PAGERS).
    pager: str = "load_more"
    # Ticker markup: "plain" (<li>text</li>), "en" (<li class="ticker__item">), "ar"
    # (#ticker-box with .ticker-item .ticker-text links, as public scrapers read it).
    ticker_style: str = "plain"

    @property
    def live(self) -> str:
        """The live site's origin (records name it, whatever host served the page)."""
        return f"https://{self.host}"

    @property
    def non_article(self) -> Optional[tuple]:
        """The first listing-linked page that is not a post: (listing slug, path, type)."""
        linked = [p for p in self.non_posts if p.listing]
        return (linked[0].listing, linked[0].path, linked[0].type) if linked else None

    def region_of(self, country: Optional[str]) -> Optional[str]:
        if not country:
            return None
        for slug, (_, countries) in self.regions.items():
            if country in countries:
                return slug
        return None

    def countries(self) -> list:
        return [c for _, (_, countries) in self.regions.items() for c in countries]


_EN_SECTIONS = {
    "politics": ("Politics", "/news/politics", "news", "News"),
    "economy": ("Economy", "/news/economy", "news", "News"),
    "sports": ("Sports", "/news/sports", "news", "News"),
    "arts-culture": ("Arts&Culture", "/news/arts-culture", "news", "News"),
    "health": ("Health", "/news/health", "news", "News"),
    "miscellaneous": ("Miscellaneous", "/news/miscellaneous", "news", "News"),
    "technology": ("Technology", "/news/technology", "news", "News"),
    "environment": ("Environment", "/news/environment", "news", "News"),
    "opinion": ("Opinion", "/articles/opinion", "articles", "Articles"),
    "analysis": ("Analysis", "/articles/analysis", "articles", "Articles"),
    "blog": ("Blog", "/articles/blog", "articles", "Articles"),
    "features": ("Features", "/articles/features", "articles", "Articles"),
    "newsfeed": ("NewsFeed", "/videos/newsfeed", "videos", "Videos"),
    "video-features": ("Video Features", "/videos/video-features", "videos", "Videos"),
    "explainers": ("Explainers", "/videos/explainers", "videos", "Videos"),
    "tv": ("TV", "/videos/tv", "videos", "Videos"),
    "digital-series": ("Digital Series", "/videos/digital-series", "videos", "Videos"),
    "infographs": ("Infographs", "/infographs", "infographs", "Infographs"),
    "in-pictures": ("In Pictures", "/in-pictures", "in-pictures", "In Pictures"),
}

ENGLISH = Profile(
    code="en",
    host="english.almayadeen.net",
    lang="en",
    direction="ltr",
    site_name="Al Mayadeen English",
    sections=_EN_SECTIONS,
    roots={"news": (SECTION,), "articles": (SECTION,), "videos": (), "infographs": (), "in-pictures": ()},
    url_sections={
        **{path.rsplit("/", 1)[1]: label for _, (label, path, root, _t) in _EN_SECTIONS.items() if root in ("news", "articles")},
        "articles": "Articles", "videos": "Videos", "infographs": "Infographs", "in-pictures": "In Pictures",
    },
    regions={
        "africa": ("Africa", ["Sudan", "Nigeria", "South Africa"]),
        "asia": ("Asia", ["China", "India", "Pakistan"]),
        "asia-pacific": ("Asia-Pacific", ["Australia", "Japan"]),
        "europe": ("Europe", ["France", "Germany", "Türkiye"]),
        "latin-america": ("Latin America", ["Venezuela", "Cuba", "Brazil"]),
        "mena": ("MENA", ["Lebanon", "Syria", "Iran", "Yemen", "Iraq"]),
        "palestine": ("Palestine", ["Palestine"]),
        "us-canada": ("US & Canada", ["United States", "Canada"]),
    },
    weights={
        "politics": 18, "economy": 7, "sports": 3, "arts-culture": 3, "health": 3, "miscellaneous": 3,
        "technology": 3, "environment": 3, "opinion": 8, "analysis": 6, "blog": 4, "features": 5,
        "newsfeed": 3, "video-features": 2, "explainers": 2, "tv": 2, "digital-series": 2,
        "infographs": 4, "in-pictures": 3,
    },
    members_section="blog",
    members_disallow="/articles/blog/members-only-",
    months=["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    labels={"by": "By", "source": "Source:", "min_read": "Min Read", "related": "Related News",
            "read_next": "Read Next", "most_read": "Most Read", "read_more": "Read more:",
            "breaking": "BREAKING", "load_more": "Load more", "search": "Search", "next": "Next",
            "prev": "Previous"},
    groups=[("News", "/news", "news"), ("Articles", "/articles", "articles"), ("Videos", "/videos", "videos")],
    subjects=["Netanyahu", "Gallant", "Hezbollah", "The Yemeni Armed Forces", "Erdoğan", "Tehran", "Washington",
              "The UN Security Council", "Şahin", "Gaza's health ministry", "Lula", "Beijing", "The EU", "Moscow",
              "Palestinian Resistance", "Sana'a", "The IMF", "São Paulo's mayor", "Baghdad", "Caracas"],
    verbs=["halts", "warns of", "rejects", "slams", "announces", "denies", "welcomes", "condemns", "signs",
           "postpones", "demands", "unveils", "questions", "backs"],
    objects=["US trip to discuss strike on Iran", "\"ceasefire\" proposal", "new sanctions package", "oil deal",
             "aid convoy restrictions", "election results", "drone attack", "border closure", "trade talks",
             "prisoner exchange", "military drills", "energy crisis measures", "climate pledge", "\"red line\" remarks"],
    contexts=["", ": Axios", " amid regional escalation", " after talks collapse", ": report", " in Geneva",
              ", officials say", " as protests grow"],
    words=("the minister said talks would resume after a week of pressure from regional mediators while "
           "residents described long queues for fuel and bread as prices rose sharply across the city "
           "analysts expect further escalation unless the blockade is lifted and aid reaches the north "
           "according to officials the delegation will travel on Thursday to meet its counterparts").split(),
    people=["Roqayah Chamseddine", "Ali Hassan", "Zeinab el-Hajj", "Hüseyin Kaya", "Mariam Saleh", "Nour Abboud",
            "José Martí Ortega", "Layla Haddad"],
    sources=["Axios", "Reuters", "Agencies", "Al Mayadeen English", "Al Mayadeen Net", "AFP"],
    tags=["United States", "Biden administration", "war on Gaza", "Israeli occupation", "Lebanon", "Hezbollah",
          "Iran", "Yemen", "sanctions", "oil", "Red Sea", "UN", "Syria", "China", "Latin America", "Africa",
          "climate", "economy"],
    coverage=["War on Gaza", "Operation Al-Aqsa Flood", "Red Sea Escalation", "Elections 2024"],
    credits=["AFP via Getty Images", "Reuters", "Al Mayadeen English; Illustrated by Zeinab el-Hajj", "AP"],
    ticker=["Israeli strikes reported in south Lebanon", "UN General Assembly session delayed",
            "Yemeni forces announce new naval operation", "Oil prices rise after Red Sea incident",
            "Ceasefire talks to resume in Cairo", "Venezuela's president addresses parliament"],
    desk="Al Mayadeen English",
    headings=["Why it matters", "Dive deeper", "What comes next", "Background"],
    image_host="alpha-en-media.almayadeen.net",
    caption=lambda who, year: f"{who} during a press conference, {year}",
    video_types=("Videos",),
    opinion_types=("Articles",),
    paragraphs={"Infographs": 1, "In Pictures": 2, "Videos": 0},
    sectionless_root="articles",
    ticker_style="en",
)

# Arabic: sections and post types named as in the real metadata sample where it has them.
_AR_NEWS, _AR_ARTICLES, _AR_REPORTS, _AR_VIDEO, _AR_NEWSCAST = "أخبار", "مقالات", "تقارير إخبارية", "فيديو", "نشرة الأخبار"
_AR_SECTIONS = {
    "politics": ("سياسة", "/news/politics", "news", _AR_NEWS),
    "economic": ("اقتصاد", "/news/economic", "news", _AR_NEWS),
    "sports": ("رياضة", "/news/sports", "news", _AR_NEWS),
    "culture": ("ثقافة", "/news/culture", "news", _AR_NEWS),
    "miscellaneous": ("أخبار منوعة", "/news/miscellaneous", "news", _AR_NEWS),
    "articles": ("مقالات", "/articles", "articles", _AR_ARTICLES),
    "reports": ("تقارير", "/reports", "reports", _AR_REPORTS),
    "tv-reports": ("تقارير تلفزيونية", "/tv-reports", "tv-reports", _AR_REPORTS),
    "video": ("الميادين Go", "/video", "video", _AR_VIDEO),
    "newscast": ("نشرة الأخبار", "/newscast", "newscast", _AR_NEWSCAST),
    # No menu links it and the crawler's table does not list it (an assumption of this
    # replica, not seen on the site): a root only the page can tell apart.
    "investigations": ("تحقيقات", "/investigations", "investigations", "تحقيقات"),
}

ARABIC = Profile(
    code="ar",
    host="www.almayadeen.net",
    lang="ar",
    direction="rtl",
    site_name="الميادين نت",
    sections=_AR_SECTIONS,
    roots={"news": (SECTION,), "articles": (), "reports": (), "tv-reports": (), "video": (), "newscast": (DATE,),
           # The roots of the real May 2024 sample that the table above lacked (site-notes section 6).
           "misc": (), "press": (), "research-papers": (), "podcasts": (), "health": (), "investigations": ()},
    url_sections={"politics": "سياسة", "economic": "اقتصاد", "sports": "رياضة", "culture": "ثقافة",
                  "miscellaneous": "أخبار منوعة", "articles": "مقالات", "reports": "تقارير",
                  "tv-reports": "تقارير تلفزيونية", "video": "الميادين Go", "newscast": "نشرة الأخبار",
                  "misc": "منوعات", "press": "صحافة", "research-papers": "متابعات", "podcasts": "بودكاست",
                  "health": "صحة"},
    regions={
        "palestine": ("فلسطين المحتلة", ["فلسطين المحتلة"]),
        "lebanon": ("لبنان", ["لبنان"]),
        "arab-world": ("العالم العربي", ["سوريا", "اليمن", "العراق", "السودان"]),
        "iran": ("إيران", ["إيران"]),
        "world": ("دولي", ["الصين", "روسيا", "اليابان", "البرازيل", "تركيا", "باكستان", "سلوفينيا"]),
    },
    weights={"politics": 20, "economic": 5, "sports": 3, "culture": 3, "miscellaneous": 3, "articles": 8,
             "reports": 5, "tv-reports": 4, "video": 5, "newscast": 4},
    members_section="articles",
    members_disallow="/articles/members-only-",
    months=["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين الأول",
            "تشرين الثاني", "كانون الأول"],
    labels={"by": "بقلم", "source": "المصدر:", "min_read": "دقائق قراءة", "related": "أخبار ذات صلة",
            "read_next": "اقرأ التالي", "most_read": "الأكثر قراءة", "read_more": "اقرأ أيضاً:",
            "breaking": "عاجل", "load_more": "المزيد", "search": "بحث", "next": "التالي", "prev": "السابق"},
    groups=[("أخبار", "/news", "news")],
    subjects=["نتنياهو", "غالانت", "حزب الله", "القوات المسلحة اليمنية", "أردوغان", "طهران", "واشنطن",
              "مجلس الأمن الدولي", "وزارة الصحة في غزة", "لولا", "بكين", "الاتحاد الأوروبي", "موسكو",
              "المقاومة الفلسطينية", "صنعاء", "صندوق النقد الدولي", "بغداد", "كراكاس", "\"بلومبرغ\""],
    verbs=["يوقف", "يحذر من", "يرفض", "ينتقد", "يعلن", "ينفي", "يرحب بـ", "يدين", "يوقع", "يؤجل", "يطالب بـ",
           "يكشف", "يشكك في", "يدعم"],
    objects=["زيارة إلى واشنطن لبحث ضربة على إيران", "مقترح \"وقف إطلاق النار\"", "حزمة عقوبات جديدة",
             "صفقة النفط", "القيود على قوافل المساعدات", "نتائج الانتخابات", "هجوم بالمسيّرات", "إغلاق الحدود",
             "المحادثات التجارية", "صفقة تبادل الأسرى", "مناورات عسكرية", "إجراءات أزمة الطاقة",
             "التعهدات المناخية", "تصريحات \"الخط الأحمر\""],
    contexts=["", ": أكسيوس", " وسط تصعيد إقليمي", " بعد انهيار المحادثات", ": تقرير", " في جنيف",
              "، بحسب مسؤولين", " مع اتساع الاحتجاجات"],
    words=("قال الوزير إن المحادثات ستستأنف بعد أسبوع من ضغوط الوسطاء الإقليميين فيما وصف السكان طوابير طويلة "
           "للحصول على الوقود والخبز مع ارتفاع الأسعار بشكل حاد في أنحاء المدينة ويتوقع المحللون مزيداً من "
           "التصعيد ما لم يرفع الحصار وتصل المساعدات إلى الشمال وبحسب المسؤولين يتوجه الوفد يوم الخميس "
           "للقاء نظرائه").split(),
    people=["زهراء رمال", "هادي أحمد", "وانغ مو يي", "علي حسن", "زينب الحاج", "مريم صالح", "نور عبود", "ليلى حداد"],
    sources=["وكالات", "الميادين نت", "رويترز", "أكسيوس", "وكالة الأنباء الفرنسية"],
    tags=["الصين", "هواوي", "العقوبات الأميركية على الصين", "فلسطين المحتلة", "بنيامين نتنياهو", "غزة",
          "طوفان الأقصى", "المقاومة الفلسطينية", "حزب الله", "مصر", "كتائب القسام", "لبنان", "اليمن",
          "إيران", "البحر الأحمر", "روسيا"],
    coverage=["طوفان الأقصى", "روسيا والأطلسي", "\"إسرائيل\" تتآكل", "لهيب السودان", "إيران تكشف الأقنعة"],
    credits=["أ ف ب", "رويترز", "الميادين نت", "أسوشيتد برس"],
    ticker=["غارات إسرائيلية على جنوب لبنان", "تأجيل جلسة الجمعية العامة للأمم المتحدة",
            "القوات اليمنية تعلن عن عملية بحرية جديدة", "ارتفاع أسعار النفط بعد حادثة في البحر الأحمر",
            "استئناف محادثات وقف إطلاق النار في القاهرة", "الرئيس الفنزويلي يلقي خطاباً أمام البرلمان"],
    desk="الميادين نت",
    headings=["لماذا يهم ذلك", "للتعمق أكثر", "ماذا بعد", "خلفية"],
    image_host="alpha-ar-media.almayadeen.net",
    caption=lambda who, year: f"{who} خلال مؤتمر صحافي، {year}",
    video_types=(_AR_VIDEO, _AR_NEWSCAST),
    opinion_types=(_AR_ARTICLES,),
    paragraphs={_AR_VIDEO: 0, _AR_NEWSCAST: 0},
    twin_sections=("politics", "economic"),
    long_title="بيان اللجنة المشتركة بشأن الممر الإنساني إلى شمال قطاع غزة وآليات إدخال المساعدات، الجزء ",
    summary_quote=' "لن نتراجع"، قال.',
    quote=' "خطة شاهين انتهت"، قال مصدر للميادين.',
    glued=("غزة", "، "),
    update_line="تحديث {n}: أكد المسؤولون الأرقام في وقت لاحق من اليوم.",
    uncategorised_roots=("articles", "reports", "tv-reports", "newscast"),
    # Arabic "and" is a prefix written onto the next word ("زهراء رمال وهادي أحمد").
    author_joiner=" و",
    read_time_digits={str(d): "٠١٢٣٤٥٦٧٨٩"[d] for d in range(10)},
    card_style="white",
    # The class is from public scrapers; the label is unknown, so it is not the table's "المزيد".
    load_more_button=("عرض الأخبار الإضافية", "loadmorebtn"),
    non_posts=(
        # A programme's page at a post-shaped URL: metadata type "page" (it was "program").
        NonPost("/reports/برنامج-حوار-الساعة", "برنامج حوار الساعة", "page", listing="reports", sitemap="newest"),
        # A post-shaped page (type article) whose posttype class is "Pages": not a post.
        NonPost("/articles/من-نحن", "من نحن", "article", posttype="الصفحات", listing="articles", sitemap="newest"),
        # Pages at paths no table declares, listed only by the sitemaps.
        NonPost("/programs/حوار-الساعة", "حوار الساعة", "page", sitemap="newest"),
        NonPost("/programs/المشهدية", "المشهدية", "page", sitemap="oldest"),
    ),
    unlisted_sections=("investigations",),
    all_listing=("news", "أخبار", "/news"),
    ticker_style="ar",
)

# The Spanish menu of site-notes section 5 (a subset of its sections); URL shapes as seen
# there: /noticias/<sub-section>/<id>/<slug>, /news/<id>/<slug> for older news,
# /articles/<id>/<slug>, /entrevistas/<id>/<slug>. Listing paths other than
# /profundidad/politica, the /videos/<id>/<slug> shape and the Video post type are assumptions.
_ES_SECTIONS = {
    "politica": ("Política", "/noticias/politica", "noticias", "Noticias"),
    "cultura-y-arte": ("Cultura y Arte", "/noticias/cultura-y-arte", "noticias", "Noticias"),
    "deportes": ("Deportes", "/noticias/deportes", "noticias", "Noticias"),
    "salud": ("Salud", "/noticias/salud", "noticias", "Noticias"),
    "tecnologia": ("Tecnología", "/noticias/tecnologia", "noticias", "Noticias"),
    "medio-ambiente": ("Medio Ambiente", "/noticias/medio-ambiente", "noticias", "Noticias"),
    "medios-internacionales": ("Medios Internacionales", "/noticias/medios-internacionales", "noticias", "Noticias"),
    "cronicas-del-medio-oriente": ("Crónicas del Medio Oriente", "/noticias/cronicas-del-medio-oriente", "noticias",
                                   "Noticias"),
    "articulos-exclusivos": ("Artículos Exclusivos", "/articulos-exclusivos", "articles", "Artículos"),
    "articulos": ("Artículos", "/articulos", "articles", "Artículos"),
    "profundidad": ("A Profundidad", "/profundidad/politica", "articles", "Artículos"),
    "entrevistas": ("Entrevistas", "/entrevistas", "entrevistas", "Entrevistas"),
    "video": ("Video", "/videos", "videos", "Videos"),
    # Roots the crawler's table does not name: found by the id before the slug.
    "television": ("Televisión", "/television", "television", "Televisión"),
    "infografias": ("Infografías", "/infografias", "infografias", "Infografías"),
    "caricaturas": ("Caricaturas", "/caricaturas", "caricaturas", "Caricaturas"),
    "historietas": ("Historietas", "/historietas", "historietas", "Historietas"),
}

SPANISH = Profile(
    code="es",
    host="espanol.almayadeen.net",
    lang="es",
    direction="ltr",
    site_name="Al Mayadeen Español",
    sections=_ES_SECTIONS,
    roots={"noticias": (SECTION, POST_ID), "news": (POST_ID,), "articles": (POST_ID,), "entrevistas": (POST_ID,),
           "videos": (POST_ID,), "television": (POST_ID,), "infografias": (POST_ID,), "caricaturas": (POST_ID,),
           "historietas": (POST_ID,)},
    url_sections={
        **{path.rsplit("/", 1)[1]: label for _, (label, path, root, _t) in _ES_SECTIONS.items() if root == "noticias"},
        "noticias": "Noticias", "news": "Noticias", "articles": "Artículos", "entrevistas": "Entrevistas",
        "videos": "Video",
    },
    regions={
        "medio-oriente": ("Medio Oriente", ["Líbano", "Siria", "Irán", "Yemen", "Irak", "Palestina"]),
        "america-latina": ("América Latina", ["Venezuela", "Cuba", "Brasil", "Bolivia", "México"]),
        "eeuu-canada": ("EE.UU.-Canadá", ["Estados Unidos", "Canadá"]),
        "europa": ("Europa", ["España", "Francia", "Rusia"]),
        "africa": ("África", ["Sudán", "Nigeria"]),
        "asia": ("Asia", ["China", "India"]),
        "oceania": ("Oceanía", ["Australia"]),
    },
    weights={"politica": 18, "cultura-y-arte": 4, "deportes": 3, "salud": 3, "tecnologia": 3, "medio-ambiente": 2,
             "medios-internacionales": 2, "cronicas-del-medio-oriente": 2, "articulos-exclusivos": 7, "articulos": 3,
             "profundidad": 4, "entrevistas": 4, "video": 4, "television": 2, "infografias": 2, "caricaturas": 1,
             "historietas": 1},
    members_section="articulos-exclusivos",
    members_disallow="/articles/*/members-only-",
    months=["Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre", "Octubre",
            "Noviembre", "Diciembre"],
    labels={"by": None, "author": "Autor:", "source": "Fuente:", "views": "Visualizaciones", "shares": "Compartidos",
            "listen": "Escuchar", "home": "Inicio", "min_read": None, "related": "Noticias relacionadas",
            "read_next": "Lea también", "most_read": "Lo más leído", "read_more": "Leer más:",
            "breaking": "ÚLTIMA HORA", "load_more": "Cargar más", "search": "Buscar", "next": "Siguiente",
            "prev": "Anterior"},
    groups=[("Noticias", "/noticias", "noticias")],
    subjects=["Netanyahu", "Hezbollah", "Las Fuerzas Armadas de Yemen", "Teherán", "Washington",
              "El Consejo de Seguridad de la ONU", "Lula", "Pekín", "La UE", "Moscú", "La Resistencia palestina",
              "Saná", "El FMI", "La alcaldesa de São Paulo", "Bagdad", "Caracas", "Petro", "Evo Morales"],
    verbs=["suspende", "advierte sobre", "rechaza", "critica", "anuncia", "niega", "celebra", "condena", "firma",
           "aplaza", "exige", "presenta", "cuestiona", "respalda"],
    objects=["viaje a EE.UU. para discutir ataque a Irán", "propuesta de \"alto el fuego\"", "nuevo paquete de sanciones",
             "acuerdo petrolero", "restricciones a convoyes de ayuda", "resultados electorales", "ataque con drones",
             "cierre de la frontera", "negociaciones comerciales", "intercambio de prisioneros", "maniobras militares",
             "medidas ante la crisis energética", "compromiso climático", "declaraciones sobre la \"línea roja\"",
             "diálogo nacional"],
    contexts=["", ": Axios", " en medio de la escalada regional", " tras el fracaso de las conversaciones",
              ": informe", " en Ginebra", ", según funcionarios", " mientras crecen las protestas"],
    words=("el ministro dijo que las conversaciones se reanudarán tras una semana de presión de los mediadores "
           "regionales mientras los vecinos describieron largas colas para conseguir combustible y pan con "
           "precios en fuerte alza en toda la ciudad los analistas prevén una mayor escalada si no se levanta "
           "el bloqueo y la ayuda no llega al norte según fuentes oficiales la delegación viajará el jueves").split(),
    people=["Bouthaina Shaaban", "Ernesto Gómez", "Zeinab el-Hajj", "María José Peña", "Iñaki Etxeberria",
            "Ángela Núñez", "José Martí Ortega", "Layla Haddad"],
    sources=["Exclusivo para Al Mayadeen English", "Resumen Latinoamericano-Cuba", "Agencias", "Al Mayadeen Español",
             "Prensa Latina", "AFP"],
    tags=["Estados Unidos", "Gaza", "ocupación israelí", "Líbano", "Hezbollah", "Irán", "Yemen", "sanciones",
          "petróleo", "Mar Rojo", "ONU", "Siria", "China", "América Latina", "Venezuela", "Cuba", "clima"],
    coverage=["Guerra contra Gaza", "Operación Diluvio de Al-Aqsa", "Elecciones en Venezuela"],
    credits=["AFP via Getty Images", "Reuters", "Al Mayadeen Español", "AP"],
    ticker=["Bombardeos israelíes en el sur del Líbano", "Aplazada la sesión de la Asamblea General de la ONU",
            "Yemen anuncia una nueva operación naval", "Sube el precio del petróleo tras incidente en el Mar Rojo",
            "Se reanudan en El Cairo las negociaciones de alto el fuego"],
    desk="Al Mayadeen Español",
    headings=["Por qué importa", "En profundidad", "Qué sigue", "Antecedentes"],
    image_host="alpha-es-media.almayadeen.net",
    caption=lambda who, year: f"{who} durante una rueda de prensa, {year}",
    video_types=("Videos",),
    opinion_types=("Artículos", "Entrevistas"),
    paragraphs={"Videos": 0},
    author_joiner=" y ",
    twin_sections=("politica", "articulos-exclusivos"),
    long_title="Declaración del comité conjunto sobre el corredor humanitario hacia el norte de Gaza, parte ",
    summary_quote=' "No vamos a retroceder", dijo.',
    quote=' "El plan de Şahin está muerto", dijo una fuente a Al Mayadeen.',
    glued=("Gaza", ", "),
    update_line="Actualización {n}: los funcionarios confirmaron las cifras más tarde.",
    byline_style="es",
    read_time=False,
    breadcrumb_groups={"noticias": "Noticias", "news": "Noticias", "articles": "Opinión", "entrevistas": "Opinión",
                       "videos": "Video", "television": "Televisión", "infografias": "Multimedia",
                       "caricaturas": "Multimedia", "historietas": "Multimedia"},
    old_root=("news", 2025),
    # Listings page by a plain rel=next link (an assumption of this replica: how the real
    # Spanish listings page is not known).
    pager="next",
)

PROFILES = {p.code: p for p in (ENGLISH, ARABIC, SPANISH)}
