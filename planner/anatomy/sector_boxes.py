"""Voxel boxes for the ISRC sectors (:mod:`planner.anatomy.sectors`): each step works inside the box
that can hold its voxels instead of over the whole CT (issue 13, the cold ``analyze``).

A sector map touches one vertebra, a few percent of a 512 x 512 x 134 scan; scanning the whole volume
(``np.nonzero`` of a whole-volume mask, a whole-volume label array and its ``np.bincount``) cost about
three quarters of each map's time. The boxes here are *supersets* of the voxels a step keeps (the step's
own test still decides each voxel), so cropping changes no result: a voxel outside the box could never
pass that test (``tests/anatomy/test_sector_speed.py`` compares the maps with the whole-volume code).

Boxes are tuples of three array slices ``(k, j, i)`` on the CT grid.
"""

from __future__ import annotations

from itertools import product

import numpy as np

from planner.core.volume import ImageVolume

Box = tuple[slice, slice, slice]

__all__ = ["Box", "box_offset", "box_voxels", "mask_box", "points_box", "union_box"]


def points_box(volume: ImageVolume, points_lps: np.ndarray, margin: int = 0) -> Box | None:
    """The voxel box (clipped to the grid) holding every voxel centre inside the convex hull of
    ``points_lps`` (``(n, 3)``), widened by ``margin`` voxels; None when it misses the grid. The grid
    is affine, so the hull's voxel coordinates lie between its corners' minimum and maximum."""
    ijk = volume.to_ijk(np.asarray(points_lps, float).reshape(-1, 3))
    lo = np.clip(np.floor(ijk.min(axis=0)).astype(int) - margin, 0, None)
    hi = np.minimum(np.ceil(ijk.max(axis=0)).astype(int) + 1 + margin, np.array(volume.shape_ijk))
    if np.any(hi <= lo):
        return None
    return slice(lo[2], hi[2]), slice(lo[1], hi[1]), slice(lo[0], hi[0])


def frame_corners(centre_lps: np.ndarray, rows: np.ndarray, offset: np.ndarray, ranges) -> np.ndarray:
    """The 8 LPS corners of the region ``lo_n <= rows[n] . (p - centre) + offset[n] <= hi_n`` (n = 0, 1,
    2; ``ranges``: three ``(lo, hi)``), for any invertible ``rows`` (orthonormal or not)."""
    inv = np.linalg.inv(np.asarray(rows, float).reshape(3, 3))
    local = np.array(list(product(*ranges)), float) - np.asarray(offset, float)
    return np.asarray(centre_lps, float) + local @ inv.T


def mask_box(mask: np.ndarray) -> Box | None:
    """The bounding box of a boolean mask's voxels (None when it has none)."""
    out = []
    for axis in range(3):
        nz = np.flatnonzero(np.any(mask, axis=tuple(a for a in range(3) if a != axis)))
        if not nz.size:
            return None
        out.append(slice(int(nz[0]), int(nz[-1]) + 1))
    return tuple(out)


def union_box(*boxes: Box | None) -> Box | None:
    """The smallest box holding every given box (None ones ignored; None when none is given)."""
    boxes = [b for b in boxes if b is not None]
    if not boxes:
        return None
    return tuple(slice(min(b[a].start for b in boxes), max(b[a].stop for b in boxes)) for a in range(3))


def box_offset(box: Box) -> np.ndarray:
    """The box's first voxel as ``(i, j, k)``."""
    return np.array([box[2].start, box[1].start, box[0].start])


def box_voxels(volume: ImageVolume, box: Box, mask_in_box: np.ndarray) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """``((k, j, i) indices in the box, LPS (n, 3))`` of the voxels set in ``mask_in_box``; the LPS is
    computed from the whole grid's integer indices, as a whole-volume ``np.nonzero`` would give them."""
    k, j, i = np.nonzero(mask_in_box)
    ijk = np.stack([i + box[2].start, j + box[1].start, k + box[0].start], -1).astype(float)
    return (k, j, i), volume.to_lps(ijk)
