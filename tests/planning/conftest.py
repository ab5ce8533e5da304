"""Shared, session-scoped sample data for the planning tests (loaded once)."""

from __future__ import annotations

import json

import pytest
import SimpleITK as sitk

from planner.anatomy.levels import detect_level
from planner.core.resources import sample_dir


@pytest.fixture(scope="session")
def sample(sample_volume, sample_canal):
    volume = sample_volume  # loaded and segmented once per session (tests/conftest.py)
    labels = sitk.GetArrayFromImage(sitk.ReadImage(str(sample_dir() / "ground_truth" / "labels.nii.gz")))
    lm = json.loads((sample_dir() / "ground_truth" / "landmarks.json").read_text())
    canal = sample_canal.mask.copy()
    return volume, labels, lm, canal


@pytest.fixture(scope="session")
def sample_l2(sample):
    volume, labels, lm, canal = sample
    return detect_level(volume, lm["vertebrae"]["L2"]["body_centre_lps"], "L2")
