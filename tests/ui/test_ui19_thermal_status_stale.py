"""Issue 19 (screenshot round): the Temperatures dock said "No antenna in the plan: nothing to compute."
beside a plan with two antennas. The window had been evaluated with the empty plan on loading the scan,
then a plan with antennas was opened and checked without the corridors (an incomplete evaluation, which
starts no bioheat run); the old message stayed. The dock must not deny antennas the plan has."""

from __future__ import annotations

import pytest

from planner.ui.thermal_dock import NO_ANTENNA_TEXT, PENDING_TEXT
from tests.ui.test_labels_lumbar_plan import planned  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.gui, pytest.mark.realdata]


def test_the_dock_does_not_say_no_antenna_beside_a_plan_with_antennas(planned):  # noqa: F811
    w = planned
    assert len(w.session.plan.antennas) == 2
    status = w.thermal.panel.status.text()
    assert status != NO_ANTENNA_TEXT
    if w.session.thermal.current(w.session) is None and not w.thermal.runner.is_busy():
        assert status == PENDING_TEXT  # nothing computed for this plan yet, and the dock says so
