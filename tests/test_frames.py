"""Array order (k, j, i) <-> point order (i, j, k): the helpers in planner.core.frames, checked on a
volume whose every voxel holds its own indices (an independent reference: the value says where it is)."""

import numpy as np
from scipy import ndimage

from planner.core.frames import (
    array_shape_to_ijk, ijk_to_kji, kji_to_ijk, map_coordinates_kji, nearest_voxel_values, spacing_kji,
)

NK, NJ, NI = 4, 5, 6
K, J, I = np.meshgrid(np.arange(NK), np.arange(NJ), np.arange(NI), indexing="ij")
CODE = 100 * I + 10 * J + K  # voxel [k, j, i] holds the number "ijk"


def test_orders_swap_and_back():
    pts = np.array([[1, 2, 3], [5, 4, 0]])
    assert ijk_to_kji(pts).tolist() == [[3, 2, 1], [0, 4, 5]]
    assert np.array_equal(kji_to_ijk(ijk_to_kji(pts)), pts)
    assert tuple(spacing_kji((0.7, 0.8, 3.0))) == (3.0, 0.8, 0.7)
    assert array_shape_to_ijk(CODE.shape) == (NI, NJ, NK)


def test_argwhere_gives_kji_and_kji_to_ijk_gives_points():
    kji = np.argwhere(CODE == 100 * 5 + 10 * 4 + 3)
    assert kji_to_ijk(kji).tolist() == [[5, 4, 3]]


def test_map_coordinates_and_nearest_voxel_read_the_right_voxel():
    pts = np.array([[5.0, 4.0, 3.0], [0.2, 1.4, 2.0], [6.6, 0.0, 0.0]])
    sampled = ndimage.map_coordinates(CODE, map_coordinates_kji(pts[:2]), order=0)
    assert sampled.tolist() == [543, 12]
    assert nearest_voxel_values(CODE, pts, outside=-1).tolist() == [543, 12, -1]  # i = 6.6 rounds off the grid
