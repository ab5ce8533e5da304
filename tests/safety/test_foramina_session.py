"""The foramen and beyond-the-vertebra rules come out of the session's evaluation (issue 13): the
foramina are found per canal version, named from the plan's levels, handed to the corridor check
(and its cache key), exported, and their rules run from the rule table with their thresholds.

Geometry: the synthetic pedicle spine of tests/analysis/test_foramina_beyond.py (canal radius 7 mm
along z; pedicle slabs at z 0-12, 30-42, 60-72 mm; foramina at |x| 7-18 mm, z 12-30 and 42-60 mm)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.analysis.beyond_vertebra import BeyondVertebra
from planner.analysis.rules import Code, RuleInputs, run_rules
from planner.analysis.thresholds import SafetyThresholds, Severity
from planner.plan import commands
from planner.plan.items import Antenna, Level, Needle
from planner.session.session import PlanningSession

from tests.analysis.test_foramina_beyond import _spine_with_pedicles

LEVELS = (("L1", (0.0, 0.0, 66.0)), ("L2", (0.0, 0.0, 36.0)), ("L3", (0.0, 0.0, 6.0)))


@pytest.fixture(scope="module")
def spine():
    return _spine_with_pedicles()


def _session(spine, defer=False, levels=True) -> PlanningSession:
    volume, canal = spine
    s = PlanningSession()
    s.defer_corridors = defer
    s.set_volume(volume)
    if levels:
        with s._quiet():
            for name, centre in LEVELS:
                s.plan.insert(Level(name=name, body_centre_lps=centre))
    s.set_canal(canal)
    return s


def test_the_evaluation_holds_the_named_foramina_and_their_union(spine):
    s = _session(spine)
    ev = s.evaluation
    named = sorted((f.level, f.side) for f in ev.foramina)
    assert named == [("", "left"), ("", "right"), ("L1-L2", "left"), ("L1-L2", "right"), ("L2-L3", "left"),
                     ("L2-L3", "right")]
    union = s.foramen_mask
    assert union is not None and union.shape == spine[1].shape
    assert union.sum() == sum(int(f.local.sum()) for f in ev.foramina)  # disjoint masks
    assert not (union & spine[1]).any()
    # the foramina of L1-L2 lie between the L1 and L2 body centres (z 36-66 mm)
    for f in ev.foramina:
        if f.level == "L1-L2":
            assert 36.0 < f.centre_lps[2] < 66.0


def test_a_new_canal_gives_new_foramina_and_new_corridor_keys(spine):
    s = _session(spine)
    needle = Needle(entry_lps=(34.0, 0.0, 21.0), tip_lps=(12.0, 0.0, 21.0), gauge="13G")
    with s._quiet():
        s.plan.insert(needle)
    key = s._corridor_key(needle)
    first = s.foramen_set()
    narrower = spine[1].copy()
    narrower[:, :, 33:] = False  # only the canal's right half (x < -2 mm): left foramina now lie farther out
    s.set_canal(narrower)
    assert s.foramen_set() is not first and s.foramen_set().canal_version == s.canal.version
    assert s._corridor_key(needle) != key


def test_a_needle_through_a_foramen_is_critical_in_the_evaluation(spine):
    s = _session(spine)
    # along -x at z = 21 mm (mid-foramen, between the pedicle slabs), tip at x = 12 mm inside the foramen
    needle = Needle(entry_lps=(34.0, 0.0, 21.0), tip_lps=(12.0, 0.0, 21.0), gauge="13G")
    s.stack.push(commands.add_item(needle))
    codes = {f.code for f in s.evaluation.findings_for(needle.id)}
    assert Code.NEEDLE_ENTERS_FORAMEN in codes
    # the same needle at a pedicle level (z = 6 mm) enters no foramen
    s.stack.push(commands.set_fields(needle.id, entry_lps=(34.0, 0.0, 6.0), tip_lps=(12.0, 0.0, 6.0)))
    assert Code.NEEDLE_ENTERS_FORAMEN not in {f.code for f in s.evaluation.findings_for(needle.id)}


def test_a_zone_around_a_tip_in_the_foramen_reaches_it(spine):
    s = _session(spine)
    needle = Needle(entry_lps=(34.0, 0.0, 21.0), tip_lps=(14.0, 0.0, 21.0), gauge="13G")
    s.stack.push(commands.add_item(needle))
    s.stack.push(commands.add_item(Antenna(needle_id=needle.id, extension_mm=0.0)))
    ev = s.evaluation
    # the zone contains the antenna tip, which lies in the left L2-L3 foramen: it reaches it
    hit = [(f, d) for f, d in ev.foramen_distances if f.level == "L2-L3" and f.side == "left"]
    assert hit and hit[0][1] <= 0
    finding = [f for f in ev.findings if f.code == Code.ZONE_REACHES_FORAMEN]
    assert finding and all(f.severity is Severity.CRITICAL for f in finding)
    assert any("L2-L3 left" in f.message for f in finding)
    # each zone has its beyond-the-vertebra figures in the evaluation
    assert set(ev.beyond) == {z.antenna_id for z in ev.zones if z.zone is not None}
    # a drag's fast evaluation skips only foramina a bound puts beyond the warning distance: the
    # findings are the same, and every distance it does report equals the full one
    fast = s.evaluate(corridors=False)
    full = {(f.level, f.side): d for f, d in ev.foramen_distances}
    assert {(f.level, f.side): d for f, d in fast.foramen_distances}.items() <= full.items()
    assert all(d > s.thresholds.warn_distance_mm for k, d in full.items()
               if k not in {(f.level, f.side) for f, _ in fast.foramen_distances})
    assert ({f.message for f in fast.findings if "foramen" in f.code}
            == {f.message for f in ev.findings if "foramen" in f.code})


def test_deferred_foramina_are_found_by_the_worker_job(spine):
    s = _session(spine, defer=True)
    assert not s.evaluation.complete and s.foramen_mask is None
    job = s.foramina_job()
    assert job is not None
    found = job()
    s.foramina_found(found)
    assert s.evaluation.complete and len(s.evaluation.foramina) == 6
    assert s.foramina_job() is None


def test_export_masks_hold_the_foramina_per_side(spine):
    s = _session(spine)
    masks = s.export_masks
    assert set(masks) == {"Neural foramina left (L1-L2, L2-L3)", "Neural foramina right (L1-L2, L2-L3)"}
    left, kind = masks["Neural foramina left (L1-L2, L2-L3)"]
    right, _ = masks["Neural foramina right (L1-L2, L2-L3)"]
    assert kind == "foramen"
    assert np.array_equal(left | right, s.foramen_mask) and not (left & right).any()
    from planner.export.segments import plan_segments

    segs = {seg.label: seg.kind for seg in plan_segments(s, masks)}
    assert segs["Neural foramina left (L1-L2, L2-L3)"] == segs["Neural foramina right (L1-L2, L2-L3)"] == "foramen"


def test_without_levels_the_foramina_have_no_names(spine):
    s = _session(spine, levels=False)
    assert s.evaluation.foramina and all(f.level == "" for f in s.evaluation.foramina)


class _F:
    def __init__(self, level, side):
        self.level, self.side = level, side


def test_foramen_rule_uses_the_warning_distance_threshold():
    a, b, c = _F("L2-L3", "left"), _F("L2-L3", "right"), _F("L3-L4", "left")
    inputs = RuleInputs(foramen_distances=((a, -1.0), (b, 3.0), (c, 7.0)))
    got = {(f.code, f.severity) for f in run_rules(inputs, only=("foramen",))}
    assert got == {(Code.ZONE_REACHES_FORAMEN, Severity.CRITICAL), (Code.ZONE_NEAR_FORAMEN, Severity.WARNING)}
    tight = RuleInputs(SafetyThresholds(warn_distance_mm=2.0), foramen_distances=((b, 3.0),))
    assert run_rules(tight, only=("foramen",)) == []
    touching = RuleInputs(foramen_distances=((a, 0.0),))
    assert [f.code for f in run_rules(touching, only=("foramen",))] == [Code.ZONE_REACHES_FORAMEN]


def test_beyond_rule_grades_by_distance_and_direction():
    res = BeyondVertebra(1.0, 5.0, {"anterior": 0.5, "lateral_left": 0.2, "disc": 0.3},
                         {"anterior": 3.0, "lateral_left": 1.5, "disc": 5.0}, vessel_distance_mm=4.0)
    got = {(f.code, f.severity, f.item_id) for f in run_rules(RuleInputs(beyond={"a1": res}), only=("beyond_vertebra",))}
    assert got == {(Code.ZONE_BEYOND_VERTEBRA_ANTERIOR, Severity.WARNING, "a1"),  # 3 mm > 2 mm
                   (Code.ZONE_BEYOND_VERTEBRA_LATERAL_LEFT, Severity.INFO, "a1"),  # 1.5 mm <= 2 mm
                   (Code.ZONE_BEYOND_VERTEBRA_DISC, Severity.INFO, "a1"),  # the disc: information
                   (Code.ZONE_NEAR_VESSEL, Severity.WARNING, "a1")}  # 4 mm < 5 mm
    far = BeyondVertebra(0.0, 0.0, {}, {}, vessel_distance_mm=6.0)
    assert run_rules(RuleInputs(beyond={"a1": far}), only=("beyond_vertebra",)) == []


def test_the_headless_segment_export_holds_the_foramina(spine, tmp_path):
    slicerio = pytest.importorskip("slicerio")
    from planner.headless.export import segment_export

    s = _session(spine)
    (path,) = segment_export(s, "slicer-seg", tmp_path / "plan.seg.nrrd")
    names = {seg["name"] for seg in slicerio.read_segmentation(str(path), skip_voxels=True)["segments"]}
    assert {"Neural foramina left (L1-L2, L2-L3)", "Neural foramina right (L1-L2, L2-L3)"} <= names
