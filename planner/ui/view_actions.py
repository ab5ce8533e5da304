"""The View menu: window presets, layouts (four-up / along the needle), reset, maximise one view,
thermal shell, 3D clipping and camera presets."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from planner.ablation.zones import conduction_length_mm
from planner.render.windowing import window_presets

SHELL_TIME_S = 300.0  # the longest ablation in Chen 2022 (2-5 min): the conservative conduction margin


class ViewActions:
    """Builds the View menu on ``window`` and owns which panes are shown."""

    def __init__(self, window):
        self.w = window  # an ActionHost that also exposes its panes (views, needle_views, view3d)
        self.layout = "four_up"
        self.maximised: QWidget | None = None
        add = window.add_action
        menu = window.add_menu("&View")
        self.menu = menu  # other panels add their toggles here (e.g. the neural foramina)
        presets = menu.addMenu("&Window presets")
        for p in window_presets():
            add(presets, f"{p.name} (W {p.width_hu:.0f} / L {p.center_hu:.0f})",
                lambda _=False, c=p.center_hu, w=p.width_hu: window.state.set_window(c, w), p.key)
        add(menu, "&Four-up layout", lambda: self.set_layout("four_up"), "Ctrl+1")
        add(menu, "&Needle layout (along the selected needle)", lambda: self.set_layout("needle"), "Ctrl+2")
        add(menu, "&Reset views", self.reset_views, "Ctrl+R")
        add(menu, "&Maximise view under the mouse / restore", self.toggle_maximise, "F")
        add(menu, "Show the thermal &shell (≈ 1 cm conduction margin)", self.toggle_shell).setCheckable(True)
        add(menu, "&Clip the 3D view to the planned level", window.scene_plan.set_clip, "C").setCheckable(True)
        cameras = menu.addMenu("3D &camera")
        for name in ("A", "P", "L", "R", "S", "I"):
            add(cameras, f"From {name}", lambda _=False, n=name: window.view3d.camera_preset(n))

    def set_layout(self, name: str) -> None:
        """``four_up`` (axial, 3D, sagittal, coronal) or ``needle`` (two along-needle views, the probe's
        eye view and 3D)."""
        self.layout = name
        self.maximised = None
        needle = name == "needle"
        for view in self.w.views.values():
            view.setVisible(not needle)
        for view in self.w.needle_views.values():
            view.setVisible(needle)
        self.w.view3d.setVisible(True)
        if needle and self.w.selected_needle() is None:
            self.w.show_status("Select a needle to see the views along it.", 6000)

    def visible_panes(self) -> list[QWidget]:
        views = self.w.needle_views.values() if self.layout == "needle" else self.w.views.values()
        return list(views) + [self.w.view3d]

    def reset_views(self) -> None:
        for view in self.w.all_2d_views():
            view.reset_view()
        self.w.view3d.reset_camera_to_spine()

    def toggle_maximise(self) -> None:
        """Show only the view under the mouse (or the focused one); again to restore the layout."""
        panes = self.visible_panes()
        if self.maximised is not None:
            self.set_layout(self.layout)
            return
        target = next((p for p in panes if p.underMouse()), None) or next(
            (p for p in panes if p.hasFocus()), panes[0])
        for pane in panes:
            pane.setVisible(pane is target)
        self.maximised = target

    def toggle_shell(self, on: bool) -> None:
        self.w.zone_overlay.shell_margin_mm = conduction_length_mm(SHELL_TIME_S) if on else None
        self.w.scene_plan.set_shell(on)
        self.w.update_views()
