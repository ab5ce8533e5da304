"""Vertebral levels: body centre, own axes, mid-sagittal plane and neighbours.

Checked against the bundled synthetic sample (ground truth from its generator), a rotated and tilted
vertebra-like phantom with a closed-form pose, and the real TCIA lumbar CT.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from planner.anatomy.levels import LEVEL_ORDER, LevelGeometry, detect_level, neighbour_name, propose_neighbours
from planner.core.errors import OutOfRangeError, PlanError, PlannerError
from planner.phantom.config import PhantomConfig
from planner.phantom.spine import default_spine, frame_at
from planner.plan.items import Level
from planner.plan.vocab import LEVEL_NAMES
from .vertebra_phantom import PITCH_MM, make_phantom, pose


def angle_deg(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def plane_distance_mm(level: LevelGeometry, point) -> float:
    return float(abs(np.dot(np.subtract(point, level.plane_point_lps), level.plane_normal_lps)))


def true_head_axis(name: str) -> np.ndarray:
    """The sample's vertebra frame w axis in LPS (the generator's sagittal lordosis tilt)."""
    cfg = PhantomConfig()
    spec = next(s for s in default_spine() if s.name == name)
    frame = frame_at(cfg, spec.z_mm)
    return frame.to_anatomy(np.array([0.0, 0.0, 1.0])) - frame.to_anatomy(np.zeros(3))


@pytest.fixture(scope="module")
def sample(sample_volume):
    return sample_volume  # loaded once per session (tests/conftest.py)


@pytest.fixture(scope="module")
def landmarks(sample_truth):
    return json.loads((sample_truth / "landmarks.json").read_text())


@pytest.fixture(scope="module")
def l2(sample, landmarks):
    seed = np.asarray(landmarks["vertebrae"]["L2"]["body_centre_lps"]) + [-6.0, -5.0, 4.0]
    return detect_level(sample, seed, "L2")


# --- names ---------------------------------------------------------------------------------------

def test_level_order_is_the_plan_vocabulary():
    assert LEVEL_ORDER == LEVEL_NAMES


@pytest.mark.parametrize("name, steps, expected", [
    ("L2", -1, "L1"), ("L2", -2, "T12"), ("L2", 1, "L3"), ("L2", 2, "L4"), ("T12", 1, "L1"),
    ("T12", -1, "T11"), ("L5", 1, "S1"), ("S1", 1, None), ("T1", -1, None),
])
def test_neighbour_names(name, steps, expected):
    assert neighbour_name(name, steps) == expected


def test_unknown_name_is_refused(sample, landmarks):
    with pytest.raises(PlanError, match="Unknown vertebral level"):
        detect_level(sample, landmarks["vertebrae"]["L2"]["body_centre_lps"], "L7")


# --- the bundled sample ----------------------------------------------------------------------------

def test_sample_l2_centre_plane_and_axes(l2, landmarks):
    truth = landmarks["vertebrae"]["L2"]
    assert np.linalg.norm(np.subtract(l2.body_centre_lps, truth["body_centre_lps"])) < 3.0
    plane = landmarks["mid_sagittal_plane"]
    assert angle_deg(l2.plane_normal_lps, plane["normal_lps"]) < 2.0
    assert plane_distance_mm(l2, plane["point_lps"]) < 1.0
    assert plane_distance_mm(l2, truth["canal_centre_lps"]) < 1.0
    axes = np.asarray(l2.axes_lps)
    np.testing.assert_allclose(axes @ axes.T, np.eye(3), atol=1e-9)
    assert np.linalg.det(axes) > 0.999
    assert angle_deg(axes[0], [1.0, 0.0, 0.0]) < 2.0
    assert angle_deg(axes[2], true_head_axis("L2")) < 3.0
    assert angle_deg(axes[1], np.cross(true_head_axis("L2"), [1.0, 0.0, 0.0])) < 3.0
    assert l2.complete and l2.confidence == 1.0
    size = truth["body_size_mm"]
    assert abs(l2.height_mm - size["height"]) < 4.0
    assert abs(l2.width_mm - size["width"]) < 4.0
    top, bottom = np.asarray(l2.top_endplate_lps), np.asarray(l2.bottom_endplate_lps)
    assert top[2] > l2.body_centre_lps[2] > bottom[2]


def test_sample_level_kwargs_make_a_plan_level(l2):
    level = Level(**l2.to_level_kwargs())
    assert level.name == "L2"
    np.testing.assert_allclose(level.body_centre_lps, l2.body_centre_lps)
    np.testing.assert_allclose(level.plane_normal_lps, l2.plane_normal_lps, atol=1e-9)


def test_sample_click_inside_the_lytic_lesion(sample, landmarks):
    """A click on the lesion (soft-tissue density, through the posterior wall) still finds L2."""
    lesion_centre = landmarks["lesion"]["centre_lps"]
    assert sample.hu_at_lps(lesion_centre) < 150.0
    level = detect_level(sample, lesion_centre, "L2")
    truth = landmarks["vertebrae"]["L2"]
    assert np.linalg.norm(np.subtract(level.body_centre_lps, truth["body_centre_lps"])) < 3.0
    assert angle_deg(level.plane_normal_lps, landmarks["mid_sagittal_plane"]["normal_lps"]) < 2.0
    assert plane_distance_mm(level, landmarks["mid_sagittal_plane"]["point_lps"]) < 1.0
    assert abs(level.height_mm - truth["body_size_mm"]["height"]) < 4.0


@pytest.mark.parametrize("name", ["L1", "L3"])
def test_sample_other_levels(sample, landmarks, name):
    truth = landmarks["vertebrae"][name]
    level = detect_level(sample, np.asarray(truth["body_centre_lps"]) + [8.0, 4.0, -5.0], name)
    assert np.linalg.norm(np.subtract(level.body_centre_lps, truth["body_centre_lps"])) < 3.0
    assert angle_deg(level.axes_lps[2], true_head_axis(name)) < 3.0
    assert plane_distance_mm(level, landmarks["mid_sagittal_plane"]["point_lps"]) < 1.0


def test_sample_neighbours_of_l2(sample, l2, landmarks):
    found = propose_neighbours(sample, l2)
    # T12 and L4 are cut by the edge of the scan: not proposed.
    assert [g.name for g in found] == ["L1", "L3"]
    for g in found:
        truth = landmarks["vertebrae"][g.name]["body_centre_lps"]
        assert np.linalg.norm(np.subtract(g.body_centre_lps, truth)) < 3.0
        assert 0.5 < g.confidence <= 1.0
        assert g.complete


def test_sample_walk_stops_at_the_scan_edge(sample, landmarks):
    l1 = detect_level(sample, landmarks["vertebrae"]["L1"]["body_centre_lps"], "L1")
    above = propose_neighbours(sample, l1, count_up=3, count_down=0)
    assert above == []
    below = propose_neighbours(sample, l1, count_up=0, count_down=5)
    assert [g.name for g in below] == ["L2", "L3"]
    assert below[1].confidence <= below[0].confidence


def test_click_outside_the_scan_or_off_bone(sample, landmarks):
    with pytest.raises(OutOfRangeError):
        detect_level(sample, [0.0, 20.0, 500.0], "L2")
    with pytest.raises(PlannerError, match="vertebral body"):
        detect_level(sample, [60.0, 30.0, -178.0], "L2")  # paraspinal soft tissue
    disc = landmarks["probes"]["disc_nucleus"]["point_lps"]
    with pytest.raises(PlannerError):
        detect_level(sample, disc, "L2")


# --- rotated phantom with a closed-form pose -----------------------------------------------------------

POSES = [(0.0, 0.0, 0.0), (12.0, 0.0, 0.0), (-15.0, 10.0, 0.0), (13.0, -12.0, 6.0)]


@pytest.mark.parametrize("yaw, tilt, roll", POSES)
def test_phantom_axes_and_plane_follow_the_rotation(yaw, tilt, roll):
    rotation = pose(yaw, tilt, roll)
    centre = np.array([5.0, -20.0, 30.0])
    volume = make_phantom(rotation, centre_lps=centre)
    level = detect_level(volume, centre + rotation @ [6.0, -4.0, 3.0], "L2")
    for row in range(3):
        assert angle_deg(level.axes_lps[row], rotation[:, row]) < 1.5, row
    assert angle_deg(level.plane_normal_lps, rotation[:, 0]) < 1.5
    assert plane_distance_mm(level, centre) < 0.5
    assert np.linalg.norm(np.subtract(level.body_centre_lps, centre)) < 1.5
    assert level.symmetry_score > 0.9

    found = propose_neighbours(volume, level, count_up=1, count_down=1)
    assert [g.name for g in found] == ["L1", "L3"]
    for g, side in zip(found, (+1.0, -1.0)):
        expected = centre + side * PITCH_MM * rotation[:, 2]
        assert np.linalg.norm(np.subtract(g.body_centre_lps, expected)) < 1.5


def test_phantom_lytic_lesion_through_the_posterior_wall():
    rotation = pose(12.0, -8.0, 5.0)
    centre = np.array([5.0, -20.0, 30.0])
    volume = make_phantom(rotation, centre_lps=centre, lesion=True)
    level = detect_level(volume, centre + rotation @ [9.0, 10.0, 0.0], "L2")  # click in the lesion
    assert np.linalg.norm(np.subtract(level.body_centre_lps, centre)) < 2.5
    assert angle_deg(level.plane_normal_lps, rotation[:, 0]) < 1.5
    assert plane_distance_mm(level, centre) < 0.5
    assert angle_deg(level.axes_lps[2], rotation[:, 2]) < 1.5


# --- real CT ------------------------------------------------------------------------------------------

#: A click in the L2 body of the TCIA scan (i, j, k; k = 0 is the most caudal slice). Counted by eye
#: on sagittal and coronal renderings and on axial slices (docs/levels.md, "Level names on the shared
#: lumbar scan"): the sacrum (S1 body about k 7-16, its ala joined to both ilia at k 5-12), then free
#: bodies with a disc on each side at about k 17-27 (L5), 28-38 (L4), 40-50 (L3), 52-62 (L2, this
#: seed), 64-73 (L1: thin horizontal transverse processes at k 66, no rib) and 75-84 (T12: rib heads at
#: its costovertebral joints on k 77-79, the last rib-bearing vertebra). Counting up from the sacrum
#: and down from the last rib agree: five lumbar bodies. An earlier version of this test called it L3.
TCIA_L2_SEED_IJK = (258, 272, 57)


@pytest.mark.realdata
def test_realdata_lumbar_level_and_neighbours(lumbar_volume):
    volume = lumbar_volume
    level = detect_level(volume, volume.to_lps(np.array(TCIA_L2_SEED_IJK, dtype=float)), "L2")
    assert volume.hu_at_lps(level.body_centre_lps) > 150.0  # the centre lies in bone
    assert level.complete
    assert 20.0 < level.height_mm < 40.0 and 35.0 < level.width_mm < 65.0
    assert angle_deg(level.plane_normal_lps, [1.0, 0.0, 0.0]) < 15.0
    assert level.symmetry_score > 0.8
    found = propose_neighbours(volume, level, count_up=1, count_down=1)
    assert [g.name for g in found] == ["L1", "L3"]
    for g in found:
        step_mm = float(np.linalg.norm(np.subtract(g.body_centre_lps, level.body_centre_lps)))
        assert 30.0 < step_mm < 42.0
        assert volume.hu_at_lps(g.body_centre_lps) > 150.0
        assert g.confidence > 0.5
    up, down = (np.subtract(g.body_centre_lps, level.body_centre_lps) for g in found)
    assert up[2] > 25.0 and down[2] < -25.0
