"""Where the patient's body lies under a label's rectangle, for :func:`planner.ui.label_layout.place_labels`.

The body mask (:class:`planner.anatomy.body.BodyMask`, issue 13: skin inward, the table and the air
out, the arms in) is sampled at a grid of points over the rectangle on the displayed slice. Only a
mask already computed is used (the 3D view's surface worker and the corridor checks compute it in the
background): painting never computes or waits for it; until it is there the labels keep the edge rule.
"""

from __future__ import annotations

import numpy as np

from planner.ui import slice_cache
from planner.ui.overlay_geometry import plane_key

SAMPLE_STEP_PX = 4.0  # a label is about 30 x 20 px: 8 x 5 samples, finer than the mask's 2-6 mm grid at 1-2 px/mm
BESIDE_SPINE_MM = 30.0  # a label beside the spine: past the vertebral body's half width (lumbar ~ 20-25 mm)


def body_test(session, view):
    """A :class:`BodyTest` (``rect -> bool``: True when the screen rectangle covers the body on
    ``view``'s slice), or None when no body mask is known yet or the view shows no slice.

    The body is sampled once per layout, on a grid of points :data:`SAMPLE_STEP_PX` apart over the whole
    view (one :meth:`BodyMask.contains` call, a few ms), and a rectangle is on the body when a grid
    point inside it, or on the grid lines just around it, is: the same samples a rectangle's own grid
    would take, or a few more. Sampling every candidate spot afresh held a repaint of the lumbar scan
    up to half a second (hundreds of spots, issue 19)."""
    anatomy = getattr(session, "anatomy", None)
    body = anatomy.known_body() if anatomy is not None else None
    sl = view.current_slice() if body is not None else None
    if sl is None:
        return None
    return BodyTest(view, sl, body)


class BodyTest:
    """Whether screen rectangles cover the body on one view's slice (see :func:`body_test`).

    ``key`` names what the answers depend on (the view's frame and the body mask object) without
    sampling anything, so a layout can be reused while it is unchanged (planner.ui.level_labels);
    the grid is sampled at the first question only."""

    def __init__(self, view, sl, body):
        self.view, self.sl, self.body = view, sl, body
        self.key = (_occupancy_key(view, view.viewport, sl), id(body))
        self._on: np.ndarray | None = None
        self._sums: np.ndarray | None = None

    def occupancy(self) -> np.ndarray:
        if self._on is None:
            self._on = _occupancy(self.view, self.view.viewport, self.sl, self.body)
        return self._on

    def __call__(self, rect) -> bool:
        on = self.occupancy()
        x0, y0, x1, y1 = rect
        c0, c1 = int(np.floor(x0 / SAMPLE_STEP_PX)), int(np.ceil(x1 / SAMPLE_STEP_PX))
        r0, r1 = int(np.floor(y0 / SAMPLE_STEP_PX)), int(np.ceil(y1 / SAMPLE_STEP_PX))
        rows, cols = on.shape
        if r1 < 0 or c1 < 0 or r0 >= rows or c0 >= cols:
            return False
        return bool(on[max(r0, 0):r1 + 1, max(c0, 0):c1 + 1].any())

    def many(self, rects) -> np.ndarray:
        """The answers for (n, 4) rectangles at once: the same grid cells as :meth:`__call__`, counted
        with a summed-area table (a cell block holds body when its count is above zero)."""
        rects = np.asarray(rects, float).reshape(-1, 4)
        on = self.occupancy()
        if self._sums is None:
            sums = np.zeros((on.shape[0] + 1, on.shape[1] + 1), np.int64)
            sums[1:, 1:] = on.cumsum(axis=0).cumsum(axis=1)
            self._sums = sums
        rows, cols = on.shape
        c0 = np.clip(np.floor(rects[:, 0] / SAMPLE_STEP_PX), 0, cols).astype(np.int64)
        r0 = np.clip(np.floor(rects[:, 1] / SAMPLE_STEP_PX), 0, rows).astype(np.int64)
        c1 = np.clip(np.ceil(rects[:, 2] / SAMPLE_STEP_PX) + 1, 0, cols).astype(np.int64)  # one past the last
        r1 = np.clip(np.ceil(rects[:, 3] / SAMPLE_STEP_PX) + 1, 0, rows).astype(np.int64)
        s = self._sums
        count = s[r1, c1] - s[r0, c1] - s[r1, c0] + s[r0, c0]
        return (count > 0) & (r1 > r0) & (c1 > c0)


def _occupancy_key(view, viewport, sl) -> tuple:
    """The view's frame as the body sampling sees it: size, centre, zoom, displayed plane and height."""
    return (view.width(), view.height(), viewport.width_px, viewport.height_px, float(viewport.center_a_mm),
            float(viewport.center_b_mm), float(viewport.scale_px_per_mm), plane_key(sl.plane), float(sl.h_mm))


def _occupancy(view, viewport, sl, body) -> np.ndarray:
    """The body mask sampled on the view's grid of :data:`SAMPLE_STEP_PX` points, kept on the view while
    its frame (size, centre, zoom, displayed plane and height) and the body mask stay the same (issue
    15: a drag repaints every view once per frame with nothing of this changed; sampling the body over
    the whole view was the largest part of a repaint's label layout)."""
    key = _occupancy_key(view, viewport, sl)
    cached = getattr(view, "_body_occupancy", None)
    if slice_cache.ENABLED and cached is not None and cached[0] == key and cached[1] is body:
        return cached[2]
    cols = int(np.ceil(max(view.width(), 1) / SAMPLE_STEP_PX)) + 1
    rows = int(np.ceil(max(view.height(), 1) / SAMPLE_STEP_PX)) + 1
    gx, gy = np.meshgrid(np.arange(cols) * SAMPLE_STEP_PX, np.arange(rows) * SAMPLE_STEP_PX)
    a, b = viewport.screen_to_plane(gx.ravel(), gy.ravel())
    on = body.contains(sl.plane.to_lps(a, b, sl.h_mm)).reshape(rows, cols)
    on.flags.writeable = False
    view._body_occupancy = (key, body, on)
    return on


def layout_options(session, view) -> dict:
    """The keyword arguments of :func:`place_labels` that keep a view's labels off the body."""
    return {"on_body": body_test(session, view),
            "beside_px": BESIDE_SPINE_MM * float(view.viewport.scale_px_per_mm)}
