"""Which screen rectangles of a needle-aligned view lie on the image (issue 19, brief ui19 item 2).

A needle view shows a resampled patch of an oblique plane (the slice's pixels, ``SliceImage.extent_mm``),
and of it only the part inside the CT volume (a plane cuts the volume in a polygon); around that the
view is empty (resampled as air, planner.geometry.mpr.AIR_HU, or not drawn: black). Placed beside its vertebra, a level
name used to land there, in the empty background, on the lumbar scan's probe's-eye view. A name now
goes only where it lies wholly on the image: its four corners and its centre, mapped back to LPS
through the displayed slice (the view's ``screen_to_lps``: viewport to plane, plane to LPS at the
slice's height), fall inside the slice's pixels and inside the volume's voxel grid (centres 0 .. n-1,
edges half a voxel beyond: DICOM PS3.3 C.7.6.2.1.1). Both regions are convex (a rectangle, and a
plane's cut of a box), so a rectangle whose corners are on them is on them everywhere. A vertebra
whose body centre is off the image is not named either (its leader would run into the background).
"""

from __future__ import annotations

import numpy as np

from planner.ui.overlay_geometry import plane_key


class ImageTest:
    """``many(rects)``: which of the (n, 4) screen rectangles lie wholly on the view's image."""

    def __init__(self, view, volume):
        self.view, self.volume = view, volume
        sl = view.current_slice()
        self.slice = sl

    def many(self, rects) -> np.ndarray:
        rects = np.asarray(rects, float).reshape(-1, 4)
        if self.volume is None or self.slice is None or not len(rects):
            return np.ones(len(rects), bool)
        x0, y0, x1, y1 = rects.T
        xs = np.stack([x0, x1, x0, x1, (x0 + x1) / 2], axis=1)
        ys = np.stack([y0, y0, y1, y1, (y0 + y1) / 2], axis=1)
        vp, sl = self.view.viewport, self.slice
        a = vp.center_a_mm + (xs - vp.width_px / 2) / vp.scale_px_per_mm  # Viewport.screen_to_plane
        b = vp.center_b_mm + (ys - vp.height_px / 2) / vp.scale_px_per_mm
        return self._on_image(a, b).reshape(len(rects), 5).all(axis=1)

    def points(self, xy) -> np.ndarray:
        """Which of the (n, 2) screen points lie on the image."""
        xy = np.asarray(xy, float).reshape(-1, 2)
        if self.volume is None or self.slice is None or not len(xy):
            return np.ones(len(xy), bool)
        vp = self.view.viewport
        a = vp.center_a_mm + (xy[:, 0] - vp.width_px / 2) / vp.scale_px_per_mm
        b = vp.center_b_mm + (xy[:, 1] - vp.height_px / 2) / vp.scale_px_per_mm
        return self._on_image(a, b)

    def _on_image(self, a, b) -> np.ndarray:
        """Plane coordinates (mm) on the displayed slice's pixels and inside the volume, flattened."""
        sl = self.slice
        a, b = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
        a_lo, a_hi, b_lo, b_hi = sl.extent_mm
        in_slice = (a >= a_lo) & (a <= a_hi) & (b >= b_lo) & (b <= b_hi)
        ijk = self.volume.to_ijk(sl.plane.to_lps(a, b, sl.h_mm).reshape(-1, 3))
        n = np.asarray(self.volume.shape_ijk, float)
        return in_slice & ((ijk >= -0.5) & (ijk <= n - 0.5)).all(axis=1)

    def __call__(self, rect) -> bool:
        return bool(self.many([rect])[0])


def image_key(view, sl) -> tuple:
    """What decides where a needle view's image lies on the screen (for a layout's reuse): the slice's
    plane and height, the edges of its pixels in plane mm (``extent_mm``, rounded to a micrometre), the
    view's mapping plane and viewport. Not the pixel spacing: while a drag moves the plan a slice is
    resampled coarser over the same extent (planner.ui.slice_view), and the image is where it was, so
    the layout of a view whose plane stands still is reused (tests/ui/test_drag_label_draft.py)."""
    vp = view.viewport
    extent = tuple(round(float(v), 3) for v in sl.extent_mm)
    return (plane_key(sl.plane), float(sl.h_mm), extent, plane_key(view.plane()), vp.width_px, vp.height_px,
            float(vp.center_a_mm), float(vp.center_b_mm), float(vp.scale_px_per_mm))
