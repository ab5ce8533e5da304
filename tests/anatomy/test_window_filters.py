"""The running AND / OR of planner/anatomy/window_filters.py equal scipy's 1-D minimum / maximum
filters (the reference: scipy.ndimage itself) on random masks, every size, axis and edge mode they
stand for, including windows longer than the line."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from planner.anatomy.window_filters import running_and, running_or, square_filter


@pytest.mark.parametrize("density", [0.1, 0.5, 0.9])
def test_running_filters_equal_scipy(density):
    rng = np.random.default_rng(13)
    mask = rng.random((5, 7, 11)) < density
    for size in (1, 3, 5, 7, 9, 13, 15, 23, 31):
        for axis in range(3):
            u8 = mask.view(np.uint8)
            for mode in ("nearest", "reflect", "mirror"):
                ref = ndimage.minimum_filter1d(u8, size, axis=axis, mode=mode).view(bool)
                assert np.array_equal(running_and(mask, size, axis), ref), (size, axis, mode)
            for mode in ("nearest", "reflect", "mirror", "constant"):
                ref = ndimage.maximum_filter1d(u8, size, axis=axis, mode=mode).view(bool)
                assert np.array_equal(running_or(mask, size, axis), ref), (size, axis, mode)


def test_square_filter_equals_scipy_and_leaves_input():
    rng = np.random.default_rng(7)
    mask = rng.random((4, 40, 33)) < 0.6
    before = mask.copy()
    for r in range(0, 7):
        size = 2 * r + 1
        grown = ndimage.maximum_filter1d(ndimage.maximum_filter1d(mask.view(np.uint8), size, axis=1,
                                                                  mode="nearest"), size, axis=2, mode="nearest")
        shrunk = ndimage.minimum_filter1d(ndimage.minimum_filter1d(mask.view(np.uint8), size, axis=1,
                                                                   mode="nearest"), size, axis=2, mode="nearest")
        assert np.array_equal(square_filter(mask, r, grow=True), grown.view(bool))
        assert np.array_equal(square_filter(mask, r, grow=False), shrunk.view(bool))
    assert np.array_equal(mask, before)


def test_even_window_is_refused():
    with pytest.raises(ValueError, match="odd"):
        running_or(np.zeros((3, 3), bool), 4, 0)
