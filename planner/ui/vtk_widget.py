"""The Qt widget that hosts a VTK render window, working on a real display and headless.

Under ``QT_QPA_PLATFORM=offscreen`` the stock widget renders black (HEADLESS.md); there it gets a
render window that draws through EGL and ignores Qt's window id.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor

from planner.render.offscreen import DetachedEGLRenderWindow


def is_offscreen_platform() -> bool:
    return QGuiApplication.platformName() == "offscreen"


class HoldableVTKWidget(QVTKRenderWindowInteractor):
    """A VTK widget whose repaints can be held: while ``held`` (a drag in the 2D views), a Qt paint
    request (a neighbouring panel's relayout) shows the last frame instead of a new software render
    of the whole scene, which on a real CT takes far longer than a frame."""

    held = False

    def paintEvent(self, event):  # noqa: N802
        if not self.held:
            super().paintEvent(event)


def make_vtk_widget(parent=None) -> HoldableVTKWidget:
    """A VTK widget, with an EGL window of its own on the offscreen platform."""
    if is_offscreen_platform():
        rw = DetachedEGLRenderWindow()
        rw.SetOffScreenRendering(1)
        widget = HoldableVTKWidget(parent, rw=rw)
    else:
        widget = HoldableVTKWidget(parent)
    return widget
