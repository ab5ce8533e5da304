"""Render windows that work without a screen (see ../shared/docs/HEADLESS.md).

Under Qt's ``offscreen`` platform, ``QVTKRenderWindowInteractor`` hands VTK a fake window id and the
image comes out black. :class:`DetachedEGLRenderWindow` renders through EGL into its own surface and
ignores the window id it is given.
"""

from __future__ import annotations

from vtkmodules.vtkRenderingOpenGL2 import vtkEGLRenderWindow


class DetachedEGLRenderWindow(vtkEGLRenderWindow):
    """An EGL render window that ignores the native window handle a GUI toolkit passes in."""

    def SetWindowInfo(self, info):  # noqa: N802 (VTK's name)
        return None

    def SetWindowId(self, window_id):  # noqa: N802
        return None


def offscreen_render_window(width: int = 1024, height: int = 768) -> vtkEGLRenderWindow:
    """A plain offscreen render window for scripted renders (reports, self-test, benchmarks)."""
    rw = vtkEGLRenderWindow()
    rw.SetOffScreenRendering(1)
    rw.SetSize(int(width), int(height))
    return rw
