"""Level names in the 2D views: at the view's edge with a leader line to the vertebral body, never over
a needle tip or a zone (:mod:`planner.ui.label_layout`), and hidden from the View menu.

The dotted mid-sagittal trace stays with :func:`planner.ui.plan_overlays.draw_level`; this overlay draws
after all the others so the names are on top, and it only ever draws where nothing planned lies.

Besides the plan's levels it names the vertebrae found automatically (issues 13/19), as soon as they are
known and before any needle exists, only where no plan level stands for that vertebra (the user's level
wins). In the views a name is only the name ("L2": a long "L2 (auto, confidence high)" covered the
anatomy, issue 19); an automatic one is told apart by its colour, :data:`AUTO_LEVEL_RGB` (paler than a
plan level's green), and its confidence is in the level box's tooltip and the status bar's level summary.
"""

from __future__ import annotations

import functools
from collections import Counter

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPen

from planner.core import palette
from planner.render.level_labels3d import LevelLabels3D
from planner.session.anatomy_state import auto_level_labels
from planner.ui import slice_cache
from planner.ui.label_body import layout_options
from planner.ui.label_draft import DraftLabels
from planner.ui.label_layout import PlacedLabel, free_of, place_labels
from planner.ui.label_needle import beside_options, in_view, plan_shafts_lps
from planner.ui.label_obstacles import changed_rects, flatten, item_groups, near_anchors, obstacle_groups
from planner.ui.item_labels import item_labels
from planner.ui.needle_name import zone_rects
from planner.ui.plan_overlays import LEVEL_NEAR_MM, LEVEL_RGB
from planner.ui.overlays import stacked_label_rects

LABEL_FONT = ("Sans", 9)
#: Automatic names (palette.LEVEL_AUTO): never looks like a name the user set.
AUTO_LEVEL_RGB = QColor(*palette.LEVEL_AUTO)
PAD_PX = 4.0


class _Metrics:
    """The label font, its metrics and the widths of the texts measured so far, made once (after the
    application exists) instead of a ``QFontMetrics`` per label and repaint (issue 15)."""

    def __init__(self):
        self.font = QFont(LABEL_FONT[0], LABEL_FONT[1], QFont.Bold)
        self.metrics = QFontMetrics(self.font)
        self.height = self.metrics.height()
        self._widths: dict[str, int] = {}

    def width(self, text: str) -> int:
        w = self._widths.get(text)
        if w is None:
            w = self._widths[text] = self.metrics.horizontalAdvance(text)
        return w


@functools.cache
def _metrics() -> _Metrics:
    return _Metrics()


def _font() -> QFont:
    return _metrics().font


def plan_obstacles(session, view, sl) -> list:
    """Screen rectangles of what a label must never cover: every needle, antenna and thermocouple tip
    (and entry) as drawn, the item labels, and every predicted zone's outline on this slice (the bounding
    box of the section polygon the zone overlay draws). Each item's rectangles are kept per view frame
    and item (planner.ui.label_obstacles: only a moved item's are built again)."""
    ends, _shafts = item_groups(view, session.plan)
    return flatten(ends) + item_label_rects(session, view) + zone_rects(session, view, sl)


def obstacles_of(session, view, sl) -> list[tuple]:
    """Every obstacle of the level names in ``view`` as groups (planner.ui.label_obstacles): each item's
    ends, the item labels, the zones, the view's corner texts, each drawn shaft along its length."""
    return obstacle_groups(view, session.plan, item_label_rects(session, view), zone_rects(session, view, sl),
                           corner_texts(view))


