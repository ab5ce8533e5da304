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
    """``rect -> bool`` (True when the screen rectangle covers the body on ``view``'s slice), or None
    when no body mask is known yet or the view shows no slice.

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
    viewport = view.viewport
    grid = {}

    def occupancy() -> np.ndarray:
        if "on" not in grid:
            grid["on"] = _occupancy(view, viewport, sl, body)
        return grid["on"]

    def on_body(rect) -> bool:
        on = occupancy()
        x0, y0, x1, y1 = rect
        c0, c1 = int(np.floor(x0 / SAMPLE_STEP_PX)), int(np.ceil(x1 / SAMPLE_STEP_PX))
        r0, r1 = int(np.floor(y0 / SAMPLE_STEP_PX)), int(np.ceil(y1 / SAMPLE_STEP_PX))
        rows, cols = on.shape
        if r1 < 0 or c1 < 0 or r0 >= rows or c0 >= cols:
            return False
        return bool(on[max(r0, 0):r1 + 1, max(c0, 0):c1 + 1].any())

    return on_body


def _occupancy(view, viewport, sl, body) -> np.ndarray:
    """The body mask sampled on the view's grid of :data:`SAMPLE_STEP_PX` points, kept on the view while
    its frame (size, centre, zoom, displayed plane and height) and the body mask stay the same (issue
    15: a drag repaints every view once per frame with nothing of this changed; sampling the body over
    the whole view was the largest part of a repaint's label layout)."""
    key = (view.width(), view.height(), viewport.width_px, viewport.height_px, float(viewport.center_a_mm),
           float(viewport.center_b_mm), float(viewport.scale_px_per_mm), plane_key(sl.plane), float(sl.h_mm))
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
