"""A small resampled grid in a vertebra's own frame, and the per-slice morphology run on it.

The grid is isotropic (``step_mm``) with its axes along a frame's rows ``axes_lps`` = (left-right
toward the patient's left, anterior-posterior toward posterior, cranio-caudal toward the head). Its
arrays are indexed ``[w, v, u]`` (cranio-caudal slice first, like a volume's ``[k, j, i]``) and its
points are ``(u, v, w)`` in mm from ``centre_lps``. Working on such a grid makes every later step
independent of how the scan was acquired (ImageOrientationPatient (0020,0037), prone or supine,
slice spacing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.anatomy.gauss_kernel import gaussian_filter_f32
from planner.anatomy.hull2d import fill_hull
from planner.anatomy.morphology import fill_holes_in_plane
from planner.anatomy.resample_kernel import affine_linear
from planner.anatomy.slice_edt import slicewise_edt
from planner.anatomy.window_filters import square_filter
from planner.core.lazy import lazy_module
from planner.core.volume import ImageVolume

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

#: In-plane neighbourhood only: morphology on a ``[w, v, u]`` array with this works slice by slice.
IN_PLANE_3x3 = np.zeros((3, 3, 3), dtype=bool)
IN_PLANE_3x3[1] = True
#: Huge spacing along w: a Euclidean distance transform then measures distances within each slice.
_SLICEWISE_SAMPLING_W = 1.0e4


@dataclass(frozen=True, eq=False)
class LocalGrid:
    """Geometry of the resampled grid: ``u``, ``v``, ``w`` coordinates (mm) of its voxel centres."""

    centre_lps: np.ndarray
    axes_lps: np.ndarray
    step_mm: float
    u_mm: np.ndarray
    v_mm: np.ndarray
    w_mm: np.ndarray

    @classmethod
    def around(cls, centre_lps, axes_lps, step_mm: float, u_range_mm, v_range_mm, w_range_mm) -> "LocalGrid":
        """A grid from the (min, max) ranges in mm along each axis of the frame."""
        def axis(r):
            n = int(np.floor((r[1] - r[0]) / step_mm)) + 1
            return r[0] + step_mm * np.arange(n)
        return cls(np.asarray(centre_lps, float).reshape(3), np.asarray(axes_lps, float).reshape(3, 3),
                   float(step_mm), axis(u_range_mm), axis(v_range_mm), axis(w_range_mm))

    @property
    def shape_wvu(self) -> tuple[int, int, int]:
        return (self.w_mm.size, self.v_mm.size, self.u_mm.size)

    def to_lps(self, uvw) -> np.ndarray:
        """Local (u, v, w) mm, one ``(3,)`` or many ``(n, 3)``, to LPS mm."""
        p = np.asarray(uvw, dtype=float)
        return self.centre_lps + p @ self.axes_lps

    def vector_to_lps(self, vec_uvw) -> np.ndarray:
        """A direction in the local frame to LPS (no translation)."""
        return np.asarray(vec_uvw, dtype=float) @ self.axes_lps

    def to_local(self, lps) -> np.ndarray:
        """LPS mm to local (u, v, w) mm."""
        return (np.asarray(lps, dtype=float) - self.centre_lps) @ self.axes_lps.T

    def index_of(self, uvw) -> tuple[int, int, int]:
        """Nearest array index ``(iw, iv, iu)`` of a local point, clipped to the grid."""
        u, v, w = np.asarray(uvw, dtype=float).reshape(3)
        pick = lambda arr, x: int(np.clip(np.round((x - arr[0]) / self.step_mm), 0, arr.size - 1))  # noqa: E731
        return pick(self.w_mm, w), pick(self.v_mm, v), pick(self.u_mm, u)

    def index_to_lps_affine(self) -> np.ndarray:
        """4x4 from the array index ``(iw, iv, iu, 1)`` to LPS mm."""
        m = np.eye(4)
        origin_uvw = np.array([self.u_mm[0], self.v_mm[0], self.w_mm[0]])
        # column c of the 3x3 part: LPS step for +1 along array axis c (w, v, u).
        m[:3, 0] = self.step_mm * self.axes_lps[2]
        m[:3, 1] = self.step_mm * self.axes_lps[1]
        m[:3, 2] = self.step_mm * self.axes_lps[0]
        m[:3, 3] = self.to_lps(origin_uvw)
        return m


def resample(volume: ImageVolume, grid: LocalGrid) -> tuple[np.ndarray, np.ndarray]:
    """HU on the grid (float32 ``[w, v, u]``, trilinear) and where it lies inside the scan (bool).

    One affine resampling (:func:`planner.anatomy.resample_kernel.affine_linear`, the same numbers as
    :func:`scipy.ndimage.affine_transform` with ``order=1``): grid index -> LPS -> volume (i, j, k) ->
    the volume's array order (k, j, i).
    """
    grid_to_ijk = volume.lps_to_ijk @ grid.index_to_lps_affine()
    ijk_to_kji = np.eye(4)[[2, 1, 0, 3]]  # (i, j, k) point order -> (k, j, i) array order
    m = ijk_to_kji @ grid_to_ijk
    hu = affine_linear(volume.hu, m[:3, :3], m[:3, 3], grid.shape_wvu)  # = affine_transform, order 1, NaN outside
    inside = np.isfinite(hu)
    hu[~inside] = -1000.0
    return hu, inside


def true_runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of ``True`` in a 1-D boolean array."""
    padded = np.concatenate([[False], flags, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[0::2], edges[1::2]))