def item_label_rects(session, view) -> list:
    """The boxes of the names and readings the plan overlay writes beside items
    (:func:`planner.ui.plan_overlays.item_labels`), stacked as
    :func:`planner.ui.overlays.stacked_label_rects` stacks them: only the ones written (a box kept for
    a reading not written pushed the level names off their vertebrae for nothing)."""
    m = _metrics()
    selected = getattr(getattr(view.window(), "selection", None), "item_id", None)
    boxes = [(x, y, m.width(text) + 8, m.height + 4, away) for x, y, text, _id, away in item_labels(session, view, selected)]
    rects = stacked_label_rects(boxes, QRectF(0, 0, view.width(), view.height()))
    return [(r.left(), r.top(), r.right(), r.bottom()) for r in rects]


def corner_texts(view) -> list:
    """The view's own texts (title, W/L, px/mm) as rectangles labels keep off."""
    w, h = view.width(), view.height()
    return [(0.0, 0.0, w * 0.6, 22.0), (0.0, h - 24.0, float(w), float(h))]


def auto_labels(session) -> list[tuple[str, tuple, str]]:
    """The automatic vertebrae's labels for ``session`` (never computes: empty until they are known)."""
    anatomy = session.anatomy
    spine = anatomy.ready_spine() if anatomy is not None else None
    return auto_level_labels(spine, session.plan.levels)


def plan_ends_lps(plan) -> np.ndarray:
    """(n, 3) LPS mm: every needle's entry and tip, antenna tip, and thermocouple entry and tip."""
    points = []
    for needle in plan.needles:
        points += [needle.entry_lps, needle.tip_lps]
        antenna = plan.antenna_for(needle.id)
        if antenna is not None:
            points.append(antenna.tip_lps(needle))
    for tc in plan.thermocouples:
        points += [tc.entry_lps, tc.tip_lps]
    return np.asarray(points, float).reshape(-1, 3)


def zone_discs(session) -> list[tuple[np.ndarray, float]]:
    """(centre_lps, radius_mm) of each predicted zone: its centre and longest semi-axis (the disc that
    holds its outline from any side)."""
    evaluation = session.evaluation
    discs = []
    for zr in (evaluation.zones if evaluation is not None else ()):
        if zr.zone is not None:
            e = zr.zone.ellipsoid
            discs.append((np.asarray(e.centre_lps, float), float(max(e.semi_axes_mm))))
    return discs


def marker_viewports(scene) -> list[tuple[float, float, float, float]]:
    """The orientation marker's corner of the 3D view (render-window viewport, 0..1), when it is shown."""
    marker = getattr(scene, "_marker", None)
    if marker is None or not marker.GetEnabled():
        return []
    return [tuple(float(v) for v in marker.GetViewport())]


def same_levels(a, b) -> bool:
    """True when the (name, centre) lists name the same levels in order at centres ``np.allclose`` to
    each other: one allclose over every centre, the same answer as one per label in a tenth of the
    time (each mouse move of a drag changes the plan and asks, issue 15)."""
    if [n for n, _ in a] != [n for n, _ in b]:
        return False
    return bool(np.allclose(np.asarray([c for _, c in a], float).reshape(-1, 3),
                            np.asarray([c for _, c in b], float).reshape(-1, 3)))


def unchanged_for(spots: np.ndarray, before: tuple, now: tuple) -> bool:
    """True when the obstacles ``now`` leave a layout whose labels tried ``spots`` (place_labels'
    ``tried``, made among the obstacles ``before``) as it was: every obstacle that appeared, went or
    moved misses every spot tried, so each spot is as free as it was and each label takes the same
    one (issue 15: dragging a tip or a zone no label was near keeps the labels' layout)."""
    gone, came = Counter(before), Counter(now)
    changed = list((gone - came).elements()) + list((came - gone).elements())
    return bool(free_of(spots, np.asarray(changed, float).reshape(-1, 4)).all())


def _unchanged(last, blocks, groups) -> bool:
    """:func:`unchanged_for` of the last layout's spots between its obstacles and ``blocks``; from the
    groups that differ only when both layouts have groups that pair up (the same answer)."""
    changed = None if groups is None or last[6] is None else changed_rects(last[6], groups)
    if changed is None:
        return last[2] == blocks or unchanged_for(last[4], last[2], blocks)
    return bool(free_of(last[4], np.asarray(changed, float).reshape(-1, 4)).all())


