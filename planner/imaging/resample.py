"""Put an uneven or sheared stack of slices onto a regular rectangular grid.

Sheared stacks (gantry tilt) are shifted in-plane so every slice shares the first slice's pixel grid;
uneven slice positions are then linearly interpolated along the slice normal. Both loops run per
slice, never per voxel.
"""

from __future__ import annotations

import numpy as np

from planner.core.lazy import lazy_module
from planner.imaging.pixels import AIR_HU

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)


def unshear_inplace(hu: np.ndarray, inplane_mm: np.ndarray, spacing_ij_mm) -> None:
    """Shift slice n by its in-plane offset ``inplane_mm[n]`` (mm along i, j) onto slice 0's grid."""
    si, sj = spacing_ij_mm
    for n in range(hu.shape[0]):
        di, dj = inplane_mm[n, 0] / si, inplane_mm[n, 1] / sj
        if abs(di) < 1e-6 and abs(dj) < 1e-6:
            continue
        if float(di).is_integer() and float(dj).is_integer():
            shifted = ndimage.shift(hu[n], (dj, di), order=0, cval=AIR_HU, mode="constant")
        else:
            shifted = ndimage.shift(hu[n].astype(np.float32), (dj, di), order=1, cval=AIR_HU, mode="constant")
            shifted = np.rint(shifted)
        hu[n] = shifted.astype(np.int16)


def interpolate_along_normal(hu: np.ndarray, along_mm: np.ndarray, out_mm: np.ndarray) -> np.ndarray:
    """Linear interpolation of slices at sorted positions ``along_mm`` to positions ``out_mm``."""
    out = np.empty((len(out_mm),) + hu.shape[1:], dtype=np.int16)
    upper = np.clip(np.searchsorted(along_mm, out_mm, side="left"), 1, len(along_mm) - 1)
    lower = upper - 1
    weight = (out_mm - along_mm[lower]) / (along_mm[upper] - along_mm[lower])
    for k in range(len(out_mm)):
        w = float(np.clip(weight[k], 0.0, 1.0))
        if w < 1e-6:
            out[k] = hu[lower[k]]
        elif w > 1 - 1e-6:
            out[k] = hu[upper[k]]
        else:
            mixed = hu[lower[k]].astype(np.float32) * (1 - w) + hu[upper[k]].astype(np.float32) * w
            out[k] = np.rint(mixed).astype(np.int16)
    return out
