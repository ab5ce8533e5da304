"""Where the views look first on a newly opened scan: on the spine, not the middle of the field of view.

A CT's field of view holds the table and much air; its middle may lie in front of the body. The canal
is found automatically on load, so the first crosshair goes to the canal's centre on the axial slice
halfway along the canal's extent: the sagittal view then cuts the spine in its midline and the axial view
shows a vertebra (what 3D Slicer users do by hand on every case).
"""

from __future__ import annotations

import numpy as np


def spine_focus_lps(volume, canal_mask: np.ndarray | None) -> np.ndarray | None:
    """LPS (mm) of the canal's centroid on its middle axial slice, or None without a canal.

    ``canal_mask`` is on the volume's grid, indexed [k, j, i]. The slice is the one holding canal nearest
    the middle of the range of slices that hold canal; the centroid is that slice's voxel mean, snapped to
    the nearest voxel so the views show whole slices.
    """
    if canal_mask is None:
        return None
    mask = np.asarray(canal_mask, dtype=bool)
    per_slice = mask.reshape(mask.shape[0], -1).any(axis=1)
    ks = np.flatnonzero(per_slice)
    if ks.size == 0:
        return None
    k = int(ks[np.argmin(np.abs(ks - 0.5 * (ks[0] + ks[-1])))])
    jj, ii = np.nonzero(mask[k])
    ijk = np.array([np.round(ii.mean()), np.round(jj.mean()), k], dtype=float)
    return np.asarray(volume.to_lps(ijk), dtype=float)
