"""docs/plan-format.md's field tables are written from the declarations (issue 14: a field is declared once)."""

from __future__ import annotations

import dataclasses

import pytest

from planner.plan import kinds as K
from planner.plan.field_docs import documented_types, field_table, marked_kinds, render_document
from planner.plan.fields import PlanItem, declare, declared
from planner.plan.write_schema import PLAN_FORMAT_DOC


def test_the_document_holds_the_declared_tables():
    text = PLAN_FORMAT_DOC.read_text(encoding="utf-8")
    assert render_document(text) == text, "run: python3 -m planner.plan.write_schema"
    assert sorted(marked_kinds(text)) == sorted(documented_types())


@pytest.mark.parametrize("kind", sorted(documented_types()))
def test_every_declared_field_says_what_it_means(kind):
    for name, spec in declared(documented_types()[kind]):
        assert spec.doc.strip(), f"{kind}.{name} ({spec.key}) has no doc"


@dataclasses.dataclass(frozen=True)
class _Probe(PlanItem):
    KIND = "probe"
    tip: tuple = declare("tip", "tip", K.Point(), required=True, doc="the tip")
    depth_mm: float = declare("depth_mm", "depth (mm)", K.Number(minimum=0.0), 5.0, doc="how deep, in mm")


def test_a_new_field_is_one_declaration_and_reaches_the_table():
    table = field_table(_Probe).splitlines()
    assert table[:2] == ["| key | type | meaning |", "|---|---|---|"]
    assert "| `depth_mm` (optional) | number ≥ 0 | how deep, in mm; default `5.0` |" in table
    assert "| `tip` | point `[x, y, z]` (LPS mm) | the tip |" in table


def test_the_tables_are_rewritten_between_their_marks_only():
    text = "before\n<!-- fields: needle -->\nstale\n<!-- /fields -->\nafter\n"
    out = render_document(text)
    assert out.startswith("before\n<!-- fields: needle -->\n| key |") and out.endswith("<!-- /fields -->\nafter\n")
    assert "stale" not in out and "`usable_length_mm` (optional)" in out


def test_a_misspelt_mark_is_refused():
    with pytest.raises(KeyError):
        render_document("<!-- fields: needel -->\n<!-- /fields -->\n")


def test_the_schema_carries_each_field_meaning():
    from planner.plan.schema import build_plan_schema

    needle = build_plan_schema()["$defs"]["needle"]["properties"]
    assert needle["side"]["description"] == "the patient's side of the entry"
    assert "`" not in needle["level"]["description"]  # plain text in the schema
