"""The Arabic edition's real metadata (shared/real-samples) through our URL rules and parser.

These 40 records are the only real Arabic data we have: every URL must have an Arabic
article shape, and a page carrying each record's metadata block must give back exactly
the record's values.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from newscrawl.outlets.almayadeen.editions import ARABIC
from newscrawl.core.clock import iso_utc
from newscrawl.core.items import normalise_text
from newscrawl.outlets.almayadeen.pages import ArticlePage
from newscrawl.core.urls import is_article_path, section_from_path

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "real-samples" / "ar-metadata-sample.jsonl"
pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason="../shared/real-samples is not beside this checkout")


def records() -> list[dict]:
    if not SAMPLE.exists():
        return []
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def classes(record: dict, mapping: str) -> list[str]:
    return [normalise_text(c["value"]) for c in record["classes"] if c["mapping"] == mapping]


def page_for(record: dict) -> str:
    # The dataset renamed postid to postId and added url; the page has postid and url.
    metadata = {k: v for k, v in record.items() if k != "postId"}
    metadata.update(type="article", postid=record["postId"])
    block = json.dumps(metadata, ensure_ascii=False).replace("</", "<\\/")
    return (f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
            f'<script id="tawsiyat-metadata" type="text/tawsiyat">{block}</script></head>'
            f'<body><article><h1>{record["title"]}</h1><div class="p-content"></div></article></body></html>')


def test_the_sample_is_there():
    assert len(records()) == 40


def test_every_real_url_has_an_arabic_article_shape():
    wrong = [r["url"] for r in records() if not is_article_path(urlsplit(r["url"]).path, ARABIC)]
    assert not wrong


@pytest.mark.parametrize("record", records(), ids=[r["postId"] for r in records()])
def test_metadata_read_back_exactly(record):
    # As fetched: the path percent-encoded on the wire, through a mirror host.
    fetched = "http://127.0.0.1:5" + quote(urlsplit(record["url"]).path)
    item = ArticlePage(page_for(record), fetched, ARABIC).to_item(discovered_via="url", crawled_at="t", now=NOW)
    assert item is not None
    assert item.canonical_url == record["url"]
    assert item.post_id == record["postId"]
    assert item.title == normalise_text(record["title"])
    assert item.language == "ar" and item.edition == "ar"
    assert item.post_type == (classes(record, "posttype") or [None])[0]
    # Newscasts, reports and some articles carry no category class: the URL names the section.
    assert item.section == (classes(record, "category") or [section_from_path(urlsplit(record["url"]).path, ARABIC)])[0]
    assert item.section is not None
    assert item.regions == classes(record, "country")
    assert item.coverage == classes(record, "coverage")
    assert item.authors == classes(record, "author")
    assert item.published_at_raw == record["published_time"]
    assert item.published_at == iso_utc(datetime.fromisoformat(record["published_time"]))
    assert item.modified_at == iso_utc(datetime.fromisoformat(record["last_updated"]))
    assert item.word_count == int(record["word_count"])
    assert item.video_duration_seconds == (int(record["video_duration"]) if record["video_duration"] else None)
    expected_tags = list(dict.fromkeys(t for t in (normalise_text(k) for k in record["keywords"].split(",")) if t))
    assert item.tags == expected_tags


def test_posts_without_text_in_the_sample_are_not_broken_articles():
    # Videos and newscasts have no body by design; any other post whose metadata says
    # word_count 0 is kept through that rule (ValidatePipeline), so none is dropped.
    for record in records():
        path = urlsplit(record["url"]).path
        if path.startswith(("/video/", "/newscast/")):
            assert not ARABIC.expects_body((classes(record, "posttype") or [None])[0], path), record["url"]
