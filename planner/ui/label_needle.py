"""Level names in the needle-aligned views: beside the vertebra each one names (issue 19).

In the standard views a name goes to the view's edge, off the body, with a leader line
(:mod:`planner.ui.label_layout`). A needle-aligned view is zoomed on the needle's vertebra and the body
fills it, so every edge spot is on the body: the names slid along the edge columns to the view's
corners, and the vertebrae whose centres were near the oblique plane but outside the view were named
there as well, a cluster of "L3 L4 L5" in one corner far from any of them (observed on the lumbar scan
with a bipedicular L2 plan). Here, as a radiologist annotates a film:

- only a vertebra whose body centre is inside the view is named;
- its name goes beside it, ``beside_px`` (past the body's half width, see
  :data:`planner.ui.label_body.BESIDE_SPINE_MM`) across the spine's course on the screen, sliding
  along the spine until it is off every obstacle (needle, antenna and thermocouple tips, zone
  outlines, the other names, the view's own texts), as :func:`place_labels` does beside the spine;
- nor on a shaft: these views are cut along the needles, so the shafts cross the names' places
  (observed: "L2" across a needle's line in the along-needle view of the lumbar scan). Each drawn shaft
  is an obstacle along its whole length (:func:`shaft_rects`), not only at its two ends.

"Across the spine" is across the patient's head-feet axis as the view shows it: left or right of the
body when the axis runs up the screen (the probe's-eye view), above or below it when the axis runs
across the screen (the along-needle view that holds the axis). The second case is the first one with
the screen's x and y swapped (a transpose maps rectangles to rectangles and keeps overlaps), so the one
placement rule serves both.
"""

from __future__ import annotations

import numpy as np

from planner.ui.label_image import ImageTest, image_key
from planner.ui.label_layout import BOTTOM_RESERVED_PX, TOP_RESERVED_PX, PlacedLabel, place_labels

SPINE_AXIS_LPS = np.array([0.0, 0.0, 1.0])  # the patient's head-feet axis (DICOM LPS z, PS3.3 C.7.6.2.1.1)
SHAFT_AIR_PX = 3.0  # kept clear on each side of a shaft's drawn line
SHAFT_MIN_HALF_PX = 5.0  # the smallest square laid along a shaft (fewer squares for thin lines)


class EverywhereBody:
    """An ``on_body`` answer for :func:`place_labels` that refuses every edge spot, so each label goes
    beside its anchor; ``key`` lets a layout be reused while its inputs stay the same (``frame``: what
    decides where the image is, the spots beside being kept to it)."""

    def __init__(self, across: bool, frame=None):
        self.key = ("beside the vertebra", bool(across), frame)

    def __call__(self, rect) -> bool:
        return True

    def covers(self, rect) -> bool:
        return True

    def many(self, rects) -> np.ndarray:
        return np.ones(len(np.asarray(rects).reshape(-1, 4)), bool)


def spine_runs_across(view, at_lps) -> bool:
    """True when the head-feet axis through ``at_lps`` runs more across the screen than up it."""
    x0, y0 = view.lps_to_screen(np.asarray(at_lps, float))
    x1, y1 = view.lps_to_screen(np.asarray(at_lps, float) + 10.0 * SPINE_AXIS_LPS)
    return abs(x1 - x0) > abs(y1 - y0)


def in_view(items, view_w: float, view_h: float) -> list:
    """The items whose anchor lies inside the view, between its title and bottom lines."""
    return [(text, (x, y)) for text, (x, y) in items
            if 0.0 <= x <= view_w and TOP_RESERVED_PX <= y <= view_h - BOTTOM_RESERVED_PX]


def beside_options(view, items, options: dict, centres_lps, volume=None) -> tuple[list, dict]:
    """(the items to name, the options for the level overlay's placement) in a needle-aligned view: the
    anchors inside the view, every edge spot refused, :func:`place_beside` as the placer, and (given
    the ``volume``) only spots wholly on the image (issue 19: not in the empty background around the
    oblique plane's section of the volume, :mod:`planner.ui.label_image`)."""
    across = bool(len(centres_lps)) and spine_runs_across(view, np.mean(np.asarray(centres_lps, float), axis=0))
    sl = view.current_slice()
    frame = None if sl is None or volume is None else (image_key(view, sl), id(volume))
    out = dict(options, on_body=EverywhereBody(across, frame), placer=place_beside if not across else place_transposed)
    shown = in_view(items, view.width(), view.height())
    if volume is not None:
        image = ImageTest(view, volume)
        out["beside_ok"] = image.many
        if shown:
            shown = [item for item, ok in zip(shown, image.points([xy for _t, xy in shown])) if ok]
    return shown, out


def place_beside(items, size_of, view_w, view_h, obstacles, on_body=None, beside_px=40.0,
                 tried: list | None = None, beside_ok=None) -> list[PlacedLabel]:
    """Names left or right of their anchors (the spine runs up the screen); ``tried`` and ``beside_ok``
    as in :func:`~planner.ui.label_layout.place_labels`."""
    return place_labels(items, size_of, view_w, view_h, obstacles, on_body=on_body, beside_px=beside_px, tried=tried,
                        beside_ok=beside_ok)


