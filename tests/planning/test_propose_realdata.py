"""Proposals on the real scans: a 15 mm sphere target in a vertebral body (each proposal made once per module).

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
from planner.planning.propose import ProposeParams
from planner.session.session import PlanningSession
from planner.session.proposal_inputs import proposal_corridor_inputs
from planner.session.whole_target import add_option_command, ctv_case
from tests.target_session import target_session
from tests.ts_labels import labels_on_ct

pytestmark = pytest.mark.realdata
REFERENCE = Path(__file__).parents[1] / "data" / "tcia_lumbar_canal_reference" / "canal_reference.npz"
FAST = ProposeParams(powers_w=(20.0, 30.0), times_s=(120.0, 180.0), extensions_mm=(15.0, 20.0))


def _propose(session, level):
    """(case, proposal) for the session's target at ``level``, as the headless command runs it."""
    from planner.ablation.devices import load_library
    from planner.planning.propose import propose

    case = ctv_case(session, level)
    session.evaluate()  # the neural foramina of this canal, which the trajectories must avoid
    prop = propose(session.volume, case.sectors, case.ctv, case.gtv, session.canal_mask,
                   load_library().get("generic-mw-2450-1.6"), FAST, foramen_mask=session.foramen_mask,
                   corridor=proposal_corridor_inputs(session, case.level))
    return case, prop


def _check(session, case, prop, reference_mask):
    assert prop.options
    k = np.argwhere(reference_mask)
    tree = cKDTree(session.volume.to_lps(k[:, ::-1].astype(float)))
    half_voxel = 0.5 * float(max(session.volume.spacing_mm[:2]))  # voxel centre to its in-plane edge
    for option in prop.options:
        base = session.stack.index
        session.stack.push(add_option_command(session, option, case))
        try:
            _check_added(session, prop, option, tree, half_voxel)
        finally:  # a failed option must not stay in the module's shared session
            while session.stack.index > base:
                session.stack.undo()
        assert not session.plan.needles


def _check_added(session, prop, option, tree, half_voxel):
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


@pytest.fixture(scope="module")
def tcia_l2(lumbar_volume, lumbar_canal):
    """(session, case, proposal, independent canal mask) for a 15 mm sphere in the TCIA L2 body (once)."""
    volume = lumbar_volume
    # inside the L2 body (tests/anatomy TCIA_L2_SEED_IJK): counted up from the sacrum (bodies at slices 17-27 L5,
    # 28-38 L4, 40-50 L3, 52-62 L2) and down from the last rib-bearing vertebra (T12 at 75-84), docs/levels.md
    centre = volume.to_lps(np.array((258, 272, 57), float))
    session = target_session(volume, lumbar_canal, centre, "L2")
    ref, _ = load_mask_npz(REFERENCE)
    return (session, *_propose(session, "L2"), ref)


@pytest.fixture(scope="module")
def t12(t11_t12_ct_dir, t11_t12_volume, t11_t12_canal):
    """The same on the T11-T12 scan's T12: the sphere in the front of the body (TotalSegmentator's T12
    label, its anterior 30 %), TotalSegmentator's spinal cord as the independent canal stand-in."""
    volume = t11_t12_volume
    seg = load_path(t11_t12_ct_dir.parent / "totalsegmentator_fast_labels.nii.gz")
    t12 = labels_on_ct(volume, seg, 32)
    lps = volume.to_lps(np.argwhere(t12)[:, ::-1].astype(float))
    centre = lps[lps[:, 1] < np.percentile(lps[:, 1], 30)].mean(axis=0)  # the anterior part: the body
    session = target_session(volume, t11_t12_canal, centre, "T12")
    return (session, *_propose(session, "T12"), labels_on_ct(volume, seg, 79))


def test_tcia_l2_sphere_target(tcia_l2):
    _check(*tcia_l2)


def test_t12_sphere_target(t12):
    _check(*t12)


