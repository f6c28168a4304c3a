"""What differs between Al Mayadeen's editions, kept as data rather than code branches.

The menu below is the one in shared/site-notes.md (section 2). Listing paths of the real
English site are not documented: the spider reads the live menu by label first and only
falls back to these paths when a label is missing from the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Listing:
    """One section or region listing of the menu."""

    slug: str
    """Stable name used in ``-a sections=`` and in ``discovered_via`` (``listing:<slug>``)."""
    label: str
    """The menu label as the site shows it."""
    path: str
    """Fallback listing path when the menu does not show the label."""
    kind: str = "section"
    """``section`` or ``region``."""


@dataclass(frozen=True)
class Edition:
    """Host, menu, URL shapes and visible labels of one edition."""

    code: str
    host: str
    language: str
    listings: tuple[Listing, ...]
    # First path segment of article URLs -> whether a sub-section segment follows.
    # /news/politics/<slug> has one; /videos/<slug> has none.
    article_roots: dict[str, bool]
    # URL path segments naming a section, mapped to its label (used when the
    # metadata block gives no category).
    url_sections: dict[str, str]
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"https://{self.host}"

    def listing(self, slug: str) -> Listing | None:
        for listing in self.listings:
            if listing.slug == slug:
                return listing
        return None


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
    code="en",
    host="english.almayadeen.net",
    language="en",
    listings=_EN_LISTINGS,
    article_roots={"news": True, "articles": True, "videos": False, "infographs": False, "in-pictures": False},
    url_sections={
        **{l.path.rsplit("/", 1)[1]: l.label for l in _EN_LISTINGS if l.path.count("/") == 2 and l.kind == "section"},
        "videos": "Videos",
        "infographs": "Infographs",
        "in-pictures": "In Pictures",
    },
    labels={
        "by": "By",
        "source": "Source:",
        "min_read": "Min Read",
        "related": "Related News",
        "read_next": "Read Next",
        "most_read": "Most Read",
        "read_more": "Read more:",
        "breaking": "BREAKING",
        "load_more": "Load more",
        "and": "and",
    },
)

EDITIONS: dict[str, Edition] = {"en": ENGLISH}
