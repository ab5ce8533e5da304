"""Per-slice building blocks of the canal segmentation (arrays with the axial axis first).

An "axial stack" is a 3-D array ``[s, r, c]`` whose first axis runs along the patient's
head-foot axis; every operation here acts within slices (structures flat in ``s``) except where
said. No per-voxel Python loops: loops run over slices or over hole labels at most.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from planner.anatomy.slice_edt import slicewise_edt
from planner.anatomy.window_filters import square_filter
from planner.core.lazy import lazy_module

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)


def disk_structure(radius_px: int) -> np.ndarray:
    """Flat (1, 2r+1, 2r+1) disk: an in-plane structuring element for a 3-D axial stack."""
    r = max(0, int(radius_px))
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    return (x * x + y * y <= r * r + 0.5)[None, :, :]


def dilate_disk(mask: np.ndarray, radius_px: int) -> np.ndarray:
    """``ndimage.binary_dilation(mask, structure=disk_structure(radius_px))`` of an axial stack: the
    pixels whose in-plane squared distance to the nearest set pixel of their slice is at most ``r**2``,
    from the exact distance transform (planner/anatomy/slice_edt.py: Meijster et al. 2000) instead of
    one pass per structure element (issue 13 speed). The disk holds the offsets with ``dy**2 + dx**2
    <= r**2`` (integers: ``<= r**2 + 0.5`` is the same set), outside the array is unset (scipy's
    ``border_value=0``), and the transform's ``sqrt(D) <= r`` holds exactly when ``D <= r**2`` (a
    correctly rounded square root of an integer). scipy where the transform does not apply."""
    mask = np.asarray(mask, dtype=bool)
    r = max(0, int(radius_px))
    if mask.ndim != 3 or r == 0:
        return ndimage.binary_dilation(mask, structure=disk_structure(r))
    out = np.zeros(mask.shape, dtype=bool)
    some = np.flatnonzero(mask.reshape(mask.shape[0], -1).any(axis=1))  # an empty slice stays empty
    if some.size == 0:
        return out
    dist = slicewise_edt(~mask[some], 1.0)
    if dist is None:
        return ndimage.binary_dilation(mask, structure=disk_structure(r))
    out[some] = dist <= r
    return out


IN_PLANE_4 = np.array([[[0, 0, 0], [0, 0, 0], [0, 0, 0]],
                       [[0, 1, 0], [1, 1, 1], [0, 1, 0]],
                       [[0, 0, 0], [0, 0, 0], [0, 0, 0]]], dtype=bool)


def close_in_plane(bone: np.ndarray, radius_px: int) -> np.ndarray:
    """Binary closing within each slice by a (2r+1)^2 square (separable 1-D max/min filters; the
    image border is treated as 'nearest', so it does not erode)."""
    if radius_px <= 0:
        return bone.copy()
    # scipy's maximum_filter1d ("reflect") then minimum_filter1d ("nearest"): the same mask from
    # running ORs / ANDs over the clipped window (planner/anatomy/window_filters.py)
    return square_filter(square_filter(np.asarray(bone, dtype=bool), radius_px, grow=True), radius_px, grow=False)


@dataclass(frozen=True)
class Holes:
    """Labelled in-plane holes of a bone mask (background not connected to the slice border),
    with per-hole statistics indexed by ``label - 1``."""

    labels: np.ndarray
    slice_index: np.ndarray
    area_mm2: np.ndarray
    mean_hu: np.ndarray
    centroid_rc: np.ndarray
    extent_mm: np.ndarray


def find_holes(closed_bone: np.ndarray, hu: np.ndarray, spacing_rc_mm,
               area_range_mm2: tuple[float, float] = (0.0, np.inf)) -> Holes:
    """Label the enclosed background of every slice of ``closed_bone`` (4-connected in plane),
    keeping only holes whose area lies in ``area_range_mm2`` (statistics are computed for those
    only, with bincounts over their voxels)."""
    labels, n = ndimage.label(~closed_bone, structure=IN_PLANE_4)
    sr, sc = spacing_rc_mm
    count = np.bincount(labels.ravel(), minlength=n + 1)
    border = np.unique(np.concatenate([labels[:, 0, :].ravel(), labels[:, -1, :].ravel(),
                                       labels[:, :, 0].ravel(), labels[:, :, -1].ravel()]))
    area = count * (sr * sc)
    keep = (area >= area_range_mm2[0]) & (area <= area_range_mm2[1])
    keep[border] = False
    keep[0] = False
    m = int(keep.sum())
    remap = np.zeros(n + 1, dtype=np.int32)
    remap[keep] = np.arange(1, m + 1, dtype=np.int32)
    labels = remap[labels]
    if m == 0:
        z = np.zeros(0)
        return Holes(labels, z.astype(int), z, z, np.zeros((0, 2)), np.zeros((0, 2)))
    idx = np.flatnonzero(labels)
    lab = labels.ravel()[idx]
    s_i, r_i, c_i = np.unravel_index(idx, labels.shape)
    cnt = np.bincount(lab, minlength=m + 1)[1:].astype(float)
    mean_hu = np.bincount(lab, weights=hu.ravel()[idx].astype(float), minlength=m + 1)[1:] / cnt
    rr = np.bincount(lab, weights=r_i, minlength=m + 1)[1:] / cnt
    cc = np.bincount(lab, weights=c_i, minlength=m + 1)[1:] / cnt
    objs = ndimage.find_objects(labels, max_label=m)
    sl = np.array([o[0].start for o in objs])
    ext_r = np.array([o[1].stop - o[1].start for o in objs]) * sr
    ext_c = np.array([o[2].stop - o[2].start for o in objs]) * sc
    return Holes(labels, sl, cnt * sr * sc, mean_hu, np.stack([rr, cc], axis=1), np.stack([ext_r, ext_c], axis=1))


def rolling_nanmedian(values: np.ndarray, half_window: int) -> np.ndarray:
    """Median over ``[i - w, i + w]`` ignoring NaN (NaN where the window holds no value)."""
    v = np.asarray(values, dtype=float)
    pad_shape = ((half_window, half_window),) + ((0, 0),) * (v.ndim - 1)
    padded = np.pad(v, pad_shape, constant_values=np.nan)
    win = sliding_window_view(padded, 2 * half_window + 1, axis=0)
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmedian(win, axis=-1)


def smooth_track(slices: np.ndarray, points: np.ndarray, n_slices: int, half_window: int) -> np.ndarray:
    """Centre line over all ``n_slices``: robust median then moving mean of the known ``points``
    (n, 2) at ``slices``, linearly interpolated between them and extrapolated beyond the ends with
    the straight line fitted to the last ``2 * half_window`` slices of known points."""
    out = np.full((n_slices, points.shape[1]), np.nan)
    out[slices] = points
    med = rolling_nanmedian(out, half_window)
    known = np.flatnonzero(~np.isnan(med[:, 0]))
    if known.size == 0:
        return med
    x = np.arange(n_slices)
    full = np.stack([np.interp(x, known, med[known, d]) for d in range(points.shape[1])], axis=1)
    for end, sel in ((x < known[0], known[known <= known[0] + 2 * half_window]),
                     (x > known[-1], known[known >= known[-1] - 2 * half_window])):
        if end.any() and sel.size >= 2 and sel[-1] > sel[0]:
            coef = np.polyfit(sel, med[sel], 1)
            full[end] = np.outer(x[end], coef[0]) + coef[1]
    return ndimage.uniform_filter1d(full, size=max(1, half_window), axis=0, mode="nearest")


def _windows(stack: np.ndarray, centres: np.ndarray, half: int) -> np.ndarray:
    """(n, 2h+1, 2h+1) windows of ``stack`` [n, r, c] centred on the rounded ``centres`` (n, 2)."""
    padded = np.pad(stack, ((0, 0), (half, half), (half, half)))
    rc = np.round(centres).astype(int)
    off = np.arange(-half, half + 1)
    rows = (rc[:, 0, None] + half + off[None, :])[:, :, None]
    cols = (rc[:, 1, None] + half + off[None, :])[:, None, :]
    return padded[np.arange(len(stack))[:, None, None], rows, cols]


def interpolate_shapes(good_mask: np.ndarray, good: np.ndarray, centre_rc: np.ndarray, todo: np.ndarray,
                       half_window: int, spacing_rc_mm, radius_px: int, opening_px: int = 0,
                       max_neighbours: int = 16) -> np.ndarray:
    """Canal cross-sections for the slices in ``todo`` from the closed-ring slices around them.

    ``good_mask`` [s, r, c] holds the canal of the good slices. Each good slice's canal is cut out in
    a window of ``radius_px`` around its centre-line point and turned into an in-plane signed
    distance map; a slice to fill gets the pixel-wise median of the maps of the (at most
    ``max_neighbours``) nearest good slices within ``half_window`` slices (or of the nearest good
    slice on each side when none is that close), placed at its own centre-line point: shape-based
    interpolation (Raya & Udupa 1990) with a median for robustness against a hole that escaped the
    consistency test. The result is opened with a disk of ``opening_px`` (rounds the corners that
    bony walls leave in the closed-ring holes; a canal cross-section has no corner sharper than its
    curvature, so the opening keeps its shape). Returns masks shaped like ``good_mask[todo]``.
    """
    n, rows, cols = good_mask.shape
    out = np.zeros((len(todo), rows, cols), dtype=bool)
    good_idx = np.flatnonzero(good)
    if good_idx.size == 0 or len(todo) == 0:
        return out
    h = int(radius_px)
    frac = centre_rc[good_idx] - np.round(centre_rc[good_idx])
    win = _windows(good_mask[good_idx], centre_rc[good_idx], h)
    sdf = in_plane_sdf(win, spacing_rc_mm)
    sdf = np.stack([ndimage.shift(m, -f, order=1, mode="nearest") for m, f in zip(sdf, frac)])
    filled = np.zeros((len(todo), 2 * h + 1, 2 * h + 1), dtype=bool)
    for n_out, s in enumerate(todo):
        dist = np.abs(good_idx - s)
        near = np.flatnonzero(dist <= half_window)
        if near.size == 0:
            pos = np.searchsorted(good_idx, s)
            near = np.array([i for i in (pos - 1, pos) if 0 <= i < good_idx.size])
        elif near.size > max_neighbours:
            near = near[np.argsort(dist[near], kind="stable")[:max_neighbours]]
        blended = np.median(sdf[near], axis=0)
        f = centre_rc[s] - np.round(centre_rc[s])
        filled[n_out] = ndimage.shift(blended, f, order=1, mode="nearest") <= 0
    if opening_px > 0:
        filled = ndimage.binary_opening(filled, structure=disk_structure(opening_px))
    padded = np.zeros((len(todo), rows + 2 * h, cols + 2 * h), dtype=bool)
    rc = np.round(centre_rc[todo]).astype(int)
    for n_out in range(len(todo)):
        r0, c0 = rc[n_out]
        padded[n_out, r0:r0 + 2 * h + 1, c0:c0 + 2 * h + 1] = filled[n_out]
    return padded[:, h:h + rows, h:h + cols]


def in_plane_sdf(mask: np.ndarray, spacing_rc_mm) -> np.ndarray:
    """Signed in-plane distance (mm) of every slice of ``mask`` (negative inside); one 3-D
    Euclidean transform with a huge step across slices keeps every distance within its slice."""
    samp = (1e7, float(spacing_rc_mm[0]), float(spacing_rc_mm[1]))
    outside = ndimage.distance_transform_edt(~mask, sampling=samp)
    inside = ndimage.distance_transform_edt(mask, sampling=samp)
    return np.where(mask, -inside, outside)
