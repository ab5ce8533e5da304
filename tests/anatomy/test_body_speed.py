"""Issue 13 (speed): the body mask's part sizes counted in each part's box equal ``np.bincount`` (the
reference: numpy), for a few parts and for many (the bincount path), background count 0."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from planner.anatomy.body import _label_sizes


@pytest.mark.parametrize("density", [0.05, 0.4, 0.62])
def test_label_sizes_equal_bincount(density):
    rng = np.random.default_rng(3)
    mask = ndimage.gaussian_filter(rng.random((12, 40, 40)), 1.0) > 0.5 + (0.5 - density) * 0.1
    labels, n = ndimage.label(mask)
    ref = np.bincount(labels.ravel(), minlength=n + 1)
    ref[0] = 0
    assert np.array_equal(_label_sizes(labels, n), ref)


def test_label_sizes_of_many_parts():
    labels, n = ndimage.label(np.random.default_rng(5).random((6, 50, 50)) > 0.8)
    assert n > 64  # the bincount path
    ref = np.bincount(labels.ravel(), minlength=n + 1)
    ref[0] = 0
    assert np.array_equal(_label_sizes(labels, n), ref)
