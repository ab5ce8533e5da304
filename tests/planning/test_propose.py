"""Reachability and proposed access on the sample (L2 lesion); the headless command's keys."""

from __future__ import annotations


import numpy as np
import pytest

from planner.analysis.overlap import PreparedCanal
from planner.geometry.raster import VoxelGrid
from planner.ablation.devices import load_library
from planner.analysis.analyze import analyze
from planner.anatomy.sectors import sector_map
from planner.headless.demo import demo_plan
from planner.planning.ctv import build_ctv
from planner.planning.propose import ProposeParams, propose
from planner.planning.reach import BOTH, LEFT, NEITHER, RIGHT, Protocol, reachability
from planner.session.session import PlanningSession

DEVICE = "generic-mw-2450-1.6"


@pytest.fixture(scope="module")
def case(sample, sample_l2):
    volume, labels, lm, canal = sample
    gtv = labels == 10
    sm = sector_map(volume, sample_l2, canal, extra_mask=gtv)
    ctv, _ = build_ctv(sm.labels, gtv)
    return volume, canal, sm, gtv, ctv


@pytest.fixture(scope="module")
def geometric(case):
    volume, canal, sm, gtv, ctv = case
    return propose(volume, sm, ctv, gtv, canal, load_library().get(DEVICE), ProposeParams(canal_limit_c=None))


def test_sample_proposal_covers_at_least_the_demo_plan_and_stays_off_the_canal(sample, case, geometric):
    volume, canal, sm, gtv, ctv = case
    s = PlanningSession()
    s.auto_evaluate = False
    s.set_volume(volume)
    s.set_canal(canal)
    s.open_plan(demo_plan())
    s.evaluate(corridors=False)
    demo = analyze(volume, canal, s.evaluation.planned_zones, ctv)
    best = geometric.options[0]
    assert best.ctv_coverage_pct >= demo.coverage_percent
    assert best.min_canal_distance_mm >= 2.0          # the demo's zone enters the canal
    assert demo.canal_signed_distance_mm < 0
    assert {o.approach for o in geometric.options} == {"unipedicular left", "unipedicular right", "bipedicular"}
    assert [o.rank for o in geometric.options] == [1, 2, 3]
    assert all(o.min_canal_distance_mm >= 2.0 and o.max_breach_grade <= 1 for o in geometric.options)


def test_thermal_limit_keeps_the_predicted_canal_temperature_under_the_alarm(case):
    volume, canal, sm, gtv, ctv = case
    prop = propose(volume, sm, ctv, gtv, canal, load_library().get(DEVICE),
                   ProposeParams(powers_w=(20.0, 30.0), times_s=(120.0, 180.0)))
    for o in prop.options:
        assert o.thermocouple_peak_c is not None and o.thermocouple_peak_c < 45.0
        for n in o.needles:
            assert n.cycles == int(np.ceil(n.time_s / 90.0))


def _brute_force_reach(volume, sm, ctv, canal, device, protocol, lines, margin_mm):
    """Independent check: every allowed tip of every line, zones by exact analysis (canal distance)."""
    kji = np.argwhere(ctv)
    pts = volume.to_lps(kji[:, ::-1].astype(float))
    from planner.ablation.zones import zone_for_antenna
    # the map is built on the voxel mask, so the reference judges the canal distance on that mask too
    # (analyze() given the CT places the boundary sub-voxel, which differs by a fraction of a voxel)
    prepared = PreparedCanal.build(VoxelGrid.of(volume), np.asarray(canal, dtype=bool))
    out = {}
    for side, side_lines in lines.items():
        hit = np.zeros(len(pts), bool)
        for line in side_lines:
            for t in line.tip_depths_mm:
                tip = line.tip(t + protocol.extension_mm)
                ell = zone_for_antenna(tip, line.direction, device, protocol.power_w, protocol.time_s)
                lab = sm.labels[tuple(np.round(volume.to_ijk(tip)).astype(int)[::-1])]
                if lab != 1:
                    continue
                a = analyze(volume, prepared, [ell])
                if a.canal_signed_distance_mm >= margin_mm:
                    hit |= ell.contains(pts)
        out[side] = hit
    return out


