"""``python -m newscrawl.schema``: print the JSON Schema of the Article record (:mod:`newscrawl.core.schema`)."""

import json

from .core.schema import article_schema

if __name__ == "__main__":
    print(json.dumps(article_schema(), indent=2, ensure_ascii=False))
