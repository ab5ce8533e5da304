"""No long work on the GUI thread after a worker's result, on the shared lumbar scan (issue 19).

Before, the window computed on the GUI thread: the full evaluation after each corridor result (the
beyond-the-vertebra figures of every zone once the corridor worker had found the automatic vertebrae,
the zones' distances to the foramina it had found: 0.65-3.8 s on the loaded machine), the canal's
surface each time the canal was set (flying edges and smoothing of the whole canal), and, for an imported
segment, the reading of the file and the evaluation after it (every zone's figures again: the lesion is
part of their key). Now each of
those runs in a worker (planner/ui/evaluation_worker.py, planner/ui/mask_surface_worker.py) and the GUI
thread only adopts and draws.

The property is checked where it cannot be flaky: the functions that do the heavy work
(``beyond_vertebra``, ``foramen_distance_mm``, ``mask_surface_polydata``) are wrapped to record the
thread they run in, and each step must have run some of them, none on the GUI thread. A 10 ms heartbeat
also runs; its bound here is a generous 1 s (the machine is shared; the issue's 200 ms target is a speed
figure: benchmarks/bench_result_responsive.py), and the 3D view's bone surface is not built (its own
software frames are the view's, not these steps')."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from tests.export.realplans import TCIA_L2_BODY_IJK, bipedicular_plan
from tests.ui.helpers import window_showing

pytestmark = [pytest.mark.gui, pytest.mark.realdata]
MAX_GAP_S = 1.0


class Calls:
    """Where the heavy functions ran: (name, on the GUI thread, time)."""

    def __init__(self, monkeypatch):
        import planner.render.mask_surfaces as mask_surfaces
        import planner.session.zone_anatomy as zone_anatomy
        import planner.ui.mask_surface_worker as mask_surface_worker

        self.calls: list[tuple[str, bool, float]] = []
        for module, name in ((zone_anatomy, "beyond_vertebra"), (zone_anatomy, "foramen_distance_mm"),
                             (mask_surfaces, "mask_surface_polydata"), (mask_surface_worker, "mask_surface_polydata")):
            monkeypatch.setattr(module, name, self._wrap(name, getattr(module, name)))

    def _wrap(self, name, fn):
        def wrapped(*a, **k):
            self.calls.append((name, threading.current_thread() is threading.main_thread(), time.monotonic()))
            return fn(*a, **k)
        return wrapped

    def since(self, t0: float) -> list[tuple[str, bool]]:
        return [(name, gui) for name, gui, t in self.calls if t >= t0]


class Heartbeat:
    def __init__(self):
        self.ticks = [time.monotonic()]
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(lambda: self.ticks.append(time.monotonic()))
        self.timer.start()

    def longest_since(self, t0: float) -> float:
        self.timer.stop()
        self.ticks.append(time.monotonic())
        return max((b - a for a, b in zip(self.ticks, self.ticks[1:]) if b > t0), default=0.0)


def idle(w) -> bool:
    return not (w.corridors.is_busy() or w.canal_prep.is_busy() or w.evaluations.is_busy()
                or w.scene_plan.surfaces.is_busy())


@pytest.fixture
def lumbar_window(qtbot, lumbar_volume, monkeypatch):
    w = window_showing(qtbot, lumbar_volume)
    w.plan_files.confirm_close = lambda: True
    w.loader.anatomy.cancel()  # the corridor worker finds the vertebrae it needs itself
    w.view3d.cancel_surface()  # the bone surface's own frames are not under test
    w.thermal.panel.auto_box.setChecked(False)
    # the cancelled jobs' threads end their stage in the background: waited for, so that their GIL-holding
    # numpy steps (the body mask, the skeleton's labels) do not fall in the measurement
    qtbot.waitUntil(lambda: len(w.view3d._retired) == 0 and not getattr(w.loader.anatomy, "_workers", ()),
                    timeout=180000)
    return w


def _steps_ran_off_the_gui_thread(calls, t0, wanted: set[str]) -> None:
    ran = calls.since(t0)
    assert wanted <= {name for name, _gui in ran}, f"the step computed {sorted({n for n, _ in ran})}, not {wanted}"
    on_gui = sorted({name for name, gui in ran if gui})
    assert not on_gui, f"computed on the GUI thread: {on_gui}"


def test_canal_plan_corridor_results_and_a_segment_import_leave_the_gui_thread_free(qtbot, lumbar_window, lumbar_canal,
                                                                                monkeypatch):
    """The canal set and a plan opened at once (as a user opening a plan right after the case): the canal's
    prepared form, its surface, the foramina and vertebrae (corridor worker), and every evaluation the
    results ask for run in workers."""
    w, session = lumbar_window, lumbar_window.session
    calls = Calls(monkeypatch)
    arrived = {}
    original = w.corridors._on_done
    w.corridors._on_done = lambda results: (arrived.setdefault("t", time.monotonic()), original(results))
    beat = Heartbeat()
    start = time.monotonic()
    session.set_canal(lumbar_canal.mask.copy())
    session.open_plan(bipedicular_plan(session.plan.series, lumbar_volume_lps(session.volume)))
    qtbot.waitUntil(lambda: "t" in arrived and idle(w) and session.evaluation.complete
                    and w.scene_plan.canal.triangle_count > 0, timeout=240000)
    qtbot.wait(100)
    gap = beat.longest_since(start)
    _steps_ran_off_the_gui_thread(calls, start, {"mask_surface_polydata", "beyond_vertebra", "foramen_distance_mm"})
    assert w.evaluations.rounds >= 1 and not w.findings.rechecking()
    assert session.evaluation.beyond and session.evaluation.foramen_distances
    imported = _import_a_lesion_segment(qtbot, w, monkeypatch)
    print(f"lumbar canal + plan + corridor results: longest GUI-thread hold {gap * 1000:.0f} ms; "
          f"lesion segment import: {imported * 1000:.0f} ms")
    assert gap < MAX_GAP_S, f"the GUI thread was held {gap * 1000:.0f} ms (canal, plan, corridor results)"
    assert imported < MAX_GAP_S, f"the GUI thread was held {imported * 1000:.0f} ms (segment import)"


def lumbar_volume_lps(volume):
    return volume.to_lps(np.asarray(TCIA_L2_BODY_IJK, float))


def _import_a_lesion_segment(qtbot, w, monkeypatch) -> float:
    """Step 2: a SEG's lesion opened (``import_segments``): the file read in a worker, the figures of every
    zone (the lesion is in their key) computed in the evaluation worker; the old findings stay, rechecking."""
    import planner.export.seg_import as seg_import

    session = w.session
    centre = session.plan.targets[0].centre_lps
    # an 8 mm ball of voxel centres around the plan's lesion centre (the grid is orthonormal: distances
    # in mm are the index offsets times the spacing)
    k, j, i = np.indices(session.volume.hu.shape, sparse=True)
    kc, jc, ic = np.round(session.volume.to_ijk(np.asarray([centre], float))[0][::-1]).astype(int)
    sx, sy, sz = session.volume.spacing_mm  # (i, j, k) mm
    ball = ((i - ic) * sx) ** 2 + ((j - jc) * sy) ** 2 + ((k - kc) * sz) ** 2 <= 8.0 ** 2
    segment = seg_import.ImportedSegment("Lesion", "Neoplasm", ball, "lesion")
    read_on = []
    monkeypatch.setattr(seg_import, "read_segments", lambda path, volume: (
        read_on.append(threading.current_thread() is threading.main_thread()), [segment])[1])
    exports = w.plan_files.exports
    warnings = []

    class Prompts:
        open_file = staticmethod(lambda *a: "lesion-seg.dcm")
        choose = staticmethod(lambda title, label, items: items[0])
        warn = staticmethod(lambda title, text: warnings.append(text))
    exports.prompts = Prompts()
    calls = Calls(monkeypatch)
    before = session.evaluation
    beat = Heartbeat()
    start = time.monotonic()
    seen_at_start = []  # when the evaluation worker starts: the old findings stay, marked rechecking
    w.evaluations.busy_changed.connect(lambda busy: busy and seen_at_start.append(
        (session.evaluation is before, w.findings.rechecking())))
    exports.import_segments()
    qtbot.waitUntil(lambda: session.target_mask is not None and not exports.segment_import.is_busy()
                    and idle(w) and session.evaluation.complete, timeout=240000)
    assert read_on == [False]  # the file was read in a worker
    assert seen_at_start and seen_at_start[0] == (True, True)
    qtbot.wait(100)
    gap = beat.longest_since(start)
    assert not warnings, warnings
    assert session.target_mask is not None and session.target_mask.sum() == ball.sum()
    _steps_ran_off_the_gui_thread(calls, start, {"beyond_vertebra"})
    return gap
