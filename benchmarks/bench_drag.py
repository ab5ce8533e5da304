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
(with corridors) the release runs until the evaluation worker's figures are in (target: exactly one; the
figures are merged into it, planner/session/evaluate_later.py); and how many times the main window is
repainted per move (one backing-store sync paints every dirty widget; target one per move). The CPU
time of a move is also split into the mouse event itself, the frame's update (evaluation and panels,
wherever it ran: planner.ui.frame runs it from a posted event right after the move) and the rest of
the event loop (posted events and paints). The 3D bone surface is built before the timing starts.

How many level-name layouts the moves computed is printed too (planner/ui/level_labels.py reuses a
view's layout while its inputs hold; a view following the dragged needle shifts it, planner/ui/label_draft.py).

``--layout needle`` drags in the along-needle (side) view instead, so the three needle-aligned views
reslice every move (they draft at half resolution while dragging). ``--events`` counts layout requests
and paints per widget during the moves (a widget laid out on every move shows up at 1.00 per move);
``--hide dock_props`` hides a dock, ``--profile`` prints a cProfile of the moves (``--profile-out FILE``
keeps it for pstats), ``--parts`` the GUI thread's CPU per move by part (drag_parts.py). Helpers: drag_window.py (settling, counters, plan, mouse events), drag_report.py
(the printed figures).
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
from drag_report import report  # noqa: E402
from drag_window import (EventCensus, WindowRepaints, build_plan, mouse, settle,  # noqa: E402
                         time_frame_updates)

DEFAULT_SERIES = ROOT.parent / "shared" / "data" / "ct-lumbar-tcia"


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", default=str(DEFAULT_SERIES))
    parser.add_argument("--moves", type=int, default=60)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the moves")
    parser.add_argument("--profile-out", default="", help="also write the moves' cProfile stats to this file")
    parser.add_argument("--parts", action="store_true",
                        help="the GUI thread's CPU per move split by part (benchmarks/drag_parts.py)")
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
    return parser.parse_args()


def open_scene(args):
    """The window on the scan, its canal, the 3D bone surface built, the plan; returns (app, window,
    the dragged needle, the view dragged in)."""
    from PySide6.QtWidgets import QApplication, QDockWidget, QWidget

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
        view = window.needle_views[ALONG_SIDE]
        view.repaint()
    else:
        view = window.views[AXIAL]
    anatomy = getattr(session, "anatomy", None)
    known = anatomy is not None and anatomy.known_body() is not None
    print(f"layout {args.layout}: dragging in the {view.source.title} view; body mask known: {known}; "
          f"level names in the 2D views: {'hidden' if args.no_level_labels else 'shown'}", flush=True)
    return app, window, needle, view


def references(app, window, view) -> dict:
    """A bare repaint of the dragged view and the full re-analysis from scratch, in this run."""
    bare, bare_cpu = [], []
    for _ in range(30):
        t, m = time.perf_counter(), time.thread_time()
        view.repaint()
        bare.append((time.perf_counter() - t) * 1000)
        bare_cpu.append((time.thread_time() - m) * 1000)
    # full re-analysis of the plan (no corridor: those run in a worker, about a second per needle)
    # issue 15: the session keeps each zone's figures between evaluations (forget_figures drops them),
    # so a full re-analysis is timed from scratch, with its CPU time (steadier on a loaded machine)
    session = window.session
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
    return {"bare_ms": statistics.median(bare), "bare_cpu_ms": statistics.median(bare_cpu),
            "full": full, "full_cpu": full_cpu}


class EvaluationCounter:
    """Wraps ``session.evaluate``: full (with corridors) and fast calls, and the fast ones' CPU time."""

    def __init__(self, session):
        self.session, self.original = session, session.evaluate
        self.calls = {"full": 0, "fast": 0}
        self.fast_cpu: list[float] = []  # GUI-thread CPU of each drag evaluation (one zone moved)
        original, calls, fast_cpu = self.original, self.calls, self.fast_cpu

        def counting(corridors: bool = True, **options):
            calls["full" if corridors else "fast"] += 1
            c = time.thread_time()
            try:
                return original(corridors=corridors, **options)
            finally:
                if not corridors:
                    fast_cpu.append((time.thread_time() - c) * 1000)

        session.evaluate = counting

    def reset(self) -> None:
        self.calls.update(full=0, fast=0)
        self.fast_cpu.clear()

    def stop(self) -> None:
        self.session.evaluate = self.original


def drag(args, app, window, needle, view) -> dict:
    """Press on the tip, ``args.moves`` moves of 0.3 mm, release; what was measured."""
    from PySide6.QtCore import Qt

    session = window.session
    counter = EvaluationCounter(session)
    x, y = view.lps_to_screen(needle.tip_lps)
    app.sendEvent(view, mouse(view, "press", x, y, Qt.LeftButton))
    settle(app, window)
    counter.reset()
    made_before = (session._zones.computed, session._canal_distances.computed, session._zone_anatomy.foramen_computed)
    out = {"per_move": [], "phases": {}, "cpu_move": [], "main_move": []}
    views_2d = window.all_2d_views()
    out["views_2d"] = len(views_2d)
    geometry_before = [(v.overlay_geometry.hits, v.overlay_geometry.misses) for v in views_2d
                       if hasattr(v, "overlay_geometry")]
    labels = getattr(getattr(window, "level_labels", None), "overlay", None)
    placements_before = getattr(labels, "placements", 0)
    profiler = None
    if args.profile or args.profile_out:
        import cProfile

        # the main thread's CPU time, not wall time: on a loaded machine a wall-clock profile charges
        # the waits for a core to whichever call was running when the process was preempted
        profiler = cProfile.Profile(time.thread_time)
        profiler.enable()
    census = EventCensus(app) if args.events else None
    redraws = WindowRepaints(window)
    if args.parts:
        import drag_parts

        drag_parts.start()
    step_px = 0.3 * view.viewport.scale_px_per_mm
    for n in range(1, args.moves + 1):
        t, c, m = time.perf_counter(), time.process_time(), time.thread_time()
        if args.layout == "needle":
            # the along-needle view follows the needle, so a fixed screen path would move the tip ever
            # faster; aim 0.3 mm beyond where the tip is now drawn instead
            x, y = view.lps_to_screen(session.plan.get(needle.id).tip_lps)
            mx = x + step_px
        else:
            mx = x + n * step_px
        app.sendEvent(view, mouse(view, "move", mx, y, Qt.LeftButton))
        out["phases"].setdefault("event", []).append((time.process_time() - c) * 1000)
        settle(app, window, phases=out["phases"])
        out["per_move"].append((time.perf_counter() - t) * 1000)
        out["cpu_move"].append((time.process_time() - c) * 1000)  # less sensitive to load than wall time
        out["main_move"].append((time.thread_time() - m) * 1000)  # the GUI thread's own CPU time
    if profiler is not None:
        import pstats

        profiler.disable()
        if args.profile_out:
            profiler.dump_stats(args.profile_out)
        if args.profile:
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    if args.parts:
        drag_parts.report(args.moves)
    out["window_redraws"] = redraws.stop()
    out["placements"] = getattr(labels, "placements", 0) - placements_before if labels is not None else None
    if census is not None:
        census.report(args.moves)
    out["moves_full"], out["moves_fast"] = counter.calls["full"], counter.calls["fast"]
    out["fast_cpu"] = list(counter.fast_cpu)
    out["made"] = [after - before for after, before in zip(
        (session._zones.computed, session._canal_distances.computed, session._zone_anatomy.foramen_computed),
        made_before)]
    if geometry_before:  # planner.ui.overlay_geometry: only what moved is recomputed
        after = [(v.overlay_geometry.hits, v.overlay_geometry.misses) for v in views_2d]
        out["geometry"] = (sum(a[0] - b[0] for a, b in zip(after, geometry_before)),
                           sum(a[1] - b[1] for a, b in zip(after, geometry_before)))
    counter.reset()
    merges = session.merges
    t = time.perf_counter()
    app.sendEvent(view, mouse(view, "release", mx, y, Qt.NoButton))
    settle(app, window)
    while window.evaluations.is_busy():  # the worker's figures, merged into the release's evaluation
        app.processEvents()
        time.sleep(0.005)
    settle(app, window)
    out["release_ms"] = (time.perf_counter() - t) * 1000
    out["release_full"], out["release_merges"] = counter.calls["full"], session.merges - merges
    out["release_complete"] = session.evaluation.complete
    counter.stop()
    out["moved_mm"] = float(np.linalg.norm(np.asarray(session.plan.get(needle.id).tip_lps) - np.asarray(needle.tip_lps)))
    return out


def main() -> int:
    args = arguments()
    if not Path(args.series).is_dir():
        print(f"The series folder {args.series} does not exist (see ../shared/README.md).")
        return 2
    if args.parts:
        import drag_parts

        drag_parts.install()
    app, window, needle, view = open_scene(args)
    refs = references(app, window, view)
    measured = drag(args, app, window, needle, view)
    report(args, window.session, refs, measured)
    window.corridors.shutdown()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
