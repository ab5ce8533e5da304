"""planner/anatomy/gauss_kernel.py gives, bit for bit, what ``scipy.ndimage.gaussian_filter`` (the
reference: mode "reflect", truncate 4) gives on float32 grids: the vertebra search's sigma (1 mm on
its 1.5 mm grid) and others, random HU with sharp edges, thin grids where the reflection reaches the
far end, and a grid too thin for one reflection (handed to scipy)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from planner.anatomy.gauss_kernel import gaussian_filter_f32, gaussian_weights


def _random_hu(shape, seed):
    rng = np.random.default_rng(seed)
    hu = (rng.random(shape) * 3000.0 - 1000.0).astype(np.float32)
    hu[rng.random(shape) < 0.2] = -1000.0  # flat air next to bone: the search's grid outside the scan
    return hu


@pytest.mark.parametrize("sigma", [1.0 / 1.5, 0.5, 1.0, 1.3, 2.2])
@pytest.mark.parametrize("shape", [(57, 79, 57), (9, 12, 7), (4, 30, 5), (3, 3, 3)])
def test_equals_scipy_bit_for_bit(shape, sigma):
    hu = _random_hu(shape, int(sigma * 10) + sum(shape))
    expected = ndimage.gaussian_filter(hu, sigma)
    got = gaussian_filter_f32(hu, sigma)
    assert got.dtype == np.float32 and got.shape == hu.shape
    assert np.array_equal(got.view(np.uint32), expected.view(np.uint32))


def test_a_constant_stays_constant_and_a_step_is_smoothed_symmetrically():
    flat = np.full((8, 9, 10), 250.0, np.float32)
    assert np.array_equal(gaussian_filter_f32(flat, 0.8), flat)  # the weights sum to 1 (to rounding)
    step = np.zeros((6, 6, 20), np.float32)
    step[:, :, 10:] = 1000.0
    out = gaussian_filter_f32(step, 1.0)[2, 2]
    assert np.allclose(out[9] + out[10], 1000.0, atol=1e-3)  # odd about the edge between voxels 9 and 10
    assert 0.0 < out[9] < 500.0 < out[10] < 1000.0


def test_weights_are_scipys():
    from scipy.ndimage._filters import _gaussian_kernel1d  # the reference's own weights (private)

    for sigma in (0.5, 1.0 / 1.5, 1.7):
        radius = int(4.0 * sigma + 0.5)
        assert np.array_equal(gaussian_weights(sigma), _gaussian_kernel1d(sigma, 0, radius))


def test_other_inputs_go_to_scipy():
    a = _random_hu((5, 6, 7), 3).astype(np.float64)
    assert np.array_equal(gaussian_filter_f32(a, 1.0), ndimage.gaussian_filter(a, 1.0))
