"""The 3-D distances of the corridor check (:mod:`planner.analysis.corridor`, step 3): how far each point
of the needle's resampled cross-section stack lies from the nearest bone of the whole stack, and the
direction away from it, and the breach direction of a run and its name (issue 17: measured in 3-D and
integrated over the run, a breach grade and direction are stable functions of the line)."""

from __future__ import annotations

import numpy as np

from planner.analysis.band_edt import band_distance
from planner.core.lazy import lazy_module

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)


def outside_distance_mm(envelope: np.ndarray, step_mm: float, h_mm: float, band: tuple[int, int] | None = None):
    """(3-D distance in mm from each cross-section grid point to the nearest bone of the whole stack,
    the index of that bone voxel (None without bone)).

    ``band``: ``(lo, hi)``, only the points ``[:, lo:hi, lo:hi]`` (the needle's neighbourhood), the
    indices of the bone voxels then counted from ``lo`` in-plane as well: the same distances
    (:func:`planner.analysis.band_edt.band_distance`; issue 17: the whole window's transform was a
    fifth of the proposal's search).

    In 3-D, not per cross-section (issue 17): where the needle crosses a soft-tissue gap between two
    bones along its path (a facet joint, the space between an articular process and the pedicle), the
    nearest bone lies ahead or behind, not in the cross-section's plane. Measured in the plane only,
    the breach was whatever bone happened to lie within the window beside the gap (up to the
    window's size), or nothing when none did, so lines 0.25 mm apart jumped between grade 1 and 3 on
    the T11-T12 scan's T12. The 3-D distance is a 1-Lipschitz function of position, so the breach
    changes by at most the shift of the line; beside a pedicle wall parallel to the needle it is the
    same as the in-plane distance (the closed-form phantom tests).
    """
    if band is not None:
        lo, hi = band
        if not envelope.any():
            return np.full((envelope.shape[0], hi - lo, hi - lo), np.inf), None
        dist, nearest = band_distance(envelope, lo, hi, (step_mm, h_mm, h_mm))
        nearest[1:] -= lo
        return dist, nearest
    if not envelope.any():
        return np.full(envelope.shape, np.inf), None
    return ndimage.distance_transform_edt(~envelope, sampling=(step_mm, h_mm, h_mm), return_indices=True)


def away_from_bone(outside: np.ndarray, nearest, k: int, a: float, b: float, step_mm: float, h_mm: float,
                    d, e1, e2):
    """Unit vector (LPS) away from the bone nearest the stack's grid point (k, a, b) (fractional
    in-plane indices): the direction in which the needle's surface lies outside the bone.

    The distance field's gradient (central differences) where it is well defined (norm near 1: one
    nearest bone surface, e.g. a pedicle wall beside the needle); on a ridge between two surfaces
    (the middle of a gap between two bones along the needle, where the gradient cancels), the vector
    from the nearest bone voxel (the distance transform's feature) to the point. None when no bone is near.
    """
    kk = np.clip([k - 1, k + 1], 0, outside.shape[0] - 1)
    pts = np.array([[kk[0], a, b], [kk[1], a, b], [k, a - 1, b], [k, a + 1, b], [k, a, b - 1], [k, a, b + 1]], float)
    f = ndimage.map_coordinates(outside, pts.T, order=1, mode="nearest")
    if not np.all(np.isfinite(f)):
        return None
    dk = max(int(kk[1] - kk[0]), 1) * step_mm
    v = (f[1] - f[0]) / dk * d + (f[3] - f[2]) / (2 * h_mm) * e1 + (f[5] - f[4]) / (2 * h_mm) * e2
    n = float(np.linalg.norm(v))
    if n >= 0.7 or nearest is None:
        return v / n if n > 1e-9 else None
    ia = int(np.clip(round(a), 0, outside.shape[1] - 1))
    ib = int(np.clip(round(b), 0, outside.shape[2] - 1))
    bk, ba, bb = nearest[:, k, ia, ib]
    v = (k - bk) * step_mm * d + (a - ba) * h_mm * e1 + (b - bb) * h_mm * e2
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-9 else None


