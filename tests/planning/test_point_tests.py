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