def place_transposed(items, size_of, view_w, view_h, obstacles, on_body=None, beside_px=40.0,
                     tried: list | None = None, beside_ok=None) -> list[PlacedLabel]:
    """Names above or below their anchors (the spine runs across the screen): :func:`place_labels` on
    the view with x and y swapped, the rectangles (and the ``tried`` spots) swapped back."""
    flipped = [(text, (y, x)) for text, (x, y) in items]
    obstacles_t = [(y0, x0, y1, x1) for x0, y0, x1, y1 in obstacles]

    def size_t(text):
        w, h = size_of(text)
        return h, w

    tried_t: list = []
    ok_t = None if beside_ok is None else (lambda rects: beside_ok(np.asarray(rects, float)[:, [1, 0, 3, 2]]))
    placed = place_labels(flipped, size_t, view_h, view_w, obstacles_t, on_body=on_body, beside_px=beside_px,
                          tried=tried_t, beside_ok=ok_t)
    if tried is not None:
        tried.extend(np.asarray(spots, float).reshape(-1, 4)[:, [1, 0, 3, 2]] for spots in tried_t)
    return [PlacedLabel(p.text, (p.rect[1], p.rect[0], p.rect[3], p.rect[2]), (p.anchor[1], p.anchor[0]))
            for p in placed]


def plan_shafts_lps(plan) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """(start, end, diameter mm) of every shaft the plan overlay draws: each needle (entry to tip), its
    antenna beyond the tip (drawn thinner than the needle it goes through: the needle's diameter is
    kept, a little more air), each thermocouple (entry to tip)."""
    out = []
    for needle in plan.needles:
        out.append((np.asarray(needle.entry_lps, float), np.asarray(needle.tip_lps, float), needle.outer_diameter_mm))
        antenna = plan.antenna_for(needle.id)
        if antenna is not None:
            out.append((np.asarray(needle.tip_lps, float), np.asarray(antenna.tip_lps(needle), float),
                        needle.outer_diameter_mm))
    out += [(np.asarray(tc.entry_lps, float), np.asarray(tc.tip_lps, float), tc.outer_diameter_mm)
            for tc in plan.thermocouples]
    return out


def clip_segment(a, b, x0, y0, x1, y1):
    """Segment a-b (screen px) clipped to the rectangle (Liang-Barsky's parametric clipping: Liang &
    Barsky 1984, ACM TOG 3(1)); None when it misses it."""
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, ax - x0), (dx, x1 - ax), (-dy, ay - y0), (dy, y1 - ay)):
        if p == 0.0:
            if q < 0.0:
                return None
        elif p < 0.0:
            t0 = max(t0, q / p)
        else:
            t1 = min(t1, q / p)
    if t0 > t1:
        return None
    return (ax + t0 * dx, ay + t0 * dy), (ax + t1 * dx, ay + t1 * dy)


def segment_rects(a, b, half_px: float, step_px: float, view_w: float, view_h: float) -> list:
    """Squares of half side ``half_px`` centred along segment a-b (the part within ``half_px`` of the
    view), at most ``step_px`` apart. Every point within ``half_px - step_px / 2`` of the segment (on
    each axis) lies inside one: its nearest square centre is at most ``step_px / 2`` along the segment
    from the segment's point beside it. So with ``step_px`` < ``2 * (half_px - w)`` a rectangle that
    touches the line drawn ``w`` px wide either side overlaps a square. Rectangles are what the layout
    tests (:func:`planner.ui.label_layout.place_labels`)."""
    clipped = clip_segment(a, b, -half_px, -half_px, view_w + half_px, view_h + half_px)
    if clipped is None:
        return []
    (ax, ay), (bx, by) = clipped
    n = int(np.ceil(np.hypot(bx - ax, by - ay) / step_px)) + 1
    ts = np.linspace(0.0, 1.0, max(n, 1))
    xs, ys = ax + ts * (bx - ax), ay + ts * (by - ay)
    return [(x - half_px, y - half_px, x + half_px, y + half_px) for x, y in zip(xs.tolist(), ys.tolist())]


def shaft_rects(view, plan) -> list:
    """The obstacles along every drawn shaft of ``plan`` in ``view`` (:func:`shaft_squares` of each)."""
    rects = []
    for start, end, diameter_mm in plan_shafts_lps(plan):
        rects += shaft_squares(view, start, end, diameter_mm)
    return rects


def shaft_squares(view, start_lps, end_lps, diameter_mm: float) -> list:
    """The obstacles along one drawn shaft (:func:`segment_rects`, with the half width of the line
    :func:`planner.ui.overlay_geometry.shaft_geometry` draws plus :data:`SHAFT_AIR_PX`)."""
    scale = view.viewport.scale_px_per_mm
    line_half = 0.5 * max(2.0, diameter_mm * scale)
    half = max(line_half + SHAFT_AIR_PX, SHAFT_MIN_HALF_PX)
    step = min(half, 2.0 * (half - line_half) - 0.5)
    return segment_rects(view.lps_to_screen(start_lps), view.lps_to_screen(end_lps), half, step,
                         view.width(), view.height())
