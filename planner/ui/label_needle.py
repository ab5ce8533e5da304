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
  outlines, the other names, the view's own texts), as :func:`place_labels` does beside the spine.

"Across the spine" is across the patient's head-feet axis as the view shows it: left or right of the
body when the axis runs up the screen (the probe's-eye view), above or below it when the axis runs
across the screen (the along-needle view that holds the axis). The second case is the first one with
the screen's x and y swapped (a transpose maps rectangles to rectangles and keeps overlaps), so the one
placement rule serves both.
"""

from __future__ import annotations

import numpy as np

from planner.ui.label_layout import BOTTOM_RESERVED_PX, TOP_RESERVED_PX, PlacedLabel, place_labels

SPINE_AXIS_LPS = np.array([0.0, 0.0, 1.0])  # the patient's head-feet axis (DICOM LPS z, PS3.3 C.7.6.2.1.1)


class EverywhereBody:
    """An ``on_body`` answer for :func:`place_labels` that refuses every edge spot, so each label goes
    beside its anchor; ``key`` lets a layout be reused while its inputs stay the same."""

    def __init__(self, across: bool):
        self.key = ("beside the vertebra", bool(across))

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


def beside_options(view, items, options: dict, centres_lps) -> tuple[list, dict]:
    """(the items to name, the options for the level overlay's placement) in a needle-aligned view: the
    anchors inside the view, every edge spot refused, and :func:`place_beside` as the placer."""
    across = bool(len(centres_lps)) and spine_runs_across(view, np.mean(np.asarray(centres_lps, float), axis=0))
    out = dict(options, on_body=EverywhereBody(across), placer=place_beside if not across else place_transposed)
    return in_view(items, view.width(), view.height()), out


def place_beside(items, size_of, view_w, view_h, obstacles, on_body=None, beside_px=40.0,
                 tried: list | None = None) -> list[PlacedLabel]:
    """Names left or right of their anchors (the spine runs up the screen); ``tried`` as in
    :func:`~planner.ui.label_layout.place_labels`."""
    return place_labels(items, size_of, view_w, view_h, obstacles, on_body=on_body, beside_px=beside_px, tried=tried)


def place_transposed(items, size_of, view_w, view_h, obstacles, on_body=None, beside_px=40.0,
                     tried: list | None = None) -> list[PlacedLabel]:
    """Names above or below their anchors (the spine runs across the screen): :func:`place_labels` on
    the view with x and y swapped, the rectangles (and the ``tried`` spots) swapped back."""
    flipped = [(text, (y, x)) for text, (x, y) in items]
    obstacles_t = [(y0, x0, y1, x1) for x0, y0, x1, y1 in obstacles]

    def size_t(text):
        w, h = size_of(text)
        return h, w

    tried_t: list = []
    placed = place_labels(flipped, size_t, view_h, view_w, obstacles_t, on_body=on_body, beside_px=beside_px,
                          tried=tried_t)
    if tried is not None:
        tried.extend(np.asarray(spots, float).reshape(-1, 4)[:, [1, 0, 3, 2]] for spots in tried_t)
    return [PlacedLabel(p.text, (p.rect[1], p.rect[0], p.rect[3], p.rect[2]), (p.anchor[1], p.anchor[0]))
            for p in placed]
