"""Start-up: from the command to a usable window on the sample, against a bare PySide6 + VTK window.

    python3 benchmarks/bench_startup.py [--runs 5]

"Usable" means the main window is shown with the sample's slices in the 2D views (the volume is
loaded and the event loop has painted once); the canal, anatomy and bone surface may still be
computing in their workers, with progress (issue 19: <= 2.5 s here). The reference is a fresh Python
process that imports PySide6 and VTK, shows a QMainWindow holding a VTK render window interactor,
paints it once and quits: the floor any Qt + VTK desktop program pays. Each figure is the median of
``--runs`` fresh processes, timed from spawn to the line the child prints when it is usable.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

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
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from planner.core.resources import sample_series_dir
from planner.ui.main_window import MainWindow
app = QApplication(sys.argv[:1])
window = MainWindow()
window.show()
def usable(_volume):
    window.repaint()
    print("READY", flush=True)
    QTimer.singleShot(0, lambda: (window.close(), app.quit()))
window.loader.loaded.connect(usable)
QTimer.singleShot(0, lambda: window.open_path(sample_series_dir()))
QTimer.singleShot(60000, app.quit)
app.exec()
"""


def time_to_ready(code: str) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if line.strip() == "READY":
            elapsed = time.perf_counter() - t0
            break
    else:
        raise RuntimeError("the child process ended without becoming usable")
    proc.wait(timeout=120)
    return elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    time_to_ready(BARE)  # warm the file cache for both
    time_to_ready(APP)
    bare = [time_to_ready(BARE) for _ in range(args.runs)]
    app = [time_to_ready(APP) for _ in range(args.runs)]
    b, a = statistics.median(bare), statistics.median(app)
    print(f"bare PySide6 + VTK window:       {b:6.2f} s (median of {args.runs})")
    print(f"planner usable on the sample:    {a:6.2f} s (median of {args.runs}; target <= 2.5 s)")
    print(f"ratio planner / bare window:     {a / b:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
