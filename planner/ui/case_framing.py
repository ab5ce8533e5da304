"""What the views frame when a case opens: the 2D views fit the patient's body (not the table's field
of view); the 3D camera frames the body at once and the spine when the canal is found.

The boxes come from :mod:`planner.ui.view_fit`; the crosshair's move onto the spine stays with
:meth:`planner.ui.case_loader.CaseLoader._focus_on_spine`.
"""

from __future__ import annotations

from planner.ui.view_fit import body_box_lps, spine_box_lps


class CaseFraming:
    """Binds the main window's views to the case: call :meth:`frame_case` after the views have the volume."""

    def __init__(self, window):
        self.w = window
        self._spine_framed_for = None  # the volume whose first canal already framed the 3D camera
        window.session.canal_changed.connect(self._on_canal)
        window.view3d.focus_provider = lambda: window.state.cursor_lps  # the 3D camera frames the levels there

    def frame_case(self, volume) -> None:
        """Fit the standard 2D views and the 3D camera to the body of the newly opened ``volume``."""
        self._spine_framed_for = None
        box = body_box_lps(volume)
        if box is None:
            return  # no body found (a phantom): the views fit the whole field of view
        for view in self.w.views.values():
            view.set_fit_box(*box)
        self.w.view3d.set_frame_box(*box)

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
