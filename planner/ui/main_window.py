"""The main window: linked 2D views, the 3D view, the plan docks, menus and the status bar."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QGridLayout, QLabel, QMainWindow, QMessageBox, QWidget

from planner.core.errors import PlannerError
from planner.core.volume import ImageVolume
from planner.geometry.needle_planes import NEEDLE_VIEW_KINDS
from planner.geometry.planes import AXIAL, CORONAL, SAGITTAL
from planner.render.plane_sources import NeedleSource
from planner.render.windowing import initial_window, load_message, preset
from planner.session.canal_tools import CanalBrushTool
from planner.session.mirror import mid_sagittal_plane
from planner.session.measurements import AngleTool, MeasurementList, RulerTool
from planner.session.placement import ClickTool, EditTool, PlaceTool, Selection
from planner.session.session import PlanningSession
from planner.session.view_state import ViewState
from planner.ui.about import show_about
from planner.ui.case_framing import CaseFraming
from planner.ui.case_loader import CaseLoader, VOLUME_SUFFIXES
from planner.ui.bone_surface_status import BoneSurfaceStatus
from planner.ui.canal_prep_runner import CanalPrepRunner
from planner.ui.corridor_worker import CorridorRunner
from planner.ui.evaluation_worker import EvaluationRunner
from planner.ui.foramina_display import ForaminaDisplay
from planner.ui.keyboard import KeyboardRouter, tool_unavailable_reason
from planner.ui.file_actions import FileActions
from planner.ui.findings_panel import FindingsPanel
from planner.ui.overlays import MeasurementOverlay
from planner.ui.plan_overlays import TARGET_RGB, MaskOverlay, PlanOverlay, ZoneOverlay
from planner.ui.plan_files import PlanFileActions
from planner.ui.plan_panel import PlanTree
from planner.ui.level_actions import LevelActions
from planner.ui.level_labels import LevelLabels
from planner.ui.menu_order import order_menus
from planner.ui.planning_actions import PlanningActions
from planner.ui.properties_panel import PropertiesPanel
from planner.ui.propose_actions import ProposeActions
from planner.ui.position_readouts import PositionReadouts
from planner.ui.scene_plan import ScenePlan
from planner.ui.slice_view import SliceView
from planner.ui.status_bar import FittingStatusBar
from planner.ui.thermal_dock import ThermalController
from planner.ui.training_panel import TrainingActions
from planner.ui.view_actions import ViewActions
from planner.ui.view_prefs import ViewPreferences
from planner.ui.frame import FrameCoalescer
from planner.ui.tools_toolbar import build_tools_toolbar
from planner.ui.view3d import View3D
from planner.ui.wheel_guard import install_wheel_guard

APP_NAME = "Spine Ablation Planner"
RIGHT_DOCK_WIDTH_PX = 320  # the plan, properties and findings docks (see _build_docks)


class MainWindow(QMainWindow):
    """Four-up layout as in 3D Slicer (axial | 3D over sagittal | coronal), or the needle layout."""

    case_loaded = Signal()
    app_name = APP_NAME  # the title bar: planner.ui.plan_files.window_title
    series_title = ""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setStatusBar(FittingStatusBar(self))  # issue 19: a long message is read in full
        self.setWindowTitle(APP_NAME)
        self.resize(1500, 950)
        self.setAcceptDrops(True)
        self.state = ViewState()
        bone = preset("bone")
        self.state.set_window(bone.center_hu, bone.width_hu)
        self.session = PlanningSession()
        self.frame = FrameCoalescer(self)  # drag updates: one per frame
        self.session.schedule = self.frame.request
        self.corridors = CorridorRunner(self.session, self)
        self.selection = Selection()
        self.measurements = MeasurementList()
        self.load_cursor_lps: np.ndarray | None = None  # where the crosshair started on the open case
        self._canal_history: list = []
        self.tools = {
            "navigate": EditTool(self.session, self.selection),
            "ruler": RulerTool(self.measurements), "angle": AngleTool(self.measurements),
            "place_needle": PlaceTool(self.session, self.selection, "needle"),
            "place_thermocouple": PlaceTool(self.session, self.selection, "thermocouple"),
            "canal_paint": CanalBrushTool(self.session, "paint", history=self._canal_history),
            "canal_erase": CanalBrushTool(self.session, "erase", history=self._canal_history),
            "canal_seed": ClickTool("Canal from a click: click inside the spinal canal", self._segment_canal_at),
            "level_seed": ClickTool("Level: click inside the vertebral body to name it (name in the toolbar)",
                                    lambda lps: self.levels.add_level_at(lps)),
            "lesion_seed": ClickTool("Lesion: click inside the lytic lesion (threshold and seed)",
                                     lambda lps: self.planning.add_lesion_at(lps)),
        }
        self.views = {o: SliceView(o, self.state) for o in (AXIAL, SAGITTAL, CORONAL)}
        self.needle_views = {k: SliceView(NeedleSource(k), self.state) for k in NEEDLE_VIEW_KINDS}
        self.view3d = View3D(volume_provider=lambda: self.session.volume)
        self.view3d.body_provider = lambda: self.session.anatomy.body() if self.session.anatomy else None
        self._install_overlays()
        self.scene_plan = ScenePlan(self.view3d, self.session, self.selection)
        self.framing = CaseFraming(self)  # issue 19: views fit the body, the 3D camera the spine
        self.loader = CaseLoader(self)
        self.loader.loaded.connect(lambda v: self.case_loaded.emit())
        self._build_central()
        self._build_docks()
        self._build_status_bar()
        self._build_menus()
        self._build_toolbar()
        self.foramina_display = ForaminaDisplay(self, self.view_actions.menu)  # issue 13: foramina 2D/3D
        self.level_labels = LevelLabels(self, self.view_actions.menu)  # issue 19: names off the anatomy
        self.training = TrainingActions(self)
        self.set_tool("navigate")
        self._connect()
        self.thermal = ThermalController(self)  # bioheat dock, damage outline and surface (issue 16)
        self.canal_prep = CanalPrepRunner(self.session, self, lambda text: self.statusBar().showMessage(text, 4000))
        self.session.canal_preparer = self.canal_prep.prepare  # issue 19: canal edits prepared in a worker
        self.evaluations = EvaluationRunner(self.session, self, lambda text: self.statusBar().showMessage(text, 4000))
        self.findings.watch(self.corridors, self.thermal.runner, self.canal_prep, self.evaluations)  # issue 19
        self.bone_status = BoneSurfaceStatus(self.view3d, self.statusBar())  # issue 19: progress + Cancel
        self.proposals = ProposeActions(self, self.planning.plan_menu, self.all_2d_views(), self.view3d)  # issue 17
        self.keyboard = KeyboardRouter(self, self.all_2d_views)  # issue 19: keys wherever the focus is
        self.loader.loaded.connect(lambda _v: self.keyboard.focus_views())
        self.session.plan.reset.connect(self.keyboard.focus_views)
        order_menus(self.menuBar())  # issue 19: File / Edit / View / Plan / Training / Help
        install_wheel_guard()  # issue 19: number boxes take the mouse wheel only when focused

    # --- construction --------------------------------------------------------------------------
    def all_2d_views(self) -> list[SliceView]:
        return list(self.views.values()) + list(self.needle_views.values())

    def _install_overlays(self) -> None:
        self.zone_overlay = ZoneOverlay(self.session)
        place = (self.tools["place_needle"], self.tools["place_thermocouple"])
        lesion = MaskOverlay(self.session, self.session.lesion_mask, TARGET_RGB, show_overlap=False)
        overlays = [MaskOverlay(self.session), lesion, self.zone_overlay, PlanOverlay(self.session, self.selection, place),
                    MeasurementOverlay(self.measurements, (self.tools["ruler"], self.tools["angle"]))]
        for view in self.all_2d_views():
            view.overlays.extend(overlays)

    def _build_central(self) -> None:
        central = QWidget(self)
        grid = QGridLayout(central)
        grid.setContentsMargins(2, 2, 2, 2)
        grid.setSpacing(3)
        cells = {AXIAL: (0, 0), SAGITTAL: (1, 0), CORONAL: (1, 1)}
        for o, (r, c) in cells.items():
            grid.addWidget(self.views[o], r, c)
        for kind, (r, c) in zip(NEEDLE_VIEW_KINDS, ((0, 0), (1, 0), (1, 1))):
            grid.addWidget(self.needle_views[kind], r, c)
            self.needle_views[kind].setVisible(False)
        grid.addWidget(self.view3d, 0, 1)
        for i in (0, 1):  # issue 19: four equal panes, whatever the 3D toolbar's width
            grid.setColumnStretch(i, 1)
            grid.setRowStretch(i, 1)
        self.setCentralWidget(central)

    def _build_docks(self) -> None:
        self.plan_tree = PlanTree(self.session, self.selection)
        self.properties = PropertiesPanel(self.session, self.selection)
        self.findings = FindingsPanel(self.session, self.selection)
        docks = []
        for title, widget, name in (("Plan", self.plan_tree, "dock_plan"), ("Properties", self.properties, "dock_props"),
                                    ("Safety findings", self.findings, "dock_findings")):
            dock = QDockWidget(title, self)
            dock.setObjectName(name)
            dock.setWidget(widget)
            dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable)
            self.addDockWidget(Qt.RightDockWidgetArea, dock)
            docks.append(dock)
        # issue 19: wide enough for a needle's readouts from the start (their grid needs 275 px, plus the
        # panel's margins and scroll bar); at Qt's 264 px the "Rechecking…" line widened the column to
        # 368 px for the check's seconds, and without that a wrapping readout was clipped
        self.resizeDocks(docks, [RIGHT_DOCK_WIDTH_PX] * len(docks), Qt.Horizontal)

    def _build_status_bar(self) -> None:
        self.positions = PositionReadouts(self)
        self.hover_label = QLabel("", self)
        self.hover_label.setObjectName("hover_label")
        self.cursor_label = QLabel("", self)
        self.cursor_label.setObjectName("cursor_label")
        self.series_label = QLabel("No case open", self)
        self.statusBar().addWidget(self.hover_label, 1)
        self.statusBar().addPermanentWidget(self.cursor_label)
        self.statusBar().addPermanentWidget(self.series_label)
        self.statusBar().may_yield(self.series_label, self.loader.anatomy.summary, self.cursor_label)

    def _build_menus(self) -> None:
        self.file_actions = FileActions(self, plan_section=self._build_plan_files)  # one File menu (issue 19)

        self.view_actions = ViewActions(self)
        self.view_prefs = ViewPreferences(self, self.view_actions.menu)  # issue 19: mouse map, RAS letters
        self.view_prefs.changed.connect(lambda: self.positions.on_cursor(self.state.cursor_lps))
        self.planning = PlanningActions(self)
        self.levels = LevelActions(self, self.planning.plan_menu)
        help_menu = self.menuBar().addMenu("&Help")
        self.add_action(help_menu, "&About", lambda: show_about(self))

    def _build_plan_files(self, menu) -> None:
        self.plan_files = PlanFileActions(self, menu=menu)

    # --- the interface of the action groups (planner.ui.action_host.ActionHost) ------------------
    def widget(self) -> QWidget:
        return self

    def add_menu(self, title: str):
        return self.menuBar().addMenu(title)

    def show_status(self, text: str, msecs: int = 5000) -> None:
        self.statusBar().showMessage(text, msecs)

    def warn(self, title: str, text: str) -> None:
        if self.loader.quiet:
            self.statusBar().showMessage(text, 10000)
        else:
            QMessageBox.warning(self, title, text)

    def start_canal(self, seed_lps=None) -> None:
        if self.session.volume is not None:
            self.loader.start_canal(self.session.volume, seed_lps=seed_lps)

    def add_action(self, menu, text, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)
        return action

    _add_action = add_action  # the former name, still used by groups on other branches

    def _build_toolbar(self) -> None:
        build_tools_toolbar(self)

    def _connect(self) -> None:
        for view in self.all_2d_views():
            view.hovered.connect(self.positions.on_hover)
            view.tool_used.connect(self._show_tool_hint)
        self.state.cursor_changed.connect(self.positions.on_cursor)
        self.view3d.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        plan = self.session.plan
        for signal in (plan.item_added, plan.item_removed, plan.item_changed, plan.reset):
            signal.connect(self._on_plan_changed)
        self.session.evaluated.connect(self.update_views)
        self.session.canal_changed.connect(self.update_views)
        self.selection.changed.connect(self._on_selection)

    # --- tools ---------------------------------------------------------------------------------
    def set_tool(self, key: str) -> None:
        """Make ``key`` the active tool of every 2D view (navigate also edits items by dragging)."""
        reason = tool_unavailable_reason(key, self.volume is not None)
        if reason:
            self.set_tool("navigate")
            self.statusBar().showMessage(reason, 8000)
            return
        for t in self.tools.values():
            t.cancel()
        tool = self.tools[key]
        for view in self.all_2d_views():
            view.tool = tool
            view.setCursor(Qt.ArrowCursor if key == "navigate" else Qt.CrossCursor)
        if key in self.tool_actions:
            self.tool_actions[key].setChecked(True)
        else:
            for action in self.tool_actions.values():
                action.setChecked(False)
        hint = getattr(tool, "hint", "Navigate: click to move the crosshair; drag an item's end to move it")
        self.statusBar().showMessage(hint, 8000)

    def _show_tool_hint(self) -> None:
        tool = self.all_2d_views()[0].tool
        hint = getattr(tool, "hint", "")
        if hint and not isinstance(tool, EditTool):
            self.statusBar().showMessage(hint, 8000)

    def _segment_canal_at(self, lps) -> None:
        """The seeded alternative: segment the canal channel through the clicked point."""
        self.start_canal(seed_lps=lps)
        self.set_tool("navigate")

    def set_slab(self, slab_mm: float) -> None:
        for view in self.all_2d_views():
            view.set_slab(slab_mm)

    # --- opening data ---------------------------------------------------------------------------
    def open_path(self, path: str | Path) -> None:
        """Load a DICOM folder or a volume file in the background; the current case stays until then."""
        self.loader.open(path)

    def dragEnterEvent(self, event):  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event):  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        target = next((p for p in paths if Path(p).is_dir() or p.lower().endswith(VOLUME_SUFFIXES + (".dcm",))),
                      paths[0] if paths else None)
        if target:
            self.open_path(target)

    @property
    def volume(self) -> ImageVolume | None:
        """The current volume: the session's (the one owner); views are given it in :meth:`set_volume`."""
        return self.session.volume

    def set_volume(self, volume: ImageVolume) -> None:
        self._canal_history.clear()
        self.selection.select(None)
        self.session.set_volume(volume)
        self.measurements.clear()
        lo, hi = volume.bounds_lps
        for view in self.all_2d_views():
            view.set_volume(volume)
            view.set_needle(None, None)
        self.state.set_cursor(self._snap_to_voxel((lo + hi) / 2))
        self.load_cursor_lps = self.state.cursor_lps  # the canal, once found, moves it onto the spine
        centre_hu, width_hu, window_source = initial_window(volume.info)
        self.state.set_window(centre_hu, width_hu)
        self.view3d.set_volume(volume)
        self.framing.frame_case(volume)
        info = volume.info
        self.series_title = info.series_description or Path(info.source_path).name or "volume"
        self.plan_files.update_title()
        ni, nj, nk = volume.shape_ijk
        sx, sy, sz = volume.spacing_mm
        self.series_label.setText(f"{ni}×{nj}×{nk}  {sx:.2f}×{sy:.2f}×{sz:.2f} mm")
        self.statusBar().showMessage(load_message(len(volume.warnings), centre_hu, width_hu, window_source), 10000)
        if volume.warnings and not self.loader.quiet:
            QMessageBox.information(self, "Loaded with warnings", "\n\n".join(volume.warnings))

    def _snap_to_voxel(self, lps) -> np.ndarray:
        return self.volume.to_lps(np.round(self.volume.to_ijk(lps)))

    # --- plan ----------------------------------------------------------------------------------
    def mid_sagittal_plane_for(self, needle):
        """The plane to mirror ``needle`` across: its level's, else found from the image at its tip."""
        try:
            return mid_sagittal_plane(self.session, needle)
        except PlannerError as exc:
            QMessageBox.warning(self, "No mid-sagittal plane",
                                f"Could not find the vertebra's mid-sagittal plane at the needle tip: {exc}\n"
                                "Define the level first (click in the vertebral body).")
            return None, None

    def _on_plan_changed(self, *args) -> None:
        self._follow_selected_needle()
        if not self.session.interactive:  # while dragging, the frame's evaluation repaints the views
            self.update_views()
        message = getattr(self.tools["navigate"], "message", "")
        if message:
            self.statusBar().showMessage(message, 5000)
            self.tools["navigate"].message = ""

    def _on_selection(self, item_id) -> None:
        self._follow_selected_needle(refit=True)
        self.update_views()

    def selected_needle(self):
        item_id = self.selection.item_id
        if item_id is None or item_id not in self.session.plan:
            return None
        item = self.session.plan.get(item_id)
        if item.KIND == "antenna":
            return self.session.plan.get(item.needle_id)
        return item if item.KIND in ("needle", "thermocouple") else None

    def _follow_selected_needle(self, refit: bool = False) -> None:
        needle = self.selected_needle()
        dragging = self.session.interactive  # the frame's evaluation repaints (update_views)
        for view in self.needle_views.values():
            if needle is None:
                view.set_needle(None, None)
            else:
                view.set_needle(needle.entry_lps, needle.tip_lps, refit=refit, repaint=not dragging)

    def update_views(self, *args) -> None:
        draft = self.session.interactive  # issue 15: cheaper needle-aligned slices while dragging
        for view in self.all_2d_views():
            view.source.draft = draft
            view.update()

    # --- view actions --------------------------------------------------------------------------
    def set_layout(self, name: str) -> None:
        self.view_actions.set_layout(name)

    def closeEvent(self, event):  # noqa: N802
        if not self.plan_files.confirm_close():
            event.ignore()
            return
        # every worker stops (an export is cancelled and its files discarded; issues 13/19)
        for part in (self.loader, self.levels, self.plan_files.exports, self.corridors, self.canal_prep,
                     self.thermal, self.proposals, self.evaluations, self.scene_plan, self.view3d):
            part.shutdown()
        super().closeEvent(event)

