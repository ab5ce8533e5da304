"""planner.core.frames.rows_times / apply_affine: the coordinate transforms computed column by column
(issue 17: not through a threaded BLAS product), checked against closed forms."""

import numpy as np

from planner.core.frames import affine_ijk_to_lps, apply_affine, rows_times


def test_a_quarter_turn_about_z_then_a_shift():
    # rotation by +90 degrees about z: (x, y, z) -> (-y, x, z); then + (10, 20, 30)
    rot = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    pts = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [1.0, 2.0, 3.0]])
    want = np.array([[10.0, 21.0, 30.0], [8.0, 20.0, 30.0], [8.0, 21.0, 33.0]])
    assert np.array_equal(rows_times(pts, rot, np.array([10.0, 20.0, 30.0])), want)
    assert np.array_equal(rows_times(pts, rot), want - [10.0, 20.0, 30.0])


def test_a_voxel_index_goes_to_origin_plus_spacing_times_index_along_the_direction_columns():
    # DICOM PS3.3 C.7.6.2.1.1: P = S + i * di * X + j * dj * Y + k * dk * Z (X, Y, Z: direction columns)
    c, s = np.cos(0.3), np.sin(0.3)
    direction = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])  # columns: the i, j, k axes
    origin, spacing = np.array([-100.0, 50.0, 7.5]), np.array([0.7, 0.8, 2.5])
    m = affine_ijk_to_lps(origin, spacing, direction)
    ijk = np.random.default_rng(1).uniform(0, 200, size=(1000, 3))
    want = origin + ijk[:, :1] * spacing[0] * direction[:, 0] + ijk[:, 1:2] * spacing[1] * direction[:, 1] \
        + ijk[:, 2:] * spacing[2] * direction[:, 2]
    got = apply_affine(m, ijk)
    assert got.shape == (1000, 3) and np.allclose(got, want, rtol=0, atol=1e-9)
    assert np.allclose(apply_affine(m, ijk[0]), want[0], rtol=0, atol=1e-9)  # one point keeps its shape (3,)
    assert np.allclose(apply_affine(np.linalg.inv(m), got), ijk, rtol=0, atol=1e-9)  # and back
