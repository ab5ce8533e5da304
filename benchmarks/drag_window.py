"""Helpers of benchmarks/bench_drag.py: settling the event loop, timing the frame's update, counting
window repaints and per-widget events, the benchmark's plan (two needles with antennas and two
thermocouples around the canal) and real mouse events. No pytest-qt: the real window, real events."""

from __future__ import annotations

import time

import numpy as np


def p95(values) -> float:
    return float(np.percentile(values, 95))


def row(name: str, value_ms: float, target: str, reference: float | None = None) -> None:
    ref = f"  reference {reference:7.2f} ms  ratio {value_ms / reference:6.2f}" if reference else ""
    print(f"{name:<52} {value_ms:8.2f} ms  target {target}{ref}", flush=True)


PHASES = ("event", "frame", "events")  # the mouse event itself; the frame's update; posted events, paints


def settle(app, window, rounds: int = 3, phases: dict | None = None) -> None:
    """Run the event loop until the work a gesture caused has run: posted events, zero-delay timers
    (the 3D render) and the frame's update (planner.ui.frame: run from a posted event right after the
    move, or from the frame timer when the last update is less than a frame old; the timer's wait is
    skipped here). ``phases`` (optional) gets this process's CPU milliseconds in the frame update
    (wherever it ran, timed by :func:`time_frame_updates`) and in the rest of the event loop."""
    frame = getattr(window, "frame", None)
    in_frame = getattr(window, "_bench_frame_cpu", [0.0])
    frame_before = in_frame[0]
    c0 = time.process_time()
    for _ in range(rounds):
        app.processEvents()
        if frame is not None and frame.pending():
            frame.flush()
    app.processEvents()
    if phases is not None:
        total = time.process_time() - c0
        spent = {"frame": in_frame[0] - frame_before}
        spent["events"] = total - spent["frame"]
        for key, seconds in spent.items():
            phases.setdefault(key, []).append(seconds * 1000)


def time_frame_updates(window) -> None:
    """Accumulate the process CPU time of the window's frame updates in ``window._bench_frame_cpu``
    (the flush is looked up on the instance, so the posted event and the timer run this wrapper too)."""
    window._bench_frame_cpu = [0.0]
    flush = window.frame.flush

    def timed() -> None:
        c = time.process_time()
        flush()
        window._bench_frame_cpu[0] += time.process_time() - c

    window.frame.flush = timed


class WindowRepaints:
    """Counts the paint events the main window itself receives: one per backing-store sync (the
    window's background under whatever child was dirty), so the number of window redraws."""

    def __init__(self, window):
        from PySide6.QtCore import QEvent, QObject

        counter = self
        self.count = 0

        class Filter(QObject):
            def eventFilter(self, obj, event):  # noqa: N802
                if event.type() == QEvent.Paint:
                    counter.count += 1
                return False

        self._filter = Filter()
        window.installEventFilter(self._filter)
        self._window = window

    def stop(self) -> int:
        self._window.removeEventFilter(self._filter)
        return self.count


class EventCensus:
    """Counts ``LayoutRequest`` and ``Paint`` events per receiving widget (diagnosis: which widgets
    are laid out or repainted by a mouse move); an application-wide event filter."""

    def __init__(self, app):
        from collections import Counter

        from PySide6.QtCore import QEvent, QObject

        census = self
        self.counts = Counter()
        kinds = {QEvent.LayoutRequest: "layout", QEvent.Paint: "paint"}

        class Filter(QObject):
            def eventFilter(self, obj, event):  # noqa: N802
                kind = kinds.get(event.type())
                if kind is not None:
                    census.counts[(kind, _widget_name(obj))] += 1
                return False

        self._filter = Filter()
        app.installEventFilter(self._filter)
        self._app = app

    def report(self, moves: int) -> None:
        self._app.removeEventFilter(self._filter)
        print(f"events during the {moves} moves (per move):")
        for (kind, name), n in self.counts.most_common(30):
            print(f"  {kind:<7} {n / moves:6.2f}  {name}")


def _widget_name(obj) -> str:
    """'ClassName#objectName < parent#name' (the nearest named ancestor) for a widget."""
    name = f"{type(obj).__name__}#{obj.objectName()}"
    parent = obj.parent()
    while parent is not None and not parent.objectName():
        parent = parent.parent()
    return name + (f" < {type(parent).__name__}#{parent.objectName()}" if parent is not None else "")


def build_plan(session):
    """Two needles (bipedicular) with antennas and two thermocouples around the canal's middle."""
    from planner.plan import commands
    from planner.plan.items import Antenna, Needle, Thermocouple

    canal = session.canal_mask
    k_mid = int(np.median(np.nonzero(canal.any(axis=(1, 2)))[0]))
    j, i = np.nonzero(canal[k_mid])
    centre = session.volume.to_lps([float(i.mean()), float(j.mean()), float(k_mid)])  # canal centre (LPS)
    ids = []
    for sign in (-1.0, 1.0):  # right (-x) then left (+x)
        tip = centre + np.array([sign * 8.0, -28.0, 0.0])  # in the vertebral body, anterior to the canal
        entry = tip + np.array([sign * 45.0, 80.0, 0.0])
        needle = Needle(tuple(entry), tuple(tip), side="right" if sign < 0 else "left", name=f"needle {sign:+.0f}")
        session.stack.push(commands.add_item(needle))
        session.stack.push(commands.add_item(Antenna(needle_id=needle.id, power_w=30, time_s=210)))
        tc_tip = centre + np.array([sign * 14.0, 0.0, 4.0])  # beside the canal (foramen region)
        session.stack.push(commands.add_item(Thermocouple(tuple(tc_tip + (sign * 30.0, 60.0, 0.0)), tuple(tc_tip))))
        ids.append(needle.id)
    return ids


def mouse(view, kind, x: float, y: float, buttons):
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent

    types = {"press": QEvent.MouseButtonPress, "move": QEvent.MouseMove, "release": QEvent.MouseButtonRelease}
    button = Qt.LeftButton if kind != "move" else Qt.NoButton
    pos = QPointF(x, y)
    return QMouseEvent(types[kind], pos, view.mapToGlobal(pos), button, buttons, Qt.NoModifier)
