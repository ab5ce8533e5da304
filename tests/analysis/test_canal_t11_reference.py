"""Canal segmentation on the real 20-slice T11-T12 CT scored against a reference mask checked by eye.

The reference (``tests/data/t11_t12_canal_reference/``, README there) was built independently of
:mod:`planner.anatomy.canal` (hand-placed ellipses on 9 key slices, non-bone voxels inside them,
:mod:`planner.anatomy.canal_reference`) and looked at on all 20 slices. Target (issue 13): Dice >=
0.85 over the 20 slices. The canal code of 2026-12-01 scores 0.069 (``benchmarks/canal_dice.py``):
on this scan it outlines the low-density T12 / T11 vertebral body (about 100-200 HU, j 320-350)
instead of the canal behind it, so the target assert fails on that code, by design.

The TotalSegmentator spinal-cord label shipped with the scan is machine-made, not ground truth; it
serves only as a sanity check of the reference: the cord lies inside the canal, which is larger.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner.anatomy.canal import segment_canal
from planner.anatomy.canal_reference import band_dice, load_mask_npz, load_rois, reference_mask
from planner.core.frames import apply_affine
from planner.imaging import load_path
from tests.analysis.sitk_load import load_label_image

pytestmark = pytest.mark.realdata

REF_DIR = Path(__file__).resolve().parents[1] / "data" / "t11_t12_canal_reference"
TARGET_DICE = 0.85  # issue 13, "Measured"
CORD_LABEL = 79  # SOURCE.txt of ct-t11-t12-jpeg2000: 79 = spinal cord (TotalSegmentator)


@pytest.fixture(scope="module")
def t11(t11_t12_ct_dir):
    volume = load_path(t11_t12_ct_dir)
    reference, geometry = load_mask_npz(REF_DIR / "canal_reference.npz")
    rois = load_rois(REF_DIR / "canal_rois.json")
    return volume, reference, geometry, rois


def test_reference_matches_the_scan_and_regenerates(t11):
    volume, reference, geometry, rois = t11
    assert reference.shape == volume.hu.shape == (20, 512, 512)
    assert np.allclose(geometry["origin_lps"], volume.origin_lps, atol=1e-3)
    assert np.allclose(geometry["spacing_mm"], volume.spacing_mm, atol=1e-5)
    assert np.array_equal(np.flatnonzero(reference.any(axis=(1, 2))), np.arange(20))
    assert np.array_equal(reference_mask(volume, rois), reference)
    # CSF / fat density, canal-sized: Kang 2012 AP diameter T12 16.7 mm (DOMAIN.md); measured on
    # the mid-line column of each slice
    assert -150 <= np.median(volume.hu[reference]) <= 100
    ap_mm = []
    for k in range(20):
        jj, ii = np.nonzero(reference[k])
        column = reference[k][:, int(round(ii.mean()))]
        ap_mm.append(column.sum() * volume.spacing_mm[1])
    assert 13.0 <= np.median(ap_mm) <= 21.0, ap_mm


def test_machine_made_cord_label_lies_inside_the_reference(t11, t11_t12_ct_dir):
    """Sanity check only: TotalSegmentator's cord (label 79) is inside the reference canal, and the
    canal is larger than the cord (CSF and epidural fat around it)."""
    volume, reference, _, _ = t11
    labels, affine = load_label_image(t11_t12_ct_dir.parent / "totalsegmentator_fast_labels.nii.gz")
    kji = np.argwhere(labels == CORD_LABEL)
    lps = apply_affine(affine, kji[:, ::-1].astype(float))
    i, j, k = np.round(volume.to_ijk(lps)).astype(int).T
    inside = reference[k, j, i]
    assert inside.mean() >= 0.9, inside.mean()
    assert reference.sum() >= 2.0 * len(kji)


def test_canal_dice_against_the_eye_checked_reference(t11):
    volume, reference, _, rois = t11
    assert set(rois.regions) == {"thoracic_T11_T12"}
    scores = band_dice(segment_canal(volume).mask, reference, rois)
    message = ", ".join(f"{name} {d:.3f} (volume x{ratio:.2f})" for name, (d, ratio) in scores.items())
    assert scores["overall"][0] >= TARGET_DICE, message
