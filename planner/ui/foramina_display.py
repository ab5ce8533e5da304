"""The neural foramina in the 2D views (outline + light fill) and the 3D view (a translucent surface),
with one visibility toggle in the View menu (issue 13).

Thin: the masks come from the session (:attr:`PlanningSession.foramen_mask`, found per canal version
by :mod:`planner.session.foramina_state`); the colour is ``palette.FORAMEN``.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

from planner.core import palette
from planner.render.mask_surfaces import MaskSurface
from planner.ui.plan_overlays import MaskOverlay

FORAMEN_RGB = QColor(*palette.FORAMEN)
FORAMEN_RGB_3D = palette.unit(palette.FORAMEN)


class ForaminaDisplay:
    """Draws the session's foramina in every 2D view of ``window`` and in its 3D view."""

    def __init__(self, window, menu=None, visible: bool = True):
        self.w = window
        self.session = window.session
        self.visible = bool(visible)
        self.overlay = MaskOverlay(self.session, self._mask_2d, FORAMEN_RGB, show_overlap=False)
        for view in window.all_2d_views():
            view.overlays.insert(min(1, len(view.overlays)), self.overlay)  # over the canal, under the plan
        self.surface = MaskSurface(window.view3d.scene.renderer, FORAMEN_RGB_3D, opacity=0.5)
        window.scene_plan.legend_extra.append(lambda: [("neural foramina", FORAMEN_RGB_3D, self.surface.actor)])
        self._shown = None  # the union mask the 3D surface was built from
        self.action = None
        if menu is not None:
            self.action = window.add_action(menu, "Show the neural &foramina", self.set_visible)
            self.action.setCheckable(True)
            self.action.setChecked(self.visible)
        self.session.evaluated.connect(self._on_evaluated)
        self.session.volume_changed.connect(self._on_volume)

    def _mask_2d(self):
        return self.session.foramen_mask if self.visible else None

    def _on_volume(self) -> None:
        self._shown = None
        self.w.scene_plan.surfaces.clear(self.surface)

    def _on_evaluated(self, evaluation) -> None:
        """Rebuild the 3D surface when the foramina changed (a new canal); nothing else to do."""
        if self.session.interactive:
            return
        mask = self.session.foramen_mask
        if mask is self._shown:
            return
        self._shown = mask
        self.surface.set_visible(self.visible)
        self.w.scene_plan.clip.attach(self.surface.actor)  # clipped with the bone and canal
        # issue 19: the surface is built in a worker (a found foramina set is never changed in place)
        self.w.scene_plan.surfaces.request(self.surface, mask, self.session.grid, copy=False,
                                           then=self.w.view3d.render)
        self.w.update_views()

    def set_visible(self, on: bool) -> None:
        """Show or hide the foramina in the 2D and 3D views."""
        self.visible = bool(on)
        self.surface.set_visible(self.visible)
        self.w.view3d.render()
        self.w.update_views()