#: A profile slice whose smoothed HU take more than 1 - this of their weight from beyond the scan's last slice
#: (read as -1000 HU by :func:`resample`) is not a disc (:func:`unmixed_slices`); the same 90 % as the share of
#: the slice's core that must lie inside the scan.
UNMIXED_FRACTION = 0.9


def unmixed_slices(inside: np.ndarray, core: np.ndarray, sigma_vox: float) -> np.ndarray:
    """Per slice of a ``[w, v, u]`` grid: True where the mean over ``core`` (``[v, u]``) of ``inside`` smoothed
    like the HU (Gaussian of ``sigma_vox``) exceeds :data:`UNMIXED_FRACTION`, i.e. where the smoothing mixed
    little of the outside fill into the slice's smoothed HU (issue 13, docs/levels.md "Thin slices": at 0.61 mm
    slices a grid slice wholly inside the scan but next to its top edge read 92 HU and became the profile's
    floor). All True when the grid lies wholly inside the scan."""
    if inside.all():
        return np.ones(inside.shape[0], dtype=bool)
    return gaussian_filter_f32(inside.astype(np.float32), sigma_vox)[:, core].mean(axis=1) > UNMIXED_FRACTION


def slicewise_distance_mm(mask: np.ndarray, step_mm: float) -> np.ndarray:
    """In-plane Euclidean distance (mm) from each ``True`` voxel to the nearest ``False`` one of its slice."""
    if not mask.any():
        return np.zeros(mask.shape, dtype=float)
    if mask.reshape(mask.shape[0], -1).all(axis=1).any():  # a slice without background: reach the next
        return ndimage.distance_transform_edt(mask, sampling=(_SLICEWISE_SAMPLING_W, step_mm, step_mm))
    # Each slice on its own (2-D transforms: a third less work than one 3-D transform whose huge w
    # spacing keeps the nearest background in the slice). The same numbers: the nearest background is
    # in the slice either way, and the squared distance sums ``(dv step)^2 + (du step)^2`` in the same
    # order (the 3-D sum adds an exact 0 first). The compiled exact transform when it gives scipy's
    # numbers (planner/anatomy/slice_edt.py: the search's 1.5 mm grid), else scipy slice by slice.
    fast = slicewise_edt(mask, step_mm)
    if fast is not None:
        return fast
    out = np.empty(mask.shape, dtype=float)
    for w in range(mask.shape[0]):
        out[w] = ndimage.distance_transform_edt(mask[w], sampling=(step_mm, step_mm))
    return out


def slicewise_opening(mask: np.ndarray, radius_mm: float, step_mm: float) -> np.ndarray:
    """Morphological opening by a disc of ``radius_mm`` in every slice (two distance transforms).

    Removes everything thinner than about ``2 * radius_mm``: pedicles, laminae and processes are cut
    off the vertebral body, whose inscribed radius is two to three times larger.
    """
    core = slicewise_distance_mm(mask, step_mm) >= radius_mm
    if not core.any():
        return core
    return slicewise_distance_mm(~core, step_mm) <= radius_mm


