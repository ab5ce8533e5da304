"""Issue 19: a capture of the 3D view (screenshot, key image, the tests' forced frame) is the frame one
``Render()`` draws, read back as drawn: one frame, with the renderer's own camera.

vtkWindowToImageFilter's own render (``ShouldRerender``, the default) puts a copy of each renderer's
camera in its place, its view angle passed through a ``float`` (30 deg -> 30.00000083 deg); in the
planner's 3D view that drew 2 see-through pixels one 8-bit level off the view's frame after
File > Open plan (tests/ui/test_view3d_edit_frames.py), and cost a second software frame."""

from __future__ import annotations

import numpy as np
from PIL import Image
from vtkmodules.vtkFiltersSources import vtkSphereSource
from vtkmodules.vtkRenderingCore import vtkWindowToImageFilter
from vtkmodules.util import numpy_support

from planner.render.scene3d import capture_array, capture_png
from planner.render.shapes3d import make_actor


def _drawn(window) -> np.ndarray:
    """The frame last drawn, read back without drawing (top row first)."""
    grab = vtkWindowToImageFilter()
    grab.SetInput(window)
    grab.ReadFrontBufferOff()
    grab.ShouldRerenderOff()
    grab.Update()
    img = grab.GetOutput()
    w, h, _ = img.GetDimensions()
    return numpy_support.vtk_to_numpy(img.GetPointData().GetScalars()).reshape(h, w, -1)[::-1, :, :3].copy()


def test_a_capture_is_the_frame_render_draws_with_the_renderers_camera(scene, tmp_path):
    sphere = vtkSphereSource()
    sphere.SetRadius(20.0)
    sphere.SetThetaResolution(48)
    sphere.SetPhiResolution(48)
    actor = make_actor((0.9, 0.5, 0.2), 0.55, source=sphere)
    scene.renderer.AddActor(actor)
    scene.look_at((0.0, 0.0, 0.0), (0.0, -1.0, 0.0), 150.0, view_angle_deg=30.0)
    actor.SetVisibility(False)
    empty = capture_array(scene.window)  # first a frame without the sphere: a stale read-back would give it
    actor.SetVisibility(True)
    camera = scene.renderer.GetActiveCamera()
    seen = []
    scene.renderer.AddObserver(
        "StartEvent", lambda *_: seen.append((scene.renderer.GetActiveCamera(), camera.GetViewAngle(),
                                              scene.renderer.GetActiveCamera().GetViewAngle())))
    image = capture_array(scene.window)
    assert len(seen) == 1  # one frame, not a second one drawn by the filter
    assert seen[0][0] is camera and seen[0][2] == 30.0  # the view's camera as it is, no float round trip
    assert np.array_equal(image, _drawn(scene.window))
    h, w, _ = image.shape
    # the sphere (radius 20 mm at 150 mm, view angle 30 deg: the view is 2 x 150 tan 15 deg = 80 mm high, so
    # the sphere spans half its height) covers the centre and not the corners: the centre changed from the empty frame, the corners did not
    centre, corners = (h // 2, w // 2), [(2, 2), (2, w - 3), (h - 3, 2), (h - 3, w - 3)]
    assert np.abs(image[centre].astype(int) - empty[centre].astype(int)).max() > 40
    assert all(np.array_equal(image[c], empty[c]) for c in corners)
    path = capture_png(scene.window, tmp_path / "view.png")
    assert len(seen) == 2
    assert np.array_equal(np.asarray(Image.open(path).convert("RGB")), image)
