"""Whether a needle's name is written in a 2D view: never over a vertebral body, a zone or another
item's end (issue 19, brief ui19 item 3).

A needle's name goes beside its entry, the skin end of the shaft, outside the body
(:func:`planner.ui.overlays.label_rect`, stacked under the names before it by
:func:`planner.ui.overlays.stacked_label_rects`). Where that spot has no room (an entry near the
vertebra, in a view zoomed on it, or two entries together in the along-needle view of a bipedicular
pair, where the stacking pushes the second name down onto the bone), the name used to be written there
anyway, over the bone, a zone or another label. The decision: such a name is **not written**. The
selection still shows it (the plan list and the properties panel), and the level names lay out around
the names that are written only (planner.ui.level_labels.item_label_rects reads the same list). A
thermocouple's reading is always written: it is the reading of the probe the user watches.

What a name must not cover, in screen px:

- a vertebral body named in the view (a plan level or an automatic vertebra within
  :data:`planner.ui.plan_overlays.LEVEL_NEAR_MM` of the slice): its centre
  ± :data:`BODY_HALF_MM` (half a lumbar body's width, about 20 mm: Panjabi et al. 1992, Spine 17(3));
- every predicted zone's section on the slice (the bounding box of the outline the zone overlay draws);
- every needle, antenna and thermocouple end other than the name's own entry (its marker, 7 px);
- the view's orientation letters at its four edges (planner.ui.overlays.letter_rects).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFontMetrics

from planner.ui.label_layout import overlaps, point_rect
from planner.ui.overlay_geometry import cached, ellipsoid_key
from planner.ui.overlays import FONTS, letter_rects, stacked_label_rects

BODY_HALF_MM = 20.0  # half a lumbar vertebral body's width (Panjabi 1992: 40-50 mm wide)


def label_box(text: str) -> tuple[float, float]:
    """(w, h) px of an item label as :func:`planner.ui.overlays._labels` fills it."""
    m = QFontMetrics(FONTS["label"])
    return float(m.horizontalAdvance(text) + 8), float(m.height() + 4)


def body_rects(view, centres_lps) -> list:
    """Screen boxes of the vertebral bodies near the slice: centre ± :data:`BODY_HALF_MM`."""
    from planner.ui.plan_overlays import LEVEL_NEAR_MM  # plan_overlays imports item_labels, which imports this

    half = BODY_HALF_MM * view.viewport.scale_px_per_mm
    out = []
    for c in centres_lps:
        c = np.asarray(c, float)
        if abs(float(view.height_above_slice_mm(c))) <= LEVEL_NEAR_MM:
            x, y = view.lps_to_screen(c)
            out.append((x - half, y - half, x + half, y + half))
    return out


def zone_rects(session, view, sl=None) -> list:
    """The screen boxes of the predicted zones' outlines on the displayed slice (``sl``, else the view's
    current one): the box of the outline the zone overlay draws, one cached cut per zone."""
    from planner.ui.plan_overlays import section_outline

    evaluation, sl = session.evaluation, view.current_slice() if sl is None else sl
    if evaluation is None or sl is None:
        return []
    out = []
    for zr in evaluation.zones:
        if zr.zone is not None:
            e = zr.zone.ellipsoid
            outline = section_outline(view, sl, e.centre_lps, e.axes, e.semi_axes_mm)
            if outline is not None:
                out.append(outline[1])
    return out


def orientation_rects(view) -> list:
    """The boxes of the view's orientation letters as drawn (a name written at the view's edge covered
    "RP" in the lumbar scan's probe's-eye view)."""
    sl = view.current_slice()
    if sl is None or not hasattr(view, "letters"):
        return []
    return letter_rects(view.width(), view.height(), view.letters(sl.plane))


def end_points_lps(plan) -> list[tuple[str, np.ndarray]]:
    """(item id, LPS point) of every drawn end: needle entries and tips, antenna tips, thermocouple ends."""
    out = []
    for needle in plan.needles:
        out += [(needle.id + ":entry", np.asarray(needle.entry_lps, float)),
                (needle.id, np.asarray(needle.tip_lps, float))]
        antenna = plan.antenna_for(needle.id)
        if antenna is not None:
            out.append((needle.id, np.asarray(antenna.tip_lps(needle), float)))
    for tc in plan.thermocouples:
        out += [(tc.id, np.asarray(tc.entry_lps, float)), (tc.id, np.asarray(tc.tip_lps, float))]
    return out


def written(session, view, labels, centres_lps) -> list:
    """The item labels (x, y, text, item id, away_x) that are written: each needle name whose stacked
    box would cover a body, a zone or another end is left out (then the rest are stacked again), the
    thermocouple readings are all kept.

    The decision is kept per view frame (planner.ui.overlay_geometry, issue 15: it was made twice per
    paint, for the plan overlay and for the level names' obstacles, at every move of a drag) under
    everything it reads besides the frame: the labels, the body centres, the zones' ellipsoids, every
    drawn end and the label font."""
    needles = {n.id for n in session.plan.needles}
    if not any(label[3] in needles for label in labels):
        return labels
    ends = end_points_lps(session.plan)
    key = ("needle names written", tuple(labels), _points_key(centres_lps), _zones_key(session),
           tuple((k, tuple(p.tolist())) for k, p in ends), FONTS["label"].key())
    return list(cached(view, key, lambda: tuple(_written(session, view, labels, centres_lps, needles, ends))))


def _points_key(points) -> tuple:
    return tuple(tuple(map(float, p)) for p in points)


def _zones_key(session) -> tuple:
    """The predicted zones' ellipsoids, exactly (what :func:`zone_rects` cuts)."""
    evaluation = session.evaluation
    if evaluation is None:
        return ()
    return tuple(ellipsoid_key(e.centre_lps, e.axes, e.semi_axes_mm)
                 for e in (zr.zone.ellipsoid for zr in evaluation.zones if zr.zone is not None))


def _written(session, view, labels, centres_lps, needles, ends_lps) -> list:
    """:func:`written`'s decision, computed."""
    obstacles = body_rects(view, centres_lps) + zone_rects(session, view) + orientation_rects(view)
    ends = [(key, view.lps_to_screen(p)) for key, p in ends_lps]
    bounds = QRectF(0, 0, view.width(), view.height())
    kept = list(labels)
    while True:
        boxes = [(x, y, *label_box(text), away) for x, y, text, _id, away in kept]
        rects = stacked_label_rects(boxes, bounds)
        bad = None
        for label, r in zip(kept, rects):
            if label[3] not in needles:
                continue
            rect = (r.left(), r.top(), r.right(), r.bottom())
            own = label[3] + ":entry"
            if any(overlaps(rect, o) for o in obstacles) or any(
                    key != own and overlaps(rect, point_rect(*xy)) for key, xy in ends):
                bad = label
                break
        if bad is None:
            return kept
        kept.remove(bad)
