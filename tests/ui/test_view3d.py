"""The 3D view renders headless, by content: bone surface, camera presets, volume rendering, PNG."""

from __future__ import annotations

import numpy as np
import pytest

from tests.ui.helpers import marker_volume

pytestmark = pytest.mark.gui


@pytest.fixture
def view(qtbot):
    from planner.ui.view3d import View3D

    v = View3D()
    qtbot.addWidget(v)
    v.resize(400, 320)
    v.show()
    qtbot.waitExposed(v)
    yield v
    v.shutdown()


def _foreground(img: np.ndarray) -> np.ndarray:
    """Pixels brighter than the dark gradient background (the ivory bone)."""
    return img.astype(int).sum(axis=2) > 450


def test_surface_renders_and_png_is_written(view, qtbot, tmp_path):
    volume, marker = marker_volume()
    with qtbot.waitSignal(view.surface_ready, timeout=20000):
        view.set_volume(volume)
    img = view.image_array()
    assert img.shape[2] == 3 and _foreground(img).sum() > 20
    path = view.save_png(tmp_path / "v.png")
    assert path.stat().st_size > 1000


def test_camera_presets_look_from_opposite_sides(view, qtbot):
    volume, marker = marker_volume()
    with qtbot.waitSignal(view.surface_ready, timeout=20000):
        view.set_volume(volume)
    cam = view.scene.renderer.GetActiveCamera()
    view.camera_preset("A")
    front = np.array(cam.GetPosition()) - np.array(cam.GetFocalPoint())
    view.camera_preset("P")
    back = np.array(cam.GetPosition()) - np.array(cam.GetFocalPoint())
    assert front[1] < 0 < back[1]  # anterior is -y in LPS


def test_volume_rendering_replaces_the_surface(view, qtbot):
    volume, marker = marker_volume()
    with qtbot.waitSignal(view.surface_ready, timeout=20000):
        view.set_volume(volume)
    view.volume_box.setChecked(True)
    assert not view.scene.bone_actor.GetVisibility()
    assert view.scene.renderer.GetVolumes().GetNumberOfItems() == 1
    img = view.image_array()
    assert img.sum() > 0
    view.volume_box.setChecked(False)
    assert view.scene.bone_actor.GetVisibility()


def test_a_coarse_surface_is_drawn_while_the_camera_moves(view, qtbot):
    volume, marker = marker_volume()
    with qtbot.waitSignal(view.surface_ready, timeout=60000):
        view.set_volume(volume)
    lod = view.scene.bone_lod_mapper
    assert lod is not None
    full = view.scene.bone_actor.GetMapper().GetInput().GetNumberOfPolys()
    coarse = lod.GetInput().GetNumberOfPolys()
    assert 0 < coarse < full
    view.render_window.SetDesiredUpdateRate(1000.0)  # as fast as possible: the LOD is drawn
    assert _foreground(view.image_array()).sum() > 20
