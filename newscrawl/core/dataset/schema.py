"""The Arrow schema of the published dataset, derived from ``newscrawl/core/items.py``.

Nothing here lists the fields by hand: every field of :class:`~newscrawl.core.items.Article`
becomes a column, typed by its annotation, described by its docstring (the same text as
``docs/article.schema.json``). A field added to the item appears in the Parquet files, the
CSV and the card by itself.

Type mapping (``Optional[X]`` is ``X``, nullable; every column is nullable in Arrow):

====================================  ===========================================
annotation                            Arrow type
====================================  ===========================================
``str`` named ``*_at`` and documented  ``timestamp[us, tz=UTC]`` (ISO 8601 text
as ISO 8601                            parsed, offsets applied)
``str``                               ``string``
``int`` / ``float`` / ``bool``        ``int64`` / ``float64`` / ``bool``
``list[X]``                           ``list<X>``
a dataclass (``Image``, ``Link``)     ``struct`` of its fields, same rules
``dict[str, V]``                      ``struct`` with one child per Article field
                                      name (the keys ``extracted_from`` may hold)
anything else                         ``string`` (fallback; the card says so)
====================================  ===========================================
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
import typing
from dataclasses import dataclass
from typing import Any, Optional

import pyarrow as pa

from ..items import Article

TIMESTAMP = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class Column:
    """One column of the dataset: its name, Arrow type, kind and description."""

    name: str
    type: pa.DataType
    kind: str  # "timestamp", "scalar", "list", "struct", "struct-list", "fallback"
    description: str
    annotation: str
    open_keys: bool = False  # a dict field (extracted_from): a struct of every Article field name

    @property
    def scalar(self) -> bool:
        """True for columns with one plain value per row (what the CSV keeps as is)."""
        return self.kind in ("timestamp", "scalar", "fallback")


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _annotation_text(tp: Any) -> str:
    text = getattr(tp, "__name__", None) if not typing.get_args(tp) else None
    return text or str(tp).replace("typing.", "")


def _is_timestamp(name: str, doc: str) -> bool:
    return name.endswith("_at") and "ISO 8601" in doc


def arrow_type(tp: Any, name: str = "", doc: str = "") -> tuple[pa.DataType, str]:
    """(Arrow type, kind) for one annotation, following the module's table."""
    tp = _strip_optional(tp)
    origin = typing.get_origin(tp)
    if tp is str:
        return (TIMESTAMP, "timestamp") if _is_timestamp(name, doc) else (pa.string(), "scalar")
    if tp is bool:
        return pa.bool_(), "scalar"
    if tp is int:
        return pa.int64(), "scalar"
    if tp is float:
        return pa.float64(), "scalar"
    if origin is list:
        (inner,) = typing.get_args(tp) or (str,)
        value_type, kind = arrow_type(inner)
        return pa.list_(value_type), "struct-list" if kind == "struct" else "list"
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return pa.struct(
            [pa.field(f.name, arrow_type(hints[f.name], f.name)[0]) for f in dataclasses.fields(tp)]
        ), "struct"
    if origin is dict:
        # Open keys do not fit a struct, and a map type is not read by every tool (the
        # `datasets` library rejects it): the keys of extracted_from are Article field
        # names, so those names are the struct's children.
        _, value = typing.get_args(tp) or (str, str)
        value_type = arrow_type(value)[0]
        names = [f.name for f in dataclasses.fields(Article) if f.name != name]
        return pa.struct([pa.field(n, value_type) for n in names]), "struct"
    return pa.string(), "fallback"


def field_docs(cls: type) -> dict[str, str]:
    """{field: docstring} of a dataclass, read from its source: the string literal right
    below each annotated field (what ``ItemAdapter.get_json_schema`` turns into the JSON
    Schema descriptions; read here without importing Scrapy)."""
    tree = ast.parse(inspect.getsource(cls))
    definition = tree.body[0]
    assert isinstance(definition, ast.ClassDef)  # the source of a class is its class statement
    body = definition.body
    docs = {}
    for node, following in zip(body, body[1:]):
        if (
            isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[node.target.id] = inspect.cleandoc(following.value.value)
    return docs


def columns() -> list[Column]:
    """Every Article field, in item order, as a dataset column."""
    hints = typing.get_type_hints(Article)
    docs = field_docs(Article)
    result = []
    for f in dataclasses.fields(Article):
        doc = " ".join(docs.get(f.name, "").split())
        tp, kind = arrow_type(hints[f.name], f.name, doc)
        open_keys = typing.get_origin(_strip_optional(hints[f.name])) is dict
        result.append(Column(f.name, tp, kind, doc, _annotation_text(hints[f.name]), open_keys))
    return result


# pandas' nullable dtypes for the Arrow types whose default mapping loses nulls or type (an
# int64 column with a null becomes float64, a bool one object).
PANDAS_NULLABLE = {pa.int64(): "Int64", pa.bool_(): "boolean"}


def pandas_metadata(cols: list[Column]) -> str:
    """The schema's ``pandas`` metadata, naming the nullable dtype of each integer and boolean
    column: pyarrow's ``to_pandas`` (so ``pd.read_parquet``) then gives ``Int64`` for
    ``word_count`` and its kind, with ``<NA>`` for nulls, instead of float64. Columns it does not
    name keep pyarrow's default mapping."""
    named = [{"name": c.name, "field_name": c.name, "pandas_type": str(c.type), "numpy_type": PANDAS_NULLABLE[c.type],
              "metadata": None} for c in cols if c.type in PANDAS_NULLABLE]
    return json.dumps({"index_columns": [], "column_indexes": [], "columns": named}, sort_keys=True)


def arrow_schema(cols: Optional[list[Column]] = None) -> pa.Schema:
    """The Parquet schema: one field per column, its docstring as field metadata; the pandas
    dtypes of the nullable integer columns (:func:`pandas_metadata`)."""
    cols = cols if cols is not None else columns()
    return pa.schema(
        [pa.field(c.name, c.type, nullable=True, metadata={"description": c.description}) for c in cols],
        metadata={"source": "newscrawl Article (newscrawl/core/items.py)", "pandas": pandas_metadata(cols)},
    )


def type_text(tp: pa.DataType) -> str:
    """A short, readable name of an Arrow type for the card."""
    if pa.types.is_timestamp(tp):
        return f"timestamp[{tp.unit}, {tp.tz}]"
    if pa.types.is_list(tp):
        return f"list<{type_text(tp.value_type)}>"
    if pa.types.is_struct(tp):
        if tp.num_fields > 6:
            return f"struct<{tp.num_fields} string fields>"
        return (
            "struct<"
            + ", ".join(f"{tp.field(i).name}: {type_text(tp.field(i).type)}" for i in range(tp.num_fields))
            + ">"
        )
    return str(tp)
