"""A vertebra's cancellous-bone threshold from its own marrow (the pure rule; no analysis imports).

Bone is told from soft tissue by HU: cortical bone >= 500 HU, cancellous bone above a threshold,
200 HU by default (DOMAIN.md gives cancellous bone 300-400 HU, "lower in the elderly"). In
osteoporosis it is much lower: Pickhardt et al. (Ann Intern Med 2013;158:588-595, opportunistic
screening on 1867 abdominal CTs) found L1 trabecular attenuation of 160 HU or less 90 % sensitive and
110 HU or less over 90 % specific for osteoporosis. On the shared T11-T12 scan the T12 marrow reads
100-190 HU (median about 150): with 200 HU its pedicle's interior and its arch read as soft tissue.

So the threshold adapts to the vertebra, when the default would call a good part of its marrow soft
tissue (the core's 25th percentile below the default; a drawn target lesion is left out of the core):
the **10th percentile** of its body core's HU (smoothed 1 mm; the core is the inner 60 % of the body
outline across and the middle half of its height, away from the cortex and the endplates; voxels under
0 HU, fat outside the body when the level's centre is off, left out), i.e. 90 % of the vertebra's own
marrow counts as bone, capped at the default (a dense vertebra is treated exactly as before: the shared
lumbar scan's L1-L5 cores read 210-230 HU at their 10th percentile) and never below ``FLOOR_HU``
100 HU, above muscle (40-60 HU) and a disc (50-100 HU; DOMAIN.md soft tissues), so soft tissue never
counts as bone. A lytic lesion in the core lowers the percentile toward the floor.

One rule, three users: the corridor check (:func:`planner.analysis.marrow.params_for_vertebra`), the
ISRC sectors (:mod:`planner.anatomy.sectors`, the arch behind the posterior wall) and the zone's part
beyond the vertebra (:mod:`planner.analysis.beyond_vertebra`). It lives in the anatomy layer so the
sectors may use it (the layers in pyproject.toml: anatomy never imports analysis).
"""

from __future__ import annotations

import numpy as np

from planner.anatomy.levels_grid import LocalGrid, resample
from planner.core.lazy import lazy_module
from planner.core.volume import ImageVolume

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

__all__ = ["DEFAULT_CANCELLOUS_HU", "FLOOR_HU", "body_geometry", "cancellous_threshold_hu", "marrow_core_hu",
           "vertebra_bone_hu"]

#: The fixed cancellous threshold the rule adapts from (the corridor check's ``CorridorParams.cancellous_hu``).
DEFAULT_CANCELLOUS_HU = 200.0
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
#: Body width when the vertebra carries none (a sector :class:`~planner.anatomy.sectors.LevelFrame`
#: from the bone): 45 mm, the planner's typical body (DOMAIN.md, L1-L3 40-50 mm; as
#: ``planner.session.anatomy_state`` sizes a plan level).
_DEFAULT_WIDTH_MM = 45.0


def body_geometry(vertebra):
    """(centre LPS, axes rows, width, depth, height) of a ``LevelGeometry`` or a sector ``LevelFrame``."""
    centre = getattr(vertebra, "body_centre_lps", None)
    centre = getattr(vertebra, "centre_lps") if centre is None else centre
    axes = getattr(vertebra, "axes_lps", None)
    axes = getattr(vertebra, "axes") if axes is None else axes
    width = getattr(vertebra, "width_mm", None) or _DEFAULT_WIDTH_MM
    return (np.asarray(centre, float).reshape(3), np.asarray(axes, float).reshape(3, 3), float(width),
            float(vertebra.depth_mm), float(vertebra.height_mm))


def marrow_core_hu(volume: ImageVolume, vertebra, lesion_inside=None) -> np.ndarray | None:
    """Smoothed HU of the body core of ``vertebra`` (a ``LevelGeometry`` or a sector ``LevelFrame``;
    see the module text) on a 1 mm grid in its own frame, the voxels inside the scan only and outside
    the lesion (``lesion_inside``: a function of LPS points (n, 3), True inside); None when too few remain."""
    centre, axes, width, depth, height = body_geometry(vertebra)
    a, b, h = 0.3 * width, 0.3 * depth, 0.25 * height
    pad = 3.0 * _SMOOTH_MM
    grid = LocalGrid.around(centre, axes, _STEP_MM, (-a - pad, a + pad), (-b - pad, b + pad), (-h - pad, h + pad))
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


def vertebra_bone_hu(volume: ImageVolume, vertebra, default_hu: float = DEFAULT_CANCELLOUS_HU,
                     lesion_inside=None) -> float:
    """The cancellous threshold of ``vertebra``'s marrow (the module's rule); ``default_hu`` for a
    dense vertebra, one the scan cuts too short, or no vertebra (None)."""
    if vertebra is None:
        return float(default_hu)
    return cancellous_threshold_hu(marrow_core_hu(volume, vertebra, lesion_inside), default_hu)
