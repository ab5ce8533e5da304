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

:func:`trim_anterior_lobes` removes what reaches further forward than the canal's midline front (the
entry of the sacral foramina beside the S1 body). It is applied to the walked caudal end only: on
all slices it also took 10-20 voxels off the front of some lumbar slices (L3 on the TCIA scan), where
a proposed needle then came 0.97 mm from the reference canal (tests/planning/test_propose_realdata.py
asks for 1 mm); the protected canal is not made smaller where nothing shows it is too large.
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


def trim_anterior_lobes(shapes: np.ndarray, spacing_rc_mm, anterior_rc, margin_mm: float = 1.5,
                        central_fraction: float = 0.5) -> np.ndarray:
    """Copies of the sacral cross-sections ``shapes`` [s, r, c] without what reaches further forward
    than the canal's midline front (plus ``margin_mm``).

    The front of the sacral canal is the posterior surface of the S1/S2 body, flat across the midline.
    Lateral to the body the enclosed hole may reach forward into the entry of the sacral foramina
    (the S1 roots leave the canal anterolaterally, through the anterior sacral foramina); on the TCIA
    lumbar scan those two lobes, of root/fat density (30-50 HU) like the canal, reached 5-7 mm further
    forward than the midline front at S1. The midline front is the median, over the central
    ``central_fraction`` of the shape's width, of the most anterior pixel per lateral position (the
    median ignores a single spike of the basivertebral vein's notch). Anything more than
    ``margin_mm`` in front of it is cut; the largest in-plane component is kept, holes filled. A section
    with no pixel in its central part (two lobes apart) has no midline front and is kept unchanged.
    """
    out = shapes.copy()
    a = np.asarray(anterior_rc, float)
    if len(shapes) == 0 or np.linalg.norm(a) < 0.5:
        return out
    a = a / np.linalg.norm(a)
    lat = np.array([-a[1], a[0]])
    sr, sc = float(spacing_rc_mm[0]), float(spacing_rc_mm[1])
    rows = np.arange(shapes.shape[1])[:, None] * sr
    cols = np.arange(shapes.shape[2])[None, :] * sc
    fwd = rows * a[0] + cols * a[1]
    side = rows * lat[0] + cols * lat[1]
    step = min(sr, sc)
    for s in range(len(shapes)):
        m = shapes[s]
        if not m.any():
            continue
        bins = np.round(side[m] / step).astype(int)
        f = fwd[m]
        b0 = bins.min()
        front = np.full(bins.max() - b0 + 1, -np.inf)
        np.maximum.at(front, bins - b0, f)
        present = np.flatnonzero(np.isfinite(front))
        mid = 0.5 * (present[0] + present[-1])
        half = 0.5 * central_fraction * (present[-1] - present[0])
        central = present[np.abs(present - mid) <= half]
        if central.size == 0:  # two lobes with nothing across the midline: no front to trim to, kept as is
            continue
        limit = float(np.median(front[central])) + margin_mm
        keep = m & (fwd <= limit)
        labels, n = ndimage.label(keep, structure=IN_PLANE_4[1])
        if n == 0:
            continue
        sizes = np.bincount(labels.ravel())
        sizes[0] = 0
        out[s] = ndimage.binary_fill_holes(labels == int(np.argmax(sizes)))
    return out
