"""The corridor check's in-plane opening and hole filling (planner.analysis.section_morphology) against closed forms and
against scipy.ndimage's binary opening by the same disk (an independent implementation: one pass per
structure element)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from planner.analysis.section_morphology import dilate_in_plane, erode_in_plane, fill_holes_in_plane, open_in_plane


def _disk(r):
    o = np.arange(-r, r + 1)
    return o[:, None] ** 2 + o[None, :] ** 2 <= r * r


def test_square_opening_rounds_its_corners():
    """A square of side n >= 2R+1 opened by a disk of radius R is the union of the disks centred in the
    square shrunk by R: a pixel is kept iff its distance to that inner square is <= R (closed form)."""
    r, n, size = 4, 15, 25
    m = np.zeros((1, size, size), bool)
    m[0, 5:5 + n, 5:5 + n] = True
    y, x = np.mgrid[0:size, 0:size]
    lo, hi = 5 + r, 5 + n - 1 - r
    dy = y - np.clip(y, lo, hi)
    dx = x - np.clip(x, lo, hi)
    expected = dy**2 + dx**2 <= r * r
    assert np.array_equal(open_in_plane(m, r)[0], expected)
    assert not expected[5, 5] and expected[5, 5 + r]  # the corner goes, the edge stays


def test_an_isolated_disk_survives_and_a_thinner_bar_vanishes():
    r = 5
    m = np.zeros((2, 30, 30), bool)
    m[0, 3:3 + 2 * r + 1, 3:3 + 2 * r + 1] = _disk(r)
    m[1, 10:10 + 2 * r, 2:28] = True  # 2R rows: no disk of radius R fits
    out = open_in_plane(m, r)
    assert np.array_equal(out[0], m[0])
    assert not out[1].any()


def test_erosion_treats_outside_as_background_and_dilation_reaches_r():
    r = 3
    full = np.ones((1, 10, 12), bool)
    er = erode_in_plane(full, r)[0]
    assert er[r:10 - r, r:12 - r].all() and er.sum() == (10 - 2 * r) * (12 - 2 * r)
    dot = np.zeros((1, 11, 11), bool)
    dot[0, 5, 5] = True
    assert np.array_equal(dilate_in_plane(dot, r)[0, 2:9, 2:9], _disk(r))
    assert dilate_in_plane(dot, r).sum() == _disk(r).sum()


@pytest.mark.parametrize("shape,r", [((40, 33, 33), 12), ((6, 57, 57), 12), ((20, 40, 41), 3), ((9, 20, 20), 1),
                                     ((5, 20, 20), 12), ((4, 25, 25), 12), ((5, 30, 31), 7)])
def test_same_as_scipy_binary_opening(shape, r):
    rng = np.random.default_rng(sum(shape) + r)
    for q in (0.1, 0.4, 0.8):
        field = ndimage.gaussian_filter(rng.random(shape), (0, 3, 3))
        m = field > np.quantile(field, q)
        m[1], m[2] = True, False  # a full and an empty section
        expected = ndimage.binary_opening(m, structure=_disk(r)[None])
        assert np.array_equal(open_in_plane(m, r), expected)
        assert np.array_equal(erode_in_plane(m, r), ndimage.binary_erosion(m, structure=_disk(r)[None]))
        assert np.array_equal(dilate_in_plane(m, r), ndimage.binary_dilation(m, structure=_disk(r)[None]))


def test_a_ring_is_filled_in_its_own_section_only_and_an_open_ring_is_not():
    """A closed square ring's inside is a hole (filled); cut at one side it reaches the edge (not
    filled); a section is never filled through its neighbours (the structure is in-plane)."""
    m = np.zeros((3, 12, 12), bool)
    m[0, 2:10, 2] = m[0, 2:10, 9] = m[0, 2, 2:10] = m[0, 9, 2:10] = True
    m[1] = m[0]
    m[1, 5, 9] = False  # a gap in the right side: 4-connected to the outside
    m[2] = True
    m[2, 5, 5] = False  # a full section but one pixel, which lies inside: a hole
    out = fill_holes_in_plane(m)
    assert out[0, 2:10, 2:10].all() and out[0].sum() == 64
    assert np.array_equal(out[1], m[1])
    assert out[2].all()
    diag = np.zeros((1, 7, 7), bool)  # a diagonal ring is not closed for 4-connected background
    for i in range(7):
        diag[0, i, 3 - abs(i - 3)] = diag[0, i, 3 + abs(i - 3)] = True
    assert np.array_equal(fill_holes_in_plane(diag)[0], ndimage.binary_fill_holes(diag[0]))


@pytest.mark.parametrize("shape", [(30, 33, 33), (6, 57, 57), (10, 20, 21)])
def test_fill_holes_same_as_scipy(shape):
    in_plane = np.zeros((3, 3, 3), bool)
    in_plane[1] = ndimage.generate_binary_structure(2, 1)
    rng = np.random.default_rng(sum(shape))
    for q in (0.5, 0.8, 0.95):
        field = ndimage.gaussian_filter(rng.random(shape), (0.5, 2, 2))
        m = field > np.quantile(field, q)
        expected = ndimage.binary_fill_holes(m, structure=in_plane)
        assert (expected & ~m).any() or q > 0.5  # holes to fill at least once
        assert np.array_equal(fill_holes_in_plane(m), expected)


def test_sections_too_small_for_the_disk_and_an_empty_stack():
    """A section with one pixel less than the disk holds no disk (opened: empty); one holding exactly
    the disk keeps it; no sections give no sections (what the opening's section selection relies on)."""
    r = 4
    m = np.zeros((3, 15, 15), bool)
    m[0, 3:12, 3:12] = _disk(r)
    m[1] = m[0]
    m[1, 3, 7] = False  # the disk's top pixel
    m[2, 0:2, :] = True  # 30 pixels in two rows, fewer than the disk's 49
    out = open_in_plane(m, r)
    assert np.array_equal(out, ndimage.binary_opening(m, structure=_disk(r)[None]))
    assert np.array_equal(out[0], m[0]) and not out[1].any() and not out[2].any()
    assert open_in_plane(np.zeros((0, 9, 9), bool), r).shape == (0, 9, 9)
