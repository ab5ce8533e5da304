"""What the views frame on a case: the patient's body (2D) and the spine (3D), not the table's field of view.

Plain numpy, no Qt (the slice and 3D views call it). The rule a PACS user expects, kept by
:class:`planner.ui.slice_view.SliceView`:

- a view that is "fit" shows the body's extent on its plane, centred, with ``FIT_MARGIN`` on each side:
  ``scale_px_per_mm = min(width_px / extent_a_mm, height_px / extent_b_mm) * (1 - 2 * FIT_MARGIN)``;
- a user zoom is kept *relative* to that fit (zoom x 2 stays twice the fit scale when the view grows
  or shrinks), and the point at the view's centre stays there. Nothing accumulates, so a view that was
  hidden (maximise / restore) or squeezed by a dock comes back at the same px/mm at the same size.

The body box at load is a cheap proxy of :func:`planner.anatomy.body.segment_body`: the same method on a
6 mm grid, its box read on that grid (about 0.1 s on the 512^2 x 134 lumbar scan, against 2.7 s at 2 mm;
it agrees with the 2 mm mask's box within one coarse voxel on the shared scans). The 3D camera frames the spine: the canal's box widened to the
vertebra around it (``SPINE_HALF_WIDTH_MM`` etc.), else the body, else the volume.
"""

from __future__ import annotations

import numpy as np

from planner.anatomy.body import BodyParams, segment_body
from planner.core.errors import PlannerError

FIT_MARGIN = 0.04  # the share of the view left free on each side of the fitted box (as Viewport.fit)
BODY_PROXY_COARSE_MM = 6.0
# A lumbar vertebra around its canal (DOMAIN.md access geometry; Panjabi 1992 lumbar dimensions):
# transverse processes reach about 40-50 mm either side of the midline, the spinous process about
# 40 mm behind the canal, the body's front about 50-60 mm in front of it.
SPINE_HALF_WIDTH_MM = 50.0
SPINE_BEHIND_CANAL_MM = 45.0
SPINE_BEFORE_CANAL_MM = 60.0

# Until the canal is found, the 3D camera frames where the spine must lie in the body (issue 19: the
# whole body of the 38 mm T11-T12 slab, 350 mm wide with the arms, framed from behind was a strip a tenth
# of the view tall): the transverse processes span 70-85 mm tip to tip and the body centre lies 80-100
# mm under the skin (DOMAIN.md, typical adult lumbar vertebra), so the vertebra sits within
# ``PROVISIONAL_HALF_WIDTH_MM`` of the body's middle (its half span, with room for a body box made
# lopsided by an arm) and ``PROVISIONAL_DEPTH_MM`` of its back (the body's anterior edge, 15-17 mm past
# its centre, with room for a thicker back).
PROVISIONAL_HALF_WIDTH_MM = 60.0
PROVISIONAL_DEPTH_MM = 130.0

Box = tuple[np.ndarray, np.ndarray]


def fit_scale_px_per_mm(width_px: float, height_px: float, extent_mm, margin: float = FIT_MARGIN) -> float:
    """The px/mm at which the plane box ``extent_mm`` = (a0, a1, b0, b1) fills a width x height view."""
    a0, a1, b0, b1 = extent_mm
    span_a, span_b = max(a1 - a0, 1e-6), max(b1 - b0, 1e-6)
    return min(width_px / span_a, height_px / span_b) * (1 - 2 * margin)


def plane_extent_of_box(plane, lo_lps, hi_lps) -> tuple[float, float, float, float]:
    """(a_min, a_max, b_min, b_max) of an LPS box's eight corners in ``plane``'s coordinates."""
    lo, hi = np.asarray(lo_lps, float), np.asarray(hi_lps, float)
    corners = np.array([[(lo, hi)[c >> 2 & 1][0], (lo, hi)[c >> 1 & 1][1], (lo, hi)[c & 1][2]] for c in range(8)])
    ab = plane.to_plane_coords(corners)[:, :2]
    return float(ab[:, 0].min()), float(ab[:, 0].max()), float(ab[:, 1].min()), float(ab[:, 1].max())


def clip_extent(extent, bounds) -> tuple[float, float, float, float]:
    """``extent`` cut to ``bounds`` (both (a0, a1, b0, b1)); ``bounds`` when they do not overlap."""
    a0, a1 = max(extent[0], bounds[0]), min(extent[1], bounds[1])
    b0, b1 = max(extent[2], bounds[2]), min(extent[3], bounds[3])
    if a1 <= a0 or b1 <= b0:
        return tuple(bounds)
    return a0, a1, b0, b1


