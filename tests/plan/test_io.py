"""Plan files: round trip, schema and semantic errors, migration from version 1, atomic save."""

import copy
import json
import os
import shutil
from pathlib import Path

import pytest

from planner.core.errors import LoadError, PlanError
from planner.core.resources import resource_path
from planner.plan.io import plan_from_json, plan_to_json, read_plan, write_plan
from planner.plan.migrations import SCHEMA_V1

FIXTURE_V1 = {
    "format": "spine-ablation-plan",
    "schema_version": 1,
    "saved": "2023-03-01T08:00:00Z",
    "app_version": "0.0.9",
    "series": {"study_instance_uid": "1.2.3", "series_instance_uid": "1.2.4", "frame_of_reference_uid": "1.2.5"},
    "levels": [{"id": "lv1", "name": "L2", "body_centre": {"x": 0, "y": 10, "z": -200}}],
    "needles": [
        {
            "id": "n1", "name": "Right L2", "level": "L2", "approach": "transpedicular", "side": "right",
            "gauge": 13, "entry": {"x": -45, "y": 90, "z": -200}, "tip": {"x": -4, "y": 5, "z": -202},
        }
    ],
    "antennas": [{"id": "a1", "needle": "n1", "device": "generic", "extension_mm": 15, "power_w": 30, "time_s": 180}],
    "thermocouples": [{"id": "t1", "name": "TC", "entry": {"x": -20, "y": 95, "z": -190},
                       "tip": {"x": -12, "y": 30, "z": -190}, "alarm_c": 45}],
    "targets": [{"id": "g1", "name": "Lesion", "centre": {"x": 0, "y": 5, "z": -200}, "radius_mm": 12}],
}


def _data(doc):
    return json.loads(plan_to_json(doc))


def test_schema_file_is_found_and_valid():
    from jsonschema import Draft202012Validator

    schema = json.loads(resource_path("schemas", "plan.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("2020-12/schema")


def test_round_trip_keeps_everything(full_doc, tmp_path):
    path = write_plan(full_doc, tmp_path / "PLAN.json")
    again = read_plan(path)
    assert again.state() == full_doc.state()
    assert (again.created, again.modified) == (full_doc.created, full_doc.modified)
    data = json.loads(path.read_text())
    assert data["format"] == "spine-ablation-plan" and data["schema_version"] == 2
    assert data["coordinate_system"] == "LPS" and data["units"] == "mm"
    n = data["needles"][0]
    assert n["entry"] == [-45.0, 90.0, -200.0] and n["gauge"] == "13G"
    assert data["antennas"][0]["needle"] == n["id"]
    assert set(data) >= {"created", "modified", "app_version", "series", "levels", "thermocouples", "targets"}
    # Stable: writing what was read gives the same content.
    assert plan_to_json(again) == plan_to_json(full_doc)


def test_save_updates_modified_time(full_doc, tmp_path):
    full_doc.modified = "2000-01-01T00:00:00Z"
    write_plan(full_doc, tmp_path / "p.json")
    assert full_doc.modified > "2000" and full_doc.modified != "2000-01-01T00:00:00Z"


def _mutated(full_doc, change):
    data = _data(full_doc)
    change(data)
    return json.dumps(data)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["needles"][0].__setitem__("tip", [1, 2]), r"needles\[0\]\.tip: expected 3 numbers, got 2"),
        (lambda d: d["needles"][0].__setitem__("gauge", "12G"), r"needles\[0\]\.gauge: '12G' is not one of"),
        (lambda d: d["needles"][0].pop("entry"), r"needles\[0\]: missing required key 'entry'"),
        (lambda d: d["needles"][0].__setitem__("tipp", [0, 0, 0]), r"needles\[0\]: unknown key 'tipp'"),
        (lambda d: d["antennas"][0].__setitem__("power_w", "hot"), r"antennas\[0\]\.power_w: expected number, got text"),
        (lambda d: d["antennas"][0].__setitem__("needle", "nope"), r"antennas\[0\]\.needle: no needle has the id 'nope'"),
        (lambda d: d["targets"][0].__setitem__("id", d["needles"][0]["id"]), r"targets\[0\]\.id: .* already used by needles\[0\]"),
        (lambda d: d.__setitem__("units", "cm"), r"units: expected 'mm'"),
        (lambda d: d["levels"].extend([dict(d["levels"][0], id=f"x{i}", name=f"T{i + 1}") for i in range(4)]),
         r"levels: at most 4 entries allowed, got 5"),
        (lambda d: d["levels"].append(dict(d["levels"][0], id="x")), r"levels\[1\]\.name: level L2 already appears"),
        (lambda d: d["thermocouples"][0].__setitem__("alarm_c", float("nan")), r"thermocouples\[0\]\.alarm_c: expected a finite"),
        (lambda d: d["thermocouples"][0].__setitem__("prealarm_c", 50.0), r"thermocouples\[0\]: The pre-alarm"),
        (lambda d: d["needles"][0].__setitem__("tip", d["needles"][0]["entry"]), r"needles\[0\]: .*different points"),
    ],
)
def test_invalid_files_name_the_problem(full_doc, change, message):
    with pytest.raises(PlanError, match=message):
        plan_from_json(_mutated(full_doc, change))


