"""access.mask_inside: the box prefilter gives the same answer as looking every point up (nearest voxel)."""

from __future__ import annotations

import numpy as np

from planner.core.volume import ImageVolume
from planner.planning.access import mask_inside


def test_mask_inside_equals_the_plain_lookup():
    rng = np.random.default_rng(3)
    a = np.radians(20.0)
    direction = np.array([[np.cos(a), -np.sin(a), 0.0], [np.sin(a), np.cos(a), 0.0], [0.0, 0.0, 1.0]])
    volume = ImageVolume(np.zeros((12, 30, 40), np.int16), spacing_mm=(0.8, 0.9, 2.5), origin_lps=(-10.0, 5.0, 30.0),
                         direction=direction)
    mask = np.zeros(volume.hu.shape, bool)
    mask[3:7, 10:18, 12:25] = rng.random((4, 8, 13)) > 0.3
    ijk = rng.uniform(-2, [42, 32, 14], size=(20000, 3))
    pts = volume.to_lps(ijk)
    idx = np.round(ijk).astype(int)
    ok = np.all((idx >= 0) & (idx < np.array(volume.shape_ijk)), axis=1)
    want = np.zeros(len(pts), bool)
    want[ok] = mask[idx[ok, 2], idx[ok, 1], idx[ok, 0]]
    assert want.sum() > 100
    assert np.array_equal(mask_inside(volume, mask)(pts), want)
    assert not mask_inside(volume, np.zeros_like(mask))(pts).any()