class LevelLabelOverlay:
    """Draws the plan's level names and the automatic ones off the anatomy; ``visible`` False hides them."""

    def __init__(self, session):
        self.session = session
        self.visible = True
        self.auto_texts: set[str] = set()  # the labels of the last layout that are automatic
        self._placed: dict[int, tuple] = {}  # id(view) -> (view, inputs, obstacles, body test, spots tried,
        #                                       labels): the last layout
        self.placements = 0  # layouts actually computed (tests count them; a reused layout is not one)
        self.draft = DraftLabels(session)  # issue 15: the views following a dragged needle (label_draft.py)

    def layout(self, view, sl) -> list[PlacedLabel]:
        """Where each level near this slice gets its name (empty when hidden): the plan's first."""
        if not self.visible:
            return []
        named = [(lv.name, lv.body_centre_lps) for lv in self.session.plan.levels]
        auto = [(name, centre) for _text, centre, name in auto_labels(self.session)]  # the name only
        self.auto_texts = {text for text, _c in auto}
        items = near_anchors(view, named + auto, LEVEL_NEAR_MM)  # kept per view frame (label_obstacles.py)
        if not items:
            return []
        if slice_cache.ENABLED and self.draft.applies(view):  # issue 15: laid out when the drag pauses
            draft = self.draft.layout(view, items, self._placed.get(id(view)))
            if draft is not None:
                return draft
        m = _metrics()

        def size_of(text: str):
            return m.width(text) + 2 * PAD_PX, m.height + PAD_PX

        # every drawn shaft is an obstacle along its whole length, in every view (issue 19: the needle
        # views first; in the standard views a thermocouple or needle drawn across a name's edge spot
        # was covered by the name)
        groups = obstacles_of(self.session, view, sl)  # kept per view frame and item (label_obstacles.py)
        obstacles = flatten(groups)
        options = layout_options(self.session, view)  # issue 19: off the body mask
        if view.is_needle_view:  # issue 19: beside the vertebra each names (planner.ui.label_needle)
            items, options = beside_options(view, items, options, [c for _t, c in named + auto], self.session.volume)
        else:  # a vertebra panned or zoomed out of the view is not named (its leader would run off the view)
            items = in_view(items, view.width(), view.height())
        if not items:
            return []
        return self._place(view, items, size_of, obstacles, options, groups=groups)

    def _place(self, view, items, size_of, obstacles, options, groups=None) -> list[PlacedLabel]:
        """:func:`place_labels`, or the view's last layout when all its inputs are the same (issue 15:
        a repaint with nothing moved, or a drag of an item no label was near). The inputs are the items
        and their anchors, the obstacles, the view's size, the spacing beside the spine and what the
        body test depends on (its frame key and the body mask object, without sampling the body); the
        obstacles may differ where no label tried a spot (:func:`unchanged_for`); with
        ``slice_cache.ENABLED`` False every layout is computed afresh. ``groups``: the obstacles as
        :func:`obstacles_of` groups them (``obstacles`` flattened, rectangles of floats); what moved is
        then found from the groups that are not the last layout's (:func:`changed_rects`)."""
        on_body = options["on_body"]
        blocks = tuple(obstacles) if groups is not None else tuple(tuple(map(float, o)) for o in obstacles)
        inputs = (tuple((text, tuple(map(float, xy))) for text, xy in items),
                  view.width(), view.height(), float(options["beside_px"]),
                  None if on_body is None else getattr(on_body, "key", None))
        reusable = slice_cache.ENABLED and (on_body is None or inputs[-1] is not None)
        last = self._placed.get(id(view))
        if reusable and last is not None and last[0] is view and last[1] == inputs and (
                _unchanged(last, blocks, groups)):
            return list(last[5])
        self.placements += 1
        tried: list = []
        placer = options.pop("placer", place_labels)
        placed = placer(items, size_of, view.width(), view.height(), obstacles, tried=tried, **options)
        if reusable:  # on_body holds the body: its id stays its own
            spots = np.concatenate(tried) if tried else np.zeros((0, 4))
            self._placed[id(view)] = (view, inputs, blocks, on_body, spots, list(placed),
                                      None if groups is None else tuple(groups))
        return placed

    def __call__(self, painter, view, sl) -> None:
        placed = self.layout(view, sl)
        if not placed:
            return
        painter.setFont(_font())
        for label in placed:
            x0, y0, x1, y1 = label.rect
            ax, ay = label.anchor
            edge_x = x1 if ax > x1 else (x0 if ax < x0 else ax)
            rgb = AUTO_LEVEL_RGB if label.text in self.auto_texts else LEVEL_RGB
            painter.setPen(QPen(rgb, 1.0, Qt.DotLine))
            painter.drawLine(QPointF(edge_x, (y0 + y1) / 2), QPointF(ax, ay))
            painter.setPen(QPen(rgb, 1.0))
            painter.drawEllipse(QPointF(ax, ay), 2.0, 2.0)
            rect = QRectF(x0, y0, x1 - x0, y1 - y0)
            painter.fillRect(rect, QColor(0, 0, 0, 170))
            painter.drawText(rect, Qt.AlignCenter, label.text)


