"""How long the GUI thread is held by a plan edit (issue 19: "plan edits never freeze the window"), on the
shared lumbar scan (or any series given), in the real window, with the hand-placed bipedicular L2 plan of
the export tests (the demo plan's layout: a needle down each pedicle, an antenna in each, a lesion sphere,
an epidural thermocouple).

    python3 benchmarks/bench_edit_responsive.py [--series DIR] [--repeat N] [--diagnose]

The window is first brought to rest with the plan fully checked (canal, foramina, vertebrae, corridors,
per-zone figures). Then, N times each, with a 10 ms QTimer heartbeat on the GUI thread (the helpers of
bench_result_responsive.py), the longest wait between two ticks is printed from the moment of the edit
until every worker is idle again (plus 0.3 s), over all ticks and outside the frames the 3D view's own
render window draws (software OpenGL here):

The edit's own call (``end_interaction``, ``undo``, ``open_plan``: the evaluation and every handler of
its result, on the GUI thread) is timed too: the part of the hold the edit itself causes, apart from the
frames that follow it.

- ``release``: a needle's tip dragged 3 mm in five moves (``begin_interaction`` ... ``end_interaction``,
  the view's drag protocol) and released, timed from the release;
- ``undo``: that drag undone (Ctrl+Z's ``stack.undo``);
- ``open``: the plan opened again from its document with the tip moved 2 mm (File ▸ Open plan's
  ``session.open_plan``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

from bench_result_responsive import LUMBAR, Heartbeat, HoldSampler, _pause, _wait, idle  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", default=str(LUMBAR))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--diagnose", action="store_true", help="print where the threads were during holds")
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    from planner.anatomy.canal import segment_canal
    from planner.imaging import load_path
    from planner.plan import commands
    from planner.ui.main_window import MainWindow
    from tests.export.realplans import TCIA_L2_BODY_IJK, bipedicular_plan

    app = QApplication.instance() or QApplication([])
    volume = load_path(args.series)
    w = MainWindow()
    w.resize(1200, 850)
    w.loader.quiet = True
    w.plan_files.confirm_close = lambda: True
    w.show()
    w.thermal.panel.auto_box.setChecked(False)
    w.set_volume(volume)
    session = w.session
    w.loader.anatomy.cancel()
    w.view3d.cancel_surface()
    _wait(app, lambda: len(w.view3d._retired) == 0 and not getattr(w.loader.anatomy, "_workers", ()), 600)
    body = volume.to_lps(np.asarray(TCIA_L2_BODY_IJK, float))
    session.set_canal(segment_canal(volume).mask)
    session.open_plan(bipedicular_plan(session.plan.series, body))
    ok = _wait(app, lambda: idle(w) and session.evaluation is not None and session.evaluation.complete, 900)
    print(f"{args.series}: plan checked ({'ok' if ok else 'NOT FINISHED'}); code from "
          f"{Path(__file__).resolve().parents[1]}")
    beat = Heartbeat(w.view3d)
    _pause(app, 2.0)
    every, _, _ = beat.longest(beat.ticks[0], time.monotonic())
    print(f"  heartbeat with nothing running (2 s): longest gap {every * 1000:.0f} ms (the machine's own)")
    sampler = HoldSampler(beat) if args.diagnose else None
    holds: dict[str, list[float]] = {"release": [], "undo": [], "open": []}
    outside_holds: dict[str, list[float]] = {k: [] for k in holds}
    calls: dict[str, list[float]] = {k: [] for k in holds}

    def settle(label, start, returned):
        finished = _wait(app, lambda: idle(w) and session.evaluation.complete, 600)
        _pause(app, 0.3)
        gap, outside, frames = beat.longest(start, time.monotonic())
        holds[label].append(gap)
        outside_holds[label].append(outside)
        calls[label].append(returned - start)
        print(f"  {label:8s}: the edit's call {(returned - start) * 1000:5.0f} ms; longest GUI-thread hold "
              f"{gap * 1000:6.0f} ms; outside the 3D view's own {frames} frame(s) {outside * 1000:6.0f} ms"
              f"{'' if finished else ' (NOT FINISHED)'}")
        if sampler is not None:
            sampler.print(label)

    for r in range(args.repeat):
        needle = session.plan.needles[0]
        tip = np.asarray(needle.tip_lps, float)
        step = np.array([0.0, 0.0, 1.0 if r % 2 == 0 else -1.0]) * 0.6
        session.begin_interaction()
        for i in range(1, 6):
            session.stack.push(commands.move_point(needle.id, "tip_lps", tip + i * step))
            app.processEvents()
        _pause(app, 0.2)  # the drag's own frames are not the release's
        start = time.monotonic()
        session.end_interaction()
        settle("release", start, time.monotonic())
        start = time.monotonic()
        session.stack.undo()
        settle("undo", start, time.monotonic())
        doc = bipedicular_plan(session.plan.series, body + [0.0, 0.0, 2.0 * (r + 1)])
        start = time.monotonic()
        session.open_plan(doc)
        settle("open", start, time.monotonic())
    print("  summary (ms, each run): " + "; ".join(
        f"{k} {' '.join(f'{v * 1000:.0f}' for v in vs)}" for k, vs in holds.items()))
    print("  outside the 3D view's frames (ms): " + "; ".join(
        f"{k} {' '.join(f'{v * 1000:.0f}' for v in vs)}" for k, vs in outside_holds.items()))
    print("  the edit's own call (ms): " + "; ".join(
        f"{k} {' '.join(f'{v * 1000:.0f}' for v in vs)}" for k, vs in calls.items()))
    beat.timer.stop()
    for part in (w.corridors, w.canal_prep, w.thermal, w.plan_files.exports):
        part.shutdown()
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
