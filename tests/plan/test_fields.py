"""The field declarations drive JSON, schema, validation, edits and the properties panel."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest
from jsonschema import Draft202012Validator

from planner.core.errors import PlanError
from planner.plan import commands, kinds as K
from planner.plan.document import PlanDocument
from planner.plan.fields import Editor, PlanItem, declare, declared, editable_names, editors, item_from_dict
from planner.plan.fields import item_schema, item_to_dict
from planner.plan.items import ITEM_TYPES, Level, SeriesRef
from planner.plan.schema import build_plan_schema, schema_path, schema_text

from .conftest import make_needle

DOC = Path(__file__).resolve().parents[2] / "docs" / "plan-format.md"


@dataclass(frozen=True)
class Probe(PlanItem):
    """A made-up item with one optional field, declared the way a new plan field is declared."""

    KIND: ClassVar[str] = "probe"
    tip_lps: tuple = declare("tip", "tip", K.Point(), required=True)
    pause_s: float = declare("pause_s", "pause (s)", K.Number(minimum=0.0), 0.0,
                             editor=Editor("number", "Pause", 0, 600, 0, " s"))
    settings: str = declare("settings.mode", "mode", K.Choice(("a", "b")), "a")
    id: str = declare("id", "id", K.Text(non_empty=True, ref="id"), "p1", required=True)


def test_one_declaration_gives_json_schema_checks_and_editor():
    probe = Probe(tip_lps=(1, 2, 3), pause_s=30)
    assert item_to_dict(probe) == {"id": "p1", "tip": [1.0, 2.0, 3.0], "pause_s": 30.0, "settings": {"mode": "a"}}
    assert item_from_dict(Probe, {"id": "p1", "tip": [1, 2, 3]}) == Probe(tip_lps=(1, 2, 3))  # default fills in
    assert item_from_dict(Probe, item_to_dict(probe)) == probe
    schema = item_schema(Probe)
    assert schema["required"] == ["id", "tip"]
    assert schema["properties"]["pause_s"] == {"type": "number", "minimum": 0}
    assert schema["properties"]["settings"]["properties"]["mode"] == {"enum": ["a", "b"]}
    with pytest.raises(PlanError, match=r"^pause \(s\): must be at least 0, got -1$"):
        Probe(tip_lps=(1, 2, 3), pause_s=-1)
    assert [name for name, _ in editors(Probe)] == ["pause_s"]
    assert editable_names(Probe) == {"tip_lps", "pause_s", "settings"}


def test_every_item_field_is_declared():
    for cls in (*ITEM_TYPES.values(), SeriesRef):
        names = {n for n, _ in declared(cls)}
        assert names == set(cls.__dataclass_fields__) - {"KIND"}, cls


def test_shipped_schema_file_is_the_declared_schema():
    shipped = json.loads(schema_path().read_text(encoding="utf-8"))
    assert shipped == build_plan_schema(), "run: python3 -m planner.plan.write_schema"
    assert json.loads(schema_text()) == shipped
    Draft202012Validator.check_schema(shipped)


def test_every_json_key_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for cls in (*ITEM_TYPES.values(), SeriesRef):
        for _, spec in declared(cls):
            assert f"`{spec.key}`" in text, f"{cls.__name__}.{spec.key} is not in docs/plan-format.md"


def test_level_plane_defaults_from_body_centre_and_left_right_axis():
    axes = ((0.0, 1.0, 0.0), (-1.0, 0.0, 0.0), (0.0, 0.0, 1.0))
    level = item_from_dict(Level, {"id": "l", "name": "L1", "body_centre": [1, 2, 3],
                                   "axes": {"left_right": axes[0], "anterior_posterior": axes[1],
                                            "cranio_caudal": axes[2]}})
    assert level.plane_point_lps == (1.0, 2.0, 3.0) and level.plane_normal_lps == (0.0, 1.0, 0.0)
    assert item_to_dict(level)["mid_sagittal_plane"] == {"point": [1.0, 2.0, 3.0], "normal": [0.0, 1.0, 0.0]}


def test_edits_may_set_declared_fields_only():
    doc = PlanDocument()
    needle = make_needle()
    doc.insert(needle)
    stack = commands.CommandStack(doc)
    with pytest.raises(PlanError, match="A needle has no editable field colour"):
        stack.push(commands.set_fields(needle.id, colour="red"))
    with pytest.raises(PlanError, match="id cannot be changed"):
        stack.push(commands.set_fields(needle.id, id="x"))
    stack.push(commands.set_fields(needle.id, usable_length_mm=120.0))
    assert doc.get(needle.id).usable_length_mm == 120.0
