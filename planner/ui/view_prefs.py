"""Display preferences of the 2D views, kept in QSettings like the other preferences: the mouse map
(:mod:`planner.ui.mouse_map`), the Window/Level mouse mode (left drag; not kept, like 3D Slicer's
mouse modes) and how positions read (:mod:`planner.core.position_text`: LPS numbers, or RAS letters
"R 23.6 mm, P 10.0 mm, I 182.0 mm"), in the views' texts, the status bar and the properties panel's
point editors (:mod:`planner.ui.point_editor`). The choices live in the View menu."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QAction, QActionGroup

from planner.core.position_text import LPS, RAS
from planner.ui.mouse_map import MAPS, PLANNER, MouseMap

MOUSE_MAP_KEY, POSITION_FRAME_KEY = "view/mouse_map", "view/position_frame"


class ViewPreferences(QObject):
    """Builds the View ▸ Mouse and positions entries on ``window`` and applies them to its 2D views."""

    changed = Signal()

    def __init__(self, window, menu, settings: QSettings | None = None):
        super().__init__(window)
        self.w = window
        self.settings = settings if settings is not None else QSettings()
        name = str(self.settings.value(MOUSE_MAP_KEY, PLANNER))
        self.mouse_map = MouseMap(name if name in MAPS else PLANNER)
        frame = str(self.settings.value(POSITION_FRAME_KEY, LPS))
        self.position_frame = frame if frame in (LPS, RAS) else LPS
        self._build_menu(menu)
        self._apply()

    def _build_menu(self, view_menu) -> None:
        menu = view_menu.addMenu("Mouse and &positions")
        self.menu = menu
        group = QActionGroup(self)
        self.map_actions = {}
        for name, text in MAPS.items():
            action = QAction(f"Mouse map: {text}", self.w)
            action.setCheckable(True)
            action.setChecked(name == self.mouse_map.name)
            action.triggered.connect(lambda _=False, n=name: self.set_mouse_map(n))
            group.addAction(action)
            menu.addAction(action)
            self.map_actions[name] = action
        self.wl_action = self.w.add_action(menu, "&Window/level mouse mode (left drag)",
                                           self.set_window_level_mode, "W")
        self.wl_action.setCheckable(True)
        self.wl_action.setIconText("W/L")
        self.wl_action.setToolTip("Window/level mouse mode: left drag changes window and level (W)")
        menu.addSeparator()
        self.ras_action = self.w.add_action(menu, "Positions with &RAS letters (R 23.6 mm, I 182.0 mm)",
                                            lambda on: self.set_position_frame(RAS if on else LPS))
        self.ras_action.setCheckable(True)
        self.ras_action.setChecked(self.position_frame == RAS)

    def set_mouse_map(self, name: str) -> None:
        self.mouse_map.set_name(name)
        self.map_actions[name].setChecked(True)
        self.settings.setValue(MOUSE_MAP_KEY, name)
        self.w.show_status(f"Mouse map: {MAPS[name]}.", 5000)
        self._apply()

    def set_window_level_mode(self, on: bool) -> None:
        self.mouse_map.window_level_mode = bool(on)
        self.wl_action.setChecked(bool(on))
        self.w.show_status("Window/level mode: left drag changes the window (horizontal) and level (vertical); "
                           "W again to leave it." if on else "Window/level mode off: left drag moves the crosshair.",
                           8000)

    def set_position_frame(self, frame: str) -> None:
        if frame not in (LPS, RAS):
            raise ValueError(f"position frame must be LPS or RAS, not {frame!r}")
        self.position_frame = frame
        self.ras_action.setChecked(frame == RAS)
        self.settings.setValue(POSITION_FRAME_KEY, frame)
        self._apply()

    def _apply(self) -> None:
        for view in self.w.all_2d_views():
            view.mouse_map = self.mouse_map
            view.source.position_frame = self.position_frame
            view.update()
        panel = getattr(self.w, "properties", None)  # the point editors read the same frame (issue 19)
        if panel is not None:
            panel.set_position_frame(self.position_frame)
        self.changed.emit()
