"""planner.training.t12_anatomy on synthetic grids with closed forms: a label map on a row-flipped grid is
read at the right voxels, the body part is what lies in front of the canal, its centroid and extents are
those of the box it is, and the signed distance is the distance to the box's faces."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.volume import ImageVolume
from planner.training.t12_anatomy import body_part, label_on_grid, measure_body, signed_distance_mm

SHAPE = (10, 40, 30)  # k, j, i
SPACING = (1.0, 1.0, 2.0)  # i, j, k mm


def _ct():
    return ImageVolume(np.zeros(SHAPE, np.int16), SPACING, (0.0, 0.0, 0.0))


def _box(k=(2, 8), j=(5, 25), i=(10, 20)):
    m = np.zeros(SHAPE, bool)
    m[k[0]:k[1], j[0]:j[1], i[0]:i[1]] = True
    return m


def test_a_label_on_a_grid_with_flipped_rows_lands_on_the_same_points():
    ct = _ct()
    box = _box()
    # the labels file's rows run the other way (like the TotalSegmentator NIfTI, direction diag(1, -1, 1)):
    # its row 0 is the CT's row 39, at y = 39 mm
    flipped = ImageVolume(np.where(box[:, ::-1, :], 32, 0).astype(np.int16), SPACING, (0.0, 39.0, 0.0),
                          np.diag([1.0, -1.0, 1.0]))
    assert np.array_equal(label_on_grid(ct, flipped, 32), box)
    assert not label_on_grid(ct, flipped, 33).any()


def test_the_body_part_is_the_label_in_front_of_the_canal_and_is_measured_as_a_box():
    ct = _ct()
    vertebra = _box(j=(5, 35))  # body j 5-24, then the arch behind
    canal = _box(j=(25, 30), i=(13, 17))  # its front at j 25 (y 25 mm: posterior is +y)
    part = body_part(ct, vertebra, canal)
    assert np.array_equal(part, _box(j=(5, 25)))
    m = measure_body(ct, part)
    # centroid of voxel centres: i 14.5 -> x 14.5 mm, j 14.5 -> y 14.5 mm, k 4.5 -> z 9 mm (2 mm slices)
    assert np.allclose(m.centre_lps, (14.5, 14.5, 9.0))
    assert m.depth_mm == pytest.approx(20.0) and m.width_mm == pytest.approx(10.0)  # 20 rows, 10 columns of 1 mm


def test_slices_without_canal_keep_nothing():
    ct = _ct()
    canal = _box(k=(4, 6), j=(25, 30))
    part = body_part(ct, _box(), canal)
    assert part[4:6].any() and not part[:4].any() and not part[6:].any()


def test_signed_distance_is_the_distance_to_the_nearest_face():
    box = _box()  # k 2-7, j 5-24, i 10-19
    sd = signed_distance_mm(box, (2.0, 1.0, 1.0))  # (k, j, i) spacing in mm
    # voxel (k 4, j 15, i 12): faces at i 9 (3 voxels of 1 mm away), k 1 / k 8 (3 or 4 slices of 2 mm)
    assert sd[4, 15, 12] == pytest.approx(3.0)
    assert sd[4, 15, 8] == pytest.approx(-2.0)  # two voxels outside the i = 10 face
    # the array's edge is not a face: a box touching slice 0 is 'inside' there by the distance to i, j faces
    touching = _box(k=(0, 8))
    assert signed_distance_mm(touching, (2.0, 1.0, 1.0))[0, 15, 15] == pytest.approx(5.0)
