"""The bioheat model in the window: a "Temperatures" dock (curves, progress, cancel), the predicted damage
region in the 2D views (outline) and in 3D (surface), and its findings in the Safety panel.

The model (:class:`~planner.ui.thermal_runner.ThermalRunner`, tens of seconds) starts after a *full*
evaluation (every needle's corridor checked, i.e. after a needle is released), never during a drag;
its result goes to the session (:meth:`PlanningSession.store_thermal`), which hands its findings to the
rule table while the plan is unchanged. A result of an older plan is dropped, and its outline and
surface with it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (QCheckBox, QDockWidget, QHBoxLayout, QProgressBar, QPushButton, QSizePolicy, QVBoxLayout,
                               QWidget)

from planner.core import palette
from planner.ui.thermal_overlay import DamageOverlay
from planner.ui.thermal_plot import ThermalPlot
from planner.ui.thermal_runner import ThermalRunner, session_key
from planner.ui.thermal_status import StatusArea


def report_curves(report: dict) -> list[tuple[str, list, list]]:
    """(label, times, temperatures) of every structure and thermocouple in a thermal report: the
    structures first, so a curve's colour (its place in the list, planner.ui.thermal_plot) stays when a
    thermocouple is added or removed (screenshot round of issue 19: the canal's curve turned from blue
    to red when the first thermocouple was placed). The PDF report lists them in the same order."""
    out = []
    for s in report.get("structures", []):
        label = " ".join(str(x) for x in (s["name"], s.get("level"), s.get("side")) if x)
        out.append((label, s["curve"]["time_s"], s["curve"]["temperature_c"]))
    for tc in report.get("thermocouples", []):
        out.append((f"TC {tc['name']}", tc["curve"]["time_s"], tc["curve"]["temperature_c"]))
    return out


class ThermalPanel(QWidget):
    """What the dock shows: a status line (at most a few lines tall, the rest scrolled: its length never
    raises the dock's minimum height, planner.ui.thermal_status), the progress bar with Cancel, Run now,
    and the plot."""

    def __init__(self, parent=None):
        super().__init__(parent)
        # issue 19: at most STATUS_MAX_LINES lines tall, the rest scrolled (planner.ui.thermal_status)
        self.status_area = StatusArea("Place an antenna: its temperatures are computed when the needle is released.")
        self.status_area.setObjectName("thermal_status_area")
        self.status = self.status_area.label
        self.status.setObjectName("thermal_status")
        self.progress = QProgressBar(self)
        self.progress.setObjectName("thermal_progress")
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        # issue 19: the bar takes the room the buttons leave; its own minimum (text and all) made the
        # row 363 px wide while a run was shown, so the right-hand docks widened for each run
        self.progress.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("thermal_cancel")
        self.cancel_button.setEnabled(False)
        self.run_button = QPushButton("Run now", self)
        self.run_button.setObjectName("thermal_run")
        self.auto_box = QCheckBox("Automatic", self)
        self.auto_box.setObjectName("thermal_auto")
        self.auto_box.setChecked(True)
        self.auto_box.setToolTip("Run the bioheat model after every change of the plan (when a needle is released)")
        self.plot = ThermalPlot(self)
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.run_button)
        row.addWidget(self.auto_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.status_area)
        layout.addLayout(row)
        layout.addWidget(self.plot, 1)


NO_ANTENNA_TEXT = "No antenna in the plan: nothing to compute."
#: While a plan's temperatures are not computed yet (they run once its check is complete, planner.session).
PENDING_TEXT = "The plan changed: temperatures pending."


class ThermalController(QObject):
    """Ties the runner to the session, the dock, the 2D overlay and the 3D surface of ``window``."""

    def __init__(self, window, structures=()):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.runner = ThermalRunner(self.session, self, structures=structures)
        self.panel = ThermalPanel()
        self.overlay = DamageOverlay()
        for view in window.all_2d_views():
            view.overlays.append(self.overlay)
        self.surface = None  # the 3D damage surface, made on first use (VTK)
        self.shown_key = None  # the key of the result on display
        self._requested_key = None
        self.dock = QDockWidget("Temperatures", window)
        self.dock.setObjectName("dock_thermal")
        self.dock.setWidget(self.panel)
        self.dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable)
        window.addDockWidget(Qt.RightDockWidgetArea, self.dock)
        self.panel.cancel_button.clicked.connect(self.cancel)
        self.panel.run_button.clicked.connect(self.run_now)
        self.runner.progress.connect(self._on_progress)
        self.runner.busy_changed.connect(self._on_busy)
        self.runner.result_ready.connect(self._on_result)
        self.runner.failed.connect(self._on_failed)
        self.session.evaluated.connect(self._on_evaluated)

    # --- when to run ------------------------------------------------------------------------------
    def _on_evaluated(self, evaluation) -> None:
        s = self.session
        entry = s.thermal.current(s)
        if entry is None and self.shown_key is not None:
            self.show_result(None)
        if s.interactive or not evaluation.complete or not s.plan.antennas or entry is not None:
            if not s.plan.antennas:
                if not self.runner.is_busy():
                    self.panel.status.setText(NO_ANTENNA_TEXT)
            elif self.panel.status.text() == NO_ANTENNA_TEXT:  # a plan with antennas came (opened, pasted)
                self.panel.status.setText(PENDING_TEXT)
            return
        if self.panel.auto_box.isChecked() and session_key(s) != self._requested_key:
            self.run_now()

    def run_now(self) -> None:
        s = self.session
        if s.volume is None or not s.plan.antennas:
            self.panel.status.setText("Place an antenna first: the bioheat model heats from the antennas.")
            return
        self._requested_key = session_key(s)
        self.panel.status.setText("Computing the temperatures (Pennes bioheat model)…")
        self.runner.request()

    def cancel(self) -> None:
        self.runner.cancel()
        self.panel.status.setText("Cancelled: press Run now to compute the temperatures of this plan.")

    # --- results ----------------------------------------------------------------------------------
    def _on_progress(self, done: int, total: int) -> None:
        self.panel.progress.setRange(0, max(total, 1))
        self.panel.progress.setValue(done)

    def _on_busy(self, busy: bool) -> None:
        self.panel.progress.setVisible(busy)
        self.panel.cancel_button.setEnabled(busy)
        if busy:
            self.panel.progress.setValue(0)

    def _on_failed(self, message: str) -> None:
        self.panel.status.setText(f"The bioheat model failed: {message}")

    def _on_result(self, payload) -> None:
        report, findings, result, key = payload
        self.session.store_thermal(key, report, findings, result)
        if self.session.thermal.current(self.session) is not None:
            self.show_result(self.session.thermal.entry)

    def show_result(self, entry) -> None:
        """Show one thermal entry (the session's), or clear the display (None)."""
        if entry is None:
            self.shown_key = None
            self.panel.plot.clear()
            self.overlay.set_result(None)
            self._set_surface(None)
            self.panel.status.setText(PENDING_TEXT)
        else:
            self.shown_key = entry.key
            th = self.session.thresholds
            report = entry.report
            pre, alarm = (th.cold_prealarm_c, th.cold_alarm_c) if report.get("cryo") else (th.prealarm_c, th.alarm_c)
            self.panel.plot.set_data(report_curves(report), report.get("power_off_s"), pre, alarm)
            self.overlay.set_result(entry.result)
            self._set_surface(entry.result)
            dmg = report.get("damage", {})
            cov = dmg.get("lesion_coverage_pct")
            text = (f"Bioheat model: damage (CEM43 ≥ 240 min) {dmg.get('volume_ml', 0):.1f} mL"
                    + ("" if cov is None else f", lesion {cov:.0f} % covered")
                    + f"; power off at {report.get('power_off_s', 0):.0f} s. A model, not a measurement.")
            if report.get("warnings"):
                text += " " + " ".join(report["warnings"])
            self.panel.status.setText(text)
        self.window.update_views()

    def _set_surface(self, result) -> None:
        view3d = getattr(self.window, "view3d", None)
        if view3d is None:
            return
        if self.surface is None:
            if result is None:
                return
            from planner.render.mask_surfaces import MaskSurface

            self.surface = MaskSurface(view3d.scene.renderer, rgb=palette.unit(palette.EXTRA_MASK), opacity=0.35)
        from planner.thermal.outline import damage_voxel_grid

        damage = None if result is None or not result.damage.any() else result.damage
        grid = None if damage is None else damage_voxel_grid(result)
        builds = getattr(getattr(self.window, "scene_plan", None), "surfaces", None)  # issue 19: in a worker
        if builds is not None:
            builds.request(self.surface, damage, grid, copy=False, then=view3d.render)
        else:
            self.surface.set_mask(damage, grid=grid)
            view3d.render()

    def shutdown(self) -> None:
        self.runner.shutdown()