#: A breach is called medial when its medial component is at least this fraction of its largest
#: component in the vertebra's axes (ties broken toward the canal; see :func:`breach_direction_label`).
MEDIAL_TIE_RATIO = 0.75
#: Below this coherence (|sum of weighted outward vectors| / sum of weights) the surface is out of bone
#: all round (a gap between two bones along the needle): no side is preferred.
MIN_COHERENCE = 0.15
#: A breach crosses a gap between two bones along the needle (a facet joint, the space between an
#: articular process and the pedicle) when the needle's wall is out of bone all round at its worst
#: section and its vector lies within 45 degrees of the needle's axis: the nearest bone lies ahead or
#: behind, not beside the wall (planner.analysis.corridor: ``Breach.across_gap``).
GAP_ALONG_COS = float(np.cos(np.radians(45.0)))


def run_breach_vector(outside: np.ndarray, ring_depth: np.ndarray, s: int, e: int, ring_a, ring_b,
                      step_mm: float, h_mm: float, tolerance_mm: float, d, e1, e2):
    """The breach vector of one run of breached cross-sections ``s .. e-1`` (LPS, unit) and its coherence
    (0..1), or (None, 0) when nothing lies beyond ``tolerance_mm``.

    Integrated, not taken at one point (issue 17: at the worst surface point, the nearest bone's side
    jumped between lines 0.25 mm apart on the T11-T12 scan's T12, medial <-> inferior <-> anterior): the
    sum over every needle-surface point of the run (``ring_depth[k, p]`` at in-plane indices
    ``ring_a[p], ring_b[p]``) of its depth beyond the tolerance times the distance field's gradient there
    (the unit direction away from the nearest bone, in 3-D). The weights are continuous in the line
    (the distance field is 1-Lipschitz and the ring depth goes to 0 at a run's ends), so the sum moves
    little when the line moves a little; where the gradient is undefined (a ridge between two bones)
    its neighbours' opposite directions cancel instead of one of them winning.
    """
    w = np.clip(ring_depth[s:e] - tolerance_mm, 0.0, None)  # (n_k, ring_points)
    total = float(w.sum())
    if total <= 0.0:
        return None, 0.0
    lo, hi = max(s - 1, 0), min(e + 1, outside.shape[0])
    slab = outside[lo:hi]
    if slab.shape[0] < 2 or not np.all(np.isfinite(slab)):
        return None, 0.0
    gk, ga, gb = np.gradient(slab, step_mm, h_mm, h_mm)
    kk = np.repeat(np.arange(s, e) - lo, ring_depth.shape[1]).astype(float)
    coords = [kk, np.tile(ring_a, e - s), np.tile(ring_b, e - s)]
    g = [ndimage.map_coordinates(f, coords, order=1, mode="nearest").reshape(w.shape) for f in (gk, ga, gb)]
    v = float((w * g[0]).sum()) * np.asarray(d) + float((w * g[1]).sum()) * np.asarray(e1) \
        + float((w * g[2]).sum()) * np.asarray(e2)
    n = float(np.linalg.norm(v))
    if n <= 1e-9:
        return None, 0.0
    return v / n, n / total


def breach_direction_label(v_lps: np.ndarray, axes: np.ndarray, side: str) -> str:
    """Name a breach vector in the vertebra's own axes (rows of ``axes``: left-right, anterior-posterior,
    cranio-caudal, unit): medial/lateral (left/right for a midline needle), anterior/posterior,
    superior/inferior.

    Rule: the largest of the three components names it, except that a breach toward the midline is
    called **medial** whenever its medial component is at least :data:`MEDIAL_TIE_RATIO` (75 %) of the
    largest: a near-tie goes to the more dangerous direction, toward the spinal canal (Gertzbein-Robbins'
    medial breaches are the ones that reach the canal; DOMAIN.md "Access geometry"). A line 0.25 mm
    from another then cannot turn a medial breach into an inferior one on a near-tie; it takes a breach
    whose other component is more than 1/0.75 = 1.33 times the medial one (about 53 degrees from
    medial instead of 45).
    """
    lr, ap, cc = np.asarray(axes, float) @ np.asarray(v_lps, float)
    mags = np.abs([lr, ap, cc])
    toward_left = lr > 0
    medial = side != "midline" and toward_left == (side == "right") and lr != 0
    if medial and mags[0] >= MEDIAL_TIE_RATIO * mags.max():
        return "medial"
    dominant = int(np.argmax(mags))
    if dominant == 1:
        return "posterior" if ap > 0 else "anterior"
    if dominant == 2:
        return "superior" if cc > 0 else "inferior"
    if side == "midline":
        return "left" if toward_left else "right"
    return "medial" if medial else "lateral"
