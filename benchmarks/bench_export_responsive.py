"""How responsive the window stays during a PDF export of a real plan (issue 19), on the shared lumbar
scan (or any series given), with the hand-placed bipedicular L2 plan of the export tests.

    python3 benchmarks/bench_export_responsive.py [--series DIR] [--out report.pdf]

A 10 ms QTimer runs on the GUI thread while :class:`planner.ui.export_worker.ExportRunner` exports;
printed: the export's wall time, the longest wait between two ticks over the whole export and outside
the GUI-thread pieces of a job (none now: the 3D key image renders in the worker's own offscreen window),
the 95th percentile, and how long those pieces took (together and the longest). Reference measured in the same run: the same PDF
made on the GUI thread in one call (the way the window did it before), whose longest tick gap is the
whole export. Ratios: max gap in the worker / max gap in one call.

``--job surface`` measures the 3D view's bone-surface worker the same way (the body mask found first,
then :class:`planner.ui.surface_worker.SurfaceWorker` in a ``QThread`` as the view runs it): the longest tick gap
and the stage it fell in, for the decimation as it is now and, in the same run, as it was before
(``vtkQuadricDecimation`` dropped from Python with its edge table: destroyed with the GIL held), and the
reference of the same surface built in one call on the GUI thread. ``--job all`` runs both.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

LUMBAR = Path(__file__).resolve().parents[2] / "shared" / "data" / "ct-lumbar-tcia" / "dicom"


class Ticks:
    def __init__(self):
        from PySide6.QtCore import QTimer

        self.times: list[float] = [time.monotonic()]
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(lambda: self.times.append(time.monotonic()))
        self.timer.start()

    def stop(self, excluded=()) -> tuple[np.ndarray, np.ndarray]:
        self.timer.stop()
        self.times.append(time.monotonic())
        pairs = list(zip(self.times, self.times[1:]))
        every = np.array([b - a for a, b in pairs])
        outside = np.array([b - a for a, b in pairs if not any(a < e and b > s for s, e in excluded)])
        return every, outside


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", default=str(LUMBAR))
    parser.add_argument("--out", default=None)
    parser.add_argument("--job", choices=("pdf", "surface", "all"), default="pdf")
    args = parser.parse_args()
    if not Path(args.series).is_dir():
        print(f"series folder {args.series} not found", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    if args.job in ("surface", "all"):
        bench_surface(app, args.series)
    if args.job in ("pdf", "all"):
        bench_pdf(app, args)
    return 0


def _surface_once(app, volume, body, label: str) -> float:
    """Build the bone surface in a SurfaceWorker thread; print the longest tick gap and its stage."""
    from PySide6.QtCore import QThread

    from planner.ui.surface_worker import SurfaceWorker

    worker = SurfaceWorker(1, volume, 200.0, lambda: body)
    thread = QThread()
    worker.moveToThread(thread)
    stages: list[tuple[float, float]] = [(time.monotonic(), 0.0)]
    worker.progress.connect(lambda _r, f: stages.append((time.monotonic(), f)))
    result = {}
    worker.finished.connect(lambda _r, polys: (result.setdefault("polys", polys), thread.quit()))
    worker.failed.connect(lambda _r, m: (print(m), thread.quit()))
    thread.finished.connect(app.quit)
    thread.started.connect(worker.run)
    ticks = Ticks()
    t0 = time.perf_counter()
    thread.start()
    app.exec()
    wall = time.perf_counter() - t0
    every, _ = ticks.stop()
    pairs = list(zip(ticks.times, ticks.times[1:]))
    worst = max(pairs, key=lambda p: p[1] - p[0])
    after = [f for t, f in stages if t <= worst[0]]
    n_tri = result["polys"][0].GetNumberOfPolys() if "polys" in result else 0
    print(f"  {label}: {wall:.1f} s wall, {n_tri} triangles; longest tick gap {every.max() * 1000:.0f} ms "
          f"(95 %: {np.percentile(every, 95) * 1000:.0f} ms, {len(every)} ticks), after the stage at "
          f"{after[-1] if after else 0:.2f}")
    thread.wait()
    return float(every.max())


def bench_surface(app, series: str) -> None:
    from vtkmodules.vtkFiltersCore import vtkQuadricDecimation

    from planner.anatomy.body import segment_body
    from planner.imaging import load_path
    from planner.render import surfaces

    volume = load_path(series)
    body = segment_body(volume)
    print(f"bone surface of {series} ({volume.hu.shape}), the table left out (body mask)")
    now = _surface_once(app, volume, body, "now (decimation tables freed inside Update)")

    def old_decimated(surface, reduction):  # the code before issue 19's fix, for the same-run reference
        dec = vtkQuadricDecimation()
        dec.SetInputData(surface)
        dec.SetTargetReduction(float(reduction))
        dec.VolumePreservationOn()
        dec.Update()
        return dec.GetOutput()

    fixed = surfaces._decimated
    surfaces._decimated = old_decimated
    try:
        before = _surface_once(app, volume, body, "before (filter destroyed with the GIL held)")
    finally:
        surfaces._decimated = fixed
    ticks_ref = Ticks()
    t0 = time.perf_counter()
    surfaces.bone_surface(surfaces.outside_set_to_air(volume, body.mask))
    app.processEvents()
    ref_s = time.perf_counter() - t0
    ref_every, _ = ticks_ref.stop()
    print(f"  reference, bone_surface in one call on the GUI thread: {ref_s:.1f} s; longest gap "
          f"{ref_every.max() * 1000:.0f} ms")
    print(f"  ratio longest gap now/before: {now / before:.3f}; now/reference: {now / ref_every.max():.4f}")


def bench_pdf(app, args) -> int:
    from planner.headless.export import report_pdf
    from planner.headless.export_steps import pdf_job
    from planner.session.snapshot import SessionSnapshot
    from planner.ui.export_worker import ExportRunner
    from tests.export.realplans import TCIA_L2_BODY_IJK, real_session

    from planner.anatomy.canal import segment_canal
    from planner.imaging import load_path

    t0 = time.perf_counter()
    volume = load_path(args.series)
    session = real_session(volume, segment_canal(volume), TCIA_L2_BODY_IJK, "L2")
    session.evaluate(corridors=True)
    print(f"session (load, canal, plan, corridors): {time.perf_counter() - t0:.1f} s")
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp()) / "report.pdf"

    # the window has VTK's rendering modules loaded (its 3D view) before any export; without that, their
    # first import (a few hundred ms holding the GIL: loading vtkRenderingOpenGL2) fell in the worker here
    import planner.render.key_images  # noqa: F401
    import planner.render.offscreen  # noqa: F401
    import planner.render.plan_actors  # noqa: F401

    # the machine's own noise, same run: the heartbeat for 3 s with nothing else running in this process
    idle = Ticks()
    end = time.monotonic() + 3.0
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.002)
    idle_every, _ = idle.stop()

    # the worker: what the window does now
    t_snap = time.perf_counter()
    snapshot = SessionSnapshot(session)
    snap_s = time.perf_counter() - t_snap
    job = pdf_job(snapshot, out)
    runner = ExportRunner(show_dialog=True)
    steps: list[tuple[float, str]] = []  # (time, text) of each progress report: where a long gap fell
    runner.progressed.connect(lambda _f, text: steps.append((time.monotonic(), text)))
    runner.done.connect(lambda *_: app.quit())
    runner.failed.connect(lambda t, m: (print(m), app.quit()))
    ticks = Ticks()
    t1 = time.perf_counter()
    runner.start(job)
    app.exec()
    worker_s = time.perf_counter() - t1
    excluded = [(a - 0.005, b + 0.005) for a, b in runner.gui_intervals]
    every, outside = ticks.stop(excluded)
    pairs = [(a, b) for a, b in zip(ticks.times, ticks.times[1:]) if not any(a < e and b > s for s, e in excluded)]
    worst = max(pairs, key=lambda p: p[1] - p[0]) if pairs else (0.0, 0.0)
    during = [text for t, text in steps if t <= worst[1]]
    gui_s, pieces = sum(runner.gui_step_s), runner.gui_step_s

    # reference: the same report in one call on the GUI thread (the window before issue 19)
    ticks_ref = Ticks()
    t2 = time.perf_counter()
    report_pdf(session, False)
    app.processEvents()
    ref_s = time.perf_counter() - t2
    ref_every, _ = ticks_ref.stop()

    print(f"heartbeat with nothing running (3 s): longest gap {idle_every.max() * 1000:.0f} ms "
          f"(95 %: {np.percentile(idle_every, 95) * 1000:.0f} ms): the machine's own scheduling")
    print(f"snapshot on the GUI thread: {snap_s * 1000:.0f} ms")
    print(f"PDF export in the worker: {worker_s:.1f} s wall; {out.stat().st_size / 1e6:.1f} MB")
    print(f"  longest tick gap, whole export:          {every.max() * 1000:8.0f} ms")
    print(f"  longest tick gap, outside the 3D render: {outside.max() * 1000:8.0f} ms "
          f"(95 %: {np.percentile(outside, 95) * 1000:.0f} ms, {len(outside)} ticks), during "
          f"{during[-1] if during else '-'!r}")
    print(f"  export steps on the GUI thread:          {gui_s * 1000:8.0f} ms in {len(pieces)} pieces"
          + (f", longest {max(pieces) * 1000:.0f} ms" if pieces else " (the 3D key image renders in the worker)"))
    print(f"  the 3D view's bone surface copied on the GUI thread (window only, not here) and the snapshot "
          f"above come before the export starts")
    print(f"reference, report_pdf in one call on the GUI thread: {ref_s:.1f} s; longest tick gap "
          f"{ref_every.max() * 1000:.0f} ms")
    print(f"ratio longest gap worker/reference: {every.max() / ref_every.max():.3f}; "
          f"outside the 3D render: {outside.max() / ref_every.max():.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
