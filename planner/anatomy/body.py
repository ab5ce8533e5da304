"""The patient's body on CT: a mask without the table, cushions, leads and air; the skin is its boundary.

Method (vectorised with scipy.ndimage, on a coarse grid of about ``coarse_mm`` voxels):

1. Put the head-foot axis first (the array axis closest to LPS z), take every n-th voxel so the grid
   is about ``coarse_mm`` per voxel.
2. Tissue = HU above ``tissue_hu`` (-500 HU: halfway between air, -1000, and fat, -120 to -90;
   DOMAIN.md "Hounsfield units"). Foam cushions and the air inside a carbon table (-950 to -700 HU
   on the shared scans) are not tissue.
3. In-plane opening by a disk of ``opening_mm``: the table's thin shell (1-4 mm on the shared
   scans), rails, ECG leads and cables fall apart from the patient.
4. The largest 3-D connected part is the patient; other parts at least ``keep_fraction`` of its size
   (arms lying apart from the trunk) are kept too.
5. Grown back by one coarse voxel inside tissue, holes in each axial slice
   filled (lungs, bowel gas, the airway).
6. Brought back to the CT grid by nearest neighbour. The skin along a line is placed to sub-voxel
   accuracy at the ``tissue_hu`` crossing of the interpolated HU near the mask's edge
   (:func:`skin_crossing_mm`).

Limits: a gel pad or wet drape touching the skin at soft-tissue density is taken as part of the body.

Cancel (issue 19): ``cancel`` is checked between the steps (threshold, opening, labelling, growing
and filling); once it answers True :class:`~planner.core.progress.JobCancelled` is raised there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from planner.anatomy.morphology import fill_holes_in_plane
from planner.anatomy.window_filters import square_filter
from planner.core.frames import ijk_to_kji, spacing_kji as spacing_in_array_order
from planner.core.lazy import lazy_module
from planner.core.errors import PlannerError
from planner.core.progress import Cancel, check_cancel
from planner.core.volume import ImageVolume

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

__all__ = ["BodyParams", "BodyMask", "segment_body", "skin_crossing_mm", "head_foot_axis"]


@dataclass(frozen=True)
class BodyParams:
    """Tuning of :func:`segment_body` (see the module docstring)."""

    tissue_hu: float = -500.0
    coarse_mm: float = 2.0
    opening_mm: float = 5.0
    keep_fraction: float = 0.05
    min_body_ml: float = 50.0


def head_foot_axis(direction: np.ndarray) -> int:
    """Array axis (0 = k, 1 = j, 2 = i) whose direction is closest to LPS z (the patient's long axis)."""
    ijk_axis = int(np.argmax(np.abs(np.asarray(direction, float)[2, :])))
    return 2 - ijk_axis


def _disk(radius_px: int) -> np.ndarray:
    r = max(int(radius_px), 0)
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    return (x * x + y * y <= r * r + 0.5)[None]


@dataclass(frozen=True, eq=False)
class BodyMask:
    """The body of ``volume``, kept on the coarse grid it was found on (cheap to build and to query).

    ``coarse``: the body on the head-foot-first strided grid (array axes ``order`` of the volume's
    ``[k, j, i]``, every ``factors``-th voxel); ``inner``: its voxels at least one coarse voxel from the
    edge. At full resolution a voxel is in the body when its coarse voxel is and it is tissue (or deep
    inside: lungs and gas stay in). :attr:`mask` builds the full-resolution array on first use.
    """

    volume: ImageVolume
    tissue_hu: float
    coarse: np.ndarray
    inner: np.ndarray
    order: tuple[int, int, int]
    factors: tuple[int, int, int]
    notes: tuple[str, ...] = ()

    def _coarse_index(self, kji: np.ndarray) -> tuple[np.ndarray, ...]:
        """Coarse-grid indices of full-grid ``[k, j, i]`` indices (n, 3)."""
        permuted = kji[:, list(self.order)]
        return tuple(np.clip(np.round(permuted[:, a] / self.factors[a]).astype(int), 0, self.coarse.shape[a] - 1)
                     for a in range(3))

    def contains(self, points_lps) -> np.ndarray:
        """True for LPS points (..., 3) inside the body (outside the CT grid: False)."""
        pts = np.asarray(points_lps, float)
        idx = np.round(self.volume.to_ijk(pts.reshape(-1, 3))).astype(int)
        ok = np.all((idx >= 0) & (idx < np.array(self.volume.shape_ijk)), axis=1)
        out = np.zeros(len(idx), dtype=bool)
        kji = ijk_to_kji(idx[ok])
        c = self._coarse_index(kji)
        tissue = self.volume.hu[kji[:, 0], kji[:, 1], kji[:, 2]] > self.tissue_hu
        out[ok] = self.coarse[c] & (tissue | self.inner[c])
        return out.reshape(pts.shape[:-1])

    @cached_property
    def mask(self) -> np.ndarray:
        """The body on the CT grid, ``[k, j, i]`` (built on first use: 1 byte per voxel)."""
        hu = np.transpose(self.volume.hu, self.order)
        full = _to_full(self.coarse, hu.shape, self.factors) & (
            (hu > self.tissue_hu) | _to_full(self.inner, hu.shape, self.factors))
        return np.ascontiguousarray(np.transpose(full, np.argsort(self.order)))

    @property
    def volume_ml(self) -> float:
        """Body volume from the coarse grid (within about 1 % of the full-resolution count)."""
        spacing_kji = spacing_in_array_order(self.volume.spacing_mm)[list(self.order)]
        return float(self.coarse.sum() * np.prod(spacing_kji * np.array(self.factors)) / 1000.0)


def _factors(spacing_kji: np.ndarray, coarse_mm: float) -> tuple[int, int, int]:
    return tuple(max(int(round(coarse_mm / s)), 1) for s in spacing_kji)


def _square(mask: np.ndarray, radius_px: int, grow: bool) -> np.ndarray:
    """In-plane dilation (``grow``) or erosion by a (2r+1)^2 square, the edge as 'nearest': scipy's
    separable 1-D max/min filters, the same mask from running ORs/ANDs (planner/anatomy/window_filters.py)."""
    return square_filter(mask, radius_px, grow)


_WHAT = "the automatic search for the body outline"


def _coarse_body(tissue: np.ndarray, spacing: np.ndarray, p: BodyParams, cancel: Cancel | None = None) -> np.ndarray:
    """Steps 3-5 on a head-foot-first coarse boolean array (square structuring elements: cheap)."""
    r_px = max(int(round(p.opening_mm / float(min(spacing[1], spacing[2])))), 1)
    eroded = _square(tissue, r_px, grow=False)
    check_cancel(cancel, _WHAT)
    opened = _square(eroded, r_px, grow=True) & tissue
    check_cancel(cancel, _WHAT)
    labels, n = ndimage.label(opened)
    check_cancel(cancel, _WHAT)
    if n == 0:
        return np.zeros_like(tissue)
    sizes = _label_sizes(labels, n)
    keep = sizes >= max(p.keep_fraction * sizes.max(), 1)
    part = np.take(keep, labels)
    grown = _square(part, 1, grow=True) & tissue  # one voxel: thin sheets touching the skin stay out
    check_cancel(cancel, _WHAT)
    in_plane = np.zeros((3, 3, 3), bool)
    in_plane[1] = ndimage.generate_binary_structure(2, 1)
    return fill_holes_in_plane(grown, in_plane)  # = binary_fill_holes(grown, in_plane), one labelling


def _label_sizes(labels: np.ndarray, n: int) -> np.ndarray:
    """Voxel count of each label (index 0: 0), ``np.bincount(labels.ravel())`` with the background's
    count set to 0: for a few parts, counted inside each part's box (``ndimage.find_objects``), which
    skips the whole-volume int64 copy bincount makes of the int32 labels."""
    if n > 64:
        sizes = np.bincount(labels.ravel(), minlength=n + 1)
    else:
        sizes = np.zeros(n + 1, dtype=np.int64)
        for k, box in enumerate(ndimage.find_objects(labels, max_label=n), start=1):
            if box is not None:
                sizes[k] = np.count_nonzero(labels[box] == k)
    sizes[0] = 0
    return sizes


def _erode_cross(mask: np.ndarray) -> np.ndarray:
    """``ndimage.binary_erosion(mask, structure=_disk(1), border_value=1)``: a voxel stays when it and
    its four in-plane neighbours are set (beyond the edge counts as set); the same mask from four
    shifted ANDs, several times faster than the generic erosion."""
    out = mask.copy()
    out[:, 1:] &= mask[:, :-1]
    out[:, :-1] &= mask[:, 1:]
    out[:, :, 1:] &= mask[:, :, :-1]
    out[:, :, :-1] &= mask[:, :, 1:]
    return out


def _to_full(coarse: np.ndarray, full_shape: tuple[int, int, int], f: tuple[int, int, int]) -> np.ndarray:
    """Nearest-neighbour expansion of a strided (``[::f]``) coarse array to ``full_shape``."""
    idx = [np.clip(np.round(np.arange(n) / fa).astype(int), 0, c - 1)
           for n, fa, c in zip(full_shape, f, coarse.shape)]
    return coarse[np.ix_(*idx)]


def segment_body(volume: ImageVolume, params: BodyParams | None = None, cancel: Cancel | None = None) -> BodyMask:
    """The body mask of ``volume`` (see the module docstring). Raises
    :class:`~planner.core.errors.PlannerError` when no body is found (an empty or phantom-less scan),
    :class:`~planner.core.progress.JobCancelled` once ``cancel()`` answers True (checked between steps)."""
    p = params or BodyParams()
    check_cancel(cancel, _WHAT)
    axis = head_foot_axis(volume.direction)
    order = (axis,) + tuple(a for a in (0, 1, 2) if a != axis)
    hu = np.transpose(volume.hu, order)
    spacing_kji = spacing_in_array_order(volume.spacing_mm)[list(order)]
    f = _factors(spacing_kji, p.coarse_mm)
    coarse_tissue = hu[::f[0], ::f[1], ::f[2]] > p.tissue_hu
    check_cancel(cancel, _WHAT)
    coarse = _coarse_body(coarse_tissue, spacing_kji * np.array(f), p, cancel)
    check_cancel(cancel, _WHAT)
    # Coarse voxels at least one voxel inside the body: kept whole at full resolution (filled holes
    # such as the lungs and bowel gas stay in the body).
    inner = _erode_cross(coarse)
    body = BodyMask(volume, p.tissue_hu, coarse, inner, order, f)
    if body.volume_ml < p.min_body_ml:
        raise PlannerError("No patient body was found in the scan (nothing denser than "
                           f"{p.tissue_hu:.0f} HU larger than {p.min_body_ml:.0f} mL).")
    return body


def skin_crossing_mm(volume: ImageVolume, body: BodyMask, start_lps, direction, depths_mm: np.ndarray,
                     reach_mm: float = 4.0) -> float | None:
    """Depth (along ``start + t direction``, t in ``depths_mm``, increasing) where the line enters the
    body for the last time before ``depths_mm[-1]``, refined to the ``tissue_hu`` crossing of the
    linearly interpolated HU within ``reach_mm`` of the mask's edge. None when the last sample is not
    inside the body."""
    start = np.asarray(start_lps, float).reshape(3)
    d = np.asarray(direction, float).reshape(3)
    inside = body.contains(start + depths_mm[:, None] * d)
    if inside.size == 0 or not inside[-1]:
        return None
    outside_idx = np.nonzero(~inside)[0]
    if outside_idx.size == 0:
        return None
    edge = float(0.5 * (depths_mm[outside_idx[-1]] + depths_mm[outside_idx[-1] + 1]))
    step = min(0.1, float(np.min(volume.spacing_mm)) / 4)
    t = np.arange(edge - reach_mm, edge + reach_mm + step / 2, step)
    ijk = volume.to_ijk(start + t[:, None] * d)
    hu = ndimage.map_coordinates(volume.hu, ijk_to_kji(ijk).T, order=1, mode="nearest", prefilter=False)
    rising = np.nonzero((hu[:-1] <= body.tissue_hu) & (hu[1:] > body.tissue_hu))[0]
    if rising.size == 0:
        return edge
    best = rising[np.argmin(np.abs(t[rising] - edge))]
    a, b = float(hu[best]), float(hu[best + 1])
    frac = (body.tissue_hu - a) / (b - a) if b != a else 0.0
    return float(t[best] + frac * step)