def test_reachability_agrees_with_an_exhaustive_search(case):
    volume, canal, sm, gtv, ctv = case
    device = load_library().get(DEVICE)
    protocol = Protocol(DEVICE, 20.0, 120.0, 15.0)
    from planner.planning.access import AccessParams
    params = AccessParams(span_deg=10.0, cc_span_deg=0.0, angle_step_deg=10.0, tip_step_mm=6.0)
    r = reachability(volume, sm, ctv, canal, device, protocol, params, lesion_mask=gtv)
    ref = _brute_force_reach(volume, sm, ctv, canal, device, protocol, r.lines, 2.0)
    code = r.map[ctv]
    left = (code == LEFT) | (code == BOTH)
    right = (code == RIGHT) | (code == BOTH)
    for got, want in ((left, ref["left"]), (right, ref["right"])):
        assert want.any()
        assert (got == want).mean() > 0.97
    # the commentary (Tomasian & Jennings 2022): the posterior central body is hard to reach
    lf = sm.frame.level
    kji = np.argwhere(ctv)
    uvw = lf.local(volume.to_lps(kji[:, ::-1].astype(float)))
    body = sm.labels[ctv] == 1
    post_central = body & (np.abs(uvw[:, 0]) < 6.0) & (uvw[:, 1] > sm.frame.v_wall - 8.0)
    assert (code[post_central] == NEITHER).mean() > 0.8
    assert r.unreachable_ml > 0


def test_training_compares_the_demo_plan_with_the_best_proposal(case, geometric):
    from planner.training.proposal_compare import compare_with_proposal

    volume, canal, sm, gtv, ctv = case
    s = PlanningSession()
    s.auto_evaluate = False
    s.set_volume(volume)
    s.set_canal(canal)
    s.open_plan(demo_plan())
    s.evaluate(corridors=False)
    cmp = compare_with_proposal(s, ctv, geometric.options[0])
    assert cmp.trainee_canal_distance_mm < 0 < cmp.best_canal_distance_mm
    assert cmp.best_ctv_coverage_pct >= cmp.trainee_ctv_coverage_pct
    assert any("canal" in m for m in cmp.messages)


def test_infeasible_request_names_the_constraint(case):
    from planner.core.errors import PlannerError
    from planner.planning.access import AccessParams

    volume, canal, sm, gtv, ctv = case
    params = ProposeParams(canal_limit_c=None, canal_margin_mm=40.0, powers_w=(20.0,), times_s=(120.0,),
                           access=AccessParams(span_deg=0.0, cc_span_deg=0.0, usable_length_mm=60.0))
    with pytest.raises(PlannerError) as err:
        propose(volume, sm, ctv, gtv, canal, load_library().get(DEVICE), params)
    text = str(err.value)
    assert "No safe corridor on either side" in text and "left:" in text and "right:" in text
    assert "short by" in text and "40 mm margin" in text
    # by how much, in numbers: the margin asked is 40 mm plus half the in-plane voxel (the clearance is
    # read between voxel centres: reach.half_voxel_mm), and the shortfall is that less the best zone's
    import re

    best, asked, short = map(float, re.search(r"best zone stays ([0-9.]+) mm from the canal, ([0-9.]+) mm asked: "
                                              r"short by ([0-9.]+) mm", text).groups())
    assert asked == pytest.approx(40.0 + 0.5 * max(volume.spacing_mm[:2]), abs=0.05)
    assert 0.0 < best < asked and short == pytest.approx(asked - best, abs=0.11)
    per_side = []
    for side in ("left", "right"):  # each side names what failed on it, and here by how much
        part = text.split(f"{side}:")[1].split("|")[0]
        found = re.search(r"zone within the canal margin \(its best zone ([0-9.]+) mm from the canal\)", part)
        assert found, part
        per_side.append(float(found.group(1)))
    assert max(per_side) == best  # the overall figure is the better side's
