"""Exact sections against closed forms."""

import numpy as np
import pytest

from planner.geometry.planes import SlicePlane, standard_plane
from planner.geometry.sections import ellipsoid_section, segment_in_slab


def test_sphere_section_radius_follows_pythagoras():
    plane = standard_plane("axial", (0, 0, 0))
    for h in (0.0, 3.0, -6.0, 9.9):
        pts = ellipsoid_section((1.0, 2.0, 0.0), np.eye(3), (10, 10, 10), plane, h_mm=h)
        r = np.linalg.norm(pts - [1.0, 2.0], axis=1)
        assert np.allclose(r, np.sqrt(100 - h * h), atol=1e-9)
    assert ellipsoid_section((0, 0, 0), np.eye(3), (10, 10, 10), plane, h_mm=10.5) is None


def test_rotated_spheroid_section_through_centre_has_its_true_axes():
    # long axis 15 mm along (1,1,0)/sqrt2, short 5 mm; the axial plane through the centre contains
    # the long axis, so the section's semi-axes are 15 and 5.
    u = np.array([1, 1, 0]) / np.sqrt(2)
    v = np.array([-1, 1, 0]) / np.sqrt(2)
    axes = np.stack([u, v, [0, 0, 1]])
    plane = standard_plane("axial", (0, 0, 0))
    pts = ellipsoid_section((0, 0, 0), axes, (15, 5, 5), plane, n_points=720)
    r = np.linalg.norm(pts, axis=1)
    assert r.max() == pytest.approx(15, abs=1e-3)
    assert r.min() == pytest.approx(5, abs=1e-3)


def test_oblique_plane_section_points_lie_on_the_ellipsoid():
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    semi = np.array([12.0, 7.0, 4.0])
    centre = np.array([3.0, -2.0, 5.0])
    plane = SlicePlane(np.array([2.0, -1.0, 6.0]), np.array([0.3, 0.9, 0.1]), np.array([0.0, 0.2, -1.0]))
    pts = ellipsoid_section(centre, q, semi, plane, h_mm=0.5)
    lps = plane.to_lps(pts[:, 0], pts[:, 1], 0.5)
    local = (lps - centre) @ q.T
    assert np.allclose(((local / semi) ** 2).sum(axis=1), 1.0, atol=1e-9)


def test_segment_in_slab_interval():
    plane = standard_plane("axial", (0, 0, 0))
    t = segment_in_slab((0, 0, -10), (0, 0, 10), plane, 0.0, 1.0)
    assert t == pytest.approx((0.45, 0.55))
    assert segment_in_slab((0, 0, 5), (3, 0, 5), plane, 0.0, 1.0) is None
    assert segment_in_slab((0, 0, 0.5), (3, 0, 0.5), plane, 0.0, 1.0) == (0.0, 1.0)
