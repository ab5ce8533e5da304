"""The main window: four linked views (axial, 3D, sagittal, coronal), menus and the status bar."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QWidget,
)

from planner import __version__
from planner.core.errors import PlannerError
from planner.core.resources import sample_series_dir
from planner.core.volume import ImageVolume
from planner.geometry.planes import AXIAL, CORONAL, SAGITTAL
from planner.render.windowing import preset, window_presets
from planner.session.measurements import AngleTool, MeasurementList, RulerTool
from planner.session.view_state import ViewState
from planner.ui.about import show_about
from planner.ui.overlays import MeasurementOverlay
from planner.ui.slice_view import SliceView
from planner.ui.view3d import View3D

APP_NAME = "Spine Ablation Planner"


class MainWindow(QMainWindow):
    """Four-up layout as in 3D Slicer: axial | 3D over sagittal | coronal."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(APP_NAME)
        self.resize(1280, 900)
        self.state = ViewState()
        bone = preset("bone")
        self.state.set_window(bone.center_hu, bone.width_hu)
        self.volume: ImageVolume | None = None
        self.views = {o: SliceView(o, self.state) for o in (AXIAL, SAGITTAL, CORONAL)}
        self.view3d = View3D()
        self._maximised: QWidget | None = None
        self.measurements = MeasurementList()
        self.tools = {"ruler": RulerTool(self.measurements), "angle": AngleTool(self.measurements)}
        measure_overlay = MeasurementOverlay(self.measurements, tuple(self.tools.values()))
        for view in self.views.values():
            view.overlays.append(measure_overlay)
        self.measurements.changed.connect(self._update_views)
        self._build_central()
        self._build_status_bar()
        self._build_menus()
        self._build_toolbar()
        for view in self.views.values():
            view.hovered.connect(self._on_hover)
        self.state.cursor_changed.connect(self._on_cursor_changed)
        self.view3d.message.connect(lambda text: self.statusBar().showMessage(text, 8000))

    # --- layout --------------------------------------------------------------------------------
    def _build_central(self) -> None:
        central = QWidget(self)
        grid = QGridLayout(central)
        grid.setContentsMargins(2, 2, 2, 2)
        grid.setSpacing(3)
        grid.addWidget(self.views[AXIAL], 0, 0)
        grid.addWidget(self.view3d, 0, 1)
        grid.addWidget(self.views[SAGITTAL], 1, 0)
        grid.addWidget(self.views[CORONAL], 1, 1)
        self._grid = grid
        self.setCentralWidget(central)

    def _build_status_bar(self) -> None:
        self.hover_label = QLabel("", self)
        self.hover_label.setObjectName("hover_label")
        self.cursor_label = QLabel("", self)
        self.cursor_label.setObjectName("cursor_label")
        self.series_label = QLabel("No case open", self)
        self.statusBar().addWidget(self.hover_label, 1)
        self.statusBar().addPermanentWidget(self.cursor_label)
        self.statusBar().addPermanentWidget(self.series_label)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._add_action(file_menu, "&Open DICOM folder…", self.choose_folder, QKeySequence.Open)
        self._add_action(file_menu, "Open &sample case", self.open_sample)
        file_menu.addSeparator()
        self._add_action(file_menu, "Save 3D view as &PNG…", self.save_3d_png)
        file_menu.addSeparator()
        self._add_action(file_menu, "&Quit", self.close, QKeySequence.Quit)

        view_menu = self.menuBar().addMenu("&View")
        window_menu = view_menu.addMenu("&Window presets")
        for p in window_presets():
            self._add_action(
                window_menu, f"{p.name} (W {p.width_hu:.0f} / L {p.center_hu:.0f})",
                lambda _=False, c=p.center_hu, w=p.width_hu: self.state.set_window(c, w), p.key,
            )
        self._add_action(view_menu, "&Reset views", self.reset_views, "Ctrl+R")
        self._add_action(view_menu, "&Maximise view under the mouse / restore", self.toggle_maximise, "F")
        cam_menu = view_menu.addMenu("3D &camera")
        for name in ("A", "P", "L", "R", "S", "I"):
            self._add_action(cam_menu, f"From {name}", lambda _=False, n=name: self.view3d.camera_preset(n))

        help_menu = self.menuBar().addMenu("&Help")
        self._add_action(help_menu, "&About", lambda: show_about(self))

    def _add_action(self, menu, text, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)
        return action

    def _build_toolbar(self) -> None:
        bar = QToolBar("Tools", self)
        bar.setObjectName("tools_toolbar")
        self.addToolBar(bar)
        group = QActionGroup(self)
        group.setExclusive(True)
        self.tool_actions = {}
        for key, text, shortcut in (("navigate", "Navigate", "Esc"), ("ruler", "Ruler", "M"),
                                    ("angle", "Angle", "A")):
            action = QAction(text, self)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(shortcut))
            action.setToolTip(f"{text} ({shortcut})")
            action.triggered.connect(lambda _=False, k=key: self.set_tool(k))
            group.addAction(action)
            bar.addAction(action)
            self.tool_actions[key] = action
        self.tool_actions["navigate"].setChecked(True)
        clear = QAction("Clear measurements", self)
        clear.triggered.connect(self.measurements.clear)
        bar.addAction(clear)
        bar.addSeparator()
        bar.addWidget(QLabel(" Slab MIP "))
        self.slab_spin = QDoubleSpinBox(self)
        self.slab_spin.setObjectName("slab_mip")
        self.slab_spin.setRange(0, 60)
        self.slab_spin.setSingleStep(2)
        self.slab_spin.setSuffix(" mm")
        self.slab_spin.setSpecialValueText("off")
        self.slab_spin.setToolTip("Thick-slab maximum intensity projection in the 2D views (0 = off)")
        self.slab_spin.valueChanged.connect(self.set_slab)
        bar.addWidget(self.slab_spin)

    def set_tool(self, key: str) -> None:
        """Make ``key`` ("navigate", "ruler", "angle") the active tool of every 2D view."""
        tool = self.tools.get(key)
        for t in self.tools.values():
            t.cancel()
        for view in self.views.values():
            view.tool = tool
            view.setCursor(Qt.CrossCursor if tool else Qt.ArrowCursor)
        self.tool_actions[key].setChecked(True)
        self.statusBar().showMessage(tool.hint if tool else "Navigate: click to move the crosshair", 6000)

    def set_slab(self, slab_mm: float) -> None:
        for view in self.views.values():
            view.set_slab(slab_mm)

    def _update_views(self, *args) -> None:
        for view in self.views.values():
            view.update()

    # --- opening data --------------------------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a DICOM folder")
        if folder:
            self.open_path(folder)

    def open_sample(self) -> None:
        self.open_path(sample_series_dir())

    def open_path(self, path: str | Path) -> bool:
        """Load a DICOM folder or volume file; on failure say why and keep the current case."""
        from planner.imaging import load_path

        try:
            volume = load_path(path)
        except PlannerError as exc:
            QMessageBox.warning(self, "Cannot open", str(exc))
            return False
        self.set_volume(volume)
        return True

    def set_volume(self, volume: ImageVolume) -> None:
        self.volume = volume
        lo, hi = volume.bounds_lps
        centre = (lo + hi) / 2
        for view in self.views.values():
            view.set_volume(volume)
        self.state.set_cursor(self._snap_to_voxel(centre))
        self.view3d.set_volume(volume)
        info = volume.info
        title = info.series_description or Path(info.source_path).name or "volume"
        self.setWindowTitle(f"{APP_NAME} – {title}")
        ni, nj, nk = volume.shape_ijk
        sx, sy, sz = volume.spacing_mm
        self.series_label.setText(f"{ni}×{nj}×{nk}  {sx:.2f}×{sy:.2f}×{sz:.2f} mm")
        if volume.warnings:
            QMessageBox.information(self, "Loaded with warnings", "\n\n".join(volume.warnings))
            self.statusBar().showMessage(f"{len(volume.warnings)} loading warning(s)", 10000)

    def _snap_to_voxel(self, lps) -> np.ndarray:
        ijk = np.round(self.volume.to_ijk(lps))
        return self.volume.to_lps(ijk)

    # --- view actions --------------------------------------------------------------------------
    def reset_views(self) -> None:
        for view in self.views.values():
            view.reset_view()
        self.view3d.camera_preset("P")

    def toggle_maximise(self) -> None:
        """Show only the view under the mouse (or the focused one); again to restore the four-up."""
        widgets = [self.views[AXIAL], self.view3d, self.views[SAGITTAL], self.views[CORONAL]]
        if self._maximised is not None:
            for w in widgets:
                w.setVisible(True)
            self._maximised = None
            return
        target = next((w for w in widgets if w.underMouse()), None) or next(
            (w for w in widgets if w.hasFocus()), self.views[AXIAL]
        )
        for w in widgets:
            w.setVisible(w is target)
        self._maximised = target

    def save_3d_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save 3D view", "view3d.png", "PNG image (*.png)")
        if path:
            self.view3d.save_png(path)
            self.statusBar().showMessage(f"Saved {path}", 5000)

    # --- status bar ----------------------------------------------------------------------------
    def _on_hover(self, payload) -> None:
        if payload is None:
            self.hover_label.setText("")
            return
        lps, hu = payload
        self.hover_label.setText(format_position(lps, hu))

    def _on_cursor_changed(self, lps) -> None:
        hu = self.volume.hu_at_lps(lps) if self.volume is not None else None
        self.cursor_label.setText("Crosshair " + format_position(lps, hu))

    def closeEvent(self, event):  # noqa: N802
        self.view3d.shutdown()
        super().closeEvent(event)


def format_position(lps, hu) -> str:
    """'L 12.3  P -4.0  S 100.5 mm  |  HU 250' style text; HU shows '—' outside the volume."""
    x, y, z = (float(v) for v in lps)
    hu_text = "—" if hu is None else f"{hu:.0f}"
    return f"LPS ({x:.1f}, {y:.1f}, {z:.1f}) mm   HU {hu_text}"
