"""The fast kernels of issue 13 give exactly scipy's arrays (the reference): planner/anatomy/morphology.py
what ``scipy.ndimage.binary_fill_holes`` gives, for 4- and 8-connected in-plane structures, on random
masks of several densities and on thin and single-slice arrays; planner/anatomy/resample_kernel.py what
``scipy.ndimage.affine_transform`` (order 1, NaN outside) gives, bit for bit, on oblique grids and at
the edges."""

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


# --- planner/anatomy/resample_kernel.py: bit for bit what scipy's affine_transform (order 1) gives ---
from planner.anatomy.resample_kernel import affine_linear  # noqa: E402


def _scipy_linear(src, m, off, shape):
    return ndimage.affine_transform(src, m, offset=off, output_shape=shape, output=np.float32, order=1,
                                    mode="constant", cval=np.nan)


@pytest.mark.parametrize("dtype", [np.int16, np.float32])
def test_affine_linear_equals_scipy_on_oblique_grids(dtype):
    rng = np.random.default_rng(7)
    src = rng.integers(-1000, 2000, (40, 50, 45)).astype(dtype)
    inside = outside = 0
    for _ in range(12):
        q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
        m = q * rng.uniform(0.4, 2.5)
        centre_out = np.array([10.0, 12.5, 11.0])
        off = np.array(src.shape) / 2 + rng.uniform(-12, 12, 3) - m @ centre_out  # grids around the middle
        ref, got = _scipy_linear(src, m, off, (21, 26, 23)), affine_linear(src, m, off, (21, 26, 23))
        assert np.array_equal(ref, got, equal_nan=True)
        inside, outside = inside + np.isfinite(ref).sum(), outside + np.isnan(ref).sum()
    assert inside > 10000 and outside > 1000  # both inside and outside points were tested


def test_affine_linear_equals_scipy_at_the_edges():
    src = np.random.default_rng(8).integers(-1000, 2000, (9, 11, 10)).astype(np.int16)
    for m, off, shape in [(np.eye(3), np.zeros(3), src.shape), (np.eye(3), np.full(3, 1e-9), src.shape),
                          (np.eye(3), np.full(3, -1e-9), src.shape), (0.5 * np.eye(3), np.array([-0.5, 0.25, 8.5]),
                                                                       (25, 25, 25))]:
        assert np.array_equal(_scipy_linear(src, m, off, shape), affine_linear(src, m, off, shape), equal_nan=True)
    # identity: the voxel values themselves
    assert np.array_equal(affine_linear(src, np.eye(3), np.zeros(3), src.shape), src.astype(np.float32))


from planner.anatomy.levels_grid import IN_PLANE_3x3, close_slices  # noqa: E402


@pytest.mark.parametrize("shape", [(4, 23, 17), (1, 1, 5), (2, 2, 2), (3, 9, 1)])
@pytest.mark.parametrize("density", [0.3, 0.6, 0.9])
def test_close_slices_equals_scipy(shape, density):
    """scipy's in-plane closing by the 3 x 3 square (outside the array False) or'ed with the mask:
    the reference, on random masks including one-voxel-wide slices (all edge)."""
    rng = np.random.default_rng(int(density * 10) + shape[1])
    mask = rng.random(shape) < density
    expected = ndimage.binary_closing(mask, structure=IN_PLANE_3x3, border_value=0) | mask
    np.testing.assert_array_equal(close_slices(mask), expected)


def test_close_slices_closes_a_one_voxel_gap_inside_and_not_at_the_edge():
    """A ring with one voxel missing is closed; a voxel gap in a line along the slice's edge stays
    (its 3 x 3 window reaches outside the slice)."""
    mask = np.zeros((1, 7, 7), bool)
    mask[0, 2, 2:5] = mask[0, 4, 2:5] = mask[0, 2:5, 2] = mask[0, 2:5, 4] = True
    mask[0, 2, 3] = False
    edge = np.zeros((1, 5, 5), bool)
    edge[0, 0, :] = True
    edge[0, 0, 2] = False
    assert close_slices(mask)[0, 2, 3] and not close_slices(edge)[0, 0, 2]


from planner.anatomy.canal_slices import dilate_disk, disk_structure  # noqa: E402


@pytest.mark.parametrize("radius", [0, 1, 2, 5, 6, 9])
@pytest.mark.parametrize("density", [0.002, 0.02, 0.3])
def test_dilate_disk_equals_scipy(radius, density):
    """scipy's dilation by the flat disk (outside the array unset) is the reference; stacks with empty
    slices and slices thinner than the disk included."""
    rng = np.random.default_rng(radius * 7 + int(density * 1000))
    for shape in ((6, 31, 27), (3, 4, 40)):
        mask = rng.random(shape) < density
        mask[1] = False
        expected = ndimage.binary_dilation(mask, structure=disk_structure(radius))
        np.testing.assert_array_equal(dilate_disk(mask, radius), expected)


def test_dilate_disk_of_one_pixel_is_the_disk():
    """One set pixel grows into the pixels within r of it: for r = 5, the 81 integer offsets with
    dy**2 + dx**2 <= 25 (Gauss circle count N(5) = 81)."""
    mask = np.zeros((1, 21, 21), bool)
    mask[0, 10, 10] = True
    assert int(dilate_disk(mask, 5).sum()) == 81
