"""Issue 15, one window repaint per mouse move: while a needle is dragged, each widget of the main window
is painted at most once per move, and a widget whose content did not change is not painted at all.
Counted per move and per widget (the views' own paints), not by the main window's total of paint events,
which a loaded machine raises with unrelated syncs (that total made this test flaky).

Paints are counted the way Qt delivers them: an application-wide event filter counts ``QEvent.Paint`` per
receiving widget. The main window itself receives one paint per backing-store sync (its background
under whatever child was dirty), so its count is the number of window redraws. Before this test, a
move cost three: the move's own edits (property boxes, status bar) were painted before the frame's
update, the findings list laid its changed rows out from a zero-delay timer after that paint, and a
selectable readout label laid its text out during its paint and asked for a second one; the plan tree
repainted a row on every move because a tooltip's numbers changed.

Moves come one frame (``planner.ui.frame.FRAME_MS``) apart, as from a 60 Hz mouse; after each, the event
loop runs until idle (and the frame's update, should it still wait for its timer, is run too). Moves
faster than a frame (the last test) only edit the plan: the property boxes, the plan row and the status
bar's position wait for the frame's update too, so the window is repainted once per frame (before: once
per move plus once per frame). The scene
is the benchmark's (benchmarks/bench_drag.py): the shared real lumbar CT, its canal, two needles with
antennas and two thermocouples beside the canal, whose findings' numbers change on every move.
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtWidgets import QApplication, QLabel

from planner.geometry.planes import AXIAL
from planner.plan import commands
from planner.plan.items import Antenna, Needle, Thermocouple
from planner.ui.frame import FRAME_MS
from tests.ui.helpers import mouse, window_showing

pytestmark = pytest.mark.gui

MOVES = 12
STEP_MM = 0.3  # the benchmark's step: small enough that some moves change a number, some do not


class PaintCensus(QObject):
    """Counts paint events per widget (application-wide): in all (``count``) and per move (``moves``,
    one Counter per :meth:`next_move`)."""

    def __init__(self):
        super().__init__()
        self.count = Counter()
        self.moves: list[Counter] = []
        QApplication.instance().installEventFilter(self)

    def next_move(self) -> None:
        self.moves.append(Counter())

    def most_in_one_move(self, widget) -> int:
        return max((move[widget] for move in self.moves), default=0)

    def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
        if event.type() == QEvent.Paint:
            self.count[obj] += 1
            if self.moves:
                self.moves[-1][obj] += 1
        return False

    def stop(self) -> None:
        QApplication.instance().removeEventFilter(self)


@pytest.fixture
def window(qtbot, lumbar_volume, lumbar_canal):
    w = window_showing(qtbot, lumbar_volume, size=(1400, 950))
    w.loader.anatomy.cancel()  # the automatic anatomy would land between two moves
    w.corridors.shutdown()  # corridor checks (seconds) wait for the release anyway
    w.view3d.cancel_surface()  # the 3D bone surface (seconds in a thread) plays no part
    session = w.session
    canal = lumbar_canal.mask.copy()  # the session edits masks in place; the fixture's is read-only
    session.set_canal(canal)
    k_mid = int(np.median(np.nonzero(canal.any(axis=(1, 2)))[0]))
    j, i = np.nonzero(canal[k_mid])
    centre = lumbar_volume.to_lps([float(i.mean()), float(j.mean()), float(k_mid)])
    ids = []
    for sign in (-1.0, 1.0):  # bipedicular, as in benchmarks/bench_drag.py
        tip = centre + np.array([sign * 8.0, -28.0, 0.0])
        needle = Needle(tuple(tip + np.array([sign * 45.0, 80.0, 0.0])), tuple(tip),
                        side="right" if sign < 0 else "left", name=f"needle {sign:+.0f}")
        session.stack.push(commands.add_item(needle))
        session.stack.push(commands.add_item(Antenna(needle_id=needle.id, power_w=30, time_s=210)))
        tc_tip = centre + np.array([sign * 14.0, 0.0, 4.0])
        session.stack.push(commands.add_item(Thermocouple(tuple(tc_tip + (sign * 30.0, 60.0, 0.0)), tuple(tc_tip))))
        ids.append(needle.id)
    w.state.set_cursor(np.asarray(session.plan.get(ids[0]).tip_lps))
    w.selection.select(ids[0])
    qtbot.waitUntil(lambda: not session.canal_waiting and session.evaluation is not None
                    and bool(session.evaluation.analysis.zone_volumes_ml), timeout=120000)
    w.needle_id = ids[0]
    yield w
    w.close()


def _idle(window) -> None:
    """Run what a move caused: posted events and paints, and the frame's update if it still waits."""
    for _ in range(3):
        QApplication.processEvents()
        if window.frame.pending():
            window.frame.flush()
    QApplication.processEvents()


def _contents(window) -> dict:
    """What the user sees in the widgets checked below, keyed by the widget that draws it."""
    tree = window.plan_tree.tree
    rows = []
    for n in range(tree.topLevelItemCount()):
        stack = [tree.topLevelItem(n)]
        while stack:
            row = stack.pop()
            rows.append((row.text(0), row.text(1), row.foreground(0).color().rgba()))
            stack.extend(row.child(c) for c in range(row.childCount()))
    findings = window.findings.list
    shown = {tree.viewport(): tuple(rows),
             findings.viewport(): tuple((findings.item(n).text(), findings.item(n).foreground().color().rgba())
                                        for n in range(findings.count()))}
    for label in window.findings.summary.findChildren(QLabel) + [window.findings.status]:
        shown[label] = label.text()
    return shown


