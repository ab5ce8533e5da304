"""The 3D key image in pieces (issue 19): a render tile by tile is the same picture as one render, and a
surface cut into pieces is the same triangles. The reference is the one-call render of the same scene
(an independent path: no tiles, no window-centre shift) and the uncut surface."""

from __future__ import annotations

import numpy as np
import pytest
from vtkmodules.util import numpy_support
from vtkmodules.vtkFiltersSources import vtkSphereSource

from planner.render.chunks import split_surface
from planner.render.offscreen import offscreen_render_window
from planner.render.scene3d import Scene3D, capture_array
from planner.render.shapes3d import configure_translucency, make_actor
from planner.render.tiled import TiledCapture, tile_layout

pytestmark = pytest.mark.gui
W, H = 320, 240


def _sphere(centre, radius):
    src = vtkSphereSource()
    src.SetCenter(*centre)
    src.SetRadius(radius)
    src.SetThetaResolution(40)
    src.SetPhiResolution(40)
    src.Update()
    return src.GetOutput()


def _window(pieces_of_big: bool):
    """Nested translucent spheres (a bone-like shell around an opaque and a translucent ball), the
    gradient background and depth peeling of the key image, seen obliquely."""
    scene = Scene3D()
    big = _sphere((0, 0, 0), 30)
    for poly in (split_surface(big, (3, 2, 3)) if pieces_of_big else [big]):
        scene.renderer.AddActor(make_actor((0.9, 0.8, 0.6), 0.45, polydata=poly))
    scene.renderer.AddActor(make_actor((0.2, 0.4, 0.9), 1.0, polydata=_sphere((10, 0, 5), 12)))
    scene.renderer.AddActor(make_actor((0.9, 0.4, 0.1), 0.6, polydata=_sphere((-20, 10, -10), 15)))
    scene.set_focus((-40, -40, -40), (40, 40, 40))
    scene.camera_preset("P")
    cam = scene.renderer.GetActiveCamera()
    cam.Azimuth(20)
    cam.Elevation(15)
    window = offscreen_render_window(W, H)
    window.AddRenderer(scene.renderer)
    configure_translucency(scene.renderer, window)
    return window, scene


@pytest.fixture(scope="module")
def one_render():
    window, _scene = _window(False)
    try:
        return capture_array(window)
    finally:
        window.Finalize()


def test_tiles_cover_the_image_once():
    tiles = tile_layout(W, H, 70)
    cover = np.zeros((H, W), int)
    for x0, y0, w, h in tiles:
        cover[y0:y0 + h, x0:x0 + w] += 1
    assert (cover == 1).all() and len(tiles) == 5 * 4 and max(max(t[2], t[3]) for t in tiles) <= 70
    with pytest.raises(ValueError, match="positive"):
        tile_layout(0, H)


def test_a_tiled_render_is_the_one_render(one_render):
    window, scene = _window(False)
    try:
        capture = TiledCapture(window, scene.renderer, W, H, tile_px=70)
        fractions = list(capture.steps())
        tiled = capture.image
        cam = scene.renderer.GetActiveCamera()
        assert cam.GetWindowCenter() == (0.0, 0.0) and cam.GetViewAngle() == pytest.approx(30.0)
    finally:
        window.Finalize()
    assert fractions == pytest.approx([(n + 1) / 20 for n in range(20)])
    assert tiled.shape == one_render.shape == (H, W, 3)
    diff = np.abs(tiled.astype(int) - one_render.astype(int)).max(axis=2)
    # the same picture: the background gradient, the shell, both balls at the same pixels; a few edge
    # pixels differ by rounding of the shifted projection
    assert diff.mean() < 1.0 and (diff > 8).mean() < 0.002, (diff.mean(), (diff > 8).mean())
    assert one_render[H // 2].std() > 5  # the scene is in view (not a blank image compared with itself)


def test_pieces_render_as_the_whole_surface(one_render):
    window, scene = _window(True)
    try:
        image = TiledCapture(window, scene.renderer, W, H, tile_px=90).run()
    finally:
        window.Finalize()
    diff = np.abs(image.astype(int) - one_render.astype(int)).max(axis=2)
    assert diff.mean() < 1.0 and (diff > 8).mean() < 0.002


def test_split_surface_keeps_every_triangle_and_its_corners():
    whole = _sphere((1, 2, 3), 10)
    pieces = split_surface(whole, (3, 3, 3))
    assert 1 < len(pieces) <= 27
    assert sum(p.GetNumberOfPolys() for p in pieces) == whole.GetNumberOfPolys()

    def corners(poly):
        pts = numpy_support.vtk_to_numpy(poly.GetPoints().GetData())
        ids = numpy_support.vtk_to_numpy(poly.GetPolys().GetConnectivityArray()).reshape(-1, 3)
        return {tuple(np.round(pts[t].ravel(), 6)) for t in ids}

    assert set().union(*(corners(p) for p in pieces)) == corners(whole)
    assert all(p.GetPointData().GetNormals() is not None for p in pieces)
    # each piece holds only the points its triangles use
    for p in pieces:
        ids = numpy_support.vtk_to_numpy(p.GetPolys().GetConnectivityArray())
        assert np.unique(ids).size == p.GetNumberOfPoints()
    assert split_surface(_sphere((0, 0, 0), 1).__class__()) == []
    with pytest.raises(ValueError):
        split_surface(whole, (0, 1, 1))
