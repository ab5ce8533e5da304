"""The needle's distance to the spinal canal's sub-voxel boundary, for the access search (issue 17).

The search keeps the needle's wall ``needle_canal_margin_mm`` off the canal. Measured with a distance
map of the binary canal mask, the distance runs to the nearest canal *voxel centre*; the boundary of
the canal lies up to half a voxel beyond it (more where the mask is slightly smaller than the canal),
so on the shared lumbar scan a needle kept 1.5 mm off the mask came 0.98 mm from an independent canal
mask. Here the distance runs to the boundary placed from the CT's partial-volume values at the
CSF/bone transition (:func:`planner.analysis.canal_boundary.build_band`, the same surface the overlap
and the zone distance use): each band voxel ``j`` gives a surface point ``s_j = c_j - phi_j n_j``.

On a box around the vertebra, every voxel ``v`` gets the distance ``|c_v - s_j|`` to the surface
point of its nearest seed voxel ``j`` (a band voxel or a canal voxel; one Euclidean distance transform
with indices, :func:`scipy.ndimage.distance_transform_edt`), and 0 where it lies inside the surface
(a canal voxel off the band, or a band voxel with ``phi <= 0``). The map is interpolated linearly at
the needle's axis points. Interpolation between slices follows the wall for a canal whose wall runs
along the slice axis (as the spinal canal does), where a distance to points of the nearest slice
would add up to half the slice spacing in quadrature.

Where the band has no contrast (the ring is open), ``build_band`` places the surface at the mask's
own voxel faces, so the figure is then the mask's distance less about half a voxel: never larger than
the mask-centre distance the search used before by more than the interpolation's rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.analysis.canal_boundary import build_band
from planner.core.frames import ijk_to_kji, spacing_kji
from planner.core.lazy import lazy_module
from planner.core.volume import ImageVolume
from planner.geometry.raster import VoxelGrid, mask_box
from planner.planning.map_cache import cached_map, map_key

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

__all__ = ["CanalSurfaceDistance", "padded_box"]

_STEPS = ((0, 0, 0), (1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1))


@dataclass(frozen=True, eq=False)
class CanalSurfaceDistance:
    """Distance (mm) from LPS points to the canal's sub-voxel surface, on a box (``box``: k, j, i
    slices of the CT grid); ``outside_mm`` beyond the box (far from the canal: the box holds the
    vertebra and ``pad_mm`` around it); ``inf`` everywhere when there is no canal."""

    volume: ImageVolume
    box: tuple | None
    dist_mm: np.ndarray | None
    outside_mm: float = 1e3

    @classmethod
    def build(cls, volume: ImageVolume, canal_mask: np.ndarray | None, around: np.ndarray,
              pad_mm: float = 20.0, outside_mm: float = 1e3) -> "CanalSurfaceDistance":
        """The map on the box of ``around`` (a mask on the CT grid) padded by ``pad_mm``."""
        if canal_mask is None:
            return cls(volume, None, None, outside_mm)
        box = padded_box(volume, around, pad_mm)
        local = None if box is None else np.asarray(canal_mask[box], bool)
        if local is None or not local.any():
            return cls(volume, None, None, outside_mm)
        hu = volume.hu[box]  # the map reads the canal and the CT in the box, on the CT's grid: its key
        dist = cached_map(map_key("canal_surface", volume, box, local, hu),
                          lambda: surface_distance_map(volume, box, local))
        return cls(volume, box, dist, outside_mm)

    def at(self, points_lps: np.ndarray) -> np.ndarray:
        """Interpolated distance (mm) at LPS points (n, 3); ``outside_mm`` outside the box."""
        points_lps = np.asarray(points_lps, float).reshape(-1, 3)
        if self.dist_mm is None:
            return np.full(len(points_lps), np.inf)
        coords = ijk_to_kji(self.volume.to_ijk(points_lps)).T - np.array([s.start for s in self.box])[:, None]
        return ndimage.map_coordinates(self.dist_mm, coords, order=1, mode="constant", cval=self.outside_mm)


def padded_box(volume: ImageVolume, around: np.ndarray, pad_mm: float):
    """The (k, j, i) slices of the box of ``around`` padded by ``pad_mm`` and clipped to the CT grid;
    None when ``around`` is empty."""
    box0 = mask_box(np.asarray(around, bool))
    if box0 is None:
        return None
    pad = np.ceil(pad_mm / spacing_kji(volume.spacing_mm)).astype(int)
    return tuple(slice(max(s.start - q, 0), min(s.stop + q, n)) for s, q, n in zip(box0, pad, volume.hu.shape))


def _box_grid(volume: ImageVolume, box) -> VoxelGrid:
    """The grid of the box: the CT's affine moved to the box's first voxel."""
    shift = np.eye(4)
    shift[:3, 3] = [box[2].start, box[1].start, box[0].start]  # i, j, k of the box's first voxel
    shape = tuple(s.stop - s.start for s in box)
    return VoxelGrid(shape, np.asarray(volume.ijk_to_lps, float) @ shift)


def surface_distance_map(volume: ImageVolume, box, local_mask: np.ndarray) -> np.ndarray:
    """Per voxel of the box (k, j, i), the distance (mm) from its centre to the canal's sub-voxel
    surface (0 inside it): see the module text."""
    grid = _box_grid(volume, box)
    band = build_band(grid, local_mask, np.asarray(volume.hu[box], np.float32))
    seeds = local_mask.copy()
    offset = np.zeros(local_mask.shape + (3,), np.float64)  # surface point - voxel centre (LPS mm)
    inside = local_mask.copy()
    if band is not None:
        k, j, i = band.kji.T
        seeds[k, j, i] = True
        offset[k, j, i] = -band.phi_mm[:, None] * band.normal_lps
        inside[k, j, i] = band.phi_mm <= 0.0
    sp = np.array(grid.spacing_kji_mm)
    # the nearest seeds only (scipy derives its distances from them: the same indices, less work)
    nearest = ndimage.distance_transform_edt(~seeds, sampling=sp, return_distances=False, return_indices=True)
    shape = local_mask.shape
    nearest_flat = np.ravel_multi_index(tuple(nearest), shape)
    del nearest
    # every voxel's centre and every seed's surface point in the box's LPS axes (the box's first voxel
    # at 0), one flat array per axis: a voxel's candidate seeds are gathered by flat index
    linear = grid.ijk_to_lps[:3, :3]
    kji = [np.arange(n, dtype=np.float64) for n in shape]
    centre = [(linear[a, 2] * kji[0][:, None, None] + linear[a, 1] * kji[1][None, :, None]
               + linear[a, 0] * kji[2][None, None, :]).ravel() for a in range(3)]
    surface = [centre[a] + offset[..., a].ravel() for a in range(3)]

    def dist_to(seed_flat, where=None):
        total = 0.0
        for a in range(3):
            c = centre[a] if where is None else centre[a][where]
            total = total + (c - surface[a][seed_flat]) ** 2
        return np.sqrt(total)

    dist = dist_to(nearest_flat.ravel())
    for step in _STEPS[1:]:  # the nearest seeds of the 6 face neighbours: the closest surface point
        near = nearest_flat
        for axis, s in enumerate(step):
            if s:
                near = np.take(near, np.clip(np.arange(shape[axis]) + s, 0, shape[axis] - 1), axis=axis)
        other = np.flatnonzero(near != nearest_flat)  # a voxel sharing its neighbour's seed gains nothing
        dist[other] = np.minimum(dist[other], dist_to(near.ravel()[other], other))
    dist = dist.reshape(shape)
    dist[inside] = 0.0
    return dist.astype(np.float32)
