"""The field tables of docs/plan-format.md, written from the item declarations (:mod:`planner.plan.fields`).

Each item's table sits between two marks in the document, ``<!-- fields: needle -->`` and
``<!-- /fields -->``; :func:`render_document` rewrites what lies between them and leaves the rest (the hand
written text around the tables) alone. ``python3 -m planner.plan.write_schema`` writes the tables with the
schema, and ``tests/plan/test_field_docs.py`` fails when the document and the declarations disagree, so a
new field is documented by its declaration's ``doc`` and nowhere else.

A row reads: the JSON key (``(optional)`` when a file may leave it out), the kind's words
(:meth:`planner.plan.kinds.Kind.describe`), and the meaning (the declaration's ``doc``) followed by the
default a file that leaves the key out gets, for single values.
"""

from __future__ import annotations

import dataclasses
import json
import re

from planner.plan import kinds as K
from planner.plan.fields import json_order
from planner.plan.items import ITEM_TYPES, SeriesRef

_MARK = re.compile(r"(<!-- fields: (?P<kind>\w+) -->\n)(?P<body>.*?)(<!-- /fields -->)", re.S)
_SCALAR_KINDS = (K.Number, K.Choice, K.Text, K.Flag)


def documented_types() -> dict[str, type]:
    """The item classes that have a table, by the name used in the marks (``series``, ``needle``...)."""
    return {"series": SeriesRef, **ITEM_TYPES}


def _default_words(cls, attribute: str, spec) -> str:
    """``default `150``` for an optional single-valued field, else ""."""
    field = next(f for f in dataclasses.fields(cls) if f.name == attribute)
    if spec.required or field.default is dataclasses.MISSING or not isinstance(spec.kind, _SCALAR_KINDS):
        return ""
    if field.default is None:
        return ""
    return f"default `{json.dumps(spec.kind.to_json(field.default), ensure_ascii=False)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def field_table(cls) -> str:
    """The Markdown table of one item class's declared fields, in the file's key order."""
    rows = ["| key | type | meaning |", "|---|---|---|"]
    for attribute, spec in json_order(cls):
        key = f"`{spec.key}`" + ("" if spec.required else " (optional)")
        meaning = "; ".join(part for part in (spec.doc, _default_words(cls, attribute, spec)) if part)
        rows.append(f"| {key} | {_cell(spec.kind.describe())} | {_cell(meaning)} |")
    return "\n".join(rows) + "\n"


def render_document(text: str) -> str:
    """``text`` (docs/plan-format.md) with every marked table rewritten from the declarations.

    A mark naming no item class is a :class:`KeyError` (a misspelt mark must not pass silently).
    """
    types = documented_types()

    def table(match: re.Match) -> str:
        return match.group(1) + field_table(types[match.group("kind")]) + match.group(4)

    return _MARK.sub(table, text)


def marked_kinds(text: str) -> list[str]:
    """The item names whose tables ``text`` marks, in order."""
    return [m.group("kind") for m in _MARK.finditer(text)]
