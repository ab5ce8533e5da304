"""Proposals on the real scans: a 15 mm sphere target in a vertebral body.

Every proposed option, added to a plan, passes the planner's own safety analysis (session evaluation
with corridor checks) with no critical finding, and its needles stay >= 1 mm from an independent canal
mask: the hand-made TCIA reference (tests/data/tcia_lumbar_canal_reference) and, on the T11-T12 scan,
TotalSegmentator's spinal cord label (machine-made, a stand-in inside the canal).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree

from planner.analysis.rules.codes import Code
from planner.analysis.thresholds import Severity
from planner.anatomy.canal_reference import load_mask_npz
from planner.imaging import load_path
from planner.plan.items import Target
from planner.planning.propose import ProposeParams
from planner.session.session import PlanningSession
from planner.session.proposal_inputs import proposal_corridor_inputs
from planner.session.whole_target import add_option_command, ctv_case

pytestmark = pytest.mark.realdata
REFERENCE = Path(__file__).parents[1] / "data" / "tcia_lumbar_canal_reference" / "canal_reference.npz"
FAST = ProposeParams(powers_w=(20.0, 30.0), times_s=(120.0, 180.0), extensions_mm=(15.0, 20.0))


def _session(volume, canal, centre_lps, level):
    """``volume`` and its ``canal`` (segment_canal's) are the session's shared ones (tests/conftest.py)."""
    s = PlanningSession()
    s.auto_evaluate = False
    s.set_volume(volume)
    s.set_canal(canal.mask.copy())
    s.plan.insert(Target(tuple(float(v) for v in centre_lps), semi_axes_mm=(7.5, 7.5, 7.5), level=level))
    return s


def _check(session, reference_mask, level):
    from planner.ablation.devices import load_library
    from planner.planning.propose import propose

    case = ctv_case(session, level)
    session.evaluate()  # the neural foramina of this canal, which the trajectories must avoid
    prop = propose(session.volume, case.sectors, case.ctv, case.gtv, session.canal_mask,
                   load_library().get("generic-mw-2450-1.6"), FAST, foramen_mask=session.foramen_mask,
                   corridor=proposal_corridor_inputs(session, case.level))
    assert prop.options
    k = np.argwhere(reference_mask)
    tree = cKDTree(session.volume.to_lps(k[:, ::-1].astype(float)))
    half_voxel = 0.5 * float(max(session.volume.spacing_mm[:2]))  # voxel centre to its in-plane edge
    for option in prop.options:
        base = session.stack.index
        session.stack.push(add_option_command(session, option, case))
        ev = session.evaluate(corridors=True)
        critical = [f.code for f in ev.findings if f.severity == Severity.CRITICAL]
        # the grade each option shows is the one the safety panel reports once it is added (the same check:
        # on this patient's low-density T12 marrow a fixed 200 HU threshold once graded the pedicle higher)
        proposed = {n.side: n.max_breach_grade for n in option.needles}
        assert {n.side: ev.corridors[n.id].grade for n in session.plan.needles} == proposed, option.approach
        if prop.notes:  # the thermal limit could not be met: only the thermocouple's alarm may be critical
            assert set(critical) <= {Code.TC_ALARM}, (option.approach, critical)
        else:
            assert not critical, (option.approach, critical)
        for n in session.plan.needles:
            t = np.linspace(0.0, 1.0, 200)[:, None]
            pts = np.asarray(n.entry_lps) + t * (np.asarray(n.tip_lps) - np.asarray(n.entry_lps))
            d = tree.query(pts)[0].min() - n.outer_diameter_mm / 2 - half_voxel
            assert d >= 1.0, (option.approach, n.side, d)
        while session.stack.index > base:
            session.stack.undo()
        assert not session.plan.needles


def test_tcia_l2_sphere_target(lumbar_volume, lumbar_canal):
    volume = lumbar_volume
    # inside the L2 body (tests/anatomy TCIA_L2_SEED_IJK): counted up from the sacrum (bodies at slices 17-27 L5,
    # 28-38 L4, 40-50 L3, 52-62 L2) and down from the last rib-bearing vertebra (T12 at 75-84), docs/levels.md
    centre = volume.to_lps(np.array((258, 272, 57), float))
    ref, _ = load_mask_npz(REFERENCE)
    _check(_session(volume, lumbar_canal, centre, "L2"), ref, "L2")


def _on_ct_grid(ct, seg, label):
    """A label of the segmentation (its own grid: y flipped) as a mask on the CT grid, through LPS."""
    kji = np.argwhere(seg.hu == label)
    ijk = np.round(ct.to_ijk(seg.to_lps(kji[:, ::-1].astype(float)))).astype(int)
    mask = np.zeros(ct.hu.shape, bool)
    mask[ijk[:, 2], ijk[:, 1], ijk[:, 0]] = True
    return mask


def test_t12_sphere_target(t11_t12_ct_dir, t11_t12_volume, t11_t12_canal):
    volume = t11_t12_volume
    seg = load_path(t11_t12_ct_dir.parent / "totalsegmentator_fast_labels.nii.gz")
    t12 = _on_ct_grid(volume, seg, 32)
    lps = volume.to_lps(np.argwhere(t12)[:, ::-1].astype(float))
    centre = lps[lps[:, 1] < np.percentile(lps[:, 1], 30)].mean(axis=0)  # the anterior part: the body
    _check(_session(volume, t11_t12_canal, centre, "T12"), _on_ct_grid(volume, seg, 79), "T12")
