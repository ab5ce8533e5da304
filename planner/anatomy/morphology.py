"""Fast exact replacements for scipy.ndimage morphology used on whole CT volumes (issue 13 speed).

:func:`fill_holes_in_plane` gives the same array as ``scipy.ndimage.binary_fill_holes(mask,
structure)`` for a structure that connects voxels only within a slice (its first and last planes
empty), in one connected-component labelling instead of scipy's dilation from the border repeated
until nothing changes (hundreds of passes over a 512 x 512 x 600 volume): a background voxel is a hole
exactly when its in-plane background component does not touch the slice's border (scipy's
``border_value=1``: the border seeds every background component that reaches it).
``tests/anatomy/test_morphology.py`` checks the equality against scipy on random masks.
"""

from __future__ import annotations

import numpy as np

from planner.core.lazy import lazy_module

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

__all__ = ["fill_holes_in_plane"]


def fill_holes_in_plane(mask: np.ndarray, structure: np.ndarray) -> np.ndarray:
    """``mask`` (3-D bool, slices along axis 0) with the holes of each slice filled; ``structure``
    (3, 3, 3) with only its middle plane set (4- or 8-connectivity in plane)."""
    st = np.asarray(structure, dtype=bool)
    if st.shape != (3, 3, 3) or st[0].any() or st[2].any():
        raise ValueError("fill_holes_in_plane needs a (3, 3, 3) structure connecting voxels only in plane")
    mask = np.asarray(mask, dtype=bool)
    if mask.size == 0:
        return mask.copy()
    labels, n = ndimage.label(~mask, structure=st)
    outside = np.zeros(n + 1, dtype=bool)
    for edge in (labels[:, 0, :], labels[:, -1, :], labels[:, :, 0], labels[:, :, -1]):
        outside[edge] = True
    outside[0] = True  # label 0: the mask's own voxels
    return mask | ~outside[labels]
