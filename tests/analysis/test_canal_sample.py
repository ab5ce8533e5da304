"""Canal segmentation on the bundled synthetic sample CT against its ground-truth label map.

Ground-truth canal (sample_dicom/ground_truth/README.md): labels 30 + 31 + 32, plus the lesion
voxels inside the canal (the tumour's epidural extension). The label map does not mark that part
separately, so it is taken as the lesion voxels inside the convex hull of the canal labels of the
same slice (the canal is an elliptic tube, so its cross-section is convex).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.spatial import Delaunay

from planner.anatomy.canal import segment_canal
from tests.analysis.canal_phantom import dice
from tests.analysis.sitk_load import load_label_image, load_series

CANAL_LABELS = (30, 31, 32)
LESION = 10


def canal_truth(labels: np.ndarray) -> np.ndarray:
    canal = np.isin(labels, CANAL_LABELS)
    lesion = labels == LESION
    out = canal.copy()
    for k in np.flatnonzero(lesion.any(axis=(1, 2)) & canal.any(axis=(1, 2))):
        hull = Delaunay(np.argwhere(canal[k]))
        cand = np.argwhere(lesion[k])
        inside = cand[hull.find_simplex(cand) >= 0]
        out[k][tuple(inside.T)] = True
    return out


@pytest.fixture(scope="module")
def sample(sample_series, sample_truth):
    vol = load_series(sample_series)
    labels, affine = load_label_image(sample_truth / "labels.nii.gz")
    assert labels.shape == vol.hu.shape
    assert np.allclose(affine, vol.ijk_to_lps, atol=1e-3), "label map and series must share the grid"
    table = json.loads((sample_truth / "labels.json").read_text(encoding="utf-8"))["labels"]
    assert table[str(LESION)]["name"] == "lesion" and table["31"]["name"] == "canal_csf"
    return vol, labels, segment_canal(vol)


@pytest.fixture(scope="module")
def truth(sample):
    """The ground-truth canal with the lesion's part inside it (a hull per slice: seconds), once per module."""
    return canal_truth(sample[1])


def test_canal_dice_overall(sample, truth):
    vol, labels, seg = sample
    assert dice(seg.mask, truth) >= 0.90


def test_canal_dice_on_the_lesion_level_and_no_leak(sample, truth):
    vol, labels, seg = sample
    lesion = labels == LESION
    ks = np.flatnonzero(lesion.any(axis=(1, 2)))
    assert dice(seg.mask[ks], truth[ks]) >= 0.90
    # the part of the lesion in the vertebral body (outside the canal) stays out of the mask
    body_part = lesion & ~truth
    assert (seg.mask & body_part).sum() <= 0.05 * body_part.sum()


def test_prone_patient_axes(sample):
    vol, _, seg = sample
    assert vol.direction[0, 0] == pytest.approx(-1.0) and vol.direction[1, 1] == pytest.approx(-1.0)
    # the canal lies posterior (larger LPS y) of the vertebral bodies' landmarks
    assert seg.centreline_lps[:, 1].std() < 10.0
