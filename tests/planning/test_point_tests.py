"""analysis.point_tests: the ball bounds never skip a point the test would answer True for, so the
corridor check asking only the sections near the outline or the lesion gets the same envelope."""

from __future__ import annotations

import numpy as np

from planner.analysis.point_tests import AnyOf, add_inside, ball_may_hold
from planner.analysis.vertebra_rule import BodyOutline, body_outline_contains, inside_vertebra
from planner.anatomy.levels import LevelGeometry
from planner.core.volume import ImageVolume
from planner.planning.access import mask_inside


def _vertebra() -> LevelGeometry:
    a = np.radians(25.0)
    axes = ((np.cos(a), np.sin(a), 0.0), (-np.sin(a), np.cos(a), 0.0), (0.0, 0.0, 1.0))
    c = (3.0, -4.0, 10.0)
    return LevelGeometry(name="L2", body_centre_lps=c, axes_lps=axes, plane_point_lps=c, plane_normal_lps=axes[2],
                         top_endplate_lps=(3.0, -4.0, 22.0), bottom_endplate_lps=(3.0, -4.0, -2.0), height_mm=24.0,
                         width_mm=40.0, depth_mm=30.0, volume_ml=20.0, symmetry_score=1.0, complete=True)


def _volume_and_mask():
    volume = ImageVolume(np.zeros((20, 40, 40), np.int16), spacing_mm=(1.0, 1.0, 2.0), origin_lps=(-20.0, -25.0, -10.0))
    mask = np.zeros(volume.hu.shape, bool)
    mask[8:12, 10:16, 20:27] = True
    return volume, mask


def _balls_agree(test, centres, radius, rng, n=400):
    """Every ball the bound calls empty holds no True point (points sampled in it, up to its surface)."""
    near = ball_may_hold(test, centres, radius)
    for c, ok in zip(centres, near):
        v = rng.normal(size=(n, 3))
        v *= (radius * rng.uniform(0.0, 1.0, n) ** (1 / 3) / np.linalg.norm(v, axis=1))[:, None]
        v[:40] *= radius / np.linalg.norm(v[:40], axis=1)[:, None]  # on the surface too
        if not ok:
            assert not test(c + v).any()
    return near


def test_outline_bound_is_conservative_and_tight_enough():
    rng = np.random.default_rng(5)
    g = _vertebra()
    centres = np.array(g.body_centre_lps) + rng.uniform(-45.0, 45.0, size=(600, 3))
    near = _balls_agree(BodyOutline(g), centres, 6.0, rng)
    # a ball whose centre is inside the outline may hold it; one farther from the centre than the
    # cylinder's corners (20, 15, 12 mm) plus its radius cannot
    inside = body_outline_contains(g, centres)
    assert near[inside].all() and inside.any()
    far = np.linalg.norm(centres - g.body_centre_lps, axis=1) > 6.0 + np.sqrt(20.0**2 + 15.0**2 + 12.0**2)
    assert far.any() and not near[far].any()
    # the tight case: a ball touching the side of the outline from outside (u = a + r - 0.01) may hold it
    u_axis = np.asarray(g.axes_lps[0])
    touching = np.array(g.body_centre_lps) + (20.0 + 6.0 - 0.01) * u_axis
    clear = np.array(g.body_centre_lps) + (20.0 + 6.0 + 0.01) * u_axis
    assert ball_may_hold(BodyOutline(g), np.stack([touching, clear]), 6.0).tolist() == [True, False]


def test_mask_bound_and_the_union():
    rng = np.random.default_rng(6)
    volume, mask = _volume_and_mask()
    lesion = mask_inside(volume, mask)
    centres = volume.to_lps(rng.uniform(-5, 45, size=(500, 3)) * np.array([1.0, 1.0, 0.5]))
    near = _balls_agree(lesion, centres, 4.0, rng)
    assert near.any() and not near.all()
    both = inside_vertebra(_vertebra(), lesion)
    assert isinstance(both, AnyOf)
    _balls_agree(both, centres, 4.0, rng)
    assert ball_may_hold(lambda p: np.zeros(len(p), bool), centres, 4.0) is None  # a plain function cannot tell


