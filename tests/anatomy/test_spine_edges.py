"""The note on a vertebra cut by the scan's edge (planner/anatomy/spine_edges.py), on a made-up grid."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from planner.anatomy.levels import LevelGeometry
from planner.anatomy.spine_edges import _reach_mm, cut_vertebra_note
from planner.core.volume import ImageVolume

AXES = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


def _volume():
    """20 slices of 2 mm: voxel centres at z 0..38 mm, voxel edges at z -1 and 39 mm."""
    return ImageVolume(np.zeros((20, 8, 8), np.int16), (1.0, 1.0, 2.0), (0.0, 0.0, 0.0))


def _body(z, above=None, below=None):
    return LevelGeometry("", (3.0, 3.0, z), AXES, (3.0, 3.0, z), AXES[0], (3.0, 3.0, z + 13.0),
                         (3.0, 3.0, z - 13.0), 26.0, 40.0, 35.0, 30.0, 0.9, True,
                         next_above_mm=above, next_below_mm=below)


def test_the_ray_leaves_the_scan_at_its_voxel_edge():
    assert _reach_mm(_volume(), np.array([3.0, 3.0, 14.0]), np.array([0.0, 0.0, 1.0])) == pytest.approx(25.0)
    assert _reach_mm(_volume(), np.array([3.0, 3.0, 14.0]), np.array([0.0, 0.0, -1.0])) == pytest.approx(15.0)


def test_a_body_beginning_short_of_the_top_is_named_cut():
    note = cut_vertebra_note(_volume(), [_body(14.0, above=20.0)])  # 25 - 20 = 5 mm of it in the scan
    assert "top edge" in note and "about 5 mm" in note and "bottom" not in note
    assert cut_vertebra_note(_volume(), [_body(14.0, above=10.0)]) == ""  # 15 mm in: a body would be found
    assert cut_vertebra_note(_volume(), [_body(14.0)]) == ""  # no next body seen
    assert "bottom edge" in cut_vertebra_note(_volume(), [_body(14.0, below=10.0)])  # 15 - 10 = 5 mm
    assert cut_vertebra_note(_volume(), [replace(_body(14.0, above=20.0), complete=False)]) == ""
