"""The whole window's work per mouse move while dragging a needle, on the shared real lumbar CT.

    python3 benchmarks/bench_drag.py [--moves 60] [--series ../shared/data/ct-lumbar-tcia]

Drives the real :class:`~planner.ui.main_window.MainWindow` (no pytest-qt): the TCIA lumbar scan
(134 x 512 x 512, ../shared/data/ct-lumbar-tcia/SOURCE.txt), its automatic canal, two needles with
antennas and two thermocouples. Mouse events go to the axial view as real ``QMouseEvent`` objects
through ``QApplication.sendEvent``; one "mouse move" is timed from sending the event until every
piece of work it caused has run (``processEvents`` until the event queue and the frame timer are
idle): the edit, the session's evaluation, the plan tree, the properties, the findings, every 2D
repaint and the software 3D render. The GUI thread's CPU time per move is printed too, with its ratio
to the CPU time of a bare repaint (both steadier than wall time on a loaded machine), and how many of
the 2D overlays' geometry entries (planner/ui/overlay_geometry.py) were reused or recomputed.

Figures (targets from issue 15): p95 per mouse move (<= 33 ms); the full re-analysis of the plan
(zones, canal overlap and distance, coverage, thermocouples, foramina; median, <= 20 ms), from scratch:
the session keeps each zone's figures between evaluations, ``forget_figures`` drops them first; the
CPU time of a drag's own evaluation (one zone moved, the other's figures kept) and how many zones, canal
and foramen distances the moves computed (only the dragged antenna's); the ratio of a drag
update to a bare repaint of the axial view measured in the same run; and how many full evaluations
(with corridors) the release runs (target: exactly one); and how many times the main window is
repainted per move (one backing-store sync paints every dirty widget; target one per move). The CPU
time of a move is also split into the mouse event itself, the frame's update (evaluation and panels,
wherever it ran: planner.ui.frame runs it from a posted event right after the move) and the rest of
the event loop (posted events and paints). The 3D bone surface is built before the timing starts.

How many level-name layouts the moves computed is printed too (planner/ui/level_labels.py reuses a
view's layout while its inputs hold; a view following the dragged needle shifts it, planner/ui/label_draft.py).

``--layout needle`` drags in the along-needle (side) view instead, so the three needle-aligned views
reslice every move (they draft at half resolution while dragging). ``--events`` counts layout requests
and paints per widget during the moves (a widget laid out on every move shows up at 1.00 per move);
``--hide dock_props`` hides a dock, ``--profile`` prints a cProfile of the moves.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

DEFAULT_SERIES = ROOT.parent / "shared" / "data" / "ct-lumbar-tcia"


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", default=str(DEFAULT_SERIES))
    parser.add_argument("--moves", type=int, default=60)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the moves")
    parser.add_argument("--sort", default="tottime", help="cProfile sort key (tottime, cumulative)")
    parser.add_argument("--top", type=int, default=25, help="how many cProfile rows to print")
    parser.add_argument("--layout", default="four_up", choices=("four_up", "needle"),
                        help="four_up drags in the axial view; needle drags in the along-needle (side) view, "
                             "so the three needle-aligned views reslice every move")
    parser.add_argument("--events", action="store_true",
                        help="diagnosis: count layout requests and paints per widget during the moves")
    parser.add_argument("--hide", default="", help="diagnosis: comma-separated object names of docks to hide")
    parser.add_argument("--no-level-labels", action="store_true",
                        help="diagnosis: hide the level names in the 2D views (View menu), whose layout off the "
                             "body mask (planner/ui/label_body.py) runs at every repaint once the anatomy is known")
    args = parser.parse_args()
    if not Path(args.series).is_dir():
        print(f"The series folder {args.series} does not exist (see ../shared/README.md).")
        return 2

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from planner.anatomy.canal import segment_canal
    from planner.geometry.planes import AXIAL
    from planner.imaging import load_path
    from planner.ui.main_window import MainWindow

    t0 = time.perf_counter()
    volume = load_path(args.series)
    print(f"series {Path(args.series).name}: {volume.shape_ijk} voxels, loaded in "
          f"{time.perf_counter() - t0:.2f} s", flush=True)
    app = QApplication.instance() or QApplication([])
    window = MainWindow()
    window.resize(1400, 950)
    window.show()
    window.loader.quiet = True
    time_frame_updates(window)
    window.set_volume(volume)
    window.session.set_canal(segment_canal(volume).mask)
    settle(app, window)
    while window.view3d.is_surface_busy():  # the 3D bone surface (a thread) is built before timing
        app.processEvents()
        time.sleep(0.01)
    settle(app, window)
    from PySide6.QtWidgets import QDockWidget, QWidget

    for name in filter(None, args.hide.split(",")):
        for w in window.findChildren(QDockWidget) + window.findChildren(QWidget, name):
            if w.objectName() == name:
                w.hide()
    if args.no_level_labels:
        window.level_labels.set_visible(False)
    session = window.session
    needle_ids = build_plan(session)
    window.corridors.shutdown()
    settle(app, window)
    while window.corridors.is_busy():
        app.processEvents()
        time.sleep(0.01)
    settle(app, window)
    print(f"plan: {len(session.plan.needles)} needles, {len(session.plan.antennas)} antennas, "
          f"{len(session.plan.thermocouples)} thermocouples; {len(session.evaluation.findings)} findings; "
          f"{len(session.named_foramina())} neural foramina known", flush=True)

    # the axial view on the first needle's tip slice
    needle = session.plan.get(needle_ids[0])
    window.state.set_cursor(np.asarray(needle.tip_lps))
    window.selection.select(needle.id)
    settle(app, window)
    if args.layout == "needle":
        from planner.geometry.needle_planes import ALONG_SIDE

        window.set_layout("needle")
        settle(app, window)
        axial = window.needle_views[ALONG_SIDE]  # the view dragged in (the name is kept below)
        axial.repaint()
    else:
        axial = window.views[AXIAL]
    anatomy = getattr(session, "anatomy", None)
    known = anatomy is not None and anatomy.known_body() is not None
    print(f"layout {args.layout}: dragging in the {axial.source.title} view; body mask known: {known}; "
          f"level names in the 2D views: {'hidden' if args.no_level_labels else 'shown'}", flush=True)

    # reference: a bare repaint of the axial view (same run)
    bare, bare_cpu = [], []
    for _ in range(30):
        t, m = time.perf_counter(), time.thread_time()
        axial.repaint()
        bare.append((time.perf_counter() - t) * 1000)
        bare_cpu.append((time.thread_time() - m) * 1000)
    bare_ms = statistics.median(bare)
    bare_cpu_ms = statistics.median(bare_cpu)  # the same in GUI-thread CPU time (steadier when loaded)

    # full re-analysis of the plan (no corridor: those run in a worker, about a second per needle)
    # issue 15: the session keeps each zone's figures between evaluations (forget_figures drops them),
    # so a full re-analysis is timed from scratch, with its CPU time (steadier on a loaded machine)
    session.auto_evaluate = False
    full, full_cpu = [], []
    for _ in range(20):
        session.forget_figures()
        t, c = time.perf_counter(), time.thread_time()
        session.evaluate(corridors=False)
        full.append((time.perf_counter() - t) * 1000)
        full_cpu.append((time.thread_time() - c) * 1000)
    session.auto_evaluate = True
    settle(app, window)

    # count full evaluations
    calls = {"full": 0, "fast": 0}
    fast_cpu = []  # GUI-thread CPU of each drag evaluation (one zone moved)
    original = session.evaluate

    def counting(corridors: bool = True, **options):
        calls["full" if corridors else "fast"] += 1
        c = time.thread_time()
        try:
            return original(corridors=corridors, **options)
        finally:
            if not corridors:
                fast_cpu.append((time.thread_time() - c) * 1000)

    session.evaluate = counting

    # the drag: press on the tip, move 0.3 mm per event, release
    x, y = axial.lps_to_screen(needle.tip_lps)
    app.sendEvent(axial, mouse(axial, "press", x, y, Qt.LeftButton))
    settle(app, window)
    calls.update(full=0, fast=0)
    fast_cpu.clear()
    made_before = (session._zones.computed, session._canal_distances.computed, session._zone_anatomy.foramen_computed)
    per_move = []
    phases: dict[str, list] = {}  # CPU ms per move in each phase (see PHASES)
    cpu_move = []  # this process's CPU time per move: less sensitive to a loaded machine than wall time
    main_move = []  # the GUI thread's own CPU time per move (what a frame's budget is spent on)
    views_2d = window.all_2d_views()
    geometry_before = [(v.overlay_geometry.hits, v.overlay_geometry.misses) for v in views_2d
                       if hasattr(v, "overlay_geometry")]
    labels = getattr(getattr(window, "level_labels", None), "overlay", None)
    placements_before = getattr(labels, "placements", 0)
    profiler = None
    if args.profile:
        import cProfile

        # the main thread's CPU time, not wall time: on a loaded machine a wall-clock profile charges
        # the waits for a core to whichever call was running when the process was preempted
        profiler = cProfile.Profile(time.thread_time)
        profiler.enable()
    census = EventCensus(app) if args.events else None
    redraws = WindowRepaints(window)
    step_px = 0.3 * axial.viewport.scale_px_per_mm
    for n in range(1, args.moves + 1):
        t, c, m = time.perf_counter(), time.process_time(), time.thread_time()
        if args.layout == "needle":
            # the along-needle view follows the needle, so a fixed screen path would move the tip ever
            # faster; aim 0.3 mm beyond where the tip is now drawn instead
            x, y = axial.lps_to_screen(session.plan.get(needle.id).tip_lps)
            mx = x + step_px
        else:
            mx = x + n * step_px
        app.sendEvent(axial, mouse(axial, "move", mx, y, Qt.LeftButton))
        phases.setdefault("event", []).append((time.process_time() - c) * 1000)
        settle(app, window, phases=phases)
        per_move.append((time.perf_counter() - t) * 1000)
        cpu_move.append((time.process_time() - c) * 1000)
        main_move.append((time.thread_time() - m) * 1000)
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    window_redraws = redraws.stop()
    placements = getattr(labels, "placements", 0) - placements_before
    if census is not None:
        census.report(args.moves)
    moves_full, moves_fast = calls["full"], calls["fast"]
    made = [after - before for after, before in zip(
        (session._zones.computed, session._canal_distances.computed, session._zone_anatomy.foramen_computed), made_before)]
    calls.update(full=0, fast=0)
    t = time.perf_counter()
    app.sendEvent(axial, mouse(axial, "release", mx, y, Qt.NoButton))
    settle(app, window)
    release_ms = (time.perf_counter() - t) * 1000
    release_full = calls["full"]
    session.evaluate = original
    moved = np.asarray(session.plan.get(needle.id).tip_lps) - np.asarray(needle.tip_lps)

    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} (shared machine: figures vary)")
    print(f"tip displacement after the drag {np.linalg.norm(moved):.1f} mm ({args.moves} moves); the drag is one "
          f"undo step: '{session.stack.undo_text}'")
    row("drag: whole window per mouse move (p95)", p95(per_move), "<= 33 ms", bare_ms)
    row("drag: whole window per mouse move (median)", statistics.median(per_move), "reported", bare_ms)
    row("drag: CPU time of this process per move (p95)", p95(cpu_move), "reported", bare_ms)
    row("drag: CPU time of this process per move (median)", statistics.median(cpu_move), "reported", bare_ms)
    row("drag: CPU time of the GUI thread per move (median)", statistics.median(main_move), "reported", bare_cpu_ms)
    row("drag: CPU time of the GUI thread per move (p95)", p95(main_move), "reported", bare_cpu_ms)
    for key, what in zip(PHASES, ("the mouse event (the edit)", "the frame update (evaluation, panels)",
                                  "posted events and paints")):
        row(f"  CPU in {what} (median)", statistics.median(phases[key]), "reported")
    row("full re-analysis of the plan, from scratch (median)", statistics.median(full), "<= 20 ms", bare_ms)
    row("  the same, GUI-thread CPU (median)", statistics.median(full_cpu), "reported", bare_cpu_ms)
    if fast_cpu:
        row("drag evaluation (one zone moved), GUI-thread CPU (median)", statistics.median(fast_cpu), "reported",
            bare_cpu_ms)
    row("bare repaint of the axial view (median)", bare_ms, "reference")
    row("bare repaint of the axial view, GUI-thread CPU (median)", bare_cpu_ms, "reference")
    row("release (until idle, corridors deferred to the worker)", release_ms, "reported")
    print(f"evaluations during the {args.moves} moves: {moves_full} full, {moves_fast} fast (coalesced per frame)")
    print(f"full evaluations run by the release: {release_full} (target exactly 1)")
    print(f"computed during the {args.moves} moves: {made[0]} zones, {made[1]} zone-canal distances, {made[2]} "
          f"zone-foramen distances ({len(session.plan.antennas)} antennas; target: only the dragged one's)")
    print(f"window repaints during the {args.moves} moves: {window_redraws} "
          f"({window_redraws / args.moves:.2f} per move, target 1)")
    if labels is not None:  # planner.ui.level_labels: a view's layout is reused while its inputs are unchanged
        print(f"level-name layouts computed during the {args.moves} moves: {placements} "
              f"({placements / args.moves:.2f} per move over {len(views_2d)} 2D views)")
    if geometry_before:  # planner.ui.overlay_geometry: only what moved is recomputed
        after = [(v.overlay_geometry.hits, v.overlay_geometry.misses) for v in views_2d]
        hits = sum(a[0] - b[0] for a, b in zip(after, geometry_before))
        misses = sum(a[1] - b[1] for a, b in zip(after, geometry_before))
        print(f"overlay geometry during the moves: {hits} entries reused, {misses} recomputed "
              f"({misses / max(1, hits + misses):.0%} recomputed)")
    window.corridors.shutdown()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
