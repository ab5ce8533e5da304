"""``levels_grid.unmixed_slices`` (issue 13, docs/levels.md "Thin slices"): which slices of a profile the
smoothing leaves free of the outside fill beyond the scan's last slice."""

from __future__ import annotations

import numpy as np

from planner.anatomy.levels_grid import UNMIXED_FRACTION, unmixed_slices

SIGMA_VOX = 1.0 / 1.5  # the automatic search: 1 mm Gaussian on its 1.5 mm grid


def _outside_weight(distance: int) -> float:
    """Share of a sampled, normalised 1-D Gaussian (scipy's: truncated at 4 sigma) that lies ``distance`` or
    more samples away on one side: what a slice that far inside the edge takes from beyond it."""
    r = int(4.0 * SIGMA_VOX + 0.5)
    x = np.arange(-r, r + 1)
    w = np.exp(-0.5 * (x / SIGMA_VOX) ** 2)
    return float(w[x >= distance].sum() / w.sum())


def test_a_grid_wholly_inside_keeps_every_slice():
    inside = np.ones((20, 12, 12), bool)
    core = np.zeros((12, 12), bool)
    core[3:9, 3:9] = True
    assert unmixed_slices(inside, core, SIGMA_VOX).all()


def test_the_slice_next_to_the_scans_edge_is_mixed_the_next_one_is_not():
    inside = np.ones((20, 12, 12), bool)
    inside[15:] = False  # beyond the scan's last slice (14)
    core = np.zeros((12, 12), bool)
    core[3:9, 3:9] = True
    assert 1.0 - _outside_weight(1) < UNMIXED_FRACTION < 1.0 - _outside_weight(2)  # about 0.81 and 0.996
    expected = np.zeros(20, bool)
    expected[:14] = True  # slice 14 is inside the scan but takes about a fifth of its smoothed HU from beyond
    assert np.array_equal(unmixed_slices(inside, core, SIGMA_VOX), expected)


def _core() -> np.ndarray:
    core = np.zeros((12, 12), bool)
    core[3:9, 3:9] = True
    return core


def test_outside_voxels_off_the_core_leave_every_slice_unmixed():
    """Only the core's smoothed share counts: outside voxels three columns from it (the Gaussian's reach,
    4 sigma = 2.7 voxels, truncated at 3) leave every slice's mean above 0.9999."""
    inside = np.ones((20, 12, 12), bool)
    inside[:, :, 0] = False  # column 0, three columns left of the core's first (3)
    assert unmixed_slices(inside, _core(), SIGMA_VOX).all()


def test_outside_voxels_on_the_core_mix_every_slice():
    """A step across the core's middle (columns 0-5 outside, 6-11 inside): the core's columns 3-8 lie
    symmetrically about the step at 5.5, so their smoothed mean is exactly one half (the kernel is
    symmetric), far under the 0.9 every slice would need."""
    inside = np.ones((20, 12, 12), bool)
    inside[:, :, :6] = False
    assert not unmixed_slices(inside, _core(), SIGMA_VOX).any()
