"""The corridor check's cancellous-bone threshold, from the patient's own vertebral marrow.

The corridor check (:mod:`planner.analysis.corridor`) counts as bone cortical bone (>= 500 HU, filled)
plus cancellous bone above ``cancellous_hu``, 200 HU by default: DOMAIN.md gives cancellous bone
300-400 HU, "lower in the elderly". In osteoporosis it is much lower: Pickhardt et al. (Ann Intern Med
2013;158:588-595, opportunistic screening on 1867 abdominal CTs) found L1 trabecular attenuation of
160 HU or less 90 % sensitive and 110 HU or less over 90 % specific for osteoporosis. On the shared
T11-T12 scan the T12 marrow reads 100-190 HU (median about 150): with 200 HU its pedicle's interior
reads as soft tissue, and a needle down the middle of the pedicle gets a medial "breach".

So the threshold adapts to the vertebra the needle is linked to, when the default would call a good
part of its marrow soft tissue (the core's 25th percentile below the default; a drawn target lesion is
left out of the core): the **10th percentile** of its body
core's HU (smoothed 1 mm; the core is the inner 60 % of the body outline across and the middle half of
its height, away from the cortex and the endplates; voxels under 0 HU, fat outside the body when the
level's centre is off, left out), i.e. 90 % of the vertebra's own marrow counts as
bone, capped at the default (a dense vertebra is checked exactly as before: the shared lumbar scan's
L1-L5 cores read 210-230 HU at their 10th percentile) and never below ``floor_hu`` 100 HU, above
muscle (40-60 HU) and a disc (50-100 HU; DOMAIN.md soft tissues), so soft tissue never counts as bone.
A lytic lesion in the core lowers the percentile toward the floor; the lesion itself counts as inside
the vertebra by :mod:`planner.analysis.vertebra_rule`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from planner.anatomy.levels import LevelGeometry
from planner.anatomy.levels_grid import LocalGrid, resample
from planner.core.lazy import lazy_module
from planner.core.volume import ImageVolume

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

__all__ = ["FLOOR_HU", "cancellous_threshold_hu", "marrow_core_hu", "params_for_vertebra"]

#: Never below: above muscle (40-60 HU) and a disc (50-100 HU), DOMAIN.md.
FLOOR_HU = 100.0
#: Fat (-120 to -90 HU, DOMAIN.md) lies below: such core voxels are outside the body (a plan level's
#: centre placed near the anterior cortex), not marrow, and are left out.
FAT_CEILING_HU = 0.0
#: The share of the body core's voxels counted as bone: its 10th percentile is the threshold.
PERCENTILE = 10.0
_STEP_MM = 1.0
_SMOOTH_MM = 1.0
#: Adapt only when this percentile of the core reads below the default threshold.
GUARD_PERCENTILE = 25.0
#: Fewer core voxels inside the scan than this (a body cut by the scan's end): no estimate.
_MIN_VOXELS = 200


def marrow_core_hu(volume: ImageVolume, vertebra: LevelGeometry, lesion_inside=None) -> np.ndarray | None:
    """Smoothed HU of the body core of ``vertebra`` (see the module text) on a 1 mm grid in its own
    frame, the voxels inside the scan only and outside the lesion (``lesion_inside``: a function of LPS
    points (n, 3), True inside); None when too few remain."""
    a, b, h = 0.3 * vertebra.width_mm, 0.3 * vertebra.depth_mm, 0.25 * vertebra.height_mm
    pad = 3.0 * _SMOOTH_MM
    grid = LocalGrid.around(vertebra.body_centre_lps, vertebra.axes_lps, _STEP_MM, (-a - pad, a + pad),
                            (-b - pad, b + pad), (-h - pad, h + pad))
    hu, inside = resample(volume, grid)
    smooth = ndimage.gaussian_filter(hu, _SMOOTH_MM / _STEP_MM)
    w, v, u = np.meshgrid(grid.w_mm, grid.v_mm, grid.u_mm, indexing="ij")
    core = ((u / a) ** 2 + (v / b) ** 2 <= 1.0) & (np.abs(w) <= h)
    core &= ndimage.binary_erosion(inside, iterations=int(np.ceil(pad / _STEP_MM)), border_value=1)
    core &= smooth > FAT_CEILING_HU  # fat is not marrow: the outline overhangs the body when its centre is off
    if lesion_inside is not None and core.any():
        iw, iv, iu = np.nonzero(core)
        pts = grid.to_lps(np.stack([grid.u_mm[iu], grid.v_mm[iv], grid.w_mm[iw]], axis=1))
        core[iw, iv, iu] = ~np.asarray(lesion_inside(pts), dtype=bool)
    return smooth[core] if int(core.sum()) >= _MIN_VOXELS else None


def cancellous_threshold_hu(core_hu: np.ndarray | None, default_hu: float) -> float:
    """The 10th percentile of ``core_hu`` between :data:`FLOOR_HU` and ``default_hu``; the default when
    there is no core, or when the core's 25th percentile is at or above the default (the fixed threshold
    already calls three quarters of this marrow bone: a lytic lesion or fatty spots over less than a
    quarter of the core of dense marrow lower the 10th percentile but must not lower the threshold, or
    enhancing soft tissue of 100-200 HU beside the vertebra would count as bone). The 25th, not the
    median: a level whose centre the user placed near the cortex or an endplate has much cortex in its
    core (the T11-T12 training level: 27 % of the core above 300 HU, median 215 HU, 25th percentile
    159 HU)."""
    if core_hu is None or core_hu.size == 0 or float(np.percentile(core_hu, GUARD_PERCENTILE)) >= default_hu:
        return float(default_hu)
    return float(np.clip(np.percentile(core_hu, PERCENTILE), min(FLOOR_HU, default_hu), default_hu))


def params_for_vertebra(params, volume: ImageVolume, vertebra: LevelGeometry | None, lesion_inside=None):
    """``params`` (a :class:`planner.analysis.corridor.CorridorParams`) with the cancellous threshold
    of ``vertebra``'s marrow (the target lesion, when given, left out); unchanged without a vertebra."""
    if vertebra is None:
        return params
    threshold = cancellous_threshold_hu(marrow_core_hu(volume, vertebra, lesion_inside), params.cancellous_hu)
    return params if threshold == params.cancellous_hu else replace(params, cancellous_hu=threshold)
