"""TotalSegmentator's labels (the T11-T12 scan's independent reference, on its own NIfTI grid) moved onto
the CT's grid through LPS, each label voxel to the CT voxel nearest its centre (shared by the real-data
tests that compare with them)."""

from __future__ import annotations

import numpy as np

from planner.core.frames import ijk_to_kji, kji_to_ijk


def label_image_on_ct(ct, seg) -> np.ndarray:
    """The label image ``seg`` (an ImageVolume of label numbers) on ``ct``'s grid (int16; 0 where none)."""
    kji = np.argwhere(seg.hu > 0)
    ijk = np.round(ct.to_ijk(seg.to_lps(kji_to_ijk(kji).astype(float)))).astype(int)
    out = np.zeros(ct.hu.shape, np.int16)
    out[tuple(ijk_to_kji(ijk).T)] = seg.hu[tuple(kji.T)]
    return out


def labels_on_ct(ct, seg, labels) -> np.ndarray:
    """The voxels of ``seg`` holding any of ``labels`` (one number or several) as a mask on ``ct``'s grid."""
    kji = np.argwhere(np.isin(seg.hu, labels))
    ijk = np.round(ct.to_ijk(seg.to_lps(kji_to_ijk(kji).astype(float)))).astype(int)
    out = np.zeros(ct.hu.shape, bool)
    out[tuple(ijk_to_kji(ijk).T)] = True
    return out
