"""Following the canal beyond the consistent closed-ring slices, one slice at a time.

The sacral canal curves backward (the sacrum's kyphosis) and narrows toward the hiatus, so a
straight extrapolation of the lumbar centre line runs into the S1 body (seen on the TCIA lumbar
scan: the mask sat in S1 bone of 150-190 HU). Instead, from each end of the run of consistent
slices, the next slice's enclosed, fluid/fat-density hole is taken when its centroid lies within
``walk_step_mm`` (plus the slope term below) of the previous one and its area within ``walk_area_ratio`` of it; up to
``walk_gap_slices`` slices without such a hole are skipped (the allowed step grows by ``walk_slope`` mm per mm
along the axis: the sacral canal moves about 14 mm backward over 9 mm at S1-S2 on that scan) (an open ring, a foramen), then the walk
stops. The sacral canal is enclosed by bone (the sacral laminae behind, S1-S2 bodies in front), so
on CT it is a hole in the bone mask like the lumbar canal, only smaller (about 10 x 5 mm at S3,
hence ``walk_min_area_mm2`` of 20 mm^2).
"""

from __future__ import annotations

import numpy as np

from planner.anatomy.canal_slices import interpolate_shapes, smooth_track
from planner.anatomy.canal_trim import trim_anterior_lobes


def _next_hole(holes, ok, s: int, prev_rc: np.ndarray, prev_area: float, sp: np.ndarray, p, slices: int) -> int:
    idx = np.flatnonzero(ok & (holes.slice_index == s))
    if idx.size == 0:
        return 0
    d = np.linalg.norm((holes.centroid_rc[idx] - prev_rc) * sp[1:], axis=1)
    ratio = holes.area_mm2[idx] / prev_area
    reach = p.walk_step_mm + p.walk_slope * sp[0] * slices
    fine = (d <= reach) & (ratio <= p.walk_area_ratio) & (ratio >= 1.0 / p.walk_area_ratio)
    if not fine.any():
        return 0
    return int(idx[fine][np.argmin(d[fine])]) + 1


def walk_ends(holes, ok: np.ndarray, chosen: np.ndarray, good: np.ndarray, sp: np.ndarray, p) -> np.ndarray:
    """Slices beyond both ends of ``good`` reached by the walk (``chosen`` is updated in place)."""
    n = len(chosen)
    walked = np.zeros(n, dtype=bool)
    gi = np.flatnonzero(good)
    for start, step in ((gi[0], -1), (gi[-1], 1)):
        lab = chosen[start] - 1
        prev_rc, prev_area = holes.centroid_rc[lab].copy(), float(holes.area_mm2[lab])
        s, gap = start + step, 0
        while 0 <= s < n and gap <= p.walk_gap_slices:
            if good[s]:
                break
            hit = _next_hole(holes, ok, s, prev_rc, prev_area, sp, p, gap + 1)
            if hit:
                chosen[s] = hit
                walked[s] = True
                prev_rc = holes.centroid_rc[hit - 1].copy()
                prev_area = float(np.sqrt(prev_area * holes.area_mm2[hit - 1]))
                gap = 0
            else:
                gap += 1
            s += step
    return walked


def track_through(track: np.ndarray, good: np.ndarray, cent: np.ndarray, walked: np.ndarray, n: int,
                  half: int) -> np.ndarray:
    """Centre line over the walked slices too: the consistent and walked slices' centroids,
    smoothed like the main track, with
    straight extrapolation beyond."""
    return smooth_track(np.flatnonzero(good), cent[good], n, half)


def beyond_core(core: np.ndarray, todo: np.ndarray, known: np.ndarray, caudal_low: bool = True) -> np.ndarray:
    """Which of the slices ``todo`` lie beyond the caudal end of the consistent slices ``core`` and
    between two ``known`` (consistent or walked) slices: gaps in the walked caudal end. There the
    canal changes shape from slice to slice (the sacral canal narrows and flattens caudally over a
    few 3 mm slices; on the TCIA lumbar scan its area halves from S1 to S2), so the median of the
    nearest 16 slices' shapes mixes S1 with L5 (too small in front at S1, k 11-12 of that scan).
    ``caudal_low``: the caudal end is at low slice indices."""
    ki = np.flatnonzero(known)
    if not core.any():
        return np.zeros(len(todo), dtype=bool)
    return caudal_end(core, caudal_low)[todo] & (todo > ki[0]) & (todo < ki[-1])


def caudal_end(core: np.ndarray, caudal_low: bool = True) -> np.ndarray:
    """The slices beyond the caudal end of the consistent slices ``core`` (all False without any):
    where the walk follows the canal into the sacrum."""
    out = np.zeros(len(core), dtype=bool)
    gi = np.flatnonzero(core)
    if gi.size:
        if caudal_low:
            out[:gi[0]] = True
        else:
            out[gi[-1] + 1:] = True
    return out


def centroid_track(kept: np.ndarray, known: np.ndarray, track: np.ndarray) -> np.ndarray:
    """A centre line through the centroids of the ``known`` slices' masks ``kept`` [s, r, c],
    linearly interpolated in between (``track`` beyond the known ones): shape-based interpolation
    between two slices places each shape where it is, not on the smoothed centre line (which the
    sacrum's backward curve pulls off the walked holes)."""
    out = np.array(track, dtype=float, copy=True)
    idx = [s for s in np.flatnonzero(known) if kept[s].any()]
    if len(idx) < 2:
        return out
    cent = np.array([np.argwhere(kept[s]).mean(axis=0) for s in idx])
    x = np.arange(len(out))
    inside = (x >= idx[0]) & (x <= idx[-1])
    for d in range(2):
        out[inside, d] = np.interp(x[inside], idx, cent[:, d])
    return out


def fill_caudal_gaps(kept: np.ndarray, known: np.ndarray, walked: np.ndarray, track: np.ndarray, gaps: np.ndarray,
                     spacing_rc_mm, radius_px: int, opening_px: int, anterior_rc=None,
                     front_margin_mm: float | None = None) -> np.ndarray:
    """Canal masks for the ``gaps`` of the caudal walk (:func:`beyond_core`): shape-based interpolation
    between the nearest known slice on each side only, each placed at its own centroid
    (:func:`centroid_track`), the walked slices taken after their front cut
    (:func:`planner.anatomy.canal_trim.trim_anterior_lobes`, applied to them later as well), so a
    foramen lobe does not pull a gap's shape forward. Returns masks shaped like ``kept[gaps]``."""
    if len(gaps) == 0:
        return kept[gaps]
    ki = np.flatnonzero(known)
    pos = np.searchsorted(ki, gaps)
    near = np.zeros(len(known), dtype=bool)  # only the two slices around each gap are needed
    near[ki[np.clip(pos - 1, 0, ki.size - 1)]] = True
    near[ki[np.clip(pos, 0, ki.size - 1)]] = True
    cut = kept.copy()
    trim = walked & near
    if front_margin_mm is not None and anterior_rc is not None and trim.any():
        cut[trim] = trim_anterior_lobes(cut[trim], spacing_rc_mm, anterior_rc, front_margin_mm)
    return interpolate_shapes(cut, near, centroid_track(cut, near, track), gaps, 0, spacing_rc_mm,
                              radius_px, opening_px, max_neighbours=2)
