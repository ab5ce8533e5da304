"""``analyze --json`` on the shared lumbar scan: automatic levels, needles linked to their vertebra,
depth from skin to the body mask, and the needle that crosses the CT table (docs/headless-analyze.md).

The needles come from tests/data/skin_depth/needles.json (references read by eye on HU profiles
sampled with SimpleITK, see that file); neither has a level set in the plan.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from planner.headless.analyze import run_analysis
from planner.plan.document import PlanDocument
from planner.plan.io import write_plan
from planner.plan.items import Needle

NEEDLES = json.loads((Path(__file__).parents[1] / "data" / "skin_depth" / "needles.json").read_text())["ct-lumbar-tcia"]


@pytest.fixture(scope="module")
def report(lumbar_ct_dir, tmp_path_factory):
    doc = PlanDocument()
    for n, spec in enumerate(NEEDLES[:4]):
        doc.insert(Needle(tuple(spec["entry_lps"]), tuple(spec["tip_lps"]), name=f"n{n}", id=f"n{n}", side="right"))
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    write_plan(doc, path)
    return run_analysis(lumbar_ct_dir, path), doc


@pytest.mark.realdata
def test_levels_found_and_named(report):
    data, _ = report
    names = [lv["name"] for lv in data["levels"]]
    for name in ("L5", "L4", "L3", "L2", "L1", "T12"):
        assert name in names
    assert data["spine"]["named"] and set(data["spine"]["landmarks"]) == {"sacrum", "last rib"}
    l2 = next(lv for lv in data["levels"] if lv["name"] == "L2")
    assert len(l2["body_centre_lps"]) == 3 and 0.0 < l2["confidence"] <= 1.0
    assert "sectors_present" in l2
    assert data["plan_levels"] == []
    json.dumps(data, allow_nan=False)


@pytest.mark.realdata
def test_needles_linked_to_the_vertebra_of_their_tip(report):
    """Tips: n0 in L2 (z 254.2), n1 in L3 (z 218.8), n2 in L1 (z 289.8), n3 in L4 (z 181.8): the body
    centres of the levels counted by eye (tests/anatomy/test_spine.py)."""
    data, _ = report
    levels = {n["id"]: n["level"] for n in data["needles"]}
    assert levels == {"n0": "L2", "n1": "L3", "n2": "L1", "n3": "L4"}


@pytest.mark.realdata
def test_depth_from_skin_matches_the_hand_measured_profiles(report):
    data, _ = report
    for n, spec in enumerate(NEEDLES[:4]):
        length = float(np.linalg.norm(np.subtract(spec["tip_lps"], spec["entry_lps"])))
        expected = length - spec["skin_depth_from_entry_mm"]
        got = next(x for x in data["needles"] if x["id"] == f"n{n}")["depth_from_skin_mm"]
        assert got == pytest.approx(expected, abs=3.0), n


@pytest.mark.realdata
def test_needle_through_the_table_is_a_warning_not_a_breach_at_the_table(report):
    """n3 runs straight up from under the table into L4 (supine scan): its line crosses the cushion and
    the table before the skin."""
    data, _ = report
    codes = [(f["code"], f["severity"]) for f in data["findings"] if f["item"] == "n3"]
    assert ("needle_outside_body", "warning") in codes
    n3 = next(x for x in data["needles"] if x["id"] == "n3")
    skin_from_entry = NEEDLES[3]["skin_depth_from_entry_mm"]
    assert all(b["from_mm"] > skin_from_entry for b in n3["breaches"])
