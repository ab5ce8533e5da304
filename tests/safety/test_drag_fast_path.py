"""Issue 15, "dragging is cheap, release is exact", on the shared real lumbar scan with two needles
(antennas) and two thermocouples, as in benchmarks/bench_drag.py: a drag move computes the zone and the
canal and foramen distances of the moved antenna only (the other zone's are kept), its figures equal a
search over both zones at once (the union, planner/analysis/overlap.py and foramen_rules.py), the
release runs exactly one full evaluation, and what it shows equals a fresh evaluation of the same plan."""

from __future__ import annotations

import numpy as np
import pytest

from planner.analysis.analyze import analyze
from planner.analysis.foramen_rules import foramen_distance_mm
from planner.plan import commands
from planner.plan.items import Antenna, Needle, Thermocouple
from planner.session.session import PlanningSession

pytestmark = pytest.mark.realdata


class Frame:
    """What the window's frame coalescer does for the session: jobs asked for during a frame run once
    when it ends (:meth:`end`)."""

    def __init__(self):
        self.jobs = []

    def __call__(self, fn) -> None:
        if fn not in self.jobs:
            self.jobs.append(fn)

    def end(self) -> None:
        jobs, self.jobs = self.jobs, []
        for fn in jobs:
            fn()


@pytest.fixture(scope="module")
def lumbar_session(lumbar_volume, lumbar_canal):
    """A session on the lumbar scan with its canal and foramina, two bipedicular needles with antennas
    (tips 28 mm in front of the canal's centre, 8 mm either side) and two thermocouples beside the canal."""
    s = PlanningSession()
    s.defer_corridors = True  # corridor checks belong to the app's worker (seconds): not part of this
    s.auto_anatomy = True
    s.set_volume(lumbar_volume)
    s.set_canal(np.array(lumbar_canal.mask, bool))
    s.foramina.compute(s.volume, s.canal_mask, s.canal.version)
    mask = s.canal_mask
    k = int(np.median(np.nonzero(mask.any(axis=(1, 2)))[0]))
    j, i = np.nonzero(mask[k])
    centre = lumbar_volume.to_lps([float(i.mean()), float(j.mean()), float(k)])
    for sign in (-1.0, 1.0):
        tip = centre + np.array([sign * 8.0, -28.0, 0.0])
        needle = Needle(tuple(tip + np.array([sign * 45.0, 80.0, 0.0])), tuple(tip), side="right" if sign < 0 else "left")
        s.stack.push(commands.add_item(needle))
        s.stack.push(commands.add_item(Antenna(needle_id=needle.id, power_w=30, time_s=210)))
        tc_tip = centre + np.array([sign * 14.0, 0.0, 4.0])
        s.stack.push(commands.add_item(Thermocouple(tuple(tc_tip + (sign * 30.0, 60.0, 0.0)), tuple(tc_tip))))
    assert s.named_foramina(), "the lumbar scan's foramina are found beside its canal"
    return s


def _union_figures(s, evaluation):
    """The reference: the canal distance and each foramen's distance searched over all zones at once."""
    zones = evaluation.planned_zones
    tips = {t.id: t.tip_lps for t in s.plan.thermocouples}
    union = analyze(s.grid, s._canal, zones, thermocouple_tips=tips, thresholds=s.thresholds)
    foramina = {(f.side, f.box[0].start): foramen_distance_mm(s.grid, zones, f) for f, _d in evaluation.foramen_distances}
    return union, foramina


def _drag(s, frame, needle_id, moves: int, step_mm: float = 0.3):
    start = np.asarray(s.plan.get(needle_id).tip_lps, float)
    for n in range(1, moves + 1):
        s.stack.push(commands.move_point(needle_id, "tip_lps", start + [n * step_mm, 0.0, 0.0]))
        frame.end()
        yield s.evaluation


