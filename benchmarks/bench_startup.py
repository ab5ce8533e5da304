"""Start-up: from the command to a usable window on the sample, against a bare PySide6 + VTK window.

    python3 benchmarks/bench_startup.py [--runs 5] [--case ../shared/data/ct-lumbar-tcia]

"Usable" means the real command (``spine-planner --sample``, i.e. ``planner.cli.main``) has shown the
main window and each of the three 2D views has painted a slice of the loaded sample; the canal, the
anatomy and the bone surface may still be computing in their workers, with progress (issue 19:
<= 2.5 s here). The child reports from the first paint itself (an event filter on the views), so a
view that is slow to paint, or a worker that holds the interpreter before the paint, is counted.
The reference is a fresh Python process that imports PySide6 and VTK, shows a QMainWindow holding a
VTK render window interactor, paints it once and quits: the floor any Qt + VTK desktop program pays.
Each figure is the median of ``--runs`` fresh processes (planner and reference interleaved), timed
from spawn to the line the child prints when it is usable; the children run offscreen unless
QT_QPA_PLATFORM says otherwise (``xvfb-run -a`` with ``QT_QPA_PLATFORM=xcb`` for a real X server),
with a fresh user profile so that no recovery prompt or recent folder changes the path.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import resource  # POSIX: CPU time of the child processes
except ImportError:  # Windows
    resource = None

ROOT = Path(__file__).resolve().parents[1]

BARE = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401
from vtkmodules.vtkRenderingCore import vtkRenderer
app = QApplication(sys.argv[:1])
w = QMainWindow()
kw = {}
if app.platformName() == "offscreen":
    from vtkmodules.vtkRenderingOpenGL2 import vtkEGLRenderWindow
    class _RW(vtkEGLRenderWindow):
        def SetWindowInfo(self, info):
            pass
    kw["rw"] = _RW()
vtk_widget = QVTKRenderWindowInteractor(w, **kw)
vtk_widget.GetRenderWindow().AddRenderer(vtkRenderer())
w.setCentralWidget(vtk_widget)
w.resize(1400, 900)
w.show()
vtk_widget.Initialize()
vtk_widget.GetRenderWindow().Render()
def done():
    print("READY", flush=True)
    app.quit()
QTimer.singleShot(0, done)
app.exec()
"""

APP = r"""
import os, sys, time
import planner.cli
import planner.ui.app as gui
from PySide6.QtCore import QEvent, QObject, QTimer


class _FirstSlicePaint(QObject):
    # Sees the 2D views' paint events; once each has painted with the sample loaded, the window is usable.
    def __init__(self, window):
        super().__init__(window)
        self.window, self.waiting = window, set(window.views.values())
        for view in self.waiting:
            view.installEventFilter(self)

    def eventFilter(self, view, event):
        if event.type() == QEvent.Paint and view in self.waiting and view.current_slice() is not None:
            self.waiting.discard(view)
            if not self.waiting:  # the paint itself runs once this filter returns; report after it
                QTimer.singleShot(0, self.ready)
        return False

    def ready(self):
        print("READY", flush=True)
        os._exit(0)  # the canal, anatomy and bone surface are still computing; do not wait for them


class _Watched(gui.MainWindow):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._first_paint = _FirstSlicePaint(self)


gui.MainWindow = _Watched
QTimer.singleShot(60000, lambda: os._exit(3))
sys.exit(planner.cli.main(sys.argv[1:] or ["--sample"]))
"""

IMPORT = r"""
import time
t0 = time.perf_counter()
import planner.ui.main_window
print(f"IMPORT {time.perf_counter() - t0:.3f}", flush=True)
"""


def _env(home: str) -> dict[str, str]:
    """The child's environment: this checkout first on the path, offscreen unless a display is asked
    for, and a fresh user profile (no recovery prompt, no recent folders) under ``home``.

    Bytecode is cached under ``home`` (``PYTHONPYCACHEPREFIX``) even where ``PYTHONDONTWRITEBYTECODE``
    is set, so that the timed runs start as a user's second start does, with compiled modules (the
    warm-up run compiles them; compiling the planner's ~180 modules from source costs about 0.7 s).
    """
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=os.path.join(home, "config"),
               XDG_DATA_HOME=os.path.join(home, "data"), XDG_CACHE_HOME=os.path.join(home, "cache"),
               PYTHONPYCACHEPREFIX=os.path.join(home, "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _children_cpu_s() -> float:
    if resource is None:
        return float("nan")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_to_ready(code: str, home: str, args: tuple[str, ...] = ()) -> tuple[float, float]:
    """(wall seconds from spawn to READY, CPU seconds the child used by then). The child exits right
    after READY, so its CPU time is what becoming usable cost, whatever the machine's load."""
    cpu0 = _children_cpu_s()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=_env(home), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if line.strip() == "READY":
            elapsed = time.perf_counter() - t0
            break
    else:
        proc.wait(timeout=120)
        raise RuntimeError(f"the child process ended (code {proc.returncode}) without becoming usable")
    proc.wait(timeout=120)
    return elapsed, _children_cpu_s() - cpu0


def import_time(home: str) -> float:
    out = subprocess.run([sys.executable, "-c", IMPORT], cwd=ROOT, env=_env(home), capture_output=True,
                         text=True, timeout=120, check=True).stdout
    return float(out.split()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--case", metavar="PATH",
                        help="time this DICOM folder or volume instead of the sample (e.g. a shared real scan)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as home:
        time_to_ready(BARE, home)  # warm the file and bytecode caches for both
        case = (str(Path(args.case).resolve()),) if args.case else ()
        cold, cold_cpu = time_to_ready(APP, home, case)
        bare, app = [], []
        for _ in range(args.runs):  # interleaved, so that a change in the machine's load hits both
            bare.append(time_to_ready(BARE, home))
            app.append(time_to_ready(APP, home, case))
        imports = statistics.median(import_time(home) for _ in range(args.runs))
    b, a = (statistics.median(t for t, _ in bare), statistics.median(t for t, _ in app))
    bc, ac = (statistics.median(c for _, c in bare), statistics.median(c for _, c in app))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"bare PySide6 + VTK window:       {b:6.2f} s wall, {bc:5.2f} s CPU (median of {args.runs})")
    what = f"on {Path(args.case).name}" if args.case else "on the sample"
    print(f"planner usable {what + ':':<17} {a:6.2f} s wall, {ac:5.2f} s CPU (median of {args.runs}; "
          "target <= 2.5 s on the sample)")
    print(f"  of which importing the window: {imports:6.2f} s wall (median of {args.runs})")
    print(f"planner's first start:           {cold:6.2f} s wall, {cold_cpu:5.2f} s CPU (compiling bytecode)")
    print(f"ratio planner / bare window:     {a / b:6.2f} wall, {ac / bc:5.2f} CPU")
    print(f"load average (1 min) at the end: {load:6.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
