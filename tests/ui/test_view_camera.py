"""The 3D camera frames the spine on every case load, on a training task's start and after an export;
the bone's opacity is adjustable (issue 19). The expected focal point is the centre of the framed box,
known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.resources import sample_series_dir
from planner.core.volume import ImageVolume, SeriesInfo
from planner.ui.view_fit import spine_box_lps

pytestmark = pytest.mark.gui


def _bone_block(offset_mm) -> ImageVolume:
    """Soft tissue with a bone block; the whole volume shifted by ``offset_mm`` (LPS)."""
    hu = np.full((30, 80, 80), 40, dtype=np.int16)
    hu[:, :, :3] = -1000
    hu[5:25, 30:50, 30:50] = 1200
    return ImageVolume(hu, (1.0, 1.0, 2.0), tuple(offset_mm), np.eye(3), SeriesInfo(series_description="block"))


def _camera(view3d):
    cam = view3d.scene.renderer.GetActiveCamera()
    return np.array(cam.GetFocalPoint()), np.array(cam.GetPosition())


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


def test_the_camera_is_reset_on_every_case_load(view, qtbot):
    """A second case far from the first is framed too (it used to keep the first case's camera)."""
    for offset in ((0.0, 0.0, 0.0), (400.0, -300.0, 900.0)):
        volume = _bone_block(offset)
        with qtbot.waitSignal(view.surface_ready, timeout=20000):
            view.set_volume(volume)
            lo, hi = volume.bounds_lps
            view.set_frame_box(lo, hi)
        focal, position = _camera(view)
        np.testing.assert_allclose(focal, (lo + hi) / 2, atol=1e-6)
        direction = (position - focal) / np.linalg.norm(position - focal)
        np.testing.assert_allclose(direction, [0, 1, 0], atol=1e-9)  # from behind the patient (P = +y)
        assert view.camera_untouched()
        view.scene.renderer.GetActiveCamera().Azimuth(40)
        assert not view.camera_untouched()


def _centre(img: np.ndarray) -> float:
    """Mean R+G+B over the image's central tenth (where the bone block is framed)."""
    h, w, _ = img.shape
    return float(img[int(0.45 * h):int(0.55 * h), int(0.45 * w):int(0.55 * w)].astype(int).sum(axis=2).mean())


def test_bone_opacity_control(view, qtbot):
    with qtbot.waitSignal(view.surface_ready, timeout=20000):
        view.set_volume(_bone_block((0, 0, 0)))
    bright = _centre(view.image_array())
    view.opacity.setValue(30)
    assert view.scene.bone_actor.GetProperty().GetOpacity() == pytest.approx(0.3)
    faint = _centre(view.image_array())
    # the ivory bone (about 0.9 of white) blends 30:70 with the dark background (about 0.1-0.3)
    assert faint < bright - 100
    with qtbot.waitSignal(view.surface_ready, timeout=20000):
        view.rebuild_surface()  # a new threshold keeps the chosen opacity
    assert view.scene.bone_actor.GetProperty().GetOpacity() == pytest.approx(0.3)
    view.opacity.setValue(0)
    assert not view.scene.bone_actor.GetVisibility()


def _wait(qapp, condition, timeout_s: float = 60.0) -> bool:
    import time

    end = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < end:
        qapp.processEvents()
        time.sleep(0.01)
    return condition()


@pytest.fixture(scope="module")
def window(qapp):
    """The sample opened once for the module's tests (loading and its canal take seconds)."""
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    w.loader.quiet = True
    w.show()
    ready = []
    w.loader.canal_ready.connect(lambda: ready.append(True))
    w.open_path(sample_series_dir())
    assert _wait(qapp, lambda: bool(ready) and not w.view3d.camera_pending)
    yield w
    w.close()
    w.deleteLater()
    qapp.processEvents()


def _spine_centre(w) -> np.ndarray:
    lo, hi = spine_box_lps(w.session.volume, w.session.canal_mask)
    return (lo + hi) / 2


def test_on_load_the_camera_frames_the_spine(window):
    focal, _ = _camera(window.view3d)
    np.testing.assert_allclose(focal, _spine_centre(window), atol=1e-6)


def test_after_an_export_the_camera_is_reset(window, tmp_path, qtbot):
    """A real export (3D Slicer markups) through the background export worker."""
    from tests.ui.test_export_worker_window import Prompts

    window.view3d.scene.renderer.GetActiveCamera().Azimuth(50)
    window.view3d.scene.renderer.GetActiveCamera().Zoom(3.0)
    assert not window.view3d.camera_untouched()
    exports = window.plan_files.exports
    saved = exports.prompts
    exports.prompts = Prompts(str(tmp_path / "plan.mrk.json"))
    try:
        with qtbot.waitSignal(exports.runner.busy_changed, timeout=120000, check_params_cb=lambda busy: not busy):
            exports.export_markups()
    finally:
        exports.prompts = saved
    assert (tmp_path / "plan.mrk.json").exists()
    assert window.view3d.camera_untouched()
    focal, _ = _camera(window.view3d)
    np.testing.assert_allclose(focal, _spine_centre(window), atol=1e-6)


def test_on_starting_a_training_task_the_camera_is_reset(window):
    training = window.training
    if training.selected_task() is None:
        pytest.skip("no training task on the sample case")
    training.panel.trainee.setText("camera test")
    window.view3d.scene.renderer.GetActiveCamera().Elevation(35)
    assert not window.view3d.camera_untouched()
    training.start_task()
    assert training.task is not None and window.view3d.camera_untouched()
    focal, _ = _camera(window.view3d)
    np.testing.assert_allclose(focal, _spine_centre(window), atol=1e-6)


def _wait_until_idle(view, qtbot, frames, quiet_ms=300, timeout_s=20.0):
    """Wait until no frame is pending and none was drawn for ``quiet_ms`` (a frame asked for before,
    delayed after a long one on a loaded machine, must not count as the reset's); then clear ``frames``."""
    import time

    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        frames.clear()
        qtbot.wait(max(view.next_frame_delay_ms(), 0) + quiet_ms)
        if not frames and not view._render_pending:
            return
    raise AssertionError("the 3D view kept drawing frames with nothing asked of it")


def test_a_camera_reset_that_moves_nothing_draws_no_new_frame(view, qtbot):
    """The reset after an export, with the camera where the last reset put it, costs no software frame
    (seconds for the lumbar bone, issue 19); a reset after the user turned the camera draws one."""
    volume = _bone_block((0.0, 0.0, 0.0))
    with qtbot.waitSignal(view.surface_ready, timeout=20000):
        view.set_volume(volume)
        view.set_frame_box(*volume.bounds_lps)
    frames = []
    view.render_window.AddObserver("StartEvent", lambda *_a: frames.append(1))
    _wait_until_idle(view, qtbot, frames)  # the frames the surface and the frame box asked for are drawn
    view.reset_camera_to_spine()
    qtbot.wait(view.next_frame_delay_ms() + 50)
    assert frames == []
    view.scene.renderer.GetActiveCamera().Azimuth(40)
    view.reset_camera_to_spine()
    qtbot.waitUntil(lambda: len(frames) == 1, timeout=10000)
    assert view.camera_untouched()
    view.camera_preset("L")  # another side: a new frame
    qtbot.waitUntil(lambda: len(frames) == 2, timeout=10000)
    qtbot.wait(view.next_frame_delay_ms() + 50)
    assert len(frames) == 2


class _SlowWindow:
    """Stands in for the render window: each frame takes ``frame_s`` (a real CT's software frame)."""

    def __init__(self, frame_s):
        self.frame_s, self.frames = frame_s, []

    def Render(self):  # noqa: N802 - VTK's name
        import time

        start = time.monotonic()
        time.sleep(self.frame_s)
        self.frames.append((start, time.monotonic()))


def test_after_a_long_frame_the_window_gets_as_long_before_the_next(view, qtbot):
    """Issue 19: back-to-back multi-second frames froze the window; after a frame longer than
    LONG_FRAME_S the next waits as long as it took (from its end), and the event loop runs meanwhile."""
    import time

    from PySide6.QtCore import QTimer

    from planner.ui.view3d import LONG_FRAME_S

    real, slow = view.render_window, _SlowWindow(LONG_FRAME_S * 2)
    view.render_window = slow
    try:
        view.render()
        qtbot.waitUntil(lambda: len(slow.frames) == 1, timeout=5000)
        took = slow.frames[0][1] - slow.frames[0][0]
        assert view.next_frame_delay_ms() >= 0.8 * took * 1000 - (time.monotonic() - slow.frames[0][1]) * 1000
        ticks = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(time.monotonic()))
        timer.start(5)
        view.render()
        view.render()  # one frame for both requests
        qtbot.waitUntil(lambda: len(slow.frames) == 2, timeout=5000)
        qtbot.wait(20)
        timer.stop()
        assert len(slow.frames) == 2
        pause = slow.frames[1][0] - slow.frames[0][1]
        assert pause >= 0.9 * took
        assert any(slow.frames[0][1] < t < slow.frames[1][0] for t in ticks)  # the window ran in between
        slow.frame_s = 0.0  # a short frame: the next one is not held back
        qtbot.wait(int(took * 1000) + 50)
        view.render()
        qtbot.waitUntil(lambda: len(slow.frames) == 3, timeout=5000)
        assert view.next_frame_delay_ms() == 0
    finally:
        view.render_window = real


