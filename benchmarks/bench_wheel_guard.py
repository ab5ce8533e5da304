"""What the app-wide wheel guard (:mod:`planner.ui.wheel_guard`) costs while the user works.

    python3 benchmarks/bench_wheel_guard.py [--moves 40]

The guard is a Python event filter on the QApplication, so it runs for every event of every widget.
On the bundled sample in the real window, a left drag moves the crosshair across the axial view (every
2D view repaints, the 3D view renders). Printed: the events Qt dispatched per mouse move (counted by a
second filter), the guard's own time per event (a bare ``QEvent.User`` sent with and without it, same
run), the time of one mouse move, and the guard's share of it (events x cost / move time).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def per_event_us(widget, n: int = 20000) -> float:
    from PySide6.QtCore import QCoreApplication, QEvent

    event = QEvent(QEvent.User)
    t0 = time.perf_counter()
    for _ in range(n):
        QCoreApplication.sendEvent(widget, event)
    return (time.perf_counter() - t0) / n * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=40)
    args = parser.parse_args()

    from PySide6.QtCore import QEvent, QObject, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication, QWidget

    from planner.core.resources import sample_series_dir
    from planner.imaging import load_path
    from planner.ui.main_window import MainWindow
    from planner.ui.wheel_guard import WheelGuard

    app = QApplication.instance() or QApplication([])
    probe = QWidget()
    window = MainWindow()  # installs the guard
    guard = app.findChild(WheelGuard, "wheel_guard")
    with_guard = per_event_us(probe)
    app.removeEventFilter(guard)
    bare = per_event_us(probe)
    app.installEventFilter(guard)

    class Counter(QObject):
        n = 0

        def eventFilter(self, obj, event):  # noqa: N802
            Counter.n += 1
            return False

    window.resize(1400, 950)
    window.show()
    window.loader.quiet = True
    window.set_volume(load_path(sample_series_dir()))
    for _ in range(5):
        app.processEvents()
    view = window.views["axial"]
    w, h = view.width(), view.height()

    def send(kind, x, y):
        types = {"press": QEvent.MouseButtonPress, "move": QEvent.MouseMove, "release": QEvent.MouseButtonRelease}
        pos = QPointF(x, y)
        button = Qt.NoButton if kind == "move" else Qt.LeftButton
        held = Qt.NoButton if kind == "release" else Qt.LeftButton
        QApplication.sendEvent(view, QMouseEvent(types[kind], pos, view.mapToGlobal(pos), button, held, Qt.NoModifier))

    send("press", w * 0.3, h * 0.5)
    times, counts = [], []
    counter = Counter()
    for m in range(args.moves):
        x = w * (0.3 + 0.4 * m / max(args.moves - 1, 1))
        app.installEventFilter(counter)
        Counter.n = 0
        t0 = time.perf_counter()
        send("move", x, h * 0.5)
        for _ in range(3):
            app.processEvents()
        app.removeEventFilter(counter)
        times.append((time.perf_counter() - t0) * 1e3)
        counts.append(Counter.n)
    send("release", w * 0.7, h * 0.5)
    move_ms = statistics.median(times)
    events = statistics.median(counts)
    added_ms = events * (with_guard - bare) / 1e3
    print(f"events per mouse move (median)      {events:8.0f}")
    print(f"per event: bare {bare:6.2f} us, with the guard {with_guard:6.2f} us (added {with_guard - bare:5.2f} us)")
    print(f"mouse move (median, counter on)     {move_ms:8.2f} ms")
    print(f"guard per mouse move                {added_ms:8.3f} ms   ratio to the move {added_ms / move_ms:6.3f}")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
