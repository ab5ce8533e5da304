"""A neural foramen's mask reaches its exit, lateral to the pedicles' outer edge (issue 13; the foramen runs
from the lateral recess to the exit lateral to the pedicle, Lee et al. 1988; planner/anatomy/foramen_exit.py).
Before, the L5-S1 masks of the shared lumbar scan ended 12 mm from the canal's edge, short of the pedicle's
outer edge (101 and 138 voxels)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy.foramen_exit import ExitParams, extend_to_exit, pedicle_outer_mm
from planner.anatomy.foramina import ForaminaParams, find_foramina

#: The L5 pedicles' outer edge on the lumbar scan (column i), read by eye on axial k = 25 (bone window,
#: threshold 200 HU contour), where each pedicle is a ring of cortex apart from the transverse process:
#: the right pedicle spans i 237-252, the left i 275-291 (the canal between them).
L5_PEDICLE_OUTER_I = {"right": 237.0, "left": 291.0}
#: How far beyond the pedicle's outer edge the mask may reach: the exit zone (3 mm) and a voxel or two.
MAX_BEYOND_MM = 6.0


def _x_mm(volume, i):
    return float(volume.to_lps(np.array([float(i), 0.0, 0.0]))[0])


@pytest.fixture(scope="module")
def l5_s1(lumbar_volume, lumbar_canal, lumbar_spine):
    levels = [(v.name, v.body_centre_lps) for v in lumbar_spine.vertebrae if v.name]
    found = [f for f in find_foramina(lumbar_volume, lumbar_canal.mask, levels) if f.level == "L5-S1"]
    inner = [f for f in find_foramina(lumbar_volume, lumbar_canal.mask, levels, ForaminaParams(to_exit=False))
             if f.level == "L5-S1"]
    return found, inner


@pytest.mark.realdata
@pytest.mark.parametrize("side", ["right", "left"])
def test_l5_s1_foramen_reaches_past_the_pedicle_outer_edge(lumbar_volume, l5_s1, side):
    found, inner = l5_s1
    (f,) = [f for f in found if f.side == side]
    (g,) = [g for g in inner if g.side == side]
    sign = 1.0 if side == "left" else -1.0  # LPS +x is the patient's left
    lateral = lambda fr: sign * lumbar_volume.to_lps(  # noqa: E731
        np.asarray(fr.points_kji()[:, ::-1], float))[:, 0]
    edge = sign * _x_mm(lumbar_volume, L5_PEDICLE_OUTER_I[side])
    assert lateral(g).max() < edge  # the inner part only, before
    assert edge <= lateral(f).max() <= edge + MAX_BEYOND_MM
    assert set(map(tuple, g.points_kji())) <= set(map(tuple, f.points_kji()))  # the inner part is kept
    k = f.points_kji()[:, 0]
    assert 17 <= k.min() and k.max() <= 21  # still on the L5-S1 slices (tests/anatomy/test_foramina_eye_check.py)


def _plane(n=60):
    """A 1 mm grid: lat = column - 10 (mm toward the side), ap = row - 30 (mm toward posterior)."""
    rows, cols = np.mgrid[0:n, 0:n].astype(float)
    return cols - 10.0, rows - 30.0


def test_pedicle_outer_edge_of_a_rectangle_and_the_cap():
    lat, ap = _plane()
    pedicle = (lat > 0.0) & (lat <= 10.0) & (np.abs(ap) <= 4.0)
    assert pedicle_outer_mm(pedicle, lat, ap, 0.0, 0.0, 5.0, ExitParams()) == pytest.approx(10.0)
    # a transverse process leaving it laterally is cut at the widest pedicle's span (16 mm)
    with_tp = pedicle | ((lat > 0.0) & (lat <= 30.0) & (np.abs(ap) <= 1.0))
    assert pedicle_outer_mm(with_tp, lat, ap, 0.0, 0.0, 5.0, ExitParams()) == pytest.approx(16.0)
    # bone apart from the canal's edge is not the pedicle
    apart = (lat > 5.0) & (lat <= 10.0) & (np.abs(ap) <= 4.0)
    assert pedicle_outer_mm(apart, lat, ap, 0.0, 0.0, 5.0, ExitParams()) is None


def test_the_foramen_between_two_pedicles_reaches_their_edge_plus_the_exit_zone():
    lat, ap = _plane()
    n = 7  # slices: pedicle 0-1, foramen 2-4, pedicle 5-6
    bone = np.zeros((n,) + lat.shape, bool)
    bone[[0, 1, 5, 6]] = (lat > 0.0) & (lat <= 14.0) & (np.abs(ap) <= 4.0)
    canal = np.broadcast_to(lat <= 0.0, bone.shape)
    pedicle = np.array([True, True, False, False, False, True, True])
    edges, ap0s = np.zeros(n), np.zeros(n)
    probe = np.zeros_like(bone)
    probe[2:5] = (lat > 0.0) & (lat <= 12.0) & (np.abs(ap) <= 5.0)
    out = extend_to_exit(probe, [(2, 5)], pedicle, edges, ap0s, bone, canal, lat, ap, 5.0, 12.0, 3)
    assert lat[out[3]].max() == pytest.approx(14.0 + ExitParams().exit_mm)
    assert not out[[0, 1, 5, 6]].any() and (out[2:5] >= probe[2:5]).all()