def test_not_a_plan_and_bad_json(tmp_path):
    with pytest.raises(PlanError, match="not a spine ablation plan"):
        plan_from_json(json.dumps({"format": "something-else"}))
    with pytest.raises(PlanError, match="not valid JSON .*line 1"):
        plan_from_json("{nope")
    with pytest.raises(LoadError, match="does not exist"):
        read_plan(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "spine-ablation-plan", "schema_version": 2}))
    with pytest.raises(PlanError, match="^bad.json: .*missing required key"):
        read_plan(bad)


@pytest.mark.parametrize("version, message", [(3, "newer planner"), (0, "unknown"), ("2", "whole number")])
def test_unknown_schema_versions_are_refused(full_doc, version, message):
    with pytest.raises(PlanError, match=message):
        plan_from_json(_mutated(full_doc, lambda d: d.__setitem__("schema_version", version)))


def test_migration_from_version_1():
    doc = plan_from_json(json.dumps(FIXTURE_V1))
    n = doc.get("n1")
    assert n.entry_lps == (-45.0, 90.0, -200.0) and n.tip_lps == (-4.0, 5.0, -202.0) and n.gauge == "13G"
    assert doc.antenna_for("n1").id == "a1"
    assert doc.get("t1").tip_lps == (-12.0, 30.0, -190.0)
    g = doc.get("g1")
    assert g.kind == "sphere" and g.semi_axes_mm == (12.0, 12.0, 12.0)
    assert doc.get("lv1").name == "L2" and doc.created == doc.modified == "2023-03-01T08:00:00Z"
    # Saving writes the current version.
    assert json.loads(plan_to_json(doc))["schema_version"] == 2


def test_version_1_errors_are_named_in_its_own_layout():
    old = copy.deepcopy(FIXTURE_V1)
    del old["needles"][0]["tip"]["z"]
    with pytest.raises(PlanError, match=r"needles\[0\]\.tip: missing required key 'z'"):
        plan_from_json(json.dumps(old))
    assert SCHEMA_V1["properties"]["schema_version"] == {"const": 1}


# ------------------------------------------------------------------ atomic save
def _boom(*args, **kwargs):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize(
    "target, attr",
    [
        ("tempfile", "mkstemp"),
        ("os", "fdopen"),
        ("os", "fsync"),
        ("shutil", "copy2"),
        ("os", "replace"),
        ("os", "chmod"),
    ],
)
def test_failed_save_leaves_the_old_file_intact(full_doc, tmp_path, monkeypatch, target, attr):
    path = tmp_path / "PLAN.json"
    write_plan(full_doc, path)
    write_plan(full_doc, path)  # now a .bak exists too
    old_text = path.read_text()
    old_bak = (tmp_path / "PLAN.json.bak").read_text()
    old_modified = full_doc.modified
    full_doc.set_fields(full_doc.needles[0].id, name="Changed")
    module = {"tempfile": __import__("tempfile"), "os": os, "shutil": shutil}[target]
    monkeypatch.setattr(module, attr, _boom)
    with pytest.raises(PlanError, match="could not be saved.*No space left on device.*unchanged"):
        write_plan(full_doc, path)
    monkeypatch.undo()
    assert path.read_text() == old_text
    assert (tmp_path / "PLAN.json.bak").read_text() == old_bak
    assert full_doc.modified == old_modified
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PLAN.json", "PLAN.json.bak"]  # no temp files left


def test_failure_on_first_save_leaves_nothing(full_doc, tmp_path, monkeypatch):
    monkeypatch.setattr(os, "replace", _boom)
    with pytest.raises(PlanError):
        write_plan(full_doc, tmp_path / "new.json")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_save_into_missing_folder_is_a_plan_error(full_doc, tmp_path):
    with pytest.raises(PlanError, match="could not be saved"):
        write_plan(full_doc, tmp_path / "no" / "such" / "PLAN.json")


def test_backup_holds_the_previous_version(full_doc, tmp_path):
    path = tmp_path / "PLAN.json"
    write_plan(full_doc, path)
    first = path.read_text()
    full_doc.set_fields(full_doc.needles[0].id, name="Second")
    write_plan(full_doc, path)
    assert Path(str(path) + ".bak").read_text() == first
    assert read_plan(path).needles[0].name == "Second"


def test_documented_example_is_a_valid_plan():
    import re

    text = (Path(__file__).resolve().parents[2] / "docs" / "plan-format.md").read_text(encoding="utf-8")
    example = re.search(r"```json\n(.*?)```", text, re.S).group(1)
    doc = plan_from_json(example)
    assert [n.name for n in doc.needles] == ["Right L2"] and doc.antenna_for(doc.needles[0].id) is not None