class LevelLabels:
    """Installs the overlay on every 2D view, the names beside the spine in 3D, and the View-menu toggle."""

    def __init__(self, window, menu):
        self.w = window
        self.overlay = LevelLabelOverlay(window.session)
        for view in window.all_2d_views():
            view.overlays.append(self.overlay)
        self.labels3d = LevelLabels3D(window.view3d.scene.renderer, LEVEL_RGB.getRgbF()[:3],
                                      auto_rgb=AUTO_LEVEL_RGB.getRgbF()[:3],
                                      draw_in=window.scene_plan.see_through.layer)  # over the see-through copies
        self.labels3d.avoid_discs = lambda: zone_discs(window.session)  # issue 19: never over a zone ...
        self.labels3d.keep_out = lambda: marker_viewports(window.view3d.scene)  # ... or the orientation cube
        self.labels3d.avoid_segments = lambda: plan_shafts_lps(window.session.plan)  # ... nor a shaft
        plan = window.session.plan
        for signal in (plan.item_added, plan.item_removed, plan.item_changed, plan.reset):
            signal.connect(self._on_plan)
            signal.connect(self.overlay.draft.moved)  # a drag's move: its paused names draft again
        window.session.volume_changed.connect(self._on_plan)
        job = getattr(getattr(window, "loader", None), "anatomy", None)  # planner.ui.anatomy_job.AnatomyJob
        if job is not None:
            job.vertebrae_ready.connect(self._on_vertebrae)
        self.action = window.add_action(menu, "Show &level labels", self.set_visible)
        self.action.setObjectName("show_level_labels")
        self.action.setCheckable(True)
        self.action.setChecked(True)

    def _on_plan(self, *args) -> None:
        self.labels3d.avoid_lps = plan_ends_lps(self.w.session.plan)
        levels = [(lv.name, lv.body_centre_lps) for lv in self.w.session.plan.levels]
        auto = [(name, centre) for _text, centre, name in auto_labels(self.w.session)]  # the name only
        shown = self.labels3d.levels()
        if not same_levels(levels + auto, shown):
            self.labels3d.set_levels(levels, auto=auto)
            self.w.view3d.render()

    def _on_vertebrae(self, _spine) -> None:
        """The automatic vertebrae arrived (or were renamed): their names in 3D and in every 2D view."""
        self._on_plan()
        self.w.update_views()

    def set_visible(self, on: bool) -> None:
        self.overlay.visible = bool(on)
        self.labels3d.set_visible(on)
        self.w.update_views()
        self.w.view3d.render()
