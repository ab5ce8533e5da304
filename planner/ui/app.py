"""Start the Qt application and the main window."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from planner.core.resources import sample_series_dir
from planner.ui.main_window import MainWindow


def run_gui(path: str | None = None, sample: bool = False, screenshot: str | None = None,
            demo_plan: bool = False, plan: str | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Spine Ablation Planner")
    app.setOrganizationName("spine-planner")
    window = MainWindow()
    window.show()
    QTimer.singleShot(0, window.plan_files.offer_recovery)
    target = sample_series_dir() if sample else path
    if target is not None:
        QTimer.singleShot(0, lambda: window.open_path(target))
    if demo_plan:
        window.loader.loaded.connect(lambda volume: _open_demo_plan(window))
    if plan:
        window.loader.loaded.connect(lambda volume: _open_plan(window, plan))
    if screenshot:
        _exit_after_screenshot(app, window, Path(screenshot))
    return app.exec()


def _open_plan(window: MainWindow, plan: str) -> None:
    """``--plan``: open the plan file on the loaded case (the plan actions' own checks apply), select its
    first needle and put the crosshair on its tip."""
    if window.plan_files.open_plan_file(plan, on_open_case=True) and window.session.plan.needles:
        needle = window.session.plan.needles[0]
        window.selection.select(needle.id)
        window.state.set_cursor(window.volume.to_lps(np.round(window.volume.to_ijk(needle.tip_lps))))


def _open_demo_plan(window: MainWindow) -> None:
    from planner.headless.demo import demo_plan

    window.session.open_plan(demo_plan(window.session.plan.series))
    needle = window.session.plan.needles[0]
    window.selection.select(needle.id)
    window.state.set_cursor(window.volume.to_lps(np.round(window.volume.to_ijk(needle.tip_lps))))


def _exit_after_screenshot(app: QApplication, window: MainWindow, path: Path) -> None:
    """Save the whole window once the 3D surface, the canal and the anatomy are in (or after 60 s) and
    the window has settled (planner.ui.settle: every background check done, the layouts they asked
    for made, the same pixels twice in a row; issue 19: the grab caught the window mid-relayout), then
    quit. A plan's checks on a loaded machine take a while: at most 180 s are waited for them."""
    from planner.ui.screenshot import pixmap_bytes, window_pixmap
    from planner.ui.settle import when_settled

    window.loader.quiet = True  # no modal box (e.g. "Loaded with warnings") may hold the screenshot back
    pending = {"surface", "canal", "anatomy"}  # anatomy: the automatic vertebrae and their names (issue 19)
    started = []

    def save(still_busy: list[str]) -> None:
        window_pixmap(window).save(str(path), "PNG")
        note = f" (still under way: {', '.join(still_busy)})" if still_busy else ""
        print(f"screenshot saved to {path}{note}")
        window.close()
        app.quit()

    def shoot():
        if not started:
            started.append(True)
            when_settled(window, lambda: pixmap_bytes(window_pixmap(window)), save, timeout_s=180.0)

    def ready(what: str) -> None:
        pending.discard(what)
        if not pending:
            shoot()

    window.view3d.surface_ready.connect(lambda: ready("surface"))
    window.loader.canal_ready.connect(lambda: ready("canal"))
    window.loader.anatomy.done.connect(lambda: ready("anatomy"))
    window.loader.failed.connect(lambda message: shoot())
    QTimer.singleShot(60000, shoot)
