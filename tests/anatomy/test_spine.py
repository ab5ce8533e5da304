"""Automatic spine: every vertebral body found on load and named by counting from landmarks.

Expected names on the shared lumbar scan come from counting by eye (tests/anatomy/test_levels.py,
TCIA_L2_SEED_IJK, and docs/levels.md): S1 at k 7-16, L5 17-27, L4 28-38, L3 40-50, L2 52-62,
L1 64-73, T12 75-84 (k = slice index, 0 most caudal, 3 mm apart); T11 85-92, T10 93-100, T9 101-108,
T8 109-115, T7 116-122 (issue 13: the discs' dark bands on the mid-sagittal render at z 362-365, 386-389,
410-413, 433-434 and 455 mm, z = 85.9 + 3 k; tests/anatomy/test_body_centres.py), T6 124-130 (its disc with
T5 a faint band at k 130-131, z 476-479 mm; the top slice, k 133, cuts T5).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from planner.anatomy import spine_names
from planner.anatomy.levels import LevelGeometry
from planner.anatomy.spine import find_spine
from planner.core.volume import ImageVolume

#: Slice ranges (k) of each body on the lumbar scan, counted by eye (see the module docstring).
LUMBAR_BODIES_K = {"L5": (17, 27), "L4": (28, 38), "L3": (40, 50), "L2": (52, 62), "L1": (64, 73), "T12": (75, 84),
                   "T11": (85, 92), "T10": (93, 100), "T9": (101, 108), "T8": (109, 115), "T7": (116, 122),
                   "T6": (124, 130)}


@pytest.fixture(scope="module")
def lumbar(lumbar_volume, lumbar_spine):
    return lumbar_volume, lumbar_spine  # find_spine of the shared volume, once per session (tests/conftest.py)


@pytest.mark.realdata
def test_lumbar_levels_named_from_sacrum_and_last_rib(lumbar):
    volume, spine = lumbar
    assert spine.named, spine.message
    assert set(spine.landmarks) == {"sacrum", "last rib"}
    names = {v.name: v for v in spine.vertebrae if v.name}
    for name, (k0, k1) in LUMBAR_BODIES_K.items():
        assert name in names, (name, spine.message)
        k = float(volume.to_ijk(names[name].body_centre_lps)[2])
        assert k0 <= k <= k1, (name, k)
        assert names[name].confidence >= 0.9
    assert "sacrum" in spine.message and "T12" in spine.message


@pytest.mark.realdata
def test_lumbar_thoracic_bodies_above_t11_are_named_in_order(lumbar):
    """Issue 13: the walk goes on above T11 (a thoracic disc with the rib heads beside it no longer ends
    it); the names run from T6 (the highest body wholly in the scan) down to S1 in the order of the bodies from
    head to feet."""
    volume, spine = lumbar
    named = [v for v in spine.vertebrae if v.name]
    assert {"T10", "T9", "T8", "T7", "T6"} <= {v.name for v in named}, spine.message
    by_height = sorted(named, key=lambda v: -v.body_centre_lps[2])  # LPS +z: toward the head (supine scan)
    assert [v.name for v in by_height] == ["T6", "T7", "T8", "T9", "T10", "T11", "T12", "L1", "L2", "L3", "L4",
                                           "L5", "S1"]


@pytest.mark.realdata
def test_lumbar_slice_57_is_l2(lumbar):
    volume, spine = lumbar
    g = spine.vertebra_named("L2")
    top, bottom = (float(volume.to_ijk(p)[2]) for p in (g.top_endplate_lps, g.bottom_endplate_lps))
    assert bottom < 57 < top


@pytest.mark.realdata
def test_twenty_slice_scan_names_nothing_and_says_why(t11_t12_spine):
    spine = t11_t12_spine  # find_spine of the shared T11-T12 volume, once per session (tests/conftest.py)
    assert not spine.named
    assert not any(v.name for v in spine.vertebrae)
    assert "set them by hand" in spine.message or "by hand" in spine.message
    assert "short" in spine.message


def test_sample_without_landmarks_names_nothing(sample_spine):
    """The synthetic sample holds L1-L3 whole, no ribs and no sacrum: nothing to count from."""
    spine = sample_spine  # find_spine of the sample, once per session (tests/conftest.py)
    assert len(spine.vertebrae) >= 3
    assert not spine.named and "neither the sacrum nor the last rib" in spine.message


def test_scan_without_a_spine_says_so():
    """Soft tissue only (an elliptic cylinder of 40 HU in air): no body, a message, no exception."""
    k, j, i = np.indices((50, 200, 200))  # 150 mm long: not "too short"
    hu = np.where((i - 100) ** 2 / 90 ** 2 + (j - 100) ** 2 / 60 ** 2 <= 1, 40, -1000).astype(np.int16)
    spine = find_spine(ImageVolume(hu=hu, spacing_mm=(1.0, 1.0, 3.0), origin_lps=(0.0, 0.0, 0.0)))
    assert spine.vertebrae == () and not spine.named
    assert "No vertebral body" in spine.message


# --- the counting rule, on made-up bodies ----------------------------------------------------------

def _bodies(n: int) -> list[LevelGeometry]:
    axes = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
    base = LevelGeometry("", (0.0, 0.0, 0.0), axes, (0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (0, 0, 14), (0, 0, -14),
                         28.0, 45.0, 32.0, 30.0, 0.95, True)
    return [replace(base, body_centre_lps=(0.0, 0.0, 36.0 * m)) for m in range(n)]


def _landmarks(monkeypatch, sacral_rows, rib_rows, below_sacral=False):
    def sacral(volume, centre, axes, **kw):
        z = float(np.asarray(centre)[2])
        if z < -1.0:
            return below_sacral
        return round(z / 36.0) in sacral_rows

    monkeypatch.setattr(spine_names, "is_sacral", sacral)
    monkeypatch.setattr(spine_names, "is_rib_bearing",
                        lambda volume, v, **kw: round(v.body_centre_lps[2] / 36.0) in rib_rows)


@pytest.mark.parametrize("rows, rib_from, expected", [
    (8, 7, ["S1", "L5", "L4", "L3", "L2", "L1", "T12", "T11"]),  # S1 body found, ribs from T12
])
def test_both_landmarks_agree(monkeypatch, rows, rib_from, expected):
    _landmarks(monkeypatch, {0}, set(range(rib_from - 1, rows)))
    result = spine_names.name_vertebrae(None, None, _bodies(rows))
    assert [v.name for v in result.vertebrae] == expected
    assert result.named and all(v.confidence == spine_names.BOTH_CONFIDENCE for v in result.vertebrae)


def test_s1_below_the_lowest_body(monkeypatch):
    _landmarks(monkeypatch, set(), {5, 6}, below_sacral=True)
    result = spine_names.name_vertebrae(None, None, _bodies(7))
    assert [v.name for v in result.vertebrae] == ["L5", "L4", "L3", "L2", "L1", "T12", "T11"]


@pytest.mark.parametrize("rib_rows", [{5, 6, 7}, {7}])  # rib-bearing L1 (4 lumbar), or six lumbar bodies
def test_transitional_anatomy_names_nothing(monkeypatch, rib_rows):
    _landmarks(monkeypatch, {0}, rib_rows)
    result = spine_names.name_vertebrae(None, None, _bodies(8))
    assert not result.named and not any(v.name for v in result.vertebrae)
    assert "Transitional anatomy" in result.message


def test_one_landmark_names_with_lower_confidence(monkeypatch):
    _landmarks(monkeypatch, set(), {3, 4})  # ribs from the 4th body up, no sacrum
    result = spine_names.name_vertebrae(None, None, _bodies(5))
    assert [v.name for v in result.vertebrae] == ["L3", "L2", "L1", "T12", "T11"]
    assert all(v.confidence == spine_names.ONE_LANDMARK_CONFIDENCE for v in result.vertebrae)
    assert "cannot be ruled out" in result.message


def test_a_missed_body_breaks_the_count(monkeypatch):
    _landmarks(monkeypatch, {0}, {6, 7})
    bodies = _bodies(8)
    bodies = bodies[:3] + [replace(b, body_centre_lps=(0.0, 0.0, b.body_centre_lps[2] + 40.0)) for b in bodies[3:]]
    result = spine_names.name_vertebrae(None, None, bodies)
    assert not result.named and "broken" in result.message