def test_add_inside_equals_asking_every_point():
    rng = np.random.default_rng(7)
    volume, mask = _volume_and_mask()
    test = inside_vertebra(_vertebra(), mask_inside(volume, mask))
    # a line of 0.5 mm sections of a 9 x 9 window, 0.8 mm apart, through the outline and the mask
    d = np.array([0.3, 0.9, 0.1]) / np.linalg.norm([0.3, 0.9, 0.1])
    e1 = np.cross(d, [0.0, 0.0, 1.0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(d, e1)
    w = np.arange(-4, 5) * 0.8
    grid = w[:, None, None] * e1 + w[None, :, None] * e2
    centres = np.array([-8.0, -60.0, 4.0]) + np.arange(0.0, 120.0, 0.5)[:, None] * d
    pts = centres[:, None, None] + grid[None]
    found = rng.random(pts.shape[:-1]) > 0.9
    want = found | test(pts.reshape(-1, 3)).reshape(found.shape)
    assert want.sum() > found.sum()  # the test adds points
    near = ball_may_hold(test, centres, 4 * 0.8 * np.sqrt(2))
    assert near.any() and not near.all()  # and some sections are skipped
    assert np.array_equal(add_inside(found.copy(), test, pts, centres, grid), want)


def _shapes():
    from planner.geometry.shapes import Ellipsoid

    a = np.radians(35.0)
    rot = np.array([[np.cos(a), np.sin(a), 0.0], [-np.sin(a), np.cos(a), 0.0], [0.0, 0.0, 1.0]])
    return [Ellipsoid.sphere((4.0, -2.0, 12.0), 7.5), Ellipsoid((-9.0, 6.0, 4.0), rot, (9.0, 4.0, 3.0))]


def test_shapes_test_equals_asking_every_shape_every_point():
    from planner.analysis.point_tests import ShapesInside

    rng = np.random.default_rng(8)
    shapes = _shapes()
    test = ShapesInside(shapes)
    pts = rng.uniform(-30.0, 30.0, size=(20000, 3))
    # points on and just either side of each surface (where a box cut-off would show first)
    for s in shapes:
        v = rng.normal(size=(3000, 3))
        v /= np.linalg.norm(v, axis=1)[:, None]
        on = s.centre_lps + ((v * s.semi_axes_mm) @ s.axes) * rng.choice([1 - 1e-9, 1.0, 1 + 1e-9], 3000)[:, None]
        pts = np.concatenate([pts, on])
    want = np.any([s.contains(pts) for s in shapes], axis=0)
    assert 1000 < want.sum() < len(pts) - 1000
    assert np.array_equal(test(pts), want)
    assert np.array_equal(test(pts.reshape(-1, 10, 3)).reshape(-1), want)  # any leading shape


def test_shapes_bound_is_conservative_and_tight_enough():
    from planner.analysis.point_tests import ShapesInside

    rng = np.random.default_rng(9)
    test = ShapesInside(_shapes())
    centres = rng.uniform(-40.0, 40.0, size=(500, 3))
    near = _balls_agree(test, centres, 4.0, rng)
    assert near.any() and not near.all()
    # the sphere's box is |x - c| <= 7.5 per axis: a ball 7.5 + 4 - 0.01 mm beside it may hold a point
    # of the box, one 0.02 mm farther cannot
    c = np.array([4.0, -2.0, 12.0])
    assert ball_may_hold(test, np.stack([c + [11.49, 0, 0], c + [11.51, 0, 0]]), 4.0).tolist() == [True, False]
    # with the body outline: the union is bounded now (a plain function made every section be asked)
    both = inside_vertebra(_vertebra(), test)
    far = ball_may_hold(both, np.array([[200.0, 200.0, 200.0]]), 4.0)
    assert far is not None and not far.any()
    _balls_agree(both, centres, 4.0, rng)


def test_lesion_test_reads_the_mask_as_the_session_does():
    from planner.analysis.point_tests import MaskInside, ShapesInside, lesion_test
    from planner.core.frames import nearest_voxel_values

    rng = np.random.default_rng(10)
    volume, mask = _volume_and_mask()
    pts = volume.to_lps(rng.uniform(-3.0, 43.0, size=(20000, 3)) * np.array([1.0, 1.0, 0.5]))
    test = lesion_test(volume, mask, _shapes())  # a mask wins over shapes, as in the session
    assert isinstance(test, MaskInside)
    want = nearest_voxel_values(mask, volume.to_ijk(pts))
    assert want.sum() > 50 and np.array_equal(test(pts), want)
    assert isinstance(lesion_test(volume, None, [None, *_shapes()]), ShapesInside)
    assert lesion_test(volume, None, [None]) is None and lesion_test(volume) is None


def test_add_inside_with_the_shapes_equals_asking_every_point():
    from planner.analysis.point_tests import ShapesInside

    rng = np.random.default_rng(11)
    test = inside_vertebra(_vertebra(), ShapesInside(_shapes()))
    d = np.array([0.2, 0.95, 0.15]) / np.linalg.norm([0.2, 0.95, 0.15])
    e1 = np.cross(d, [0.0, 0.0, 1.0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(d, e1)
    w = np.arange(-4, 5) * 0.8
    grid = w[:, None, None] * e1 + w[None, :, None] * e2
    centres = np.array([-6.0, -70.0, 8.0]) + np.arange(0.0, 140.0, 0.5)[:, None] * d
    pts = centres[:, None, None] + grid[None]
    found = rng.random(pts.shape[:-1]) > 0.9
    want = found | test(pts.reshape(-1, 3)).reshape(found.shape)
    near = ball_may_hold(test, centres, 4 * 0.8 * np.sqrt(2))
    assert want.sum() > found.sum() and near.any() and not near.all()
    assert np.array_equal(add_inside(found.copy(), test, pts, centres, grid), want)
