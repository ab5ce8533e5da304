"""Issue 15, "release runs exactly one full evaluation": the worker's figures (and a corridor report) that
arrive after a needle's release are merged into the evaluation the release published
(``PlanningSession.merge_into_evaluation``, planner/session/evaluate_later.py) instead of a second full
evaluation; the merged evaluation equals a single synchronous full evaluation of the same plan
(``evaluate()`` without ``figures_later``, every per-zone figure computed afresh: ``forget_figures``).

A merge keeps the release's zones and safety analysis, so it must be refused when something the analysis
reads changed in between: an edit made while evaluation was held is evaluated in full.

The worker is played here by hand (its job run on this thread, then what the window's runner does on
the GUI thread: ``adopt_figures`` and ``evaluate_soon(analysis_kept=True)``); the window's own runner is
covered in tests/ui/test_release_one_evaluation.py."""

from __future__ import annotations

import numpy as np
import pytest

from planner.plan.commands import move_point
from planner.plan.document import PlanDocument
from planner.session.session import PlanningSession


@pytest.fixture(scope="module")
def base(sample_volume, sample_canal):
    from tests.export.conftest import demo_plan_with_level

    return sample_volume, np.array(sample_canal.mask, bool), demo_plan_with_level()


class Counting:
    """Wraps ``session.evaluate``: the ``corridors`` flag of every call (True: a full evaluation)."""

    def __init__(self, session):
        self.calls: list[bool] = []
        real = session.evaluate

        def counting(corridors: bool = True, **options):
            self.calls.append(corridors)
            return real(corridors=corridors, **options)

        session.evaluate = counting
        self.real = real

    def full(self) -> int:
        return sum(self.calls)


def _session(volume, mask, plan):
    asked = []
    session = PlanningSession()
    session.auto_anatomy = False  # the beyond-the-vertebra figures need no automatic vertebrae
    session.defer_corridors = True  # as in the window: corridor reports come from a worker
    session.figures_runner = lambda: asked.append(1)
    session.set_volume(volume)
    session.set_canal(mask.copy())
    doc = PlanDocument()
    doc.assign(plan)
    session.open_plan(doc, allow_mismatch=True)
    _worker(session)  # the plan's own figures, as the window's worker would
    return session, asked


def _worker(session) -> None:
    """What the window's evaluation runner does: the job (here, on this thread), then on the GUI thread."""
    job = session.figures_job()
    assert job is not None
    session.adopt_figures(job())
    session.evaluate_soon(analysis_kept=True)


def _drag(session, needle_id, delta_mm) -> None:
    """The views' drag protocol (planner.session.placement): begin, three moves, release."""
    start = np.asarray(session.plan.get(needle_id).tip_lps, float)
    session.begin_interaction()
    for t in (0.3, 0.6, 1.0):
        session.stack.push(move_point(needle_id, "tip_lps", tuple(start + t * np.asarray(delta_mm))))
    session.end_interaction()


def _same_as_one_full_evaluation(session, merged) -> None:
    """``merged`` equals a single synchronous full evaluation of the plan, from scratch."""
    session.forget_figures()
    session.figures_runner = None  # evaluates on the spot, everything computed here
    fresh = session.evaluate(corridors=True)
    assert merged.findings == fresh.findings  # the same findings, same order, same words
    assert merged.beyond and merged.beyond == fresh.beyond
    assert sorted((id(f.local), d) for f, d in merged.foramen_distances) == sorted(
        (id(f.local), d) for f, d in fresh.foramen_distances)
    assert merged.analysis.zone_volumes_ml == fresh.analysis.zone_volumes_ml
    assert merged.analysis.canal_signed_distance_mm == fresh.analysis.canal_signed_distance_mm
    assert merged.analysis.canal_overlap_ml == fresh.analysis.canal_overlap_ml
    assert set(merged.corridors) == set(fresh.corridors)
    assert merged.complete == fresh.complete


def test_release_then_figures_is_one_full_evaluation_equal_to_a_synchronous_one(base):
    session, asked = _session(*base)
    counting = Counting(session)
    asked.clear()
    needle = session.plan.needles[0]
    _drag(session, needle.id, [0.0, 0.0, 2.0])
    released = session.evaluation
    assert counting.full() == 1 and asked == [1]  # the release: one full evaluation, its figures to the worker
    assert not released.complete and set(released.beyond) != {a.id for a in session.plan.antennas}
    merges = session.merges
    _worker(session)
    assert counting.full() == 1, counting.calls  # the figures were merged, not evaluated again
    assert session.merges == merges + 1 and session.evaluation is not released
    merged = session.evaluation
    assert all(a is b for a, b in zip(merged.zones, released.zones)) and merged.analysis is released.analysis
    assert merged.request_id > released.request_id
    _same_as_one_full_evaluation(session, merged)


def test_a_corridor_report_after_the_release_is_merged_too(base):
    session, _ = _session(*base)
    needle = session.plan.needles[0]
    _drag(session, needle.id, [0.0, 0.0, -2.0])
    _worker(session)
    counting = Counting(session)
    for n in session.missing_corridors():  # the corridor worker's reports, one per needle that moved
        job, key = session.corridor_job(n)
        session.store_corridor(n.id, key, job())
    assert counting.calls == []  # merged: no evaluation at all
    merged = session.evaluation
    assert set(merged.corridors) == {n.id for n in session.plan.needles}
    _same_as_one_full_evaluation(session, merged)


def test_an_edit_while_evaluation_was_held_is_evaluated_in_full_not_merged(base):
    """The merge keeps the release's analysis: after a held edit that analysis is stale."""
    session, _ = _session(*base)
    needle = session.plan.needles[0]
    _drag(session, needle.id, [0.0, 0.0, 1.5])
    job = session.figures_job()
    figures = job()  # computed for the released plan
    counting = Counting(session)
    with session.held_evaluation():
        session.stack.push(move_point(needle.id, "tip_lps", tuple(np.asarray(needle.tip_lps) + [0.0, 0.0, 3.0])))
    assert counting.calls == []
    merges = session.merges
    session.adopt_figures(figures)
    session.evaluate_soon(analysis_kept=True)
    if session.figures_job() is not None:  # the moved zone's figures: the worker's next round
        _worker(session)
    assert session.merges == merges and counting.full() == 1, counting.calls  # in full, never merged
    evaluation = session.evaluation
    assert all(a is b for a, b in zip(session.zone_results(), evaluation.zones))  # for the plan as edited
    tip = np.asarray(session.plan.get(needle.id).tip_lps)
    assert np.allclose(tip, np.asarray(needle.tip_lps) + [0.0, 0.0, 3.0])
    _same_as_one_full_evaluation(session, evaluation)


def test_a_thermocouple_moved_while_evaluation_was_held_is_not_merged(base):
    """No zone changes, but the analysis predicted the thermocouple's temperature at its old tip: a
    report arriving afterwards must not be merged into that analysis."""
    session, _ = _session(*base)
    tc = session.plan.thermocouples[0]
    published = session.evaluation
    with session.held_evaluation():
        session.stack.push(move_point(tc.id, "tip_lps", tuple(np.asarray(tc.tip_lps) + [0.0, 0.0, 4.0])))
    counting = Counting(session)
    merges = session.merges
    session.evaluate_soon(analysis_kept=True)  # e.g. a bioheat result arriving
    assert session.merges == merges and counting.full() == 1, counting.calls
    assert session.evaluation.analysis is not published.analysis
    _same_as_one_full_evaluation(session, session.evaluation)
