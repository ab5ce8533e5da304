"""Which vertebra a needle is checked against (``SessionAnatomy.vertebra_for``): the automatic vertebra's
measured body under the plan level's name when the level's centre lies in that body, else the level's centre
with typical sizes or the sizes of the automatic vertebra near it. Closed forms on hand-made geometries
(no scan): a body outline is the width x depth ellipse between the endplates
(planner/analysis/vertebra_rule.py)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from planner.anatomy.levels import LevelGeometry
from planner.anatomy.spine_names import SpineResult
from planner.core.volume import ImageVolume
from planner.plan.items import Level
from planner.session.anatomy_state import SessionAnatomy, same_body_geometry

_A = np.radians(5.0)  # the automatic body's frame turned 5 degrees about the head axis
AXES = ((np.cos(_A), np.sin(_A), 0.0), (-np.sin(_A), np.cos(_A), 0.0), (0.0, 0.0, 1.0))
CENTRE = (10.0, -20.0, 30.0)


def _auto(name: str = "") -> LevelGeometry:
    """A measured body 46 x 36 mm, 27 mm high, centred at CENTRE (unnamed, as on a 20-slice scan)."""
    return LevelGeometry(name, CENTRE, AXES, CENTRE, AXES[0], (10.0, -20.0, 43.5), (10.0, -20.0, 16.5), 27.0, 46.0,
                         36.0, 35.0, 0.9, True, confidence=0.0)


def _anatomy(*vertebrae) -> SessionAnatomy:
    from planner.anatomy.cache import AnatomyCache

    volume = ImageVolume(hu=np.zeros((2, 2, 2), np.int16), spacing_mm=(1.0, 1.0, 1.0), origin_lps=(0.0, 0.0, 0.0),
                         direction=np.eye(3))
    anatomy = SessionAnatomy(volume, AnatomyCache(enabled=False))
    spine = SpineResult(tuple(vertebrae), False, "test")
    anatomy.spine = lambda cancel=None: spine  # the vertebrae as found, without a search
    return anatomy


def test_a_level_inside_the_automatic_body_takes_that_body_under_its_name():
    # (4, -6, 3) mm off the centre: inside the 23 x 18 mm semi-axes ellipse whatever the 5 degree turn
    level = Level("T12", (14.0, -26.0, 33.0), body_depth_mm=30.8)
    needle = SimpleNamespace(level="T12", tip_lps=(0.0, 0.0, 0.0))
    g = _anatomy(_auto()).vertebra_for([level], needle)
    assert g.name == "T12" and g.confidence == 1.0
    assert np.allclose(g.body_centre_lps, CENTRE) and np.allclose(g.axes_lps, AXES)
    assert (g.width_mm, g.depth_mm, g.height_mm) == (46.0, 36.0, 27.0)
    assert same_body_geometry(level, _auto()) == g


def test_a_needle_without_a_level_in_that_body_is_checked_against_the_same_body():
    level = Level("T12", (14.0, -26.0, 33.0))
    needle = SimpleNamespace(level="", tip_lps=(10.0, -30.0, 30.0))  # 10 mm in front of the centre: inside
    g = _anatomy(_auto()).vertebra_for([level], needle)
    assert g.name == "T12" and np.allclose(g.body_centre_lps, CENTRE)


@pytest.mark.parametrize("offset", [(0.0, 19.0, 0.0), (0.0, 0.0, 14.0)])
def test_a_level_outside_the_automatic_body_keeps_its_own_centre(offset):
    """19 mm behind the centre (past the 18 mm semi-depth, in the arch region the level rule still links)
    or 14 mm up (past half the height): the plan's centre and axes, the near body's sizes."""
    centre = tuple(np.asarray(CENTRE) + np.asarray(offset))
    level = Level("T12", centre)
    assert same_body_geometry(level, _auto()) is None
    g = _anatomy(_auto()).vertebra_for([level], SimpleNamespace(level="T12", tip_lps=centre))
    assert np.allclose(g.body_centre_lps, centre) and np.allclose(g.axes_lps, np.eye(3))
    assert (g.width_mm, g.depth_mm) == (46.0, 36.0)


def test_without_an_automatic_vertebra_a_level_has_typical_sizes():
    level = Level("L2", (0.0, 0.0, 0.0), body_depth_mm=33.0)
    g = _anatomy().vertebra_for([level], SimpleNamespace(level="L2", tip_lps=(0.0, 0.0, 0.0)))
    assert np.allclose(g.body_centre_lps, 0.0) and (g.width_mm, g.depth_mm, g.height_mm) == (45.0, 33.0, 27.0)