def _tall_bone_block() -> ImageVolume:
    """A 300 mm tall field (150 slices of 2 mm) with a bone column: longer than SPINE_FRAME_SPAN_MM, so
    the framing depends on the height it centres on."""
    hu = np.full((150, 80, 80), 40, dtype=np.int16)
    hu[:, :, :3] = -1000
    hu[5:145, 30:50, 30:50] = 1200
    return ImageVolume(hu, (1.0, 1.0, 2.0), (0.0, 0.0, 0.0), np.eye(3), SeriesInfo(series_description="column"))


def test_the_reset_after_an_export_keeps_an_untouched_camera_and_brings_back_a_moved_one(view, qtbot):
    """Issue 19 (lumbar screenshot round): the reset after an export re-centred an untouched camera on
    the crosshair's new height, a visible jump. Now the untouched camera stays (no frame drawn); a
    turned one comes back to the last fit's view, centred on the height that fit framed."""
    from planner.render.camera_fit import SPINE_FRAME_SPAN_MM

    volume = _tall_bone_block()
    lo, hi = volume.bounds_lps
    crosshair = [np.array([0.0, 0.0, lo[2] + 100.0])]
    view.focus_provider = lambda: crosshair[0]
    with qtbot.waitSignal(view.surface_ready, timeout=20000):
        view.set_volume(volume)
        view.set_frame_box(lo, hi)
    fitted = _camera(view)
    assert fitted[0][2] == pytest.approx(lo[2] + 100.0)  # the window's middle: the crosshair's height
    crosshair[0] = np.array([0.0, 0.0, lo[2] + 100.0 + 0.5 * SPINE_FRAME_SPAN_MM])  # the user went a level up
    frames = []
    view.render_window.AddObserver("StartEvent", lambda *_a: frames.append(1))
    _wait_until_idle(view, qtbot, frames)
    assert view.reset_camera_after_export() is False
    qtbot.wait(view.next_frame_delay_ms() + 50)
    assert frames == []
    for got, want in zip(_camera(view), fitted):
        np.testing.assert_allclose(got, want, atol=1e-9)
    view.scene.renderer.GetActiveCamera().Azimuth(40)
    view.scene.renderer.GetActiveCamera().Zoom(2.0)
    assert view.reset_camera_after_export() is True
    assert view.camera_untouched()
    for got, want in zip(_camera(view), fitted):
        np.testing.assert_allclose(got, want, atol=1e-6)
    qtbot.waitUntil(lambda: len(frames) == 1, timeout=10000)
