"""Density bounds of the open-ring growth (planner.anatomy.canal_open) and the sacral trim of faint
cancellous bone (planner.anatomy.canal_trim), on one-slice phantoms whose expected masks are disks
of known radius (closed-form areas pi r^2)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy.canal import CanalParams
from planner.anatomy.canal_open import refine_open_slices
from planner.anatomy.canal_trim import trim_faint_bone

SP = (0.5, 0.5)  # mm per pixel (rows, cols)
N = 81


def _r_mm() -> np.ndarray:
    y, x = np.mgrid[0:N, 0:N]
    return np.hypot((y - N // 2) * SP[0], (x - N // 2) * SP[1])[None]


def _dice(a: np.ndarray, b: np.ndarray) -> float:
    return 2.0 * (a & b).sum() / (a.sum() + b.sum())


def _recess_slice(recess_hu: float, core_hu: float = 15.0):
    """Interpolated shape: disk r 5 mm of ``core_hu``; recess r 5-8 mm of ``recess_hu``; fat to
    r 10 mm; bony ring r 10-12 mm (900 HU); fat outside."""
    r = _r_mm()
    hu = np.full(r.shape, -100.0)
    hu[r <= 8.0] = recess_hu
    hu[r <= 5.0] = core_hu
    hu[(r >= 10.0) & (r <= 12.0)] = 900.0
    bone = hu > 180.0
    return r <= 5.0, hu, bone, r


def _grow(shape, hu, bone):
    p = CanalParams()
    return refine_open_slices(shape, hu, bone, SP, grow_mm=p.open_grow_mm, grow_hu=p.grow_hu,
                              grow_min_hu=p.grow_min_hu, above_core_hu=p.grow_above_core_hu)


def test_growth_takes_a_csf_density_recess():
    shape, hu, bone, r = _recess_slice(recess_hu=15.0)
    grown = _grow(shape, hu, bone)
    assert _dice(grown[0], r[0] <= 8.0) >= 0.93
    # pi 8^2 within the partial volume of the smoothing (one pixel ring is 12 %)
    assert grown[0].sum() * SP[0] * SP[1] == pytest.approx(np.pi * 8.0 ** 2, rel=0.15)


def test_growth_does_not_take_fat():
    # epidural/paraspinal fat (-100 HU) is below grow_min_hu: the shape stays the 5 mm disk
    shape, hu, bone, r = _recess_slice(recess_hu=-100.0)
    grown = _grow(shape, hu, bone)
    assert _dice(grown[0], shape[0]) >= 0.97


def test_growth_does_not_take_tissue_much_denser_than_the_canal():
    # canal content 0 HU, surroundings 55 HU (muscle/ligament): below grow_hu, above -40 HU, but
    # more than above_core_hu (30 HU) above the canal's own median, so it is not grown into
    shape, hu, bone, r = _recess_slice(recess_hu=55.0, core_hu=0.0)
    grown = _grow(shape, hu, bone)
    # at most the partial-volume rim of the smoothing (< 1 mm) is added: area below pi 6^2
    assert grown[0].sum() * SP[0] * SP[1] < np.pi * 6.0 ** 2
    # the same tissue is taken without the relative bound (the bound is what keeps it out)
    loose = refine_open_slices(shape, hu, bone, SP, grow_mm=4.0, grow_hu=80.0, grow_min_hu=-40.0)
    assert loose[0].sum() * SP[0] * SP[1] > np.pi * 7.0 ** 2


def test_trim_removes_faint_cancellous_bone_from_a_hole():
    # hole: canal disk r 6 mm at 20 HU plus a crescent of faint bone (160 HU, below bone_hu 180)
    # in front of it, out to r 9 mm; expected after the trim: the 6 mm disk
    r = _r_mm()
    y = np.mgrid[0:N, 0:N][0][None]
    hole = (r <= 9.0) & ((r <= 6.0) | (y < N // 2))
    hu = np.full(r.shape, 700.0)
    hu[hole] = 160.0
    hu[r <= 6.0] = 20.0
    trimmed = trim_faint_bone(hole, hu, SP, bone_hu=180.0)
    assert _dice(trimmed[0], r[0] <= 6.0) >= 0.95
    assert trimmed[0].sum() * SP[0] * SP[1] == pytest.approx(np.pi * 6.0 ** 2, rel=0.06)


def test_trim_leaves_a_hole_without_a_clear_low_density_core_alone():
    # content 20 HU on one third of the hole, 160 HU on the rest: the trim would keep less than
    # half of it, so the hole is returned unchanged
    r = _r_mm()
    x = np.mgrid[0:N, 0:N][1][None]
    hole = r <= 6.0
    hu = np.where(hole, 160.0, 700.0)
    hu[hole & (x < N // 2 - 4)] = 20.0
    assert np.array_equal(trim_faint_bone(hole, hu, SP, bone_hu=180.0), hole)
    assert trim_faint_bone(np.zeros((0, N, N), bool), np.zeros((0, N, N)), SP, 180.0).shape == (0, N, N)
