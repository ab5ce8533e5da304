"""``bench_drag.py --parts``: the GUI thread's CPU time per mouse move split by part of the work (the drag
evaluation's pieces, the panels, each overlay of the 2D views' paints), from timers wrapped around the
functions that do it (class attributes: Qt calls the Python ``paintEvent`` through them too). Only the
moves are counted. A part nested in another (indented) is included in it."""

from __future__ import annotations

import collections
import time

TOTAL: dict[str, float] = collections.defaultdict(float)
CALLS: collections.Counter = collections.Counter()
_active = [False]


def _wrap(owner, name: str, label: str) -> None:
    fn = getattr(owner, name)

    def timed(*args, **kwargs):
        if not _active[0]:
            return fn(*args, **kwargs)
        c = time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            TOTAL[label] += time.thread_time() - c
            CALLS[label] += 1

    setattr(owner, name, timed)


def install() -> None:
    """Wrap the parts (before the window is made)."""
    import planner.analysis.analyze as analyze
    import planner.analysis.zone_distance as zone_distance
    import planner.session.drag_zones as drag_zones
    import planner.session.session as session
    import planner.session.zone_anatomy as zone_anatomy
    import planner.ui.findings_panel as findings_panel
    import planner.ui.level_labels as level_labels
    import planner.ui.plan_overlays as plan_overlays
    import planner.ui.properties_panel as properties_panel
    import planner.ui.slice_view as slice_view

    parts = [
        (drag_zones.ZoneCache, "results", "evaluation: the zones"),
        (session, "analyze", "evaluation: the safety analysis"),
        (zone_distance.CanalDistanceCache, "distance", "  canal distance"),
        (analyze, "canal_overlap_ml", "  canal overlap"),
        (analyze, "predicted_temperature_c", "  thermocouple temperatures"),
        (session.PlanningSession, "_publish", "evaluation: figures, rules, publishing (listeners)"),
        (zone_anatomy.ZoneAnatomyCache, "figures", "  zone figures (foramen distances, beyond)"),
        (session, "run_rules", "  rules"),
        (findings_panel.FindingsPanel, "show_evaluation", "  findings panel"),
        (properties_panel.PropertiesPanel, "_update_readouts", "  properties readouts"),
        (properties_panel.PropertiesPanel, "_update_values", "properties values"),
        (slice_view.SliceView, "paintEvent", "paint: the 2D views"),
        (level_labels.LevelLabelOverlay, "__call__", "  level names"),
        (level_labels, "obstacles_of", "    obstacles (items, labels, zones, shafts)"),
        (level_labels, "item_label_rects", "      item labels"),
        (level_labels, "auto_labels", "    automatic names"),
        (level_labels.LevelLabelOverlay, "_place", "    placing (or the last layout reused)"),
        (plan_overlays.PlanOverlay, "__call__", "  needles, thermocouples"),
        (plan_overlays.ZoneOverlay, "__call__", "  zones"),
        (plan_overlays.MaskOverlay, "__call__", "  masks"),
    ]
    for owner, name, label in parts:
        _wrap(owner, name, label)
    TOTAL.update({label: 0.0 for _o, _n, label in parts})  # printed in this order


def start() -> None:
    _active[0] = True


def report(moves: int) -> None:
    _active[0] = False
    print(f"GUI-thread CPU per move by part (ms per move over {moves} moves; calls):")
    for label, seconds in TOTAL.items():
        print(f"  {label:<56} {seconds * 1000 / moves:7.2f}  ({CALLS[label]})")
