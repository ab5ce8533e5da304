"""Which candidate hole of each axial slice is the canal, and which slices' holes agree with the rest
(step 3 of :mod:`planner.anatomy.canal`: the closed-ring slices the others are interpolated from)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from planner.anatomy.canal_slices import rolling_nanmedian

if TYPE_CHECKING:
    from planner.anatomy.canal import CanalParams


def pick_per_slice(holes, ok, track, sp, p: CanalParams, n: int) -> np.ndarray:
    """Label (1-based) of the candidate hole nearest the centre line in every slice (0 = none)."""
    chosen = np.zeros(n, dtype=np.int64)
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return chosen
    s = holes.slice_index[idx]
    d = np.linalg.norm((holes.centroid_rc[idx] - track[s]) * sp[1:], axis=1)
    near = d <= 2.0 * p.centre_tol_mm + 5.0
    idx, s, d = idx[near], s[near], d[near]
    order = np.lexsort((d, s))
    first = np.ones(order.size, bool)
    first[1:] = s[order][1:] != s[order][:-1]
    chosen[s[order][first]] = idx[order][first] + 1
    return chosen


def _hole_features(holes, chosen, good) -> np.ndarray:
    feats = np.full((len(chosen), 3), np.nan)
    sel = np.flatnonzero(good)
    feats[sel, 0] = holes.area_mm2[chosen[sel] - 1]
    feats[sel, 1:] = holes.extent_mm[chosen[sel] - 1]
    return feats


def _within(ratio: np.ndarray, area_limit: float, extent_limit: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        area_ok = (ratio[:, 0] <= area_limit) & (ratio[:, 0] >= 1 / area_limit)
        ext_ok = np.all((ratio[:, 1:] <= extent_limit) & (ratio[:, 1:] >= 1 / extent_limit), axis=1)
    return area_ok & ext_ok


def consistent_slices(holes, chosen, good, track, sp, p: CanalParams) -> np.ndarray:
    """Slices whose hole agrees with the other closed-ring slices and with the centre line: first
    against the median of the whole chain (loose limits: the canal narrows from lumbar to thoracic
    levels), then against the local median within ``window_mm`` of the survivors."""
    feats = _hole_features(holes, chosen, good)
    if good.any():
        with np.errstate(invalid="ignore", divide="ignore"):
            good = good & _within(feats / np.nanmedian(feats, axis=0), p.area_ratio_limit * 1.7,
                                  p.extent_ratio_limit * 1.25)
    feats = _hole_features(holes, chosen, good)
    half = max(1, int(round(p.window_mm / sp[0] / 2)))
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = _within(feats / rolling_nanmedian(feats, half), p.area_ratio_limit, p.extent_ratio_limit)
    cent = np.full((len(chosen), 2), np.nan)
    sel = np.flatnonzero(good)
    cent[sel] = holes.centroid_rc[chosen[sel] - 1]
    off = np.linalg.norm((cent - track) * sp[1:], axis=1)
    return good & ok & (off <= p.centre_tol_mm)
