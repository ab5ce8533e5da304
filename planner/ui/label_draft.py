"""Level names in a view that follows the dragged needle: laid out when the drag pauses, exact after it.

Issue 15 ("Dragging is cheap, release is exact"): while a drag moves a needle, the needle-aligned views
that follow it get a new plane at every mouse move, so every vertebra's anchor moves on the screen and
the level names' layout (:func:`planner.ui.label_layout.place_labels` off the obstacles and the body,
5-6 ms a view on the shared lumbar scan, benchmarks/bench_drag.py) can never be reused
(:meth:`planner.ui.level_labels.LevelLabelOverlay._place` reuses it only while its inputs hold). During
such a drag a moving view's names keep the place they had beside their vertebra in the view's last
exact layout and move with it (each box shifted by its anchor's move on the screen); a name whose
vertebra left the view is dropped and one that came in waits. The exact layout runs again when the drag
pauses (:data:`PAUSE_MS` without a move) and on the release, which ends the drag: what is shown after
it is what a window that never dragged shows (tests/ui/test_drag_label_draft.py).

This module decides only *when* a layout runs; where a name goes is the placement rules' alone
(planner.ui.label_layout, planner.ui.label_needle).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer

from planner.ui.label_layout import PlacedLabel
from planner.ui.label_needle import in_view

#: A drag with no mouse move for this long has paused: the moving views lay their names out exactly.
#: A mouse reports moves every frame or so (16 ms at 60 Hz) while it moves, so a pause is several frames.
PAUSE_MS = 150


def _anchor_key(items) -> tuple:
    """The items as :meth:`LevelLabelOverlay._place` keys them: (text, (x, y)) with float anchors."""
    return tuple((text, tuple(map(float, xy))) for text, xy in items)


def shifted(labels, anchors: dict) -> list[PlacedLabel]:
    """Each label whose text has a new anchor, its box moved as its anchor moved; the others dropped."""
    out = []
    for label in labels:
        new = anchors.get(label.text)
        if new is None:
            continue
        dx, dy = float(new[0]) - label.anchor[0], float(new[1]) - label.anchor[1]
        x0, y0, x1, y1 = label.rect
        out.append(PlacedLabel(label.text, (x0 + dx, y0 + dy, x1 + dx, y1 + dy), (float(new[0]), float(new[1]))))
    return out


class DraftLabels:
    """The draft layouts of the level overlay while a drag moves the plan, and the pause timer."""

    def __init__(self, session, pause_ms: int = PAUSE_MS):
        self.session = session
        self.paused = False  # the drag paused: lay out exactly until the next move
        self.drafted = 0  # draft layouts served (tests count them)
        self._views: dict[int, object] = {}  # id(view) -> view drawn with draft names since the last pause
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(pause_ms))
        self._timer.timeout.connect(self._on_pause)

    def moved(self, *args) -> None:
        """The plan changed (a drag's mouse move): drafting may resume."""
        self.paused = False

    def applies(self, view) -> bool:
        """True while a drag moves the plan, it has not paused, and ``view`` follows the needle (its
        source drafts, planner.render.plane_sources.NeedleSource; the standard views keep their plane)."""
        source = view.source
        return bool(self.session.interactive and not self.paused and getattr(source, "draft", False)
                    and getattr(source, "drafts", False))

    def layout(self, view, items, last) -> list[PlacedLabel] | None:
        """The draft names of ``view`` for ``items`` (text, screen anchor), or None when the exact
        layout must run: no last layout of this view, or its anchors did not move (the plane stayed;
        then the overlay's own reuse applies, and a moved obstacle is avoided exactly)."""
        if last is None or last[0] is not view:
            return None
        shown = in_view(items, view.width(), view.height())
        if _anchor_key(shown) == last[1][0]:
            return None
        self.drafted += 1
        self._views[id(view)] = view
        self._timer.start()  # restarted by every draft: it fires once the moves stop
        return shifted(last[5], dict(shown))

    def _on_pause(self) -> None:
        views, self._views = list(self._views.values()), {}
        if not self.session.interactive:
            return  # the release already drew them exactly
        self.paused = True
        for view in views:
            view.update()
