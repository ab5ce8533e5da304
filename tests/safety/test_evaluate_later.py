"""The evaluation a worker's result asks for has its heavy figures computed elsewhere (issue 19,
planner/session/evaluate_later.py): with a ``figures_runner`` set, a corridor report or a bioheat result
stored on the GUI thread evaluates nothing there; the figures computed by the job are adopted only while
the plan still wants them (a zone moved meanwhile drops its figure); the evaluation then published equals
the one a session evaluating everything on the spot gives (the reference: a fresh session, no runner)."""

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


def _session(volume, mask, plan, runner=None) -> PlanningSession:
    session = PlanningSession()
    session.auto_anatomy = False  # the beyond-the-vertebra figures need no automatic vertebrae
    session.defer_corridors = True
    session.figures_runner = runner
    session.set_volume(volume)
    session.set_canal(mask.copy())
    doc = PlanDocument()
    doc.assign(plan)
    session.open_plan(doc, allow_mismatch=True)
    return session


def _corridor_result(session):
    needle = session.plan.needles[0]
    job, key = session.corridor_job(needle)
    return needle.id, key, job()


def _summary(evaluation):
    beyond = {a: (round(b.outside_ml, 6), round(b.max_beyond_mm, 6)) for a, b in evaluation.beyond.items()}
    return beyond, sorted((str(f.code), f.item_id, f.message) for f in evaluation.findings)


def test_a_stored_corridor_report_evaluates_in_the_runner_and_equals_an_evaluation_on_the_spot(base):
    volume, mask, plan = base
    asked = []
    session = _session(volume, mask, plan, runner=lambda: asked.append(1))
    assert session.plan.antennas  # the demo plan has zones: figures to compute
    assert asked == [1]  # opening the plan left its zones' figures to the worker as well (a plan edit)
    asked.clear()
    session.forget_figures()  # as after an edit of the anatomy: every zone's figures are missing
    before = session.evaluation
    needle_id, key, report = _corridor_result(session)
    session.store_corridor(needle_id, key, report)
    assert asked == [1] and session.evaluation is before  # nothing evaluated on the calling thread
    job = session.figures_job()
    assert job is not None
    figures = job()  # what the worker computes
    assert figures[0] is volume and len(figures[1]) == len(session.plan.antennas)
    assert session.adopt_figures(figures) >= len(session.plan.antennas)
    assert session.figures_job() is None  # nothing heavy left
    session.evaluate_soon()  # the runner's second call: publishes from the caches
    assert session.evaluation is not before and asked == [1]

    reference = _session(volume, mask, plan)  # no runner: evaluates on the spot, as before
    reference.store_corridor(*_corridor_result(reference))
    assert _summary(session.evaluation) == _summary(reference.evaluation)
    assert session.evaluation.beyond  # the figures under comparison exist


def test_figures_for_a_zone_moved_meanwhile_are_dropped(base):
    volume, mask, plan = base
    session = _session(volume, mask, plan, runner=lambda: None)
    session.forget_figures()
    job = session.figures_job()
    antenna = session.plan.antennas[0]
    needle = session.plan.get(antenna.needle_id)
    session.auto_evaluate = False  # the edit's own evaluation is not under test
    session.stack.push(move_point(needle.id, "tip_lps", tuple(np.asarray(needle.tip_lps) + [0.0, 0.0, 3.0])))
    session.auto_evaluate = True
    kept = session.adopt_figures(job())  # computed for the plan before the move
    moved = [a.id for a in session.plan.antennas if a.needle_id == needle.id]
    beyond_missing, _ = session._zone_anatomy.pending(session.zone_results(), ())
    assert {a for a, *_ in beyond_missing} == set(moved)  # the moved zone's old figure was not kept
    assert kept == len(session.plan.antennas) - len(moved)
    figures = session.figures_job()()  # the runner's next round, for the moved zone
    session.adopt_figures(figures)
    session.evaluate_soon()
    reference = _session(volume, mask, session.plan)
    assert _summary(session.evaluation)[0] == _summary(reference.evaluation)[0]


def test_a_bioheat_result_evaluates_in_the_runner_and_without_one_on_the_spot(base):
    volume, mask, plan = base
    asked = []
    session = _session(volume, mask, plan, runner=lambda: asked.append(1))
    asked.clear()  # opening the plan asked for its figures (see the first test)
    session.forget_figures()
    before = session.evaluation
    session.store_thermal(session.thermal_key(), {}, (), None)
    assert asked == [1] and session.evaluation is before
    plain = _session(volume, mask, plan)
    plain.forget_figures()
    before = plain.evaluation
    plain.store_thermal(plain.thermal_key(), {}, (), None)
    assert plain.evaluation is not before  # no runner (headless): evaluated there and then, as before
