"""The damage region (CEM43 >= 240 min) in forms the 2D and 3D views can draw.

``damage_voxel_grid`` gives the thermal grid as a :class:`~planner.geometry.raster.VoxelGrid`, so
``planner.render.mask_surfaces.MaskSurface.set_mask(result.damage, grid=...)`` draws it in 3D;
``damage_boundary_lps`` lists the LPS centres of its boundary voxels for a 2D overlay.
"""

from __future__ import annotations

import numpy as np

from planner.core.frames import array_shape_to_ijk
from planner.core.lazy import lazy_module
from planner.geometry.raster import VoxelGrid

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)


def damage_voxel_grid(result) -> VoxelGrid:
    return VoxelGrid(result.grid.shape_kji, result.grid.ijk_to_lps)


def damage_boundary_lps(result) -> np.ndarray:
    """(n, 3) LPS centres of damage voxels with at least one face neighbour outside the region."""
    mask = np.asarray(result.damage, dtype=bool)
    edge = mask & ~ndimage.binary_erosion(mask, border_value=0)
    k, j, i = np.nonzero(edge)
    if k.size == 0:
        return np.zeros((0, 3))
    m = result.grid.ijk_to_lps
    return (m[:3, :3] @ np.stack([i, j, k]) + m[:3, 3:4]).T


def damage_on_grid(result, volume) -> np.ndarray | None:
    """The predicted damage region (CEM43 >= 240 min) resampled onto the CT's grid (nearest voxel of the
    model's grid at each CT voxel centre), for the exports; None when there is no damage."""
    mask = np.asarray(result.damage, dtype=bool)
    if not mask.any():
        return None
    k, j, i = np.nonzero(mask)
    m = result.grid.ijk_to_lps
    lps = (m[:3, :3] @ np.stack([i, j, k]) + m[:3, 3:4]).T
    lo, hi = lps.min(axis=0), lps.max(axis=0)
    corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
    ijk = volume.to_ijk(corners)
    shape_ijk = np.array(array_shape_to_ijk(volume.hu.shape))
    i0 = np.clip(np.floor(ijk.min(axis=0)).astype(int) - 1, 0, shape_ijk - 1)
    i1 = np.clip(np.ceil(ijk.max(axis=0)).astype(int) + 2, 1, shape_ijk)
    ii, jj, kk = np.meshgrid(*(np.arange(a, b) for a, b in zip(i0, i1)), indexing="ij")
    ct_ijk = np.stack([ii.ravel(), jj.ravel(), kk.ravel()], axis=1).astype(float)
    model_ijk = np.round(np.linalg.solve(m[:3, :3], (volume.to_lps(ct_ijk) - m[:3, 3]).T).T).astype(int)
    shape_model = np.array(array_shape_to_ijk(mask.shape))
    ok = np.all((model_ijk >= 0) & (model_ijk < shape_model), axis=1)
    inside = np.zeros(len(ct_ijk), dtype=bool)
    mi = model_ijk[ok]
    inside[ok] = mask[mi[:, 2], mi[:, 1], mi[:, 0]]
    out = np.zeros(volume.hu.shape, dtype=bool)
    hit = ct_ijk[inside].astype(int)
    out[hit[:, 2], hit[:, 1], hit[:, 0]] = True
    return out if out.any() else None