def _sphere_points(centre_lps, radius_mm: float, step_mm: float = 0.25) -> np.ndarray:
    """Points of a regular ``step_mm`` grid inside the sphere: the closed-form target, not the CT grid."""
    g = np.arange(-radius_mm + step_mm / 2, radius_mm, step_mm)
    off = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3)
    return np.asarray(centre_lps, float) + off[(off**2).sum(axis=1) <= radius_mm**2]


@pytest.mark.parametrize("name", ["tcia_l2", "t12"])
def test_best_option_target_coverage_agrees_with_independent_counts(name, request):
    """Issue 17: "its CTV coverage" and ``target_coverage_pct``. The best option's target coverage is above
    0 (on T12 every option once covered 0 %: the search, counting bone from a fixed 200 HU, refused the
    low-density pedicles, and the zones of the lateral lines left could not reach the midline sphere) and
    agrees within 2 points with (a) a count of the closed-form sphere's points (0.25 mm grid) inside the
    zones the session predicts once the option is added, the ellipsoid test written out here, and (b) the
    session's own analysis of that plan (what ``analyze`` reports for the ``--write`` file)."""
    session, case, prop, _ = request.getfixturevalue(name)
    best = prop.options[0]
    target = session.plan.targets[0]
    base = session.stack.index
    session.stack.push(add_option_command(session, best, case))
    try:
        ev = session.evaluate(corridors=False)
        zones = [z.ellipsoid for z in ev.planned_zones]
        analysed = float(ev.analysis.coverage_percent)
    finally:
        while session.stack.index > base:
            session.stack.undo()
    assert len(zones) == len(best.needles)
    pts = _sphere_points(target.centre_lps, float(target.semi_axes_mm[0]))
    inside = np.zeros(len(pts), bool)
    for z in zones:
        y = ((pts - z.centre_lps) @ np.asarray(z.axes).T) / np.asarray(z.semi_axes_mm)
        inside |= (y * y).sum(axis=1) <= 1.0
    counted = 100.0 * inside.mean()
    assert best.target_coverage_pct > 0.0
    assert abs(best.target_coverage_pct - counted) <= 2.0, (best.target_coverage_pct, counted)
    assert abs(best.target_coverage_pct - analysed) <= 2.0, (best.target_coverage_pct, analysed)


def test_t12_search_counts_bone_as_the_recheck_does(t12):
    """Issue 17: the search's corridor check read a fixed 200 HU cancellous threshold while the session's
    check (and the proposal's full re-check) reads the linked vertebra's marrow-adapted one (about 100 HU
    on this osteoporotic T12, planner/analysis/marrow.py). With 200 HU the search graded the pedicle
    interior as outside the bone and refused both lines down the pedicles' own axes (no allowed tip)
    although the session's full check then found the left one free of any critical finding. Now the
    search's breaches are shallower than at 200 HU. (Since the breach became a 3-D distance, the full
    check itself refuses both axis lines, the left for a 2.23 mm medial breach, and so does the
    search, which may only be conservative: the next test checks its allowed tips across the fans.)"""
    from planner.planning.access import AccessParams
    from planner.planning.reach import prepare_lines

    session, case, _, _ = t12
    volume = session.volume
    inputs = proposal_corridor_inputs(session, case.level)
    assert inputs.params.cancellous_hu < 200.0  # the premise: this T12's marrow is below the default
    axis_only = AccessParams(span_deg=0.0, cc_span_deg=0.0, pivot_shifts_mm=(0.0,))  # one line per side
    lines = prepare_lines(volume, case.sectors, session.canal_mask, session.foramen_mask, axis_only, 15.0,
                          lesion_mask=case.gtv, corridor=inputs)

    def on_axis(lines):
        return [line for side in ("left", "right") for line in lines[side] if line.approach == "transpedicular"]

    assert len(on_axis(lines)) == 2
    fixed = prepare_lines(volume, case.sectors, session.canal_mask, session.foramen_mask, axis_only, 15.0,
                          lesion_mask=case.gtv)  # no session inputs: the default 200 HU, as the search had
    # with 200 HU the low-density pedicle reads as outside the bone: on each side the line's deepest breach is
    # deeper than with the session's threshold (while breaches were measured in each cross-section's plane,
    # no tip was allowed at all; with the 3-D distance and the measured T12 body the allowed tips can be the
    # same, so the breach depth itself is compared)
    worst = {x.side: x.report.max_breach_mm for x in on_axis(lines) if x.report is not None}
    worst_fixed = {x.side: x.report.max_breach_mm for x in on_axis(fixed) if x.report is not None}
    assert set(worst) == set(worst_fixed) == {"left", "right"}
    assert all(worst_fixed[side] > worst[side] for side in worst), (worst_fixed, worst)


