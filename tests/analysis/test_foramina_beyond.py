"""Foramina and what lies beyond the vertebra, on synthetic CTs with closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from planner.analysis.beyond_vertebra import beyond_findings, beyond_vertebra
from planner.analysis.foramen_rules import (foramen_distance_mm, needle_foramen_findings, needle_foramen_hits,
                                            zone_foramen_findings)
from planner.anatomy.foramina import find_foramina, union_mask
from planner.core.volume import ImageVolume
from planner.geometry.raster import VoxelGrid
from planner.geometry.shapes import Ellipsoid


def _spine_with_pedicles():
    """Canal (CSF, radius 7 mm) along z on a 1 x 1 x 2 mm grid; on 'pedicle' slabs (z 0-12, 30-42,
    60-72 mm) bone blocks beside the canal (|x| 7-19 mm, |y| <= 6); fat in between: two foramina
    per side, at z 12-30 and 42-60 mm, and one cut by the end of the scan (z 72-78 mm)."""
    nk, nj, ni = 40, 60, 70
    z = np.arange(nk)[:, None, None] * 2.0
    y = np.arange(nj)[None, :, None] - 30.0
    x = np.arange(ni)[None, None, :] - 35.0
    hu = np.full((nk, nj, ni), -90.0)
    r = np.hypot(x, y)
    pedicle_level = ((z % 30) < 12)
    ring = (r >= 7) & (r <= 11)
    hu[np.broadcast_to(ring & (y > 3), hu.shape)] = 900.0  # lamina behind the canal on every slice
    hu[np.broadcast_to(ring & (y < -3), hu.shape)] = 900.0  # body wall in front on every slice
    block = (np.abs(x) >= 7) & (np.abs(x) <= 19) & (np.abs(y) <= 6)
    hu[np.broadcast_to(pedicle_level & block, hu.shape)] = 900.0
    hu[np.broadcast_to(r < 7, hu.shape)] = 15.0
    vol = ImageVolume(np.round(hu).astype(np.int16), (1.0, 1.0, 2.0), (-35.0, -30.0, 0.0))
    canal = np.broadcast_to(r < 7, hu.shape).copy()
    return vol, canal


def test_foramina_found_per_side_between_the_pedicles():
    vol, canal = _spine_with_pedicles()
    levels = [("L1", (0.0, 0.0, 66.0)), ("L2", (0.0, 0.0, 36.0)), ("L3", (0.0, 0.0, 6.0))]
    found = find_foramina(vol, canal, levels)
    # the one cut by the scan's end lies above L1's centre: no pair of levels names it
    assert sorted((f.level, f.side) for f in found) == [("", "left"), ("", "right"), ("L1-L2", "left"),
                                                        ("L1-L2", "right"), ("L2-L3", "left"), ("L2-L3", "right")]
    for f in (f for f in found if f.level):
        assert f.height_mm == pytest.approx(18.0, abs=2.0)
        assert np.sign(f.centre_lps[0]) == (1 if f.side == "left" else -1)  # +x = patient's left
        assert 7.0 < abs(f.centre_lps[0]) < 7.0 + 12.0 + 1.0
    u = union_mask(found, vol.hu.shape)
    assert not (u & canal).any() and not (u & (vol.hu > 180)).any()


def test_zone_and_needle_rules():
    vol, canal = _spine_with_pedicles()
    grid = VoxelGrid.of(vol)
    found = find_foramina(vol, canal)
    left_low = [f for f in found if f.side == "left" and f.centre_lps[2] < 30][0]
    # the foramen's voxels reach from the canal's edge (x = 6) out to the pedicles' outer edge (x = 19)
    # plus the 3 mm exit zone, x = 22 (planner/anatomy/foramen_exit.py); a sphere centred at x = 34
    # (radius 6) is 6 mm from x = 22, and 0.5 mm less from the voxel's edge
    assert max(p[2] for p in left_low.points_kji()) - 35 == 22
    far = Ellipsoid.sphere((34.0, 0.0, 21.0), 6.0)
    d = foramen_distance_mm(grid, [far], left_low)
    assert d == pytest.approx(34.0 - 6.0 - 22.0 - 0.5, abs=0.5)
    assert zone_foramen_findings([(left_low, d)]) == []
    near = Ellipsoid.sphere((24.0, 0.0, 21.0), 6.0)
    codes = [f.code for f in zone_foramen_findings([(left_low, foramen_distance_mm(grid, [near], left_low))])]
    assert codes == ["zone_reaches_foramen"]
    hits = needle_foramen_hits(grid, (40.0, 0.0, 21.0), (12.0, 0.0, 21.0), 2.41, found)
    assert [h[0] for h in hits] == [left_low]
    assert hits[0][1] == pytest.approx(40.0 - 22.5, abs=1.0)  # to the outer edge of the x = 22 voxels
    assert needle_foramen_findings(hits, "n1")[0].code == "needle_enters_foramen"
    assert needle_foramen_hits(grid, (40.0, 0.0, 6.0), (12.0, 0.0, 6.0), 2.41, found) == []  # pedicle level


def test_beyond_the_vertebra_is_a_spherical_cap():
    """A bone cube (|x|, |y|, |z| <= 20 mm, 400 HU) in soft tissue; a sphere of r = 10 mm centred
    5 mm inside its anterior face: on the 0.75 mm grid the last bone voxel centre is y = -19.5, so
    the voxelised face (its cube's edge) is at y = -19.875 and the part outside is a cap of height
    h = 5.125 mm, V = pi h^2 (3 r - h) / 3, reaching h beyond the cortex, anterior."""
    n = 81
    c = np.arange(n) * 0.75 - 30.0
    zz, yy, xx = np.meshgrid(c, c, c, indexing="ij")
    hu = np.where((np.abs(xx) <= 20) & (np.abs(yy) <= 20) & (np.abs(zz) <= 20), 400, 40).astype(np.int16)
    vol = ImageVolume(hu, (0.75, 0.75, 0.75), (-30.0, -30.0, -30.0))
    res = beyond_vertebra(vol, [Ellipsoid.sphere((0.0, -15.0, 0.0), 10.0)])
    h = 5.125
    cap_ml = np.pi * h * h * (30 - h) / 3 / 1000.0
    assert res.outside_ml == pytest.approx(cap_ml, rel=0.02)
    assert set(res.directions_ml) == {"anterior"}
    assert res.max_beyond_mm == pytest.approx(h, abs=0.75)
    assert res.vessel_distance_mm is None
    assert [f.code for f in beyond_findings(res)] == ["zone_beyond_vertebra_anterior"]
    inside = beyond_vertebra(vol, [Ellipsoid.sphere((0.0, 0.0, 0.0), 10.0)])
    assert inside.outside_ml == 0.0 and beyond_findings(inside) == []
