"""What the views frame when a case opens: the 2D views fit the patient's body (not the table's field
of view); the 3D camera frames where the spine must lie in the body at once
(:func:`planner.ui.view_fit.provisional_spine_box`) and the spine itself when the canal is found.

The boxes come from :mod:`planner.ui.view_fit`; the crosshair's move onto the spine stays with
:meth:`planner.ui.case_loader.CaseLoader._focus_on_spine`.

A training task's start frames the case the same way (:meth:`CaseFraming.frame_task`, issue 19): the
standard 2D views back to the body's fit (a zoom or pan made before the task is dropped), the crosshair
on the task's level (:func:`task_focus_lps`), the 3D camera reset to the spine there.
"""

from __future__ import annotations

import numpy as np

from planner.anatomy.focus import spine_focus_lps
from planner.ui.view_fit import body_box_lps, provisional_spine_box, spine_box_lps


def task_focus_lps(plan_levels, level_name: str, spine=None, volume=None, canal_mask=None):
    """Where a training task puts the crosshair (LPS mm), or None to leave it to the case load: the body
    centre of the plan's level named ``level_name`` (else of the plan's first level), else of the
    automatic vertebra of that name, else the canal's middle (:func:`spine_focus_lps`)."""
    levels = list(plan_levels)
    level = next((lv for lv in levels if level_name and lv.name == level_name), levels[0] if levels else None)
    if level is not None:
        return np.asarray(level.body_centre_lps, dtype=float)
    vertebra = spine.vertebra_named(level_name) if spine is not None and level_name else None
    if vertebra is not None:
        return np.asarray(vertebra.body_centre_lps, dtype=float)
    if volume is not None and canal_mask is not None:
        return spine_focus_lps(volume, canal_mask)
    return None


class CaseFraming:
    """Binds the main window's views to the case: call :meth:`frame_case` after the views have the volume."""

    def __init__(self, window):
        self.w = window
        self._spine_framed_for = None  # the volume whose first canal already framed the 3D camera
        self.known_body_box = None  # (volume, body box) from the load worker (case_loader._framed, issue 19)
        window.session.canal_changed.connect(self._on_canal)
        window.view3d.focus_provider = lambda: window.state.cursor_lps  # the 3D camera frames the levels there

    def frame_case(self, volume) -> None:
        """Fit the standard 2D views and the 3D camera to the body of the newly opened ``volume``."""
        self._spine_framed_for = None
        known, self.known_body_box = self.known_body_box, None  # (volume, box) found by the load worker
        box = known[1] if known is not None and known[0] is volume else body_box_lps(volume)
        if box is None:
            return  # no body found (a phantom): the views fit the whole field of view
        for view in self.w.views.values():
            view.set_fit_box(*box)
        self.w.view3d.set_frame_box(*provisional_spine_box(box))  # the canal's box replaces it (_on_canal)

    def _on_canal(self) -> None:
        """The first canal of a case: the 3D camera frames the spine, unless the user has moved it."""
        session, view3d = self.w.session, self.w.view3d
        volume = session.volume
        if volume is None or self._spine_framed_for is volume:
            return
        box = spine_box_lps(volume, session.canal_mask)
        if box is None:
            return
        self._spine_framed_for = volume
        moved = not (view3d.camera_pending or view3d.camera_untouched())
        view3d.set_frame_box(*box)
        if not moved:
            view3d.reset_camera_to_spine()

    def frame_task(self, level_name: str = "") -> None:
        """A training task starts on the open volume: frame it as a case load does (module docstring),
        the crosshair on :func:`task_focus_lps` snapped to the nearest voxel as a load's crosshair is
        (none found: it stays, for the case load to move onto the spine). A case whose first 3D framing
        is still to come (its bone surface not in yet) keeps it: the load's framing is the task's."""
        w = self.w
        session = w.session
        volume = session.volume
        if volume is None:
            return
        spine = session.anatomy.ready_spine() if session.anatomy is not None else None
        focus_lps = task_focus_lps(session.plan.levels, level_name, spine, volume, session.canal_mask)
        for view in w.views.values():
            view.reset_view()  # fit the body box set at load (frame_case), at the view's size then
        if focus_lps is not None:
            w.state.set_cursor(volume.to_lps(np.round(volume.to_ijk(np.asarray(focus_lps, float)))))
        if not w.view3d.camera_pending:
            w.view3d.reset_camera_to_spine()  # around the crosshair's height (focus_provider)
