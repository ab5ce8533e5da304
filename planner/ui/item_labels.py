"""The labels written beside plan items in the 2D views (a needle's name, a thermocouple's reading), in
one place: the plan overlay (planner.ui.plan_overlays) draws them and the level names
(planner.ui.level_labels) keep off exactly them (screenshot round of issue 19)."""

from __future__ import annotations

from planner.session.anatomy_state import auto_level_labels
from planner.ui.label_needle import clip_segment
from planner.ui.needle_name import written
from planner.ui.overlay_geometry import cached as _cached
from planner.ui.overlays import spine_x


TC_READING_NEAR_MM = 10.0  # a thermocouple's reading is written in a view whose slice is this near its tip
#: How far inside the view's edges a needle's name is anchored on its shaft when its entry is off the view:
#: past the orientation letters' band (planner.ui.overlays.letter_rects: a letter's box is about 20 px
#: from the edge) and the title's strip (22 px, level_labels.corner_texts), with room for the name's box.
NAME_EDGE_INSET_PX = 48.0


def name_anchor(view, needle) -> tuple[float, float] | None:
    """The screen point a needle's name is written beside: its entry, the skin end of the shaft; where
    the entry is off the view (a needle view zoomed on another needle's vertebra, a zoomed axial view),
    the point where the shaft as drawn (entry to tip) comes into the view, :data:`NAME_EDGE_INSET_PX`
    inside its edges (screenshot round of issue 19: a bipedicular pair's second needle had no name in the
    probe's-eye view, its name pushed to the edge having covered the orientation letters). None where
    the entry is off the view and the shaft stays off that inner rectangle: the name is not written (it
    used to be pushed into the view's corner, far from its needle)."""
    entry = view.lps_to_screen(needle.entry_lps)
    w, h = float(view.width()), float(view.height())
    if 0.0 <= entry[0] <= w and 0.0 <= entry[1] <= h:
        return entry
    m = NAME_EDGE_INSET_PX
    clipped = clip_segment(entry, view.lps_to_screen(needle.tip_lps), m, m, w - m, h - m)
    return None if clipped is None else clipped[0]


def reading_shown(view, tip_lps) -> bool:
    """True when ``view``'s slice is near enough the thermocouple's tip for its reading to be written."""
    return abs(float(view.height_above_slice_mm(tip_lps))) <= TC_READING_NEAR_MM


def reading_text(reading) -> str:
    """A thermocouple's reading as written beside its tip: the probe's reading with its model and the
    distance to the zone, "37.5 °C peak (bioheat) · 20.3 mm" or "≤ 40 °C screening · 20.3 mm"
    (planner.analysis.probe_reading: the same number as the findings and the report). No name: the
    glyph is the probe, and a long name ("Epidural thermocouple") pushed the level names of the needle
    views off their vertebrae (tests/ui/test_view19_needle_labels.py)."""
    return f"{reading.text} · {reading.distance_to_zone_mm:.1f} mm"


def level_centres(session) -> list:
    """The body centres of the plan's levels, else of the vertebrae found automatically (empty until
    they are known): where the spine is, for the side item labels take (planner.ui.overlays.spine_x)."""
    centres = [lv.body_centre_lps for lv in session.plan.levels]
    if centres:
        return centres
    anatomy = getattr(session, "anatomy", None)
    spine = anatomy.ready_spine() if anatomy is not None else None
    return [centre for _text, centre, _name in auto_level_labels(spine, session.plan.levels)]


def body_centres(session) -> list:
    """The body centres of the plan's levels and of the automatic vertebrae no plan level stands for."""
    anatomy = getattr(session, "anatomy", None)
    spine = anatomy.ready_spine() if anatomy is not None else None
    return ([lv.body_centre_lps for lv in session.plan.levels]
            + [centre for _text, centre, _name in auto_level_labels(spine, session.plan.levels)])


def item_labels(session, view, selected_id) -> list[tuple[float, float, str, str, float | None]]:
    """(x, y px, text, item id, the spine's screen x to keep away from) of each label written beside an
    item, in drawing order: the selected needle's name (every needle's in a needle view) at its entry (or
    where its shaft comes into the view: :func:`name_anchor`; none where neither is on the view), a
    thermocouple's reading at its tip where the slice is near it; a needle's name with no room off the
    vertebral bodies, the zones and the other ends is left out (planner.ui.needle_name). The plan
    overlay draws these and the level names keep off exactly these (planner.ui.level_labels.item_label_rects).

    An item's place (its screen point, whether its slice is near, the spine's x) is kept per view frame,
    item and level centres (planner.ui.overlay_geometry, issue 15: a drag moves one item, and the spine's
    side was asked twice per item and paint); the texts are made at every call, and which needle names
    are written is kept per frame under its own inputs (planner.ui.needle_name.written)."""
    plan, evaluation, centres, out = session.plan, session.evaluation, level_centres(session), []
    centres_key = tuple(tuple(map(float, c)) for c in centres)
    for needle in plan.needles:
        if needle.id == selected_id or view.is_needle_view:
            place = _cached(view, ("item label", id(needle), centres_key), anchor=needle,
                            build=lambda: _name_place(view, centres, needle))
            if place is not None:
                x, y, away = place
                out.append((x, y, needle.name, needle.id, away))
    read = evaluation.readings if evaluation is not None else {}
    for tc in plan.thermocouples:
        if tc.id in read:
            place = _cached(view, ("item label", id(tc), centres_key), anchor=tc,
                            build=lambda: _reading_place(view, centres, tc.tip_lps))
            if place is not None:
                x, y, away = place
                out.append((x, y, reading_text(read[tc.id]), tc.id, away))
    return written(session, view, out, body_centres(session))  # issue 19: a needle's name over a body or a zone is left out


def _name_place(view, centres, needle):
    """(x, y, spine's x) of a needle's name, None where it has no place on the view (:func:`name_anchor`)."""
    anchor = name_anchor(view, needle)
    return None if anchor is None else (*anchor, spine_x(view, centres, needle.tip_lps))


def _reading_place(view, centres, tip_lps):
    """(x, y, spine's x) of a thermocouple's reading, None where its slice is not near (not written)."""
    if not reading_shown(view, tip_lps):
        return None
    return (*view.lps_to_screen(tip_lps), spine_x(view, centres, tip_lps))
