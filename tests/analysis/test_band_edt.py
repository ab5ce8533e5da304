"""The corridor check's band distance field (planner.analysis.band_edt) against closed forms and against
scipy.ndimage.distance_transform_edt on the whole stack (an independent implementation, Maurer et al.)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from planner.analysis.band_edt import band_distance
from planner.analysis.corridor_distance import outside_distance_mm


def test_one_bone_voxel_gives_the_euclidean_distance_with_the_spacing():
    """Closed form: one set voxel at (k0, a0, b0); the distance at (k, a, b) is
    sqrt(((k-k0) s0)^2 + ((a-a0) s1)^2 + ((b-b0) s2)^2), and every point's nearest voxel is that one."""
    m = np.zeros((9, 11, 11), bool)
    m[2, 1, 8] = True
    s = (0.7, 0.25, 0.25)
    d, f = band_distance(m, 3, 8, s)
    k, a, b = np.meshgrid(np.arange(9), np.arange(3, 8), np.arange(3, 8), indexing="ij")
    expected = np.sqrt(((k - 2) * s[0]) ** 2 + ((a - 1) * s[1]) ** 2 + ((b - 8) * s[2]) ** 2)
    assert np.allclose(d, expected, rtol=0, atol=1e-12)
    assert (f[0] == 2).all() and (f[1] == 1).all() and (f[2] == 8).all()


def test_a_bone_plane_far_along_the_stack_and_none_in_plane():
    """Bone only in the last section: the distance is the section gap (n - 1 - k) * s0 at the band's
    points straight below a bone pixel."""
    m = np.zeros((30, 9, 9), bool)
    m[-1] = True
    d, _ = band_distance(m, 2, 7, (0.5, 0.25, 0.25))
    assert np.allclose(d, (29 - np.arange(30))[:, None, None] * 0.5 * np.ones((1, 5, 5)), atol=1e-12)


@pytest.mark.parametrize("shape,q,sampling", [((120, 33, 33), 0.5, (0.4987, 0.25, 0.25)),
                                              ((40, 73, 73), 0.8, (0.5, 0.25, 0.25)),
                                              ((60, 33, 33), 0.99, (0.3311, 0.25, 0.25))])
def test_same_distances_as_scipy_on_the_whole_stack(shape, q, sampling):
    rng = np.random.default_rng(shape[0])
    field = ndimage.gaussian_filter(rng.random(shape), (1, 3, 3))
    m = field > np.quantile(field, q)
    half = shape[1] // 2
    lo, hi = half - 7, half + 8
    dist, feat = ndimage.distance_transform_edt(~m, sampling=sampling, return_indices=True)
    d, f = band_distance(m, lo, hi, sampling)
    assert np.array_equal(d, dist[:, lo:hi, lo:hi])  # bit for bit here (unique or exactly tied nearest)
    assert m[f[0], f[1], f[2]].all()  # the returned voxel is bone and at that distance
    k, a, b = np.meshgrid(np.arange(shape[0]), np.arange(lo, hi), np.arange(lo, hi), indexing="ij")
    again = np.sqrt(((f[0] - k) * sampling[0]) ** 2 + ((f[1] - a) * sampling[1]) ** 2 + ((f[2] - b) * sampling[2]) ** 2)
    assert np.allclose(again, d, rtol=0, atol=1e-12)
    # outside_distance_mm's band: the same field, the voxel counted from lo in-plane
    out, near = outside_distance_mm(m, sampling[0], sampling[1], band=(lo, hi))
    assert np.array_equal(out, d) and np.array_equal(near[1:] + lo, f[1:])
