"""Canal on the real 20-slice T11-T12 CT (JPEG 2000, empty UIDs) against TotalSegmentator's labels.

The labels (``totalsegmentator_fast_labels.nii.gz``, SOURCE.txt) are machine-made, not ground truth,
but two of their facts are robust: the spinal cord (label 79) lies inside the canal, and the canal
is not inside the vertebrae (labels 32 T12, 33 T11). Before issue 13 the automatic canal sat in the
cancellous interior of the body on 16 of the 20 slices (0 % of the cord inside it).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.analysis.sitk_load import load_label_image

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def t11(t11_t12_ct_dir, t11_t12_volume, t11_t12_canal):
    volume = t11_t12_volume  # shared, with segment_canal's result, by the session (tests/conftest.py)
    labels, affine = load_label_image(t11_t12_ct_dir.parent / "totalsegmentator_fast_labels.nii.gz")
    # resample the labels onto the CT grid by LPS position (nearest voxel); the file stores j flipped
    kji = np.argwhere(np.ones(volume.hu.shape, bool))
    lps = volume.to_lps(kji[:, ::-1].astype(float))
    ijk = np.round((np.linalg.inv(affine) @ np.c_[lps, np.ones(len(lps))].T)[:3].T).astype(int)
    on_grid = np.all((ijk >= 0) & (ijk < np.array(labels.shape[::-1])), axis=1)
    out = np.zeros(len(kji), labels.dtype)
    out[on_grid] = labels[ijk[on_grid, 2], ijk[on_grid, 1], ijk[on_grid, 0]]
    return volume, out.reshape(volume.hu.shape), t11_t12_canal


def test_cord_inside_and_canal_outside_the_vertebrae(t11):
    volume, labels, seg = t11
    cord = labels == 79
    vertebrae = np.isin(labels, (32, 33))
    assert cord.sum() > 1000
    assert (cord & seg.mask).sum() >= 0.95 * cord.sum()
    assert (seg.mask & vertebrae).sum() <= 0.2 * seg.mask.sum()
    assert seg.mask.any(axis=(1, 2)).all()
    area_mm2 = seg.mask.sum(axis=(1, 2)) * volume.spacing_mm[0] * volume.spacing_mm[1]
    # Kang 2012: canal AP about 16.7 mm at T12; transverse at most about 25 mm (DOMAIN.md): an
    # ellipse with a 1 mm partial-volume rim is at most pi * 9.35 * 13.5 = 397 mm^2
    assert 120 <= np.median(area_mm2) <= 397
    assert np.median(volume.hu[seg.mask]) <= 90
