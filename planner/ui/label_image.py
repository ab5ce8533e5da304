"""Which screen rectangles of a needle-aligned view lie on the image (issue 19, brief ui19 item 2).

An oblique plane through a needle cuts the CT volume in a polygon; around it the view is empty
(resampled as air, planner.geometry.mpr.AIR_HU, and drawn black). Placed beside its vertebra, a level
name used to land there, in the empty background, on the lumbar scan's probe's-eye view. A name now
goes only where it lies wholly on the image: its four corners and its centre, mapped back to LPS
through the displayed slice (the view's ``screen_to_lps``: viewport to plane, plane to LPS at the
slice's height), fall inside the volume's voxel grid (centres 0 .. n-1, edges half a voxel beyond:
DICOM PS3.3 C.7.6.2.1.1). The section is convex (a plane cuts a box in a convex polygon), so a
rectangle whose corners are on it is on it everywhere.
"""

from __future__ import annotations

import numpy as np


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
        ijk = self.volume.to_ijk(sl.plane.to_lps(a, b, sl.h_mm).reshape(-1, 3)).reshape(len(rects), 5, 3)
        n = np.asarray(self.volume.shape_ijk, float)
        inside = (ijk >= -0.5) & (ijk <= n - 0.5)
        return inside.all(axis=(1, 2))

    def __call__(self, rect) -> bool:
        return bool(self.many([rect])[0])