def test_t12_search_allows_only_tips_the_full_recheck_passes(t12):
    """Issue 17: every line of T12's fans the search allows passes the full re-check (the session's corridor
    check) at its deepest allowed tip: the search's narrower check is conservative
    (:func:`planner.planning.access.conservative_limits`). Before, it read <= 1.54 mm on the left pedicle's
    axis line where the full check reads a 2.23 mm medial breach 45-48.5 mm from the entry (its narrow
    window held no bone there and left those sections unassessed), and on lines crossing the lamina before
    the pedicle (first contact 22 mm from the entry, before the search's start 30 mm behind the pivot)
    the full check found medial breaches of 5.7-7.8 mm the search never assessed (8 of 68 tips refused)."""
    from planner.planning.access import AccessParams, mask_inside
    from planner.planning.reach import prepare_lines
    from planner.planning.recheck import FullCheck
    session, case, _, _ = t12
    inputs = proposal_corridor_inputs(session, case.level)
    params = AccessParams()
    lines = prepare_lines(session.volume, case.sectors, session.canal_mask, session.foramen_mask, params, 15.0,
                          lesion_mask=case.gtv, corridor=inputs)
    full = FullCheck(session.volume, case.sectors.frame.level.axes, session.canal_mask, session.foramen_mask,
                     params.outer_diameter_mm, mask_inside(session.volume, case.gtv), inputs)
    allowed = [line for side in ("left", "right") for line in lines[side] if len(line.tip_depths_mm)]
    assert {line.side for line in allowed} == {"left", "right"}  # not refusing everything
    for line in allowed:
        deepest = line.tip(float(line.tip_depths_mm.max()))
        assert full.failure(line.side, line.entry_lps, deepest) == "", (line.side, line.approach)
        # the search assesses breaches from no later than the full check does (up to its 0.5 mm axial step)
        searched, checked = line.report.breach_profile_mm, full.report(line.side, line.entry_lps, deepest)
        if np.isfinite(checked.breach_profile_mm).any():
            first_full = checked.depths_mm[np.argmax(np.isfinite(checked.breach_profile_mm))]
            first_search = line.check_start_mm + line.report.depths_mm[np.argmax(np.isfinite(searched))]
            assert np.isfinite(searched).any() and first_search <= first_full + 0.5, (first_search, first_full)


#: The right needle T12's best option had before issue 17's corridor fix (entry and tip, LPS mm): a line
#: across the gap between the articular process and the pedicle behind the canal's lateral edge.
T12_RIGHT_LINE = (np.array([-21.8, -28.0, -781.6]), np.array([-21.8, -116.2, -789.3]))


