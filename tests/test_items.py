"""The record contract: the committed JSON Schema and the README table follow items.py."""

import json
import re
from pathlib import Path

from newscrawl.core.items import Article
from newscrawl.core.schema import article_schema

ROOT = Path(__file__).resolve().parents[1]


def test_committed_schema_is_current():
    committed = json.loads((ROOT / "docs" / "article.schema.json").read_text(encoding="utf-8"))
    assert committed == article_schema(), "run `make schema` after changing newscrawl/core/items.py"


def test_every_field_is_documented():
    schema = article_schema()
    assert set(schema["properties"]) == set(Article.__dataclass_fields__)
    assert all(p.get("description") for p in schema["properties"].values())


def test_readme_lists_every_field():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([a-z_]+)` \| (?:str|int|list|dict|float)", readme, re.M))
    assert set(Article.__dataclass_fields__) <= listed


def test_text_loses_direction_marks_but_keeps_joiners():
    from newscrawl.core.items import normalise_text

    marked = "\u200fحزب الله\u200e يعلن \u202bعن\u202c \ufeffالخطة\u2067 2024\u2069"
    assert normalise_text(marked) == "حزب الله يعلن عن الخطة 2024"
    assert normalise_text("می\u200cخواهم") == "می\u200cخواهم"  # a zero-width non-joiner shapes letters
