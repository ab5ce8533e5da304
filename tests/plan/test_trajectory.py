"""Trajectory geometry against closed forms."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.errors import PlanError
from planner.geometry.trajectory import (
    direction_from_angles,
    mirror_points,
    mirror_segment,
    needle_direction,
    needle_length_mm,
    point_at_depth,
    point_segment_distance_mm,
    segment_segment_distance,
    trajectory_angles,
)

coord = st.floats(-200, 200, allow_nan=False)
point = st.tuples(coord, coord, coord)


def test_length_and_direction_3_4_12():
    assert needle_length_mm((1, 2, 3), (4, 6, 15)) == pytest.approx(13.0)
    np.testing.assert_allclose(needle_direction((1, 2, 3), (4, 6, 15)), np.array([3, 4, 12]) / 13)


def test_zero_length_needle_is_refused():
    with pytest.raises(PlanError, match="same point"):
        needle_direction((1, 1, 1), (1, 1, 1))


def test_point_at_depth():
    np.testing.assert_allclose(point_at_depth((0, 0, 0), (0, -10, 0), 25.0), [0, -25, 0])
    np.testing.assert_allclose(point_at_depth((0, 0, 0), (3, 4, 0), [0, 5, 10]), [[0, 0, 0], [3, 4, 0], [6, 8, 0]])


def test_straight_anterior_needle_has_zero_angles():
    a = trajectory_angles((0, 50, 0), (0, 0, 0), side="right")
    assert a.medial_deg == pytest.approx(0.0) and a.cranial_deg == pytest.approx(0.0)


@pytest.mark.parametrize("side, dx, expected", [("right", +1, 20), ("right", -1, -20), ("left", -1, 20), ("left", +1, -20)])
def test_medial_angle_sign_depends_on_side(side, dx, expected):
    # Going 100 mm anterior and 100*tan(20 deg) toward +x (patient left) or -x.
    tip = (dx * 100 * math.tan(math.radians(20)), -100.0, 0.0)
    assert trajectory_angles((0, 0, 0), tip, side=side).medial_deg == pytest.approx(expected)


def test_cranial_angle_is_the_sagittal_projection():
    # 30 deg medial and 10 deg cranial projections at the same time.
    tip = (100 * math.tan(math.radians(30)), -100.0, 100 * math.tan(math.radians(10)))
    a = trajectory_angles((0, 0, 0), tip, side="right")
    assert a.medial_deg == pytest.approx(30) and a.cranial_deg == pytest.approx(10)
    tip_caudal = (0.0, -100.0, -100 * math.tan(math.radians(15)))
    assert trajectory_angles((0, 0, 0), tip_caudal, side="left").cranial_deg == pytest.approx(-15)


def test_angles_relative_to_a_rotated_vertebra():
    # Vertebra rotated 25 deg about the cranio-caudal axis (z): its axes are the patient axes rotated.
    t = math.radians(25)
    rot = np.array([[math.cos(t), -math.sin(t), 0], [math.sin(t), math.cos(t), 0], [0, 0, 1]])
    axes = (rot @ np.eye(3)).T  # rows: rotated x, y, z
    # A needle straight "anterior" in the vertebra's own frame.
    d = -axes[1]
    a_vert = trajectory_angles((0, 0, 0), 50 * d, side="right", axes=axes)
    assert a_vert.medial_deg == pytest.approx(0, abs=1e-9) and a_vert.cranial_deg == pytest.approx(0, abs=1e-9)
    # In patient axes the same needle points 25 deg toward +x: medial for a right-sided needle.
    a_pat = trajectory_angles((0, 0, 0), 50 * d, side="right")
    assert a_pat.medial_deg == pytest.approx(25)
    assert trajectory_angles((0, 0, 0), 50 * d, side="left").medial_deg == pytest.approx(-25)


@settings(max_examples=50, deadline=None)
@given(st.floats(-80, 80), st.floats(-80, 80), st.sampled_from(["left", "right", "midline"]))
def test_direction_from_angles_inverts_trajectory_angles(medial, cranial, side):
    d = direction_from_angles(medial, cranial, side)
    a = trajectory_angles((0, 0, 0), 10 * d, side)
    assert a.medial_deg == pytest.approx(medial, abs=1e-7) and a.cranial_deg == pytest.approx(cranial, abs=1e-7)


def test_non_orthonormal_axes_refused():
    with pytest.raises(PlanError, match="perpendicular"):
        trajectory_angles((0, 0, 0), (0, -1, 0), "right", axes=[[1, 0, 0], [0.6, 0.8, 0], [0, 0, 1]])


def test_mirror_across_mid_sagittal_plane():
    np.testing.assert_allclose(mirror_points((-20, 30, 5), (2, 0, 0), (1, 0, 0)), (24, 30, 5))
    e, t = mirror_segment((-40, 80, 0), (-5, 0, 2), (0, 0, 0), (2, 0, 0))  # normal need not be unit
    np.testing.assert_allclose(e, (40, 80, 0))
    np.testing.assert_allclose(t, (5, 0, 2))


@settings(max_examples=50, deadline=None)
@given(point, point, point.filter(lambda n: math.hypot(*n) > 1e-3))
def test_mirror_is_an_involution_and_keeps_distance_to_plane(p, q, n):
    once = mirror_points(p, q, n)
    np.testing.assert_allclose(mirror_points(once, q, n), p, atol=1e-6)
    nn = np.asarray(n) / np.linalg.norm(n)
    assert (np.asarray(once) - q) @ nn == pytest.approx(-((np.asarray(p) - q) @ nn), abs=1e-6)


def test_point_segment_distance_closed_forms():
    a, b = (0, 0, 0), (10, 0, 0)
    pts = np.array([[5, 3, 4], [-3, 4, 0], [13, 0, 4], [0, 0, 0]])
    np.testing.assert_allclose(point_segment_distance_mm(pts, a, b), [5, 5, 5, 0])
    assert point_segment_distance_mm((5, 0, 2), a, b) == pytest.approx(2)


def test_segment_segment_distance_closed_forms():
    # Skew perpendicular segments crossing 7 mm apart.
    r = segment_segment_distance((-5, 0, 0), (5, 0, 0), (0, -5, 7), (0, 5, 7))
    assert r.distance_mm == pytest.approx(7)
    np.testing.assert_allclose(r.point_on_first_lps, (0, 0, 0), atol=1e-12)
    np.testing.assert_allclose(r.point_on_second_lps, (0, 0, 7), atol=1e-12)
    # Parallel segments 3 mm apart, overlapping.
    assert segment_segment_distance((0, 0, 0), (10, 0, 0), (4, 3, 0), (20, 3, 0)).distance_mm == pytest.approx(3)
    # Collinear, disjoint: gap between ends.
    assert segment_segment_distance((0, 0, 0), (10, 0, 0), (13, 0, 0), (20, 0, 0)).distance_mm == pytest.approx(3)
    # Endpoint-to-endpoint: closest points at the ends (3-4-5).
    assert segment_segment_distance((0, 0, 0), (0, 0, -10), (3, 4, 5), (3, 4, 20)).distance_mm == pytest.approx(
        math.sqrt(9 + 16 + 25)
    )
    # Nearly parallel, touching at an end (a1 = b0; found by hypothesis: 2e-6 mm with the clamp-and-resolve rule).
    r = segment_segment_distance((0.0, 62.0, 6.103515625e-05), (0, 0, 0), (0, 0, 0), (0, 2, 0))
    assert r.distance_mm == 0.0
    # Degenerate (point) segments.
    assert segment_segment_distance((1, 1, 1), (1, 1, 1), (0, 0, 0), (0, 0, 10)).distance_mm == pytest.approx(math.sqrt(2))


@settings(max_examples=60, deadline=None)
@given(point, point, point, point)
def test_segment_distance_matches_brute_force(a0, a1, b0, b1):
    r = segment_segment_distance(a0, a1, b0, b1)
    s = np.linspace(0, 1, 201)
    pa = np.asarray(a0) + s[:, None] * (np.asarray(a1) - a0)
    brute = min(point_segment_distance_mm(pa, b0, b1).min(), r.distance_mm + 1.0)
    # The exact answer is never above the brute-force one, and not far below (sampling step).
    assert r.distance_mm <= brute + 1e-6
    step = np.linalg.norm(np.asarray(a1) - a0) / 200
    assert r.distance_mm >= brute - step - 1e-6
    assert np.linalg.norm(r.point_on_first_lps - r.point_on_second_lps) == pytest.approx(r.distance_mm, abs=1e-6)
