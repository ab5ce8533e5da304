"""The damage region (CEM43 >= 240 min) in forms the 2D and 3D views can draw.

``damage_voxel_grid`` gives the thermal grid as a :class:`~planner.geometry.raster.VoxelGrid`, so
``planner.render.mask_surfaces.MaskSurface.set_mask(result.damage, grid=...)`` draws it in 3D;
``damage_boundary_lps`` lists the LPS centres of its boundary voxels for a 2D overlay.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from planner.geometry.raster import VoxelGrid


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
