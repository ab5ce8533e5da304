"""Where the patient's body lies under a label's rectangle, for :func:`planner.ui.label_layout.place_labels`.

The body mask (:class:`planner.anatomy.body.BodyMask`, issue 13: skin inward, the table and the air
out, the arms in) is sampled at a grid of points over the rectangle on the displayed slice. Only a
mask already computed is used (the 3D view's surface worker and the corridor checks compute it in the
background): painting never computes or waits for it; until it is there the labels keep the edge rule.
"""

from __future__ import annotations

import math

import numpy as np

from planner.ui import slice_cache
from planner.ui.overlay_geometry import plane_key

SAMPLE_STEP_PX = 4.0  # a label is about 30 x 20 px: 8 x 5 samples, finer than the mask's 2-6 mm grid at 1-2 px/mm
BESIDE_SPINE_MM = 30.0  # a label beside the spine: past the vertebral body's half width (lumbar ~ 20-25 mm)


def body_test(session, view):
    """A :class:`BodyTest` (``rect -> bool``: True when the screen rectangle covers the body on
    ``view``'s slice), or None when no body mask is known yet or the view shows no slice.

    The body is sampled on a grid of points :data:`SAMPLE_STEP_PX` apart over the view (kept per view
    frame; only the grid columns the candidate spots reach, see :class:`BodyTest`), and a rectangle is on the body when a grid
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
    sampling anything, so a layout can be reused while it is unchanged (planner.ui.level_labels).
    The grid is sampled column by column as questions reach it (issue 15): labels are tried in narrow
    columns at the view's edges and beside the spine, so a needle-aligned view, whose plane changes at
    every move of a drag, samples a few grid columns instead of the whole view; each grid point is the
    one a whole-view sampling takes, so the answers are the same."""

    def __init__(self, view, sl, body):
        self.view, self.sl, self.body = view, sl, body
        self.key = (_occupancy_key(view, view.viewport, sl), id(body))
        self._grid: BodyGrid | None = None

    def grid(self) -> "BodyGrid":
        if self._grid is None:
            self._grid = _occupancy(self.view, self.view.viewport, self.sl, self.body)
        return self._grid

    def __call__(self, rect) -> bool:
        return self.covers(rect)

    def prepare(self, rects) -> None:
        """Sample, in one call, every grid column the (n, 4) ``rects`` reach (the questions to come)."""
        self._spans(np.asarray(rects, float).reshape(-1, 4))

    def covers(self, rect) -> bool:
        """One rectangle: the rule of :meth:`many` with plain numbers (a label's nearest spots)."""
        grid = self.grid()
        x0, y0, x1, y1 = rect
        ca = min(max(math.floor(x0 / SAMPLE_STEP_PX), 0), grid.cols)
        ra = min(max(math.floor(y0 / SAMPLE_STEP_PX), 0), grid.rows)
        cb = min(max(math.ceil(x1 / SAMPLE_STEP_PX) + 1, 0), grid.cols)
        rb = min(max(math.ceil(y1 / SAMPLE_STEP_PX) + 1, 0), grid.rows)
        if cb <= ca or rb <= ra:
            return False
        running = grid.running(ca, cb)
        return bool(running[rb] > running[ra])

    def many(self, rects) -> np.ndarray:
        """The answers for (n, 4) rectangles at once: a rectangle covers the body when a grid point in
        the block of cells floor(x0 / step) .. ceil(x1 / step), floor(y0 / step) .. ceil(y1 / step) is
        on it (clipped to the grid; nothing outside the grid is body). Counted per column span with a
        running sum over the rows."""
        rects = np.asarray(rects, float).reshape(-1, 4)
        grid = self.grid()
        ca, ra, cb, rb, spans = self._spans(rects)
        out = np.zeros(len(rects), bool)
        for a, b in spans:
            running = grid.running(a, b)
            sel = (ca == a) & (cb == b) & (rb > ra)
            out[sel] = running[rb[sel]] > running[ra[sel]]
        return out

    def _spans(self, rects: np.ndarray):
        """The rectangles' grid cell blocks (first column, first row, one past the last column and row,
        clipped to the grid) and their distinct column spans, whose columns are sampled here."""
        grid = self.grid()
        rows, cols = grid.on.shape
        ca = np.clip(np.floor(rects[:, 0] / SAMPLE_STEP_PX), 0, cols).astype(np.int64)
        ra = np.clip(np.floor(rects[:, 1] / SAMPLE_STEP_PX), 0, rows).astype(np.int64)
        cb = np.clip(np.ceil(rects[:, 2] / SAMPLE_STEP_PX) + 1, 0, cols).astype(np.int64)  # one past the last
        rb = np.clip(np.ceil(rects[:, 3] / SAMPLE_STEP_PX) + 1, 0, rows).astype(np.int64)
        ok = (cb > ca) & (rb > ra)
        codes = np.unique(ca[ok] * (cols + 2) + cb[ok])  # the distinct (a, b) spans, as one integer each
        spans = [(int(c // (cols + 2)), int(c % (cols + 2))) for c in codes.tolist()]
        grid.sample(spans)  # every column these spans reach, in one call
        return ca, ra, cb, rb, spans


class BodyGrid:
    """The body mask at the view's grid points :data:`SAMPLE_STEP_PX` apart (rows x cols), sampled one
    block of grid columns at a time, when first asked for."""

    def __init__(self, view, viewport, sl, body):
        self.rows = int(np.ceil(max(view.height(), 1) / SAMPLE_STEP_PX)) + 1
        self.cols = int(np.ceil(max(view.width(), 1) / SAMPLE_STEP_PX)) + 1
        self.on = np.zeros((self.rows, self.cols), bool)
        self.known = np.zeros(self.cols, bool)
        self._viewport, self._sl, self._body = viewport, sl, body
        self.sampled = 0  # grid points sampled so far (tests read it)
        self._running: dict[tuple[int, int], np.ndarray] = {}

    def sample(self, spans) -> None:
        """Sample every grid column of the (a, b) spans (columns a .. b - 1) not known yet, in one call."""
        wanted = np.zeros(self.cols, bool)
        for a, b in spans:
            wanted[a:b] = True
        missing = np.flatnonzero(wanted & ~self.known)
        if len(missing):
            gx, gy = np.meshgrid(missing * SAMPLE_STEP_PX, np.arange(self.rows) * SAMPLE_STEP_PX)
            pa, pb = self._viewport.screen_to_plane(gx.ravel(), gy.ravel())
            sl = self._sl
            self.on[:, missing] = self._body.contains(sl.plane.to_lps(pa, pb, sl.h_mm)).reshape(self.rows, len(missing))
            self.known[missing] = True
            self.sampled += gx.size

    def columns(self, a: int, b: int) -> np.ndarray:
        """Grid columns a .. b - 1 (rows x (b - a)), sampled first where not known yet."""
        self.sample([(a, b)])
        return self.on[:, a:b]

    def running(self, a: int, b: int) -> np.ndarray:
        """Running count over the rows of "some grid point of columns a .. b - 1 is on the body"
        (length rows + 1, starting at 0), kept per span: labels of one width share their edge columns."""
        key = (a, b)
        running = self._running.get(key)
        if running is None:
            running = np.concatenate([[0], np.cumsum(self.columns(a, b).any(axis=1))])
            self._running[key] = running
        return running


def _occupancy_key(view, viewport, sl) -> tuple:
    """The view's frame as the body sampling sees it: size, centre, zoom, displayed plane and height."""
    return (view.width(), view.height(), viewport.width_px, viewport.height_px, float(viewport.center_a_mm),
            float(viewport.center_b_mm), float(viewport.scale_px_per_mm), plane_key(sl.plane), float(sl.h_mm))


def _occupancy(view, viewport, sl, body) -> BodyGrid:
    """The view's :class:`BodyGrid`, kept on the view while its frame (size, centre, zoom, displayed
    plane and height) and the body mask stay the same (issue 15: a drag repaints every view once per
    frame with nothing of this changed; sampling the body over the whole view was the largest part of
    a repaint's label layout). With ``slice_cache.ENABLED`` False a new grid is made every time."""
    key = _occupancy_key(view, viewport, sl)
    cached = getattr(view, "_body_occupancy", None)
    if slice_cache.ENABLED and cached is not None and cached[0] == key and cached[1] is body:
        return cached[2]
    grid = BodyGrid(view, viewport, sl, body)
    view._body_occupancy = (key, body, grid)
    return grid


def layout_options(session, view) -> dict:
    """The keyword arguments of :func:`place_labels` that keep a view's labels off the body."""
    return {"on_body": body_test(session, view),
            "beside_px": BESIDE_SPINE_MM * float(view.viewport.scale_px_per_mm)}
