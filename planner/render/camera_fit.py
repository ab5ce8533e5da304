"""Where the 3D camera stands so that a box fills the view: its projection, not its bounding sphere.

Plain numpy (the 3D view applies the result to its vtkCamera). ``vtkRenderer.ResetCamera(bounds)``
frames a box's bounding sphere, so a long or flat box fills a fraction of the view: the 400 mm lumbar
field's spine shows inside its ribcage, and the 38 mm T11-T12 slab as a thin strip in the middle of a
view 150 mm tall. Here the box is seen along the preset's direction and the camera is put at the
distance where its projection fills the view with ``margin`` of the view left on each side:

For a perspective camera of vertical view angle ``theta`` and a view ``aspect`` = width / height, a box
with half extents (hw across, hh up, hd along the view) centred on the focal point fits when its front
face, at ``d - hd`` from the camera, spans at most ``(1 - 2 margin)`` of the view:

    d = hd + max(hh, hw / aspect) / (tan(theta / 2) * (1 - 2 margin))

(the pinhole projection: a half height ``h`` at depth ``z`` covers ``h / (z tan(theta / 2))`` of the
view's half height). Parts of the box further back project smaller, so the whole box is in view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FRAME_MARGIN = 0.06  # the share of the 3D view left free on each side of the framed box
# At most this much of the spine, head to feet, around the crosshair: about three lumbar levels
# (a lumbar body about 27-30 mm tall plus a 10-12 mm disc: Panjabi 1992, Zhou 2000), so a 400 mm
# thoracolumbar field frames the vertebrae being planned, not the whole ribcage.
SPINE_FRAME_SPAN_MM = 130.0


@dataclass(frozen=True)
class CameraPose:
    position_lps: np.ndarray
    focal_lps: np.ndarray
    view_up: np.ndarray
    view_angle_deg: float


def box_corners(lo_lps, hi_lps) -> np.ndarray:
    lo, hi = np.asarray(lo_lps, float), np.asarray(hi_lps, float)
    return np.array([[(lo, hi)[c >> 2 & 1][0], (lo, hi)[c >> 1 & 1][1], (lo, hi)[c & 1][2]] for c in range(8)])


def fit_distance_mm(half_across: float, half_up: float, half_depth: float, view_angle_deg: float,
                    aspect: float, margin: float = FRAME_MARGIN) -> float:
    """The focal distance at which the box fills the view (module docstring's closed form)."""
    if not 0 < view_angle_deg < 180:
        raise ValueError(f"view angle must be between 0 and 180 degrees, not {view_angle_deg}")
    if aspect <= 0 or not 0 <= margin < 0.5:
        raise ValueError(f"aspect must be > 0 and margin in [0, 0.5), not {aspect}, {margin}")
    tan_half = np.tan(np.radians(view_angle_deg) / 2)
    half = max(float(half_up), float(half_across) / float(aspect), 1e-3)
    return float(half_depth) + half / (tan_half * (1 - 2 * margin))


def framing_pose(lo_lps, hi_lps, toward_camera, view_up, aspect: float, view_angle_deg: float = 30.0,
                 margin: float = FRAME_MARGIN) -> CameraPose:
    """The camera looking at the box's centre from direction ``toward_camera`` (focal point -> camera)
    with ``view_up``, at the distance where the box's projection fills the view."""
    back = np.asarray(toward_camera, float)
    back = back / np.linalg.norm(back)
    up = np.asarray(view_up, float)
    up = up - back * float(up @ back)
    up = up / np.linalg.norm(up)
    right = np.cross(up, back)  # the view's +x (vtkCamera: right = forward x up, forward = -back)
    corners = box_corners(lo_lps, hi_lps)
    centre = corners.mean(axis=0)
    rel = corners - centre
    half_across = float(np.abs(rel @ right).max())
    half_up = float(np.abs(rel @ up).max())
    half_depth = float(np.abs(rel @ back).max())
    d = fit_distance_mm(half_across, half_up, half_depth, view_angle_deg, aspect, margin)
    return CameraPose(centre + back * d, centre, up, float(view_angle_deg))


def spine_window(lo_lps, hi_lps, centre_lps=None, span_mm: float = SPINE_FRAME_SPAN_MM):
    """The box cut head to feet (LPS z) to at most ``span_mm`` around ``centre_lps``'s z (the crosshair,
    on the spine once the canal is found), kept inside the box; the box's own middle without a centre."""
    lo, hi = np.asarray(lo_lps, float).copy(), np.asarray(hi_lps, float).copy()
    if hi[2] - lo[2] <= span_mm:
        return lo, hi
    z = (lo[2] + hi[2]) / 2 if centre_lps is None else float(np.asarray(centre_lps, float)[2])
    z = min(max(z, lo[2] + span_mm / 2), hi[2] - span_mm / 2)
    lo[2], hi[2] = z - span_mm / 2, z + span_mm / 2
    return lo, hi
