"""Corridor check on the bundled synthetic spine CT (sample_dicom/) against its ground truth.

The series is read with SimpleITK here (the project's own loader is separate); the reference
transpedicular trajectories come from ground_truth/landmarks.json.
"""

import json

import numpy as np
import pytest

from planner.analysis.corridor import check_corridor
from planner.core.resources import sample_dir, sample_series_dir
from planner.core.volume import ImageVolume
from planner.geometry.trajectory import needle_direction

sitk = pytest.importorskip("SimpleITK")

CANAL_LABELS = (30, 31, 32)  # epidural fat, CSF, cord (ground_truth/README.md)
GAUGE_13_MM = 2.41


def _have_sample() -> bool:
    return any(sample_series_dir().glob("*.dcm")) and (sample_dir() / "ground_truth" / "landmarks.json").is_file()


pytestmark = pytest.mark.skipif(not _have_sample(), reason="the bundled sample CT has not been generated")


def _volume_from_image(image) -> tuple[np.ndarray, tuple, tuple, np.ndarray]:
    direction = np.array(image.GetDirection()).reshape(3, 3)  # SimpleITK: columns are the axes
    return sitk.GetArrayFromImage(image), image.GetSpacing(), image.GetOrigin(), direction


@pytest.fixture(scope="module")
def sample():
    reader = sitk.ImageSeriesReader()
    files = reader.GetGDCMSeriesFileNames(str(sample_series_dir()))
    reader.SetFileNames(files)
    hu, spacing, origin, direction = _volume_from_image(reader.Execute())
    volume = ImageVolume(hu=hu.astype(np.int16), spacing_mm=spacing, origin_lps=origin, direction=direction)
    labels_img = sitk.ReadImage(str(sample_dir() / "ground_truth" / "labels.nii.gz"))
    labels, *_ = _volume_from_image(labels_img)
    assert labels.shape == hu.shape
    np.testing.assert_allclose(labels_img.GetOrigin(), origin, atol=1e-3)
    canal = np.isin(labels, CANAL_LABELS)
    landmarks = json.loads((sample_dir() / "ground_truth" / "landmarks.json").read_text())
    return volume, canal, landmarks


def _reference(landmarks, level, side):
    p = landmarks["vertebrae"][level]["pedicles"][side]
    return np.array(p["entry_lps"], float), np.array(p["target_lps"], float)


def _rotate_about_z(v, angle_deg):
    a = np.radians(angle_deg)
    rot = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    return rot @ v


@pytest.mark.parametrize("level, side", [("L1", "right"), ("L1", "left"), ("L3", "right"), ("L2", "right")])
def test_reference_trajectory_has_no_breach(sample, level, side):
    volume, canal, landmarks = sample
    bone_entry, target = _reference(landmarks, level, side)
    d = needle_direction(bone_entry, target)
    skin_side = bone_entry - 50.0 * d  # start the needle outside the bone, in the back muscles or skin
    r = check_corridor(volume, skin_side, target, GAUGE_13_MM, side=side, canal_mask=canal)
    assert r.grade == 0, r.findings()
    assert not r.enters_canal
    # The bone starts at the landmark's entry point (within about two voxels: blur and noise).
    assert r.bone_entry_depth_mm == pytest.approx(50.0, abs=2.0)
    assert r.length_in_bone_mm == pytest.approx(np.linalg.norm(target - bone_entry), abs=3.0)


@pytest.mark.parametrize("level, side", [("L1", "right"), ("L3", "left")])
def test_medially_aimed_trajectory_breaches_into_the_canal(sample, level, side):
    volume, canal, landmarks = sample
    bone_entry, target = _reference(landmarks, level, side)
    d_ref = needle_direction(bone_entry, target)
    d = _rotate_about_z(d_ref, 20.0 if side == "right" else -20.0)  # 20 degrees more medial
    assert abs(d[0]) > abs(d_ref[0])
    start = bone_entry - 50.0 * d
    tip = bone_entry + np.linalg.norm(target - bone_entry) * d
    r = check_corridor(volume, start, tip, GAUGE_13_MM, side=side, canal_mask=canal)
    assert r.enters_canal, r.findings()
    assert r.grade >= 2, r.findings()
    assert r.worst_breach.direction == "medial"
