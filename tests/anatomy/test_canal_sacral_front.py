"""The sacral steps of the canal (issue 13): the cut of what reaches forward of the canal's midline
front (planner.anatomy.canal_trim.trim_anterior_lobes) on one-slice phantoms whose expected masks
are rectangles of known size (closed-form areas), and which interpolated slices take their shape
from the nearest walked slices only (planner.anatomy.canal_walk.beyond_core)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from planner.anatomy.canal_trim import trim_anterior_lobes
from planner.anatomy.canal_walk import beyond_core, caudal_end, centroid_track, fill_caudal_gaps

SP = (0.5, 0.5)  # mm per pixel (rows, cols)
N = 121
ANTERIOR_UP = (-1.0, 0.0)  # row index decreasing = anterior (a supine scan's rows run anterior to posterior)


def _box(r0: float, r1: float, c0: float, c1: float) -> np.ndarray:
    """Pixels whose centres lie in rows [r0, r1) mm and columns [c0, c1) mm."""
    y, x = np.mgrid[0:N, 0:N] * SP[0]
    return (y >= r0) & (y < r1) & (x >= c0) & (x < c1)


def _sacral_section(lobe_mm: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """A canal 24 mm wide and 10 mm deep (front at row 30 mm) with two lobes 4 mm wide reaching
    ``lobe_mm`` further forward at its lateral ends; and the canal without the lobes."""
    canal = _box(30.0, 40.0, 18.0, 42.0)
    lobes = _box(30.0 - lobe_mm, 30.0, 18.0, 22.0) | _box(30.0 - lobe_mm, 30.0, 38.0, 42.0)
    return canal | lobes, canal


def test_the_lobes_are_cut_at_the_midline_front_plus_the_margin():
    shape, canal = _sacral_section()
    out = trim_anterior_lobes(shape[None], SP, ANTERIOR_UP, margin_mm=1.5)[0]
    # expected: the canal, 240 mm^2, plus each 4 mm lobe kept 1.5 mm in front of the front, 2 x 6 mm^2
    # (the front is the centre of the front pixel row; pixels within 1.5 mm of it are kept: 3 rows)
    assert out.sum() * SP[0] * SP[1] == pytest.approx(24.0 * 10.0 + 2 * 4.0 * 1.5, abs=SP[0] * 8.0)
    assert (out & canal).sum() == canal.sum()
    rows = np.flatnonzero(out.any(axis=1))
    assert rows[0] * SP[0] == pytest.approx(30.0 - 1.5, abs=SP[0])


def test_a_shape_with_a_flat_or_receding_front_is_unchanged():
    shape, canal = _sacral_section()
    assert np.array_equal(trim_anterior_lobes(canal[None], SP, ANTERIOR_UP)[0], canal)
    y, x = np.mgrid[0:N, 0:N] * SP[0]
    ellipse = ((x - 30.0) / 12.0) ** 2 + ((y - 35.0) / 6.0) ** 2 <= 1.0  # front at the midline
    assert np.array_equal(trim_anterior_lobes(ellipse[None], SP, ANTERIOR_UP)[0], ellipse)


def test_two_lobes_apart_have_no_midline_front_and_are_kept_without_a_warning():
    # two 4 mm columns 20 mm apart: the central half of the width (10 mm about the middle) holds no pixel
    lobes = _box(25.0, 35.0, 18.0, 22.0) | _box(30.0, 40.0, 38.0, 42.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "Mean of empty slice" from a median of nothing
        out = trim_anterior_lobes(lobes[None], SP, ANTERIOR_UP, margin_mm=1.5)[0]
    assert np.array_equal(out, lobes)


def test_a_one_pixel_spike_at_the_midline_does_not_move_the_front():
    shape, canal = _sacral_section()
    spike = _box(24.0, 30.0, 30.0, 30.5)  # one column reaching 6 mm forward in the middle
    out = trim_anterior_lobes((shape | spike)[None], SP, ANTERIOR_UP, margin_mm=1.5)[0]
    expected = trim_anterior_lobes(shape[None], SP, ANTERIOR_UP, margin_mm=1.5)[0]
    assert (out & ~expected).sum() <= 3  # at most the spike's own 1.5 mm (3 pixels) is kept


def test_the_cut_follows_the_anterior_direction():
    shape, _ = _sacral_section()
    turned = shape.T[None]  # anterior now toward decreasing column index
    out = trim_anterior_lobes(turned, SP, (0.0, -1.0), margin_mm=1.5)[0]
    assert np.array_equal(out, trim_anterior_lobes(shape[None], SP, ANTERIOR_UP, margin_mm=1.5)[0].T)
    # facing the other way (anterior = increasing rows) the lobes are at the back: nothing is cut
    assert np.array_equal(trim_anterior_lobes(shape[None], SP, (1.0, 0.0))[0], shape)
    assert trim_anterior_lobes(np.zeros((0, N, N), bool), SP, ANTERIOR_UP).shape == (0, N, N)


def test_only_the_gaps_of_the_caudal_walked_end_are_local():
    n = 40
    core = np.zeros(n, bool)
    core[10:31] = True
    known = core.copy()
    known[[2, 3, 5, 7, 33]] = True  # walked slices below and one above the consistent run
    todo = np.array([0, 1, 4, 6, 8, 9, 32, 35])
    assert todo[beyond_core(core, todo, known, caudal_low=True)].tolist() == [4, 6, 8, 9]
    # the same scan stored head first: the caudal end is at the high indices
    assert todo[beyond_core(core, todo, known, caudal_low=False)].tolist() == [32]
    assert not beyond_core(np.zeros(n, bool), todo, known).any()


def test_the_caudal_end_is_below_the_consistent_run_in_the_scan_s_own_order():
    core = np.zeros(12, bool)
    core[4:9] = True
    assert np.flatnonzero(caudal_end(core, caudal_low=True)).tolist() == [0, 1, 2, 3]
    assert np.flatnonzero(caudal_end(core, caudal_low=False)).tolist() == [9, 10, 11]
    assert not caudal_end(np.zeros(12, bool)).any()


def _disk(centre_rc_mm, radius_mm: float) -> np.ndarray:
    y, x = np.mgrid[0:N, 0:N] * SP[0]
    return np.hypot(y - centre_rc_mm[0], x - centre_rc_mm[1]) <= radius_mm


def test_a_gap_between_two_walked_disks_is_the_disk_half_way():
    # walked slices 0 and 2: disks r 4 mm at (25, 25) mm and r 6 mm at (35, 31) mm; the gap, slice 1,
    # by shape-based interpolation of signed distances (r - R averaged): a disk r 5 mm at (30, 28) mm
    kept = np.stack([_disk((25.0, 25.0), 4.0), np.zeros((N, N), bool), _disk((35.0, 31.0), 6.0)])
    known = np.array([True, False, True])
    far_track = np.full((3, 2), 10.0)  # a smoothed centre line elsewhere must not move the shapes
    track = centroid_track(kept, known, far_track)
    assert track[1] * SP[0] == pytest.approx((30.0, 28.0), abs=0.05)
    out = fill_caudal_gaps(kept, known, known, far_track, np.array([1]), SP, radius_px=30, opening_px=0)[0]
    assert out.sum() * SP[0] * SP[1] == pytest.approx(np.pi * 5.0 ** 2, rel=0.04)
    assert np.argwhere(out).mean(axis=0) * SP[0] == pytest.approx((30.0, 28.0), abs=0.3)
    assert fill_caudal_gaps(kept, known, known, far_track, np.array([], int), SP, 30, 0).shape == (0, N, N)


def test_a_walked_lobe_does_not_pull_the_gap_forward():
    shape, canal = _sacral_section(lobe_mm=6.0)
    kept = np.stack([shape, np.zeros((N, N), bool), shape])
    known = np.array([True, False, True])
    track = np.zeros((3, 2))
    out = fill_caudal_gaps(kept, known, known, track, np.array([1]), SP, 40, 0, ANTERIOR_UP, 1.5)[0]
    rows = np.flatnonzero(out.any(axis=1))
    assert rows[0] * SP[0] >= 30.0 - 1.5 - SP[0]  # not the lobes' front at 24 mm
