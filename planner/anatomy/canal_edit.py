"""Manual correction of a canal mask: paint or erase a ball of radius r mm at an LPS point.

Work stays inside the ball's bounding box; the mask is modified in place and the changed box is
returned so a view can refresh only that region (and an undo command can store just that block).
"""

from __future__ import annotations

import numpy as np

from planner.geometry.raster import Box, VoxelGrid, rasterise
from planner.geometry.shapes import Ellipsoid


def _apply(mask: np.ndarray, grid, centre_lps, radius_mm: float, value: bool) -> tuple[Box | None, np.ndarray | None]:
    grid = VoxelGrid.of(grid)
    if mask.shape != grid.shape_kji:
        raise ValueError(f"mask shape {mask.shape} differs from the volume {grid.shape_kji}")
    if radius_mm <= 0:
        raise ValueError("the brush radius must be positive")
    ball, box = rasterise(grid, Ellipsoid.sphere(centre_lps, radius_mm))
    if box is None:
        return None, None
    before = mask[box].copy()
    if value:
        mask[box] |= ball
    else:
        mask[box] &= ~ball
    return box, before


def paint_sphere(mask: np.ndarray, volume_geometry, centre_lps, radius_mm: float):
    """Add every voxel whose centre lies within ``radius_mm`` of ``centre_lps`` to ``mask`` (in
    place). Returns ``(box, previous_block)``: the changed region and its content before the edit
    (None, None when the ball lies outside the volume)."""
    return _apply(mask, volume_geometry, centre_lps, radius_mm, True)


def erase_sphere(mask: np.ndarray, volume_geometry, centre_lps, radius_mm: float):
    """Remove the ball from ``mask`` (in place); same return value as :func:`paint_sphere`."""
    return _apply(mask, volume_geometry, centre_lps, radius_mm, False)


def restore_block(mask: np.ndarray, box: Box | None, previous_block: np.ndarray | None) -> None:
    """Undo a paint or erase with what it returned."""
    if box is not None and previous_block is not None:
        mask[box] = previous_block
