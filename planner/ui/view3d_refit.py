"""The 3D view keeps its automatic framing when its pane changes size (issue 19).

The framing (:mod:`planner.render.camera_fit`) depends on the view's aspect: a pane squeezed by a dock,
a view maximised and restored, or a window maximised would otherwise keep a camera fitted to the old
shape (the spine cut off at the sides of a narrow pane, or small in a wide one). As 3D Slicer's
"reset field of view" is redone by the user, here it is redone automatically, but only while the
camera is where the last automatic fit or preset put it: a camera the user has turned, zoomed or
panned since is never moved by a resize.

Several resizes in one event-loop turn (a dock being dragged) give one refit.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer


class RefitOnResize(QObject):
    """Watches ``view.vtk_widget`` and calls ``view.refit()`` once after each burst of resizes."""

    def __init__(self, view):
        super().__init__(view)
        self.view = view
        self._pending = False
        self.refits = 0  # how many refits a resize caused (for tests and diagnostics)
        view.vtk_widget.installEventFilter(self)

    def eventFilter(self, watched, event):  # noqa: N802 - Qt's name
        if event.type() == QEvent.Resize and not self._pending:
            self._pending = True
            QTimer.singleShot(0, self, self._refit)
        return False  # the widget handles its resize as before (the render window's size)

    def _refit(self) -> None:
        self._pending = False
        if self.view.refit():
            self.refits += 1
