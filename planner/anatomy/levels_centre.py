"""The centre of a vertebral body from its mask: mid-height between the endplates, middle of its section.

The mean of the mask's voxels is not the body's centre when the mask takes in a little more than the body
on one side: the bases of the pedicles at the posterolateral corners, the kidney-shaped section whose
sides reach further back than its concave posterior wall, a wedge-shaped L5 (taller in front). On the
shared lumbar scan the mean lay 3-4 mm behind the middle of the body measured by hand on the mid-sagittal
slice (T11, T12; see tests/anatomy/test_body_centres.py). A radiologist's centre is the middle of the body
between its walls and between its endplates (the target of a transpedicular needle, Chen et al., AJNR
2022; the body's own axes of Cox et al. 2012), so the centre here is:

- left-right: the middle of the mask's extent along u, per slice of the body's central run, the median
  over the slices;
- anterior-posterior: the middle between the anterior and the posterior wall in the mid-sagittal band
  (+-``band_mm`` around that left-right middle, where the posterior wall is the front of the canal, not the
  pedicles), the median over the same slices;
- cranio-caudal: half way between the two endplate planes (``w = a u + b v + c``, fitted by
  :mod:`planner.anatomy.levels_body`) at that point.
"""

from __future__ import annotations

import numpy as np

__all__ = ["body_centre_uvw", "lower_end_plane"]


def _plane_w(coef: np.ndarray, u: float, v: float) -> float:
    a, b, c = coef
    return float(a * u + b * v + c)


def body_centre_uvw(body: np.ndarray, u_mm: np.ndarray, v_mm: np.ndarray, w_mm: np.ndarray,
                    top_coef: np.ndarray, bottom_coef: np.ndarray, band_mm: float = 5.0) -> np.ndarray:
    """(u, v, w) in mm of the centre of ``body`` (``[w, v, u]`` on the grid with axes ``u_mm``, ``v_mm``,
    ``w_mm``) by the rule of the module docstring. Falls back to the voxels' mean where a slice's band is
    empty (a body too small to have a central run)."""
    counts = body.sum(axis=(1, 2))
    central = np.flatnonzero(counts >= 0.5 * counts.max())
    iw_all, iv_all, iu_all = np.nonzero(body)
    mean = np.array([u_mm[iu_all].mean(), v_mm[iv_all].mean(), w_mm[iw_all].mean()])
    us, vs = [], []
    for k in central:
        iv, iu = np.nonzero(body[k])
        u_mid = 0.5 * (u_mm[iu.min()] + u_mm[iu.max()])
        in_band = np.abs(u_mm[iu] - u_mid) <= band_mm
        if not in_band.any():
            continue
        us.append(u_mid)
        vs.append(0.5 * (v_mm[iv[in_band]].min() + v_mm[iv[in_band]].max()))
    if not us:
        return mean
    u, v = float(np.median(us)), float(np.median(vs))
    w = 0.5 * (_plane_w(top_coef, u, v) + _plane_w(bottom_coef, u, v))
    if not np.isfinite(w) or not w_mm[0] <= w <= w_mm[-1]:
        w = mean[2]
    return np.array([u, v, w])


def lower_end_plane(body: np.ndarray, u_mm: np.ndarray, v_mm: np.ndarray, w_mm: np.ndarray,
                    top_coef: np.ndarray) -> np.ndarray:
    """The plane ``w = a u + b v + c`` parallel to the superior endplate ``top_coef`` at the lower end of
    ``body``: the median, over the columns at least half as long as the longest, of the lowest voxel's lower
    edge measured from the superior endplate's plane. For S1, which has no inferior endplate (the sacral
    vertebrae fuse in the adult and the discs between them ossify, Gray's Anatomy, the sacrum), the plane
    fitted to the mask's lower surface is no endplate (planner/anatomy/levels_sacrum.py)."""
    count = body.sum(axis=0)
    iv, iu = np.nonzero(count >= 0.5 * count.max())
    lowest = w_mm[np.argmax(body, axis=0)[iv, iu]] - 0.5 * float(w_mm[1] - w_mm[0])
    a, b, _ = top_coef
    return np.array([a, b, float(np.median(lowest - a * u_mm[iu] - b * v_mm[iv]))])