def mask_box_lps(volume, mask) -> Box | None:
    """LPS box of the voxel centres of a [k, j, i] mask, widened by half a voxel (the voxels' edges)."""
    if mask is None:
        return None
    m = np.asarray(mask, dtype=bool)
    if not m.any():
        return None
    k, j, i = (np.flatnonzero(m.any(axis=tuple(a for a in range(3) if a != ax))) for ax in range(3))
    corners = np.array([[ii, jj, kk] for ii in (i[0] - 0.5, i[-1] + 0.5) for jj in (j[0] - 0.5, j[-1] + 0.5)
                        for kk in (k[0] - 0.5, k[-1] + 0.5)], dtype=float)
    lps = volume.to_lps(corners)
    return lps.min(axis=0), lps.max(axis=0)


def body_box_lps(volume) -> Box | None:
    """The body's LPS box from the 6 mm proxy of :func:`segment_body`; None when no body is found
    (a phantom or an empty scan: the views then fit the field of view)."""
    try:
        body = segment_body(volume, BodyParams(coarse_mm=BODY_PROXY_COARSE_MM))
    except PlannerError:
        return None
    return coarse_box_lps(volume, body)


def coarse_box_lps(volume, body) -> Box | None:
    """The box of a :class:`~planner.anatomy.body.BodyMask` read on its coarse grid (building the
    full-resolution mask costs about 2 s on the lumbar scan, this a few ms): the first and last body
    samples widened by half a coarse step each way (the mask's edge lies within that), cut to the grid's
    voxel edges. It holds every coarse body sample, and at most half a coarse step more."""
    coarse = np.asarray(body.coarse, dtype=bool)
    if not coarse.any():
        return None
    lo_kji, hi_kji = np.zeros(3), np.zeros(3)
    for axis in range(3):  # coarse axis ``axis`` is the volume's [k, j, i] axis ``body.order[axis]``
        hit = np.flatnonzero(coarse.any(axis=tuple(a for a in range(3) if a != axis)))
        full, f = body.order[axis], body.factors[axis]
        lo_kji[full], hi_kji[full] = hit[0] * f - f / 2, hit[-1] * f + f / 2
    lo_kji = np.maximum(lo_kji, -0.5)
    hi_kji = np.minimum(hi_kji, np.array(volume.hu.shape) - 0.5)
    corners = np.array([[i, j, k] for i in (lo_kji[2], hi_kji[2]) for j in (lo_kji[1], hi_kji[1])
                        for k in (lo_kji[0], hi_kji[0])], dtype=float)
    lps = volume.to_lps(corners)
    return lps.min(axis=0), lps.max(axis=0)


def spine_box_lps(volume, canal_mask) -> Box | None:
    """The box the 3D camera frames: the canal's, widened to the vertebrae around it (within the scan)."""
    box = mask_box_lps(volume, canal_mask)
    if box is None:
        return None
    lo, hi = box
    centre = (lo + hi) / 2
    lo, hi = lo.copy(), hi.copy()
    lo[0], hi[0] = centre[0] - SPINE_HALF_WIDTH_MM, centre[0] + SPINE_HALF_WIDTH_MM
    # LPS y grows to posterior: the spinous processes lie at +y of the canal, the bodies at -y.
    lo[1], hi[1] = lo[1] - SPINE_BEFORE_CANAL_MM, hi[1] + SPINE_BEHIND_CANAL_MM
    vlo, vhi = volume.bounds_lps
    return np.maximum(lo, vlo), np.minimum(hi, vhi)


def provisional_spine_box(body_box: Box) -> Box:
    """Where the spine lies in the body box before the canal is known (the constants' note above): its
    middle ``PROVISIONAL_HALF_WIDTH_MM`` either side, the back ``PROVISIONAL_DEPTH_MM`` deep (LPS +y is
    posterior, DICOM PS3.3 C.7.6.2.1.1, whatever the patient's position on the table), all its height;
    kept inside the body box."""
    lo, hi = (np.asarray(v, float).copy() for v in body_box)
    middle = (lo[0] + hi[0]) / 2
    out_lo = np.array([max(lo[0], middle - PROVISIONAL_HALF_WIDTH_MM), max(lo[1], hi[1] - PROVISIONAL_DEPTH_MM), lo[2]])
    out_hi = np.array([min(hi[0], middle + PROVISIONAL_HALF_WIDTH_MM), hi[1], hi[2]])
    return out_lo, out_hi