def close_slices(mask: np.ndarray) -> np.ndarray:
    """Close one-voxel gaps in plane (a thin cortex broken by noise or partial volume):
    ``ndimage.binary_closing(mask, structure=IN_PLANE_3x3, border_value=0) | mask``, from running ORs
    and ANDs over the 3 x 3 square (planner/anatomy/window_filters.py; issue 13 speed). scipy's closing
    is a dilation then an erosion by the structure with outside the array False (scipy.ndimage
    documentation, ``binary_closing``); the dilation's OR over the window cut at the edge is the
    same as with False beyond it, and the erosion's AND is False on the slice's edge rows and columns
    (their window reaches outside) and the cut window's AND inside. tests/anatomy/test_morphology.py
    compares it with scipy on random masks."""
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 3 or mask.size == 0:
        return ndimage.binary_closing(mask, structure=IN_PLANE_3x3, border_value=0) | mask
    closed = square_filter(square_filter(mask, 1, grow=True), 1, grow=False)
    closed[:, 0] = closed[:, -1] = False
    closed[:, :, 0] = closed[:, :, -1] = False
    return closed | mask


def holes_in_slices(mask: np.ndarray) -> np.ndarray:
    """Voxels outside ``mask`` that are enclosed by it within their slice (marrow, canal, lysis)."""
    return fill_holes_in_plane(mask, IN_PLANE_3x3) & ~mask


def small_parts(mask: np.ndarray, max_area_mm2: float, step_mm: float) -> np.ndarray:
    """The in-plane connected parts of ``mask`` smaller than ``max_area_mm2``."""
    labels, n = ndimage.label(mask, structure=IN_PLANE_3x3)
    if n == 0:
        return np.zeros_like(mask, dtype=bool)
    area_mm2 = np.bincount(labels.ravel()) * step_mm ** 2
    keep = area_mm2 < max_area_mm2
    keep[0] = False
    return keep[labels]


def _row_ends(mask2d: np.ndarray) -> np.ndarray:
    """(n, 2) the first and last ``True`` voxel (row, column) of every row that has one: every corner
    of the mask's convex hull is one of them (a voxel between two others of its row is not a corner)."""
    rows = np.flatnonzero(mask2d.any(axis=1))
    if rows.size == 0:
        return np.zeros((0, 2), dtype=np.intp)
    part = mask2d[rows]
    first = np.argmax(part, axis=1)
    last = mask2d.shape[1] - 1 - np.argmax(part[:, ::-1], axis=1)
    two = last > first  # a row of one voxel gives it once
    return np.concatenate([np.stack([rows, first], axis=1), np.stack([rows[two], last[two]], axis=1)])


def convex_hull_2d(mask2d: np.ndarray) -> np.ndarray:
    """Convex hull of a 2-D boolean mask, as a mask (voxel centres inside or on the hull)."""
    pts = _row_ends(mask2d)  # the hull's vertices are among them: the same hull as of every voxel
    if len(pts) < 4 and mask2d.sum() < 4:
        return mask2d.copy()
    filled = fill_hull(pts, mask2d.shape)  # Qhull's hull and inside test, compiled (planner/anatomy/hull2d.py)
    if filled is None:  # collinear voxels: nothing to fill
        return mask2d.copy()
    return filled | mask2d


def components_touching(mask: np.ndarray, footprint2d: np.ndarray) -> np.ndarray:
    """Keep, in every slice, the in-plane connected parts of ``mask`` that overlap ``footprint2d``."""
    labels, n = ndimage.label(mask, structure=IN_PLANE_3x3)
    if n == 0:
        return mask.copy()
    hit = np.unique(labels[:, footprint2d])
    keep = np.zeros(n + 1, dtype=bool)
    keep[hit] = True
    keep[0] = False
    return keep[labels]


def component_at(mask2d: np.ndarray, index_vu: tuple[int, int], max_distance_px: float) -> np.ndarray:
    """The connected part of a 2-D mask containing ``index_vu``, or the nearest one within reach."""
    labels, n = ndimage.label(mask2d)
    if n == 0:
        return np.zeros_like(mask2d, dtype=bool)
    lab = labels[index_vu]
    if lab == 0:
        dist, (iv, iu) = ndimage.distance_transform_edt(labels == 0, return_indices=True)
        if dist[index_vu] > max_distance_px:
            return np.zeros_like(mask2d, dtype=bool)
        lab = labels[iv[index_vu], iu[index_vu]]
    return labels == lab
