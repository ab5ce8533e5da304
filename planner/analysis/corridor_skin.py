"""Where a needle line meets the skin, for the corridor check (:mod:`planner.analysis.corridor`): from
the body mask (the table, cushions and leads are outside the patient; issue 13) or, without one, the
first air-to-tissue transition along the line."""

from __future__ import annotations

import numpy as np

from planner.anatomy.body import skin_crossing_mm
from planner.anatomy.resample_kernel import points_linear_constant
from planner.core.frames import map_coordinates_kji
from planner.core.lazy import lazy_module
from planner.core.volume import ImageVolume

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)


def sample_lps(volume: ImageVolume, points_lps: np.ndarray, order: int, cval: float) -> np.ndarray:
    """Interpolate the CT at LPS points of any leading shape (outside the CT = ``cval``): scipy's
    ``map_coordinates(..., mode="constant", prefilter=False)``; trilinear (``order=1``) through its compiled
    equal (:func:`planner.anatomy.resample_kernel.points_linear_constant`, the same values bit for bit)."""
    ijk = volume.to_ijk(points_lps.reshape(-1, 3))
    coords = map_coordinates_kji(ijk)
    if order == 1:
        values = points_linear_constant(volume.hu, coords, cval)
    else:
        values = ndimage.map_coordinates(volume.hu, coords, order=order, mode="constant", cval=cval, prefilter=False)
    return values.reshape(points_lps.shape[:-1])


def _inside_extent_mm(volume: ImageVolume, start_lps: np.ndarray, direction: np.ndarray) -> float:
    """How far one can go from ``start_lps`` along ``direction`` staying inside the CT grid."""
    p = volume.to_ijk(start_lps)
    q = volume.to_ijk(start_lps + direction) - p  # voxel steps per mm
    hi = np.array(volume.shape_ijk, float) - 1.0
    t_max = np.inf
    for axis in range(3):
        if abs(q[axis]) < 1e-12:
            if p[axis] < 0 or p[axis] > hi[axis]:
                return 0.0
            continue
        bound = hi[axis] if q[axis] > 0 else 0.0
        t_max = min(t_max, (bound - p[axis]) / q[axis])
    return max(float(t_max), 0.0)


def find_skin(volume, entry, direction, length_mm, params) -> tuple[np.ndarray | None, float | None]:
    """First air->tissue transition coming from outside; returns (skin point, signed skin-to-entry mm)."""
    back_mm = _inside_extent_mm(volume, entry, -direction)
    if not volume.contains_ijk(volume.to_ijk(entry)):
        back_mm = 0.0
    step = params.axial_step_mm
    depths = np.arange(-back_mm, length_mm + step / 2, step)
    depths = np.clip(depths, -back_mm, length_mm)
    hu = sample_lps(volume, entry + depths[:, None] * direction, order=1, cval=-1000.0)
    inside = _inside_mask_along(volume, entry, direction, depths)
    air = (hu < params.air_hu) & inside
    rising = np.nonzero(air[:-1] & ~air[1:] & inside[1:])[0]
    if rising.size == 0:
        return None, None
    i = int(rising[0])
    frac = (params.air_hu - hu[i]) / (hu[i + 1] - hu[i]) if hu[i + 1] != hu[i] else 0.0
    depth = float(depths[i] + frac * (depths[i + 1] - depths[i]))
    return entry + depth * direction, -depth


def body_skin(volume, body, entry, direction, length_mm, params):
    """Skin from the body mask: (skin point, signed skin-to-entry mm, outside-body text or None)."""
    back_mm = _inside_extent_mm(volume, entry, -direction) if volume.contains_ijk(volume.to_ijk(entry)) else 0.0
    step = params.axial_step_mm
    depths = np.append(np.arange(-back_mm, length_mm, step), length_mm)
    if not body.contains(entry + length_mm * direction):
        return None, None, "The needle tip lies outside the patient's body (on the table or in the air)."
    skin_depth = skin_crossing_mm(volume, body, entry, direction, depths)
    if skin_depth is None:
        return None, None, None
    skin_lps = entry + skin_depth * direction
    rim_mm = max(2.0 * step, skin_rim_mm(volume, entry, direction))
    shaft = depths[(depths >= 0.0) & (depths < skin_depth - rim_mm)]
    if shaft.size:
        pts = entry + shaft[:, None] * direction
        hu = sample_lps(volume, pts, order=1, cval=-1000.0)
        inside = body.contains(pts)
        if np.any(inside):
            first = float(shaft[np.argmax(inside)])
            return skin_lps, -skin_depth, (
                f"The needle line passes through the body, leaves it and enters again before the tip "
                f"({first:.0f} mm from the entry): it leaves the body before the skin.")
        dense = (hu > params.object_hu) & ~inside
        if np.any(dense):
            first = float(shaft[np.argmax(dense)])
            return skin_lps, -skin_depth, (
                f"The needle line crosses something outside the patient (the CT table, a cushion or a "
                f"lead) {first:.0f} mm from the entry, before the skin.")
    return skin_lps, -skin_depth, None


def skin_rim_mm(volume: ImageVolume, point_lps, direction) -> float:
    """Length along the line (mm) over which the skin's edge is blurred: twice a voxel's extent along
    the line, sum of ``|direction . axis_i| * spacing_i`` (once for the scanner's partial volume, once
    for the trilinear interpolation of the samples). On the shared lumbar scan (0.7 x 0.7 x 3 mm) a
    mirrored entry 4.5 mm outside the skin read -601 HU 0.5-1 mm before the skin, outside the body mask
    and over ``object_hu``, and was reported as "something outside the patient"; a table's shell or a
    lead lies beyond this rim (issue 13)."""
    p = np.asarray(point_lps, float).reshape(3)
    steps_per_mm = volume.to_ijk(p + np.asarray(direction, float)) - volume.to_ijk(p)
    return 2.0 * float(np.sum(np.abs(steps_per_mm) * np.square(np.asarray(volume.spacing_mm, float))))


def _inside_mask_along(volume, entry, direction, depths) -> np.ndarray:
    ijk = volume.to_ijk(entry + depths[:, None] * direction)
    hi = np.array(volume.shape_ijk) - 0.5
    return np.all((ijk >= -0.5) & (ijk <= hi), axis=1)
