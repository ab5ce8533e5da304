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


def body_centre_ijk(volume, lab, label=32, half_band=3):
    """Reference centre (i, j, k) of a vertebral body from TotalSegmentator's label image ``lab`` on the CT
    grid (:func:`label_image_on_ct`): on the midline (the spinal cord's mean column, label 79) the body is
    the label's first run from the front, which ends at the canal; the slices where that run is at least
    half its longest cross the whole body (the endplates are concave: on an endplate rim's slices the
    midline meets the disc within a few millimetres); k is the middle of those slices, j the mean middle
    of the run, i the cord's column (tests/anatomy/test_body_centres.py, issue 13)."""
    cord = lab == 79
    mid_i = int(round(np.argwhere(cord)[:, 2].mean()))
    ks, runs = [], []
    for k in np.flatnonzero((lab == label).any(axis=(1, 2))):
        band = (lab[k, :, mid_i - half_band:mid_i + half_band + 1] == label).any(axis=1)
        cord_front = np.flatnonzero(cord[k].any(axis=1)).min()
        rows = np.flatnonzero(band[:cord_front])
        if rows.size == 0:
            continue
        front = rows.min()
        end = front
        while end < cord_front and band[end]:
            end += 1
        ks.append(k)
        runs.append((front, end))
    length = np.array([e - f for f, e in runs])
    full = length >= 0.5 * length.max()  # the midline crosses the whole body, not an endplate's rim
    ks = np.asarray(ks)[full]
    mids = [0.5 * (f + e - 1) for (f, e), ok in zip(runs, full) if ok]
    return np.array([float(mid_i), float(np.mean(mids)), 0.5 * (ks.min() + ks.max())])
