"""Issue 17: the proposal's speed-ups give the same numbers as the straightforward computations they replace.

- the corridor check samples the canal and foramen masks on a box around the needle's points
  (:func:`planner.analysis.corridor._sample_mask`) instead of converting the whole CT-sized mask at every
  check: the same values as nearest-voxel sampling of the whole mask, here written out with
  :func:`scipy.ndimage.map_coordinates`, for points inside, across the edge of and outside the grid;
- the CTV's sample points (:func:`planner.planning.propose._sample_points`) are the voxels of the mask on
  the sub-grid, in the same order as ``argwhere(mask & sub-grid)``.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from planner.analysis.corridor import _sample_mask
from planner.core.frames import kji_to_ijk, map_coordinates_kji
from planner.planning.propose import _sample_points


def _whole_mask(mask, volume, points_lps):
    coords = map_coordinates_kji(volume.to_ijk(points_lps.reshape(-1, 3)))
    return ndimage.map_coordinates(mask.astype(np.uint8), coords, order=0, mode="constant",
                                   cval=0).reshape(points_lps.shape[:-1]).astype(bool)


def test_mask_sampled_on_a_box_equals_the_whole_mask(sample, sample_l2):
    volume, labels, _, canal = sample
    rng = np.random.default_rng(17)
    shape_ijk = np.array(volume.shape_ijk, float)
    centre = volume.to_lps(kji_to_ijk(np.argwhere(canal).mean(axis=0)[None]))[0]
    cases = [
        centre + rng.normal(0.0, 15.0, (40, 25, 3)),                                   # around the canal
        volume.to_lps(rng.uniform(-3.0, shape_ijk + 3.0, (5000, 3))),                   # the grid and beyond its edges
        volume.to_lps(rng.uniform(-0.6, 0.6, (500, 3)) + rng.integers(0, 2, (500, 3)) * (shape_ijk - 1)),  # corners
        volume.to_lps(np.array([[-5.0, -5.0, -5.0], [-9.0, 3.0, 2.0]])),                # all outside one side
    ]
    for mask in (canal, labels == 10):
        for pts in cases:
            np.testing.assert_array_equal(_sample_mask(mask, volume, pts), _whole_mask(mask, volume, pts))


def test_ctv_sample_points_are_the_sub_grid_voxels_in_order(sample):
    volume, labels, _, _ = sample
    for mask, mm in ((labels == 10, 1.5), (labels == 10, 4.0), (labels > 0, 2.0)):
        step = [max(int(round(mm / s)), 1) for s in np.asarray(volume.spacing_mm, float)[::-1]]
        sub = np.zeros(mask.shape, bool)
        sub[:: step[0], :: step[1], :: step[2]] = True
        kji = np.argwhere(mask & sub)
        if len(kji) < 50:
            kji = np.argwhere(mask)
        np.testing.assert_array_equal(_sample_points(volume, mask, mm), volume.to_lps(kji_to_ijk(kji).astype(float)))


def test_a_sectors_voxels_are_found_in_the_labelled_box_as_in_the_whole_grid():
    """access._voxels_of (pedicle_axis' voxels): the same indices, in the same order, as np.nonzero."""
    from planner.planning.access import _voxels_of

    rng = np.random.default_rng(1)
    labels = np.zeros((30, 60, 70), np.uint8)
    labels[5:20, 10:40, 30:66] = rng.integers(0, 7, (15, 30, 36))
    for label in (1, 2, 6, 9):
        got, want = _voxels_of(labels, label), np.nonzero(labels == label)
        assert all(np.array_equal(a, b) for a, b in zip(got, want)) and (label == 9 or len(want[0]) > 100)
    assert all(len(a) == 0 for a in _voxels_of(np.zeros((3, 4, 5), np.uint8), 2))
