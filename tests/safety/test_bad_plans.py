"""Bad plan files never crash, hang or half-load: each gets a message naming the field (issue 15)."""

import json
import os
import time

import pytest

from planner.core.errors import PlanError
from planner.plan.document import PlanDocument
from planner.plan.io import plan_from_json, plan_to_json, read_plan, stale_temps, write_plan
from planner.plan.items import Needle
from planner.plan.limits import MAX_ITEMS


def _plan_dict(n_needles=1) -> dict:
    doc = PlanDocument()
    for i in range(n_needles):
        doc.insert(Needle((-45.0 + i * 0.01, 90.0, -200.0), (-4.0, 5.0, -202.0), name=f"n{i}", id=f"n{i}"))
    return json.loads(plan_to_json(doc))


def test_absurd_coordinates_are_refused_with_the_field():
    data = _plan_dict()
    data["needles"][0]["tip"] = [1e308, 1e308, 1e308]
    with pytest.raises(PlanError, match=r"needles\[0\].*tip.*within ±10,000 mm"):
        plan_from_json(json.dumps(data))


def test_integer_too_large_for_a_float():
    text = json.dumps(_plan_dict()).replace('"usable_length_mm": 150.0', '"usable_length_mm": ' + "9" * 401)
    with pytest.raises(PlanError, match="401 digits"):
        plan_from_json(text)


def test_integer_too_large_through_the_item_constructor():
    with pytest.raises(PlanError, match="usable length.*too large"):
        Needle((0, 0, 0), (0, 0, 10), usable_length_mm=10 ** 400)
    with pytest.raises(PlanError, match="entry.*too large"):
        Needle((10 ** 400, 0, 0), (0, 0, 10))


def test_deep_json_is_not_a_plan():
    with pytest.raises(PlanError, match="nested too deeply|nested more than"):
        plan_from_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(PlanError, match="nested more than 32"):
        plan_from_json("[" * 500 + "]" * 500)  # parses, but is no plan


def test_too_many_needles_is_refused_quickly():
    data = _plan_dict(1)
    data["needles"] = [dict(data["needles"][0], id=f"n{i}") for i in range(5001)]
    start = time.perf_counter()
    with pytest.raises(PlanError, match=f"needles: the plan has 5001; at most {MAX_ITEMS['needles']}"):
        plan_from_json(json.dumps(data))
    assert time.perf_counter() - start < 5.0  # refused before items are built (building took ~20 s)


def test_the_limit_itself_is_accepted():
    doc = plan_from_json(json.dumps(_plan_dict(MAX_ITEMS["needles"])))
    assert len(doc.needles) == MAX_ITEMS["needles"]


def test_stale_temporary_files_are_removed_by_the_next_save_and_read(tmp_path):
    path = tmp_path / "case.json"
    write_plan(PlanDocument(), path)
    stale = [tmp_path / f".case.json.{i}abc.tmp" for i in range(3)] + [tmp_path / ".case.json.x.bak.tmp"]
    for p in stale:
        p.write_bytes(b"\0" * 1000)
        os.utime(p, (time.time() - 3600,) * 2)
    young = tmp_path / ".case.json.young.tmp"  # another process may be saving right now
    young.write_text("{")
    other = tmp_path / ".other.json.1.tmp"  # another plan's file is not touched
    other.write_text("{")
    os.utime(other, (time.time() - 3600,) * 2)
    write_plan(PlanDocument(), path)
    assert stale_temps(path) == [young] and other.exists()
    os.utime(young, (time.time() - 3600,) * 2)
    read_plan(path)  # the next start (opening the plan) cleans too
    assert stale_temps(path) == [] and other.exists()
