"""Reading back what a VTK render window drew, in one place (issue 19): the 3D view's captures
(planner.render.scene3d) and the tiled export renders (planner.render.tiled)."""

from __future__ import annotations

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkRenderingCore import vtkWindowToImageFilter


def rendered_frame(render_window) -> vtkWindowToImageFilter:
    """One frame of ``render_window``, drawn by ``Render()`` and read back as it was drawn.

    The filter does not render again (``ShouldRerenderOff``): its own render swaps each renderer's
    camera for a copy whose view angle went through a ``float`` (vtkWindowToImageFilter::RequestData
    keeps the angles in ``float`` radians and sets ``2 atan(tan(a / 2))`` back: 30 deg becomes
    30.00000083 deg), so it drew a slightly different projection than the view shows (issue 19: a
    few blended pixels one 8-bit level off) and cost a second software frame."""
    render_window.Render()
    grab = vtkWindowToImageFilter()
    grab.SetInput(render_window)
    grab.ReadFrontBufferOff()
    grab.ShouldRerenderOff()
    grab.Update()
    return grab


def frame_rgb_bottom_up(render_window) -> np.ndarray:
    """:func:`rendered_frame` as an (h, w, 3) uint8 array, bottom row first (VTK's order)."""
    img = rendered_frame(render_window).GetOutput()
    w, h, _ = img.GetDimensions()
    return numpy_support.vtk_to_numpy(img.GetPointData().GetScalars()).reshape(h, w, -1)[:, :, :3]
