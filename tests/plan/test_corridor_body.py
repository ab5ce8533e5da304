"""The CT table is not bone: a transpedicular needle planned from under a supine patient (real
T11-T12 scan, whose table shells are 250-490 HU) gets ``needle_outside_body``, never a cortical breach
at the table or in the muscle behind it; and the vertebra rule counts the body outline as inside."""

from __future__ import annotations

import numpy as np
import pytest

from planner.analysis.corridor import check_corridor
from planner.analysis.corridor_findings import corridor_findings
from planner.analysis.vertebra_rule import body_outline_contains, inside_vertebra, vertebra_at
from planner.anatomy.body import segment_body
from planner.anatomy.levels import LevelGeometry

AXES = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


def _vertebra(centre=(0.0, 0.0, 0.0), name="L2") -> LevelGeometry:
    return LevelGeometry(name, centre, AXES, centre, (1.0, 0.0, 0.0), centre, centre, 28.0, 44.0, 32.0, 30.0,
                         0.9, True)


def test_body_outline_is_an_elliptic_cylinder():
    g = _vertebra()
    pts = np.array([[21.9, 0, 0], [22.1, 0, 0], [0, 15.9, 0], [0, 16.1, 0], [0, 0, 13.9], [0, 0, 14.1],
                    [15.0, 11.0, 0.0]])  # (15/22)^2 + (11/16)^2 = 0.937
    assert body_outline_contains(g, pts).tolist() == [True, False, True, False, True, False, True]


def test_inside_vertebra_is_outline_or_lesion():
    g = _vertebra()
    lesion = lambda p: np.linalg.norm(np.asarray(p) - [0, 30, 0], axis=-1) < 5  # noqa: E731
    rule = inside_vertebra(g, lesion)
    assert rule(np.array([[0, 0, 0], [0, 30, 0], [0, 40, 0]])).tolist() == [True, True, False]
    assert inside_vertebra(None, None) is None


def test_vertebra_at_body_then_posterior_arch():
    a, b = _vertebra((0, 0, 0), "L3"), _vertebra((0, 0, 36), "L2")
    assert vertebra_at([a, b], (0, 0, 30)).name == "L2"
    assert vertebra_at([a, b], (10, 30, 2)).name == "L3"  # a pedicle, behind the L3 body
    assert vertebra_at([a, b], (80, 0, 0)) is None


@pytest.fixture(scope="module")
def t11(t11_t12_volume):
    volume = t11_t12_volume  # shared by the session (tests/conftest.py)
    return volume, segment_body(volume)


@pytest.mark.realdata
def test_needle_from_under_the_table(t11):
    """Tip 6 mm left of the body centre found by the level tool at slice 10 (LPS about 8, -120, -773),
    the needle 16 degrees from posterior toward the left, entry 150 mm away, under the table."""
    volume, body = t11
    centre = np.array([8.0, -120.2, -772.7])
    tip = centre + [6.0, -2.0, 0.0]
    d = np.array([np.sin(np.radians(16)), np.cos(np.radians(16)), 0.0])
    entry = tip + 150.0 * d
    without = check_corridor(volume, entry, tip, 2.41, side="left")
    assert any(b.start_depth_mm < 40.0 for b in without.breaches)  # the old behaviour: "breach" at the table
    report = check_corridor(volume, entry, tip, 2.41, side="left", body=body)
    skin_from_entry = -report.skin_to_entry_mm
    assert 40.0 < skin_from_entry < 70.0
    assert all(b.start_depth_mm > skin_from_entry for b in report.breaches)
    codes = {f.code: f.severity.value for f in corridor_findings(report, "n")}
    assert codes.get("needle_outside_body") == "warning"
    assert report.bone_entry_depth_mm > skin_from_entry


def test_the_skin_rim_is_twice_a_voxel_along_the_line():
    """Closed forms: twice the sum of |direction . axis_i| x spacing_i."""
    from planner.analysis.corridor_skin import skin_rim_mm
    from planner.core.volume import ImageVolume

    volume = ImageVolume(hu=np.zeros((4, 4, 4), np.int16), spacing_mm=(0.7, 0.7, 3.0), origin_lps=(0.0, 0.0, 0.0),
                         direction=np.eye(3))
    assert skin_rim_mm(volume, (1.0, 1.0, 1.0), (1.0, 0.0, 0.0)) == pytest.approx(1.4)
    assert skin_rim_mm(volume, (1.0, 1.0, 1.0), (0.0, 0.0, -1.0)) == pytest.approx(6.0)
    s = np.sqrt(0.5)
    assert skin_rim_mm(volume, (1.0, 1.0, 1.0), (s, 0.0, s)) == pytest.approx(2.0 * s * (0.7 + 3.0))


@pytest.mark.realdata
def test_an_entry_in_the_air_beside_the_skin_is_not_an_object(lumbar_volume, lumbar_body):
    """The lumbar walkthrough's mirrored L2 needle (its entry 4.5 mm outside the skin, in air: -915 HU at the
    entry, -601 HU 0.5-1 mm before the skin, read on the HU profile) was said to cross "the CT table, a
    cushion or a lead" 3 mm from the entry: the skin's blurred edge, outside the body mask, read as a thing."""
    entry, tip = (-6.80, 226.40, 259.25), (-6.43, 109.21, 255.16)
    report = check_corridor(lumbar_volume, entry, tip, 2.41, side="right", body=lumbar_body)
    assert report.outside_body is None, report.outside_body
    codes = {f.code for f in corridor_findings(report, "n")}
    assert "needle_outside_body" not in codes
    assert 3.5 < -report.skin_to_entry_mm < 5.5  # the entry lies about 4.5 mm outside the skin