def test_a_drag_move_computes_only_the_moved_zone(lumbar_session, monkeypatch):
    """Spied where any implementation must pass: the zone of an antenna is made by
    ``zone_for_antenna``, and an exact distance to a zone (canal, foramina) is its
    ``Ellipsoid.signed_distance``. Before issue 15 both zones were made and measured at every move."""
    import planner.ablation.zones as zones_module
    from planner.geometry.shapes import Ellipsoid

    s, frame = lumbar_session, Frame()
    s.schedule = frame
    s.evaluate(corridors=False)
    moved, kept = s.plan.needles[0], s.plan.needles[1]
    kept_centre = tuple(s.evaluation.zone_for(s.plan.antenna_for(kept.id).id).zone.ellipsoid.centre_lps)
    zones_made, measured = [], []
    real_zone, real_distance = zones_module.zone_for_antenna, Ellipsoid.signed_distance

    def zone_for_antenna(tip_lps, *args, **kwargs):
        zones_made.append(tuple(np.asarray(tip_lps, float)))
        return real_zone(tip_lps, *args, **kwargs)

    def signed_distance(self, points):
        measured.append(tuple(self.centre_lps))
        return real_distance(self, points)

    monkeypatch.setattr(zones_module, "zone_for_antenna", zone_for_antenna)
    monkeypatch.setattr(Ellipsoid, "signed_distance", signed_distance)
    s.begin_interaction()
    try:
        evaluations = list(_drag(s, frame, moved.id, moves=5))
    finally:
        s.end_interaction()
        s.schedule = None
    assert len({e.request_id for e in evaluations}) == 5  # one evaluation per frame
    assert len(zones_made) == 5  # one zone per move (the release reuses the last move's zone)
    assert measured and kept_centre not in measured  # the kept zone's distances are never measured again


def test_the_drag_figures_equal_a_search_over_both_zones(lumbar_session):
    s, frame = lumbar_session, Frame()
    s.schedule = frame
    s.begin_interaction()
    try:
        for evaluation in _drag(s, frame, s.plan.needles[1].id, moves=4, step_mm=-0.7):
            union, foramina = _union_figures(s, evaluation)
            a = evaluation.analysis
            assert a.canal_signed_distance_mm == pytest.approx(union.canal_signed_distance_mm, abs=1e-9)
            assert a.canal_overlap_ml == union.canal_overlap_ml
            assert [t.predicted_temperature_c for t in a.thermocouples] == [
                t.predicted_temperature_c for t in union.thermocouples]
            for f, d in evaluation.foramen_distances:
                assert d == pytest.approx(foramina[(f.side, f.box[0].start)], abs=1e-9)
    finally:
        s.end_interaction()
        s.schedule = None


def test_release_runs_one_full_evaluation_equal_to_a_fresh_one(lumbar_session, monkeypatch):
    s, frame = lumbar_session, Frame()
    s.schedule = frame
    calls = []
    real = s.evaluate

    def counting(corridors: bool = True, **options):
        calls.append(corridors)
        return real(corridors=corridors, **options)

    monkeypatch.setattr(s, "evaluate", counting)
    s.begin_interaction()
    needle = s.plan.needles[0]
    start = np.asarray(needle.tip_lps, float)
    for n in (1, 2, 3):
        s.stack.push(commands.move_point(needle.id, "tip_lps", start + [0.0, 0.0, 0.5 * n]))
    frame.end()  # the frame's one evaluation for the three moves
    s.stack.push(commands.move_point(needle.id, "tip_lps", start + [0.0, 0.0, 2.0]))  # pending at release
    assert calls == [False]
    s.end_interaction()
    frame.end()  # the pending drag evaluation was dropped: the release's full one supersedes it
    s.schedule = None
    assert calls == [False, True]
    released = s.evaluation
    assert s.stack.undo_text  # the drag is one undo step
    s.forget_figures()
    fresh = real(corridors=True)
    assert fresh.analysis.canal_signed_distance_mm == released.analysis.canal_signed_distance_mm
    assert fresh.analysis.zone_volumes_ml == released.analysis.zone_volumes_ml
    assert [(f.side, d) for f, d in fresh.foramen_distances] == [(f.side, d) for f, d in released.foramen_distances]
    assert [f.message for f in fresh.findings] == [f.message for f in released.findings]
