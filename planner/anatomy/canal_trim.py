"""Trimming low-density bone off canal cross-sections where the bony wall is faint (sacrum).

The hole finder bounds the canal by ``bone_hu`` (180 HU). In the sacrum the bone in front of the
canal is cancellous of low density: on the TCIA lumbar scan the S1-S2 bodies read 130-200 HU next
to a canal whose content (epidural fat, roots, CSF) reads -60 to 40 HU, so the enclosed hole
reaches into the body and the sacral band was over-segmented (volume 1.47 x the reference). Such
a hole is trimmed to the voxels whose HU (unsmoothed by default: smoothing next to 500-900 HU
cortex cut off the canal's own rim) is below the half-way value between the
hole's own content (its median) and ``bone_hu``: the half-maximum edge between the two tissues
(the same rule as the partial-volume edge of :func:`planner.anatomy.canal._edge_voxels`), keeping
the largest in-plane component of what is left, holes filled.
"""

from __future__ import annotations

import numpy as np

from planner.core.lazy import lazy_module
from planner.anatomy.canal_slices import IN_PLANE_4

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)


def trim_faint_bone(shapes: np.ndarray, hu: np.ndarray, spacing_rc_mm, bone_hu: float,
                    smooth_mm: float = 0.0, min_keep: float = 0.5) -> np.ndarray:
    """Trimmed copies of the masks ``shapes`` [s, r, c] given their slices' ``hu``.

    A slice whose trimmed mask would keep less than ``min_keep`` of its area (a hole with no clear
    low-density content) is left unchanged.
    """
    out = shapes.copy()
    if len(shapes) == 0:
        return out
    sr, sc = float(spacing_rc_mm[0]), float(spacing_rc_mm[1])
    soft = hu.astype(np.float32)
    if smooth_mm > 0:
        soft = ndimage.gaussian_filter(soft, sigma=(0, smooth_mm / sr, smooth_mm / sc))
    for s in range(len(shapes)):
        m = shapes[s]
        if not m.any():
            continue
        edge = 0.5 * (float(np.median(soft[s][m])) + bone_hu)
        keep = m & (soft[s] < edge)
        labels, n = ndimage.label(keep, structure=IN_PLANE_4[1])
        if n == 0:
            continue
        sizes = np.bincount(labels.ravel())
        sizes[0] = 0
        keep = labels == int(np.argmax(sizes))
        keep = ndimage.binary_fill_holes(keep)
        if keep.sum() >= min_keep * m.sum():
            out[s] = keep
    return out
