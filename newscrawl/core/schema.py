"""Print the JSON Schema of the Article record: ``python -m newscrawl.schema``."""

import json

from itemadapter import ItemAdapter

from .items import Article


def article_schema() -> dict:
    """The JSON Schema of Article, with each field's docstring as its description."""
    schema = ItemAdapter.get_json_schema(Article)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "newscrawl Article"
    return schema


if __name__ == "__main__":
    print(json.dumps(article_schema(), indent=2, ensure_ascii=False))
