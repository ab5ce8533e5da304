"""Size of a damage region along and across an applicator, with sub-voxel edges.

The region is ``dose >= threshold`` (CEM43 >= 240 min here). Along the axis through the tip the
two crossings of log(dose) = log(threshold) are found by linear interpolation between samples
0.1 voxel apart (trilinear sampling of log dose); across, the largest crossing radius over
positions along the axis, in 8 directions, averaged. Returns full diameters and the centre's
distance back from the tip, like the device tables.
"""

from __future__ import annotations

import numpy as np

from planner.core.frames import ijk_to_kji
from planner.core.lazy import lazy_module
from planner.thermal.grid import ThermalGrid

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)


def _crossing(values: np.ndarray, level: float, step: float) -> float:
    """Distance from sample 0 to the first downward crossing of ``level`` (0 when never above)."""
    above = values >= level
    if not above[0]:
        return 0.0
    idx = np.flatnonzero(~above)
    if idx.size == 0:
        return (len(values) - 1) * step
    n = idx[0]
    a, b = values[n - 1], values[n]
    return (n - 1 + (a - level) / (a - b)) * step


def measure_zone(grid: ThermalGrid, dose: np.ndarray, tip_lps, direction, threshold: float = 240.0,
                 reach_mm: float = 60.0, quadrant: bool = False):
    """(long_axis_mm, short_axis_mm, center_offset_mm) of ``dose >= threshold``; zeros when empty.

    ``quadrant``: only the directions between the grid's +i and +j axes are sampled across (a
    symmetric quarter grid)."""
    logd = np.log10(np.maximum(dose.astype(np.float64), 1e-30))
    level = np.log10(threshold)
    d = np.asarray(direction, float) / np.linalg.norm(direction)
    tip = np.asarray(tip_lps, float)
    step = 0.1 * grid.spacing_mm
    n = int(reach_mm / step)
    along = np.arange(-n, n + 1) * step

    def sample(points):
        ijk = grid.to_ijk(points)
        return ndimage.map_coordinates(logd, ijk_to_kji(ijk).T, order=1, mode="nearest")

    axis_vals = sample(tip + along[:, None] * d)
    hot = np.flatnonzero(axis_vals >= level)
    if hot.size == 0:
        return 0.0, 0.0, 0.0
    start = along[hot[0]]
    end = along[hot[-1]]
    # refine both ends by interpolation
    seg = axis_vals[hot[-1]:]
    end = along[hot[-1]] + _crossing(seg, level, step)
    seg = axis_vals[:hot[0] + 1][::-1]
    start = along[hot[0]] - _crossing(seg, level, step)
    long_mm = end - start
    centre_offset = -(start + end) / 2.0
    if quadrant:
        u, v = np.array([1.0, 0, 0]), np.array([0, 1.0, 0])
    else:
        helper = np.array([1.0, 0, 0]) if abs(d[0]) < 0.9 else np.array([0, 1.0, 0])
        u = np.cross(d, helper)
        u /= np.linalg.norm(u)
        v = np.cross(d, u)
    radii = np.arange(0, int(reach_mm / step) + 1) * step
    best = 0.0
    for s in np.arange(start, end + 1e-9, 0.5 * grid.spacing_mm):
        centre = tip + s * d
        rs = []
        angles = np.linspace(0, 0.5 * np.pi, 4) if quadrant else np.linspace(0, 2 * np.pi, 8, endpoint=False)
        for ang in angles:
            e = np.cos(ang) * u + np.sin(ang) * v
            rs.append(_crossing(sample(centre + radii[:, None] * e), level, step))
        best = max(best, float(np.mean(rs)))
    return float(long_mm), float(2 * best), float(centre_offset)