def test_t12_breach_is_a_stable_function_of_the_line(t12):
    """Issue 17: lines 0.25 mm apart (moved along the level's head axis) get breaches that change by at most
    the shift plus the resampling (0.5 mm) and grades that change by at most one. Measured in each
    cross-section's plane only, this family read 4.8, 4.6, 8.4, 8.2, 8.9 mm (the gap's nearest bone lies
    ahead and behind, so the value was whatever bone the window beside it held)."""
    from planner.planning.access import mask_inside
    from planner.planning.recheck import FullCheck

    session, case, _, _ = t12
    full = FullCheck(session.volume, case.sectors.frame.level.axes, session.canal_mask, session.foramen_mask,
                     2.41, mask_inside(session.volume, case.gtv), proposal_corridor_inputs(session, case.level))
    head = np.asarray(case.sectors.frame.level.axes[2])
    reports = [full.report("right", T12_RIGHT_LINE[0] + s * head, T12_RIGHT_LINE[1] + s * head)
               for s in np.arange(-2.0, -0.99, 0.25)]
    breach = np.array([r.max_breach_mm for r in reports])
    grades = np.array([r.grade for r in reports])
    assert np.all(np.abs(np.diff(breach)) <= 0.25 + 0.5), breach
    assert np.all(np.abs(np.diff(grades)) <= 1), grades


def test_t12_write_then_analyze_with_empty_uids(t12, t11_t12_ct_dir, tmp_path, capsys, lumbar_volume):
    """Issue 17: ``propose --write`` on the T11-T12 scan copies its empty Study and Series Instance UIDs into
    the plan; ``analyze`` still matches the plan to the series (by its Frame of Reference UID, the one UID
    the scan has) and reads the option's needles; the same plan on another scan is refused in words."""
    import json

    from planner.cli import main
    from planner.core.errors import PlanError
    from planner.headless.propose import write_option
    from planner.plan.io import read_plan

    session, case, prop, _ = t12
    out = tmp_path / "t12_plan.json"
    base = session.stack.index
    try:
        write_option(session, case, prop, out)
    finally:
        while session.stack.index > base:
            session.stack.undo()
    plan = read_plan(out)
    assert plan.series.study_instance_uid == "" and plan.series.series_instance_uid == ""
    assert plan.series.frame_of_reference_uid == session.volume.info.frame_of_reference_uid != ""
    assert len(plan.needles) == len(prop.options[0].needles)
    assert main(["analyze", str(t11_t12_ct_dir), "--plan", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["zones"]) == len(prop.options[0].needles)
    other = PlanningSession()
    other.auto_evaluate = False
    other.set_volume(lumbar_volume)
    with pytest.raises(PlanError, match="frame of reference"):
        other.open_plan(plan)


@pytest.mark.parametrize("name", ["tcia_l2", "t12"])
def test_every_approach_without_an_option_has_a_note_saying_why(name, request):
    """Screenshot round of issue 17: a lesion got fewer than the three approaches (unipedicular left and
    right, bipedicular) with no word on the rest. Each approach with no option is named in one note, and an
    approach with an option in none."""
    _session, _case, prop, _ = request.getfixturevalue(name)
    offered = {o.approach for o in prop.options}
    for approach, words in (("unipedicular left", "No left option"), ("unipedicular right", "No right option"),
                            ("bipedicular", "No bipedicular")):
        named = [n for n in prop.notes if n.startswith(words)]
        assert len(named) == (0 if approach in offered else 1), (approach, prop.notes)
    if len(prop.options) == 1:
        assert prop.options[0].why.startswith("the only option found")


@pytest.mark.parametrize("name", ["tcia_l2", "t12"])
def test_a_proposal_that_covers_little_of_the_lesion_says_so(name, request):
    """Screenshot round of issue 17: options covering a few percent of the lesion were offered without a word."""
    from planner.planning.propose_words import LESION_NOTE_PCT

    _session, _case, prop, _ = request.getfixturevalue(name)
    best = max(o.target_coverage_pct for o in prop.options)
    said = [n for n in prop.notes if n.startswith("No option covers more than")]
    assert len(said) == (1 if best < LESION_NOTE_PCT else 0), (best, prop.notes)
    if said:
        assert f"{best:.0f}%" in said[0]
