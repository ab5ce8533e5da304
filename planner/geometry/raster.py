"""Shapes into a volume's voxel grid, locally: boolean masks restricted to a box of voxels.

A :class:`VoxelGrid` is the geometry of an ``ImageVolume`` without its pixels: the array shape
``(nk, nj, ni)`` and the ``ijk_to_lps`` affine. Rasterising returns ``(mask, box)`` where ``box`` is a
tuple of three slices ``(k, j, i)`` into the full array and ``mask`` has the box's shape, so work on a
30 mm zone in a 512x512x600 volume touches ~10^5 voxels, not 10^8. A voxel belongs to a shape when
its *centre* is inside (the DICOM pixel value is the sample at ``ImagePositionPatient`` (0020,0032)
plus the grid steps, i.e. at voxel centres).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.core.lazy import lazy_module
from planner.core.frames import apply_affine, array_shape_to_ijk

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

Box = tuple[slice, slice, slice]


@dataclass(frozen=True, eq=False)
class VoxelGrid:
    """Array shape ``(nk, nj, ni)`` and the 4x4 ``ijk_to_lps`` affine of a volume."""

    shape_kji: tuple[int, int, int]
    ijk_to_lps: np.ndarray

    def __post_init__(self):
        object.__setattr__(self, "shape_kji", tuple(int(s) for s in self.shape_kji))
        object.__setattr__(self, "ijk_to_lps", np.asarray(self.ijk_to_lps, dtype=float).reshape(4, 4))

    @classmethod
    def of(cls, volume_or_grid) -> "VoxelGrid":
        """The grid of an ``ImageVolume`` (or a ``VoxelGrid`` itself)."""
        if isinstance(volume_or_grid, VoxelGrid):
            return volume_or_grid
        return cls(volume_or_grid.hu.shape, volume_or_grid.ijk_to_lps)

    @property
    def spacing_ijk_mm(self) -> np.ndarray:
        return np.linalg.norm(self.ijk_to_lps[:3, :3], axis=0)

    @property
    def spacing_kji_mm(self) -> tuple[float, float, float]:
        si, sj, sk = self.spacing_ijk_mm
        return float(sk), float(sj), float(si)

    @property
    def voxel_volume_mm3(self) -> float:
        return float(abs(np.linalg.det(self.ijk_to_lps[:3, :3])))

    @property
    def lps_to_ijk(self) -> np.ndarray:
        return np.linalg.inv(self.ijk_to_lps)

    def to_ijk(self, lps) -> np.ndarray:
        return apply_affine(self.lps_to_ijk, lps)

    def to_lps(self, ijk) -> np.ndarray:
        return apply_affine(self.ijk_to_lps, ijk)

    def box_for_bounds(self, lo_lps, hi_lps) -> Box | None:
        """Smallest box of voxels whose centres cover the LPS box [lo, hi]; None if off the grid."""
        lo = np.asarray(lo_lps, dtype=float)
        hi = np.asarray(hi_lps, dtype=float)
        corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
        ijk = self.to_ijk(corners)
        start = np.floor(ijk.min(axis=0)).astype(int)
        stop = np.ceil(ijk.max(axis=0)).astype(int) + 1
        dims = np.array(array_shape_to_ijk(self.shape_kji))
        start = np.clip(start, 0, dims)
        stop = np.clip(stop, 0, dims)
        if np.any(stop <= start):
            return None
        return (slice(start[2], stop[2]), slice(start[1], stop[1]), slice(start[0], stop[0]))

    def box_points_lps(self, box: Box) -> np.ndarray:
        """LPS centres of every voxel in ``box``, shape ``(nk*nj*ni, 3)`` in array (C) order."""
        k = np.arange(box[0].start, box[0].stop, dtype=float)
        j = np.arange(box[1].start, box[1].stop, dtype=float)
        i = np.arange(box[2].start, box[2].stop, dtype=float)
        m = self.ijk_to_lps
        pts = (m[:3, 3][None, None, None, :]
               + k[:, None, None, None] * m[:3, 2]
               + j[None, :, None, None] * m[:3, 1]
               + i[None, None, :, None] * m[:3, 0])
        return pts.reshape(-1, 3)


def box_shape(box: Box) -> tuple[int, int, int]:
    return tuple(int(s.stop - s.start) for s in box)  # type: ignore[return-value]


def union_box(a: Box | None, b: Box | None) -> Box | None:
    """Smallest box holding both (None counts as empty)."""
    if a is None:
        return b
    if b is None:
        return a
    return tuple(slice(min(x.start, y.start), max(x.stop, y.stop)) for x, y in zip(a, b))  # type: ignore


def shape_box(grid: VoxelGrid, shape, margin_mm: float = 0.0) -> Box | None:
    """Voxel box around a shape that has ``bounds_lps(margin_mm)``."""
    lo, hi = shape.bounds_lps(margin_mm)
    return grid.box_for_bounds(lo, hi)


def rasterise(grid: VoxelGrid, shape, box: Box | None = None) -> tuple[np.ndarray, Box | None]:
    """Boolean mask of voxels whose centre lies in ``shape`` (anything with ``contains(points)`` and
    ``bounds_lps``), computed only inside ``box`` (default: the shape's own box)."""
    box = shape_box(grid, shape) if box is None else box
    if box is None:
        return np.zeros((0, 0, 0), dtype=bool), None
    inside = shape.contains(grid.box_points_lps(box))
    return inside.reshape(box_shape(box)), box


def rasterise_union(grid: VoxelGrid, shapes, box: Box | None = None) -> tuple[np.ndarray, Box | None]:
    """Union of several shapes as one local mask over the union of their boxes (or ``box``)."""
    if box is None:
        for s in shapes:
            box = union_box(box, shape_box(grid, s))
    if box is None:
        return np.zeros((0, 0, 0), dtype=bool), None
    pts = grid.box_points_lps(box)
    inside = np.zeros(len(pts), dtype=bool)
    for s in shapes:
        inside |= s.contains(pts)
    return inside.reshape(box_shape(box)), box


def paste(full_shape, mask: np.ndarray, box: Box | None) -> np.ndarray:
    """A full-size boolean array holding a local ``mask`` at ``box``."""
    out = np.zeros(full_shape, dtype=bool)
    if box is not None:
        out[box] = mask
    return out


def mask_box(mask: np.ndarray, pad: int = 0) -> Box | None:
    """Tight box of the True voxels of a full mask (plus ``pad`` voxels), or None if empty."""
    spans = []
    for axis in range(3):
        other = tuple(a for a in range(3) if a != axis)
        idx = np.flatnonzero(mask.any(axis=other))
        if idx.size == 0:
            return None
        spans.append(slice(max(0, idx[0] - pad), min(mask.shape[axis], idx[-1] + 1 + pad)))
    return tuple(spans)  # type: ignore[return-value]


def distance_outside_mm(mask: np.ndarray, spacing_kji_mm) -> np.ndarray:
    """For every voxel, distance (mm) to the nearest True voxel centre (0 on the mask), with
    anisotropic spacing (scipy.ndimage.distance_transform_edt, ``sampling``)."""
    if not mask.any():
        return np.full(mask.shape, np.inf)
    return ndimage.distance_transform_edt(~mask, sampling=spacing_kji_mm)


def signed_distance_mm(mask: np.ndarray, spacing_kji_mm) -> np.ndarray:
    """Signed distance map (mm), negative inside ``mask``, placing the boundary half-way between
    an inside and an outside voxel centre (hence the -0.5 voxel shift on each side along the
    grid axes: the edt counts centre-to-centre steps)."""
    outside = distance_outside_mm(mask, spacing_kji_mm)
    inside = distance_outside_mm(~mask, spacing_kji_mm)
    half = 0.5 * min(spacing_kji_mm)
    return np.where(mask, -(inside - half), outside - half)