def _drag(window, qtbot):
    """Press on the tip, make MOVES moves one frame apart, release; returns (the paint census of the
    moves, {widget: how many moves changed what it shows})."""
    axial = window.views[AXIAL]
    x, y = axial.lps_to_screen(window.session.plan.get(window.needle_id).tip_lps)
    mouse(axial, "press", QPointF(x, y))
    _idle(window)
    step_px = STEP_MM * axial.viewport.scale_px_per_mm
    mouse(axial, "move", QPointF(x + step_px, y), buttons=Qt.LeftButton)  # the status bar's label gets its box
    _idle(window)
    qtbot.wait(30)
    before = _contents(window)
    changed = Counter()
    census = PaintCensus()
    try:
        for n in range(2, MOVES + 2):
            time.sleep(FRAME_MS / 1000)  # a 60 Hz mouse: the last frame's update is a frame old
            census.next_move()
            mouse(axial, "move", QPointF(x + n * step_px, y), buttons=Qt.LeftButton)
            _idle(window)
            now = _contents(window)
            changed.update(w for w, value in now.items() if before.get(w) != value)
            before = now
    finally:
        census.stop()
    mouse(axial, "release", QPointF(x + (MOVES + 1) * step_px, y), button=Qt.LeftButton)
    _idle(window)
    return census, changed


def test_each_move_paints_each_view_once_no_widget_twice_and_no_unchanged_widget(window, qtbot):
    """Counted per move and per widget: each standard view (the zones and needles move in all three) is
    painted at most once in any move, no widget twice in one move, a widget whose content did not change
    not at all. The main window's own paint events (one per backing-store sync) are incidental: on a
    loaded machine an unrelated sync (a timer's repaint landing within a move) adds one without any
    widget being painted twice; the total of them (``<= MOVES``) made this test flaky. They are checked
    per move instead: most moves must be one sync."""
    census, changed = _drag(window, qtbot)
    paints = census.count
    assert window.session.stack.undo_text == "Move tip"  # the drag did happen (one undo step)
    assert len(census.moves) == MOVES
    for view in window.views.values():  # the zones and needles move in every standard view
        assert 1 <= paints[view] <= MOVES and census.most_in_one_move(view) == 1, (view.objectName(), paints[view])
    # one backing-store sync per move as a rule (the move's edits and the frame's work painted together);
    # a systematic split (two syncs every move) fails, an occasional unrelated sync under load does not
    split = sum(1 for move in census.moves if move[window] > 1)
    assert split <= MOVES // 4, f"{split} of {MOVES} moves repainted the window more than once"
    assert paints[window] >= MOVES // 2  # the census sees the window's repaints at all
    twice = {f"{type(w).__name__}#{w.objectName()}": census.most_in_one_move(w) for w in paints
             if w is not window and census.most_in_one_move(w) > 1}
    assert not twice, f"painted more than once in one move: {twice}"
    # widgets whose content did not change are not painted
    watched = _contents(window)
    assert any(changed[w] for w in watched), "no watched widget changed: the drag proves nothing"
    too_many = {}
    for widget in watched:
        if paints[widget] > changed[widget]:
            too_many[f"{type(widget).__name__}#{widget.objectName() or widget.parent().objectName()}"] = (
                paints[widget], changed[widget])
    assert not too_many, f"(paints, moves that changed what it shows): {too_many}"
    view3d = [w for w in paints if w is window.view3d or window.view3d.isAncestorOf(w)]
    assert not view3d, "the 3D view is held during a drag (it follows on the release)"


FAST_MOVES = 16
FAST_INTERVAL_S = 0.004  # a 250 Hz mouse
SLOW_FRAME_MS = 250  # a long frame, so that several moves fall within one however loaded the machine is


def test_moves_faster_than_a_frame_repaint_the_window_once_per_frame(window, qtbot):
    """The moves within a frame only edit the plan (the property boxes, the plan row and the status bar's
    position wait for the frame too); the frame's update shows them all in one window repaint."""
    axial = window.views[AXIAL]
    x, y = axial.lps_to_screen(window.session.plan.get(window.needle_id).tip_lps)
    mouse(axial, "press", QPointF(x, y))
    _idle(window)
    step_px = STEP_MM * axial.viewport.scale_px_per_mm
    mouse(axial, "move", QPointF(x + step_px, y), buttons=Qt.LeftButton)
    _idle(window)
    qtbot.wait(30)
    window.frame.interval_ms = SLOW_FRAME_MS
    flushes = window.frame.flushes
    census = PaintCensus()
    try:
        for n in range(2, FAST_MOVES + 2):
            mouse(axial, "move", QPointF(x + n * step_px, y), buttons=Qt.LeftButton)
            QApplication.processEvents()  # what the event loop runs between two mouse events
            time.sleep(FAST_INTERVAL_S)
        qtbot.waitUntil(lambda: not window.frame.pending(), timeout=5000)
        QApplication.processEvents()
    finally:
        census.stop()
    frames = window.frame.flushes - flushes
    window.frame.interval_ms = FRAME_MS
    mouse(axial, "release", QPointF(x + (FAST_MOVES + 1) * step_px, y), button=Qt.LeftButton)
    _idle(window)
    assert 1 <= frames < FAST_MOVES  # the moves were coalesced into frames
    for view in window.views.values():  # the views' own paints: once per frame, not once per move
        assert 1 <= census.count[view] <= frames, f"{view.objectName()}: {census.count[view]} for {frames} frames"
    box = window.properties.fields["tip"]
    assert census.count[box] <= frames  # shown once per frame, not once per move
