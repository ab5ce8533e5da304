"""The 3D key image is rendered in the export's worker thread (issue 19: its tiles held the GUI thread
up to 1.2 s each on the lumbar scan), in an offscreen EGL window of its own. Checked here:

- the GUI thread keeps its event loop running while the worker renders (VTK 9.7's ``Render`` releases
  the GIL): a 10 ms heartbeat timer never waits long;
- the GUI thread may render a window of its own at the same time (as the 3D view does while the user
  works): both pictures come out right. The references are renders of the same scenes made one after
  the other on the main thread with nothing else running (an independent path: one render, no tiles,
  no second thread).
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from vtkmodules.vtkFiltersSources import vtkSphereSource

from planner.headless.export_steps import ExportJob, Step
from planner.render.offscreen import offscreen_render_window
from planner.render.scene3d import Scene3D, capture_array
from planner.render.shapes3d import configure_translucency, make_actor
from planner.render.tiled import TiledCapture
from planner.ui.export_worker import ExportRunner

pytestmark = pytest.mark.gui
W, H = 480, 360


def _sphere(centre, radius, resolution=160):
    src = vtkSphereSource()
    src.SetCenter(*centre)
    src.SetRadius(radius)
    src.SetThetaResolution(resolution)
    src.SetPhiResolution(resolution)
    src.Update()
    return src.GetOutput()


def _scene(shift: float):
    """Translucent nested spheres with depth peeling, as the key image draws the bone (a heavy render)."""
    scene = Scene3D()
    scene.renderer.AddActor(make_actor((0.9, 0.8, 0.6), 0.45, polydata=_sphere((shift, 0, 0), 30)))
    scene.renderer.AddActor(make_actor((0.2, 0.4, 0.9), 1.0, polydata=_sphere((10 + shift, 0, 5), 12)))
    scene.renderer.AddActor(make_actor((0.9, 0.4, 0.1), 0.6, polydata=_sphere((-20 + shift, 10, -10), 15)))
    scene.set_focus((-40, -40, -40), (40, 40, 40))
    scene.camera_preset("P")
    window = offscreen_render_window(W, H)
    window.AddRenderer(scene.renderer)
    configure_translucency(scene.renderer, window)
    window._keep = scene
    return window


def _one_render(shift: float) -> np.ndarray:
    window = _scene(shift)
    try:
        return capture_array(window)
    finally:
        window.Finalize()


@pytest.fixture(scope="module")
def references():
    return {"export": _one_render(0.0), "view": _one_render(15.0)}


def _same_picture(image, reference) -> None:
    diff = np.abs(image.astype(int) - reference.astype(int)).max(axis=2)
    assert reference[H // 2].std() > 5  # something is in view
    assert diff.mean() < 1.0 and (diff > 8).mean() < 0.002, (diff.mean(), (diff > 8).mean())


def _render_job(result: dict) -> ExportJob:
    """A job whose one step renders the export scene tile by tile (a generator, as the key image's)."""
    job = ExportJob("Render test")

    def tiles(progress):
        result["thread"] = threading.current_thread() is threading.main_thread()
        window = _scene(0.0)
        try:
            capture = TiledCapture(window, window.GetRenderers().GetFirstRenderer(), W, H, tile_px=240)
            for fraction in capture.steps():
                if progress is not None:
                    progress(fraction, "rendering")
                gui = result.get("gui_rendered")
                if gui is not None:  # the GUI thread renders its own window meanwhile (2 frames), however fast
                    gui.wait(10.0)  # this machine renders the tiles (the job once ended before its second frame)
                yield fraction
            result["image"] = capture.image
        finally:
            window.Finalize()
    job.steps = [Step("Rendering", tiles, 1.0), job.commit_step()]
    return job


def test_the_worker_renders_while_the_gui_thread_renders_its_own_window(qtbot, references):
    view = _scene(15.0)  # the window's 3D view stand-in, rendered on the GUI thread meanwhile
    view_images, ticks = [], [time.monotonic()]

    result = {"gui_rendered": threading.Event()}

    def beat():
        ticks.append(time.monotonic())
        if len(ticks) % 10 == 0:  # every ~100 ms a render of the GUI thread's own window
            view_images.append(capture_array(view))
            if len(view_images) >= 2:
                result["gui_rendered"].set()
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(beat)
    runner = ExportRunner(show_dialog=False)
    try:
        timer.start()
        with qtbot.waitSignal(runner.done, timeout=120000):
            assert runner.start(_render_job(result))
        timer.stop()
    finally:
        view.Finalize()
    assert result["thread"] is False  # rendered in the worker
    assert runner.gui_step_s == []  # nothing of the job held the GUI thread
    _same_picture(result["image"], references["export"])
    assert len(view_images) >= 2
    for image in view_images:
        _same_picture(image, references["view"])


def test_the_heartbeat_goes_on_while_the_worker_renders(qtbot):
    """Without the GUI thread rendering: the longest wait between two 10 ms ticks stays far below the
    worker's render (which the GUI thread waited for in full when the render ran there)."""
    result, ticks = {}, [time.monotonic()]
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    runner = ExportRunner(show_dialog=False)
    timer.start()
    started = time.monotonic()
    with qtbot.waitSignal(runner.done, timeout=120000):
        runner.start(_render_job(result))
    elapsed = time.monotonic() - started
    timer.stop()
    gaps = np.diff(ticks)
    assert "image" in result and len(gaps) > 10
    assert gaps.max() < max(0.2, elapsed / 4), (gaps.max(), elapsed)


def test_cancel_between_two_tiles_in_the_worker_ends_the_render_and_writes_nothing(qtbot, tmp_path):
    from planner.export.atomic import staged_write

    (tmp_path / "out.txt").write_text("old")
    result = {}
    job = _render_job(result)
    render = job.steps[0]

    def stage(progress):
        staged_write(tmp_path / "out.txt", lambda temp: temp.write_text("new"), job.staging)
    job.steps.insert(0, Step("stage", stage))
    tiles_seen = []

    def watched(progress, run=render.run):
        def counting(fraction, text=""):
            tiles_seen.append(fraction)
            if len(tiles_seen) == 2:  # after the first tile: the user presses Cancel
                runner.cancel()
            return progress(fraction, text)
        try:
            yield from run(counting)
        finally:
            result["closed"] = True
    render.run = watched
    runner = ExportRunner(show_dialog=False)
    with qtbot.waitSignal(runner.cancelled, timeout=120000):
        runner.start(job)
    assert result.get("closed") and "image" not in result  # the render stopped, its window released
    assert len(tiles_seen) == 2  # of 2 x 2 tiles (240 px, 480 x 360): none rendered after the cancel
    assert (tmp_path / "out.txt").read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
