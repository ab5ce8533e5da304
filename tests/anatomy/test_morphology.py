"""planner/anatomy/morphology.py gives exactly what scipy.ndimage.binary_fill_holes gives (the
reference), for 4- and 8-connected in-plane structures, on random masks of several densities and on
thin and single-slice arrays."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from planner.anatomy.morphology import fill_holes_in_plane


def _in_plane(connectivity: int) -> np.ndarray:
    st = np.zeros((3, 3, 3), bool)
    st[1] = ndimage.generate_binary_structure(2, connectivity)
    return st


@pytest.mark.parametrize("connectivity", [1, 2])
@pytest.mark.parametrize("density", [0.3, 0.5, 0.62, 0.75])
@pytest.mark.parametrize("shape", [(7, 40, 33), (1, 25, 25), (4, 1, 9), (3, 2, 2)])
def test_equals_scipy(connectivity, density, shape):
    rng = np.random.default_rng(int(density * 100) + connectivity + sum(shape))
    mask = rng.random(shape) < density
    st = _in_plane(connectivity)
    assert np.array_equal(fill_holes_in_plane(mask, st), ndimage.binary_fill_holes(mask, structure=st))


def test_a_ring_is_filled_and_an_open_ring_is_not():
    y, x = np.mgrid[-10:11, -10:11]
    ring = (x * x + y * y <= 64) & (x * x + y * y >= 25)
    open_ring = ring & ~((np.abs(y) <= 1) & (x > 0))
    out = fill_holes_in_plane(np.stack([ring, open_ring]), _in_plane(1))
    assert out[0].sum() == (x * x + y * y <= 64).sum()
    assert np.array_equal(out[1], open_ring)


def test_refuses_a_3d_structure():
    with pytest.raises(ValueError):
        fill_holes_in_plane(np.zeros((2, 3, 3), bool), np.ones((3, 3, 3), bool))
