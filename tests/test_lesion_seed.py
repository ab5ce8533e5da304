"""Threshold-and-seed lesion segmentation against the sample's ground truth."""

import json

import numpy as np
import pytest
import SimpleITK as sitk

from planner.anatomy.lesion import LesionParams, segment_lesion
from planner.core.errors import PlannerError
from planner.core.resources import sample_dir


@pytest.fixture(scope="module")
def sample(sample_volume):
    volume = sample_volume  # loaded once per session (tests/conftest.py)
    labels = sitk.GetArrayFromImage(sitk.ReadImage(str(sample_dir() / "ground_truth" / "labels.nii.gz")))
    lm = json.loads((sample_dir() / "ground_truth" / "landmarks.json").read_text())
    return volume, labels, lm


def dice(a, b):
    return 2 * np.logical_and(a, b).sum() / (a.sum() + b.sum())


def test_lesion_from_a_click_matches_ground_truth(sample):
    volume, labels, lm = sample
    canal = np.isin(labels, [30, 31, 32])
    truth = (labels == 10) & ~canal
    mask = segment_lesion(volume, lm["lesion"]["centre_lps"], exclude=canal)
    assert dice(mask, truth) >= 0.85
    assert not (mask & canal).any()


def test_click_outside_a_lesion_is_refused_in_words(sample):
    volume, labels, lm = sample
    bone = lm["probes"]["cancellous_bone"]["point_lps"]
    with pytest.raises(PlannerError, match="not lesion-like"):
        segment_lesion(volume, bone)


def test_recipe_round_trip():
    p = LesionParams(-40, 160, 25)
    assert LesionParams.from_ref(p.to_ref()) == p
