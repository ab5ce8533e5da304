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


def make_vtk_widget(parent=None) -> QVTKRenderWindowInteractor:
    """A QVTKRenderWindowInteractor, with an EGL window of its own on the offscreen platform."""
    if is_offscreen_platform():
        rw = DetachedEGLRenderWindow()
        rw.SetOffScreenRendering(1)
        widget = QVTKRenderWindowInteractor(parent, rw=rw)
    else:
        widget = QVTKRenderWindowInteractor(parent)
    return widget
