"""3D Slicer markups: schema-valid LPS export, round trip, RAS import, hand-written Slicer files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from jsonschema import Draft7Validator

from planner.core.errors import PlanError
from planner.export.markups import markups_to_items, plan_to_markups, read_markups, write_markups
from planner.headless.demo import demo_plan



@pytest.fixture(scope="module")
def schema():
    from planner.core.resources import shared_data_dir

    root = shared_data_dir()
    path = (root.parent / "schemas" / "slicer-markups-schema-v1.0.3.json") if root is not None else None
    if path is None or not path.is_file():
        pytest.skip("the Slicer markups schema (../shared/schemas) is not available")
    return json.loads(path.read_text())


def test_export_validates_against_the_slicer_schema(schema, tmp_path):
    doc = demo_plan()
    path = write_markups(doc, tmp_path / "plan.mrk.json", "Spine ablation plan")
    data = json.loads(path.read_text())
    errors = list(Draft7Validator(schema).iter_errors(data))
    assert not errors, errors[0].message
    types = [m["type"] for m in data["markups"]]
    assert types.count("Line") == len(doc.needles) and types.count("Fiducial") == 3
    assert all(m["coordinateSystem"] == "LPS" for m in data["markups"])
    line = data["markups"][0]
    needle = doc.needles[0]
    assert np.allclose(line["controlPoints"][0]["position"], needle.entry_lps)
    assert np.allclose(line["controlPoints"][1]["position"], needle.tip_lps)
    antennas = next(m for m in data["markups"] if m["name"] == "Antenna tips")
    assert np.allclose(antennas["controlPoints"][0]["position"], doc.antenna_tip_lps(doc.antennas[0].id))


def test_round_trip_gives_the_same_geometry():
    doc = demo_plan()
    imported = markups_to_items(plan_to_markups(doc))
    assert [n.name for n in imported.needles] == [n.name for n in doc.needles]
    for a, b in zip(imported.needles, doc.needles):
        assert np.allclose(a.entry_lps, b.entry_lps) and np.allclose(a.tip_lps, b.tip_lps)
        assert (a.side, a.level, a.gauge) == (b.side, b.level, b.gauge)
        assert a.id != b.id  # importing never overwrites an item of the plan
    tc, = imported.thermocouples
    assert np.allclose(tc.entry_lps, doc.thermocouples[0].entry_lps)
    target, = imported.targets
    assert target.kind == "ellipsoid" and np.allclose(target.semi_axes_mm, doc.targets[0].semi_axes_mm)


def _slicer_line(system: str, p0, p1, name="Trajectory") -> dict:
    points = [{"id": str(i + 1), "label": f"{name}-{i + 1}", "position": list(p), "positionStatus": "defined"}
              for i, p in enumerate((p0, p1))]
    return {"@schema": "x", "markups": [{"type": "Line", "name": name, "coordinateSystem": system,
                                         "controlPoints": points}]}


def test_a_line_drawn_in_slicer_in_ras_becomes_a_needle_in_lps(tmp_path):
    path = tmp_path / "line.mrk.json"
    path.write_text(json.dumps(_slicer_line("RAS", (10.0, -20.0, 30.0), (15.0, 5.0, 28.0))))
    needle, = read_markups(path).needles
    assert needle.entry_lps == (-10.0, 20.0, 30.0) and needle.tip_lps == (-15.0, -5.0, 28.0)
    assert needle.name == "Trajectory"


def test_fiducials_become_targets_or_thermocouples():
    data = {"markups": [
        {"type": "Fiducial", "name": "F", "coordinateSystem": "LPS", "controlPoints": [{"label": "lesion", "position": [1, 2, 3]}]},
        {"type": "Fiducial", "name": "Thermocouple tips", "coordinateSystem": "RAS",
         "controlPoints": [{"label": "TC", "position": [1, 2, 3]}]},
        {"type": "Angle", "name": "A", "controlPoints": []}]}
    out = markups_to_items(data)
    assert out.targets[0].centre_lps == (1.0, 2.0, 3.0) and out.targets[0].kind == "sphere"
    tc = out.thermocouples[0]
    assert tc.tip_lps == (-1.0, -2.0, 3.0) and tc.entry_lps[1] > tc.tip_lps[1]  # entry posterior of the tip
    assert len(out.skipped) == 1


@pytest.mark.parametrize("bad, words", [({"x": 1}, "not a 3D Slicer markups"),
                                        ({"markups": [{"type": "Line", "coordinateSystem": "XYZ",
                                                       "controlPoints": [{"position": [0, 0, 0]}] * 2}]}, "coordinate"),
                                        ({"markups": [{"type": "Line", "controlPoints": [{"position": [0, 0]}] * 2}]},
                                         "3 numbers")])
def test_bad_files_are_refused_with_a_reason(bad, words):
    with pytest.raises(PlanError, match=words):
        markups_to_items(bad)


def test_description_is_what_the_caller_gives(tmp_path):
    from planner.export.markups import point_fields

    data = plan_to_markups(demo_plan(), "de-identified")
    assert {point_fields(m["controlPoints"][0])["plan"] for m in data["markups"]} == {"de-identified"}


def _schema_keys(schema) -> tuple[set, set]:
    markup = schema["properties"]["markups"]["items"]["anyOf"][0]
    point = markup["properties"]["controlPoints"]["items"]
    point = point["anyOf"][0] if "anyOf" in point else point
    return set(markup["properties"]), set(point["properties"])


def test_planner_fields_stay_inside_the_schema_and_survive_a_slicer_resave(schema):
    """Slicer keeps only the fields its schema names when it re-saves a file: strip everything else
    and the plan must still read back with its gauges, sides, levels, entries and target sizes."""
    doc = demo_plan()
    data = plan_to_markups(doc, "plan text")
    markup_keys, point_keys = _schema_keys(schema)
    resaved = {"@schema": data["@schema"], "markups": []}
    for m in data["markups"]:
        assert set(m) <= markup_keys, set(m) - markup_keys
        for cp in m["controlPoints"]:
            assert set(cp) <= point_keys, set(cp) - point_keys
        kept = {k: v for k, v in m.items() if k in markup_keys}
        kept["controlPoints"] = [{k: v for k, v in cp.items() if k in point_keys} for cp in m["controlPoints"]]
        resaved["markups"].append(kept)
    items = markups_to_items(resaved)
    assert [(n.gauge, n.side, n.level) for n in items.needles] == [(n.gauge, n.side, n.level) for n in doc.needles]
    assert [t.entry_lps for t in items.thermocouples] == [t.entry_lps for t in doc.thermocouples]
    assert [t.semi_axes_mm for t in items.targets] == [t.semi_axes_mm for t in doc.targets]


def test_files_of_earlier_versions_still_read(tmp_path):
    legacy = {"markups": [{"type": "Fiducial", "name": "Thermocouple tips", "coordinateSystem": "LPS",
                           "planner": {"kind": "thermocouple", "entries_lps": [[1.0, 50.0, 3.0]], "gauges": ["13G"]},
                           "controlPoints": [{"label": "TC", "position": [1.0, 10.0, 3.0]}]}]}
    (tc,) = markups_to_items(legacy).thermocouples
    assert tc.entry_lps == (1.0, 50.0, 3.0) and tc.gauge == "13G"
