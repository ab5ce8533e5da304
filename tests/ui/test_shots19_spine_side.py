"""Which side of its point an item label prefers (planner.ui.overlays.spine_x, label_rect): away from
the spine where the spine runs up the view or into it, no preference where it runs across it (screenshot
round of issue 19)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.ui import overlays

pytestmark = pytest.mark.gui


class _View:
    """A view mapping LPS to the screen by a fixed linear map (px = A @ lps + b)."""

    def __init__(self, a, b=(200.0, 150.0)):
        self.a, self.b = np.asarray(a, float), np.asarray(b, float)

    def lps_to_screen(self, lps):
        x, y = self.a @ np.asarray(lps, float) + self.b
        return float(x), float(y)


def test_where_the_spine_runs_across_the_view_the_side_rule_does_not_apply():
    """In an along-needle view that holds the head-feet axis the spine runs across the screen, so left
    and right of a point are along the spine, not away from it: no side is preferred there and a label
    stays right of its point (with the rule, the lumbar walkthrough's thermocouple reading went left,
    along the spine, and pushed L3's name beside L4's). Closed forms: 2 px/mm maps, z along screen x
    (across) or along screen y (up, the sagittal and coronal case), or into the screen (axial)."""
    centre = [(0.0, 0.0, 0.0)]
    point = (-30.0, 0.0, -30.0)  # right of the patient and below the centre
    across = _View([[0.0, 0.0, 2.0], [2.0, 0.0, 0.0]])  # screen x = 2 z: the spine runs across
    assert overlays.spine_x(across, centre, point) is None
    up = _View([[2.0, 0.0, 0.0], [0.0, 0.0, -2.0]])  # coronal-like: x = 2 L, y = -2 S
    assert overlays.spine_x(up, centre, point) == pytest.approx(200.0)
    axial = _View([[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]])  # z into the screen
    assert overlays.spine_x(axial, centre, point) == pytest.approx(200.0)
