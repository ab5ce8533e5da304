"""Issue 19: starting a training task on a real scan frames it as a case load of that scan does.

Observed before the fix (T11-T12 and L2 real-scan tasks): a task started on a scan already open kept
the user's zoom, pan and crosshair; a task opening its scan left the crosshair in the spinal canal (the
case load's spine focus), not in the task's vertebra; and the status bar said "Levels: not named"
although the task's plan holds T12.

References, none from the code under test:
- px/mm: a case load of the same scan in the same window, same size, training panel open (the fit the
  load gives, measured on the load's own path);
- "in the task's level body": for T12, the TotalSegmentator labels shipped with the scan (label 32 =
  vertebra T12, SOURCE.txt), read with SimpleITK at the crosshair; for both, within half the level's
  body depth (the task file's ``body_depth_mm``) of its body centre, the inscribed-ball test;
- the status text: the task file's level name.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.ui.helpers import empty_window

pytestmark = [pytest.mark.gui, pytest.mark.realdata]

TASKS = {"t12": ("t12-right-transpedicular", "T12"), "l2": ("l2-left-transpedicular", "L2")}
T12_LABEL = 32  # TotalSegmentator "vertebrae_T12" (../shared/data/ct-t11-t12-jpeg2000/SOURCE.txt)


def _wait(qapp, cond, timeout_s=240.0) -> bool:
    end = time.monotonic() + timeout_s
    while not cond() and time.monotonic() < end:
        qapp.processEvents()
        time.sleep(0.01)
    for _ in range(10):  # paint (the fit is applied on the next paint) and the status bar's checks
        qapp.processEvents()
    return cond()


def _settled(w) -> bool:
    anatomy = w.session.anatomy
    return (w.volume is not None and not w.loader.is_busy() and not w.loader.anatomy.is_busy()
            and anatomy is not None and anatomy.ready and not w.view3d.is_surface_busy())


def _scales(w) -> dict[str, float]:
    for view in w.views.values():
        view.repaint()  # the fit is applied when the view paints
    return {name: float(view.viewport.scale_px_per_mm) for name, view in w.views.items()}


def _window(qtbot, qapp, tmp_path):
    from planner.ui.training_panel import TrainingActions

    w = empty_window(qtbot, (1400, 900))
    actions = TrainingActions(w, user_data_dir=tmp_path)
    actions.show_panel()  # the layout a trainee has: the same for the case load and the task
    actions.panel.trainee.setText("Trainee")
    _wait(qapp, lambda: False, 0.2)
    return w, actions


def _start(actions, task_id: str) -> None:
    panel = actions.panel
    panel.tasks.setCurrentIndex(panel.tasks.findData(task_id))
    assert panel.start.isEnabled(), panel.tasks.itemData(panel.tasks.currentIndex(), 3)
    actions.start_task()


def _in_level_body(w, name: str) -> None:
    level = w.session.plan.level_named(name)
    assert level is not None
    distance = float(np.linalg.norm(np.asarray(w.state.cursor_lps) - np.asarray(level.body_centre_lps)))
    assert distance <= level.body_depth_mm / 2, (w.state.cursor_lps, level.body_centre_lps)


def _in_t12_label(cursor_lps) -> None:
    import SimpleITK as sitk

    from planner.core.resources import shared_data_dir

    labels = sitk.ReadImage(str(shared_data_dir() / "ct-t11-t12-jpeg2000" / "totalsegmentator_fast_labels.nii.gz"))
    i, j, k = labels.TransformPhysicalPointToIndex(tuple(float(c) for c in cursor_lps))  # ITK points are LPS
    assert int(sitk.GetArrayFromImage(labels)[k, j, i]) == T12_LABEL


def _check_status_names(w, name: str) -> None:
    text, tip = w.loader.anatomy.summary.text(), w.loader.anatomy.summary.toolTip()
    assert name in text and "(plan)" in text, text
    assert "training task" in tip, tip


@pytest.mark.parametrize("which", ["t12", "l2"])
def test_a_task_on_an_open_zoomed_case_is_framed_as_its_case_load(qtbot, qapp, tmp_path, which,
                                                                  t11_t12_ct_dir, lumbar_ct_dir):
    """Open the scan as a case, zoom x2, pan, move the crosshair and turn the 3D camera; Start: the views
    are back at the case load's px/mm, the crosshair is in the task's vertebral body, the camera is
    reset, the status bar names the task's level (before the fix: x2, the moved crosshair, "not named")."""
    task_id, name = TASKS[which]
    w, actions = _window(qtbot, qapp, tmp_path)
    try:
        w.open_path(t11_t12_ct_dir if which == "t12" else lumbar_ct_dir)
        assert _wait(qapp, lambda: _settled(w)), "the case did not load"
        loaded = _scales(w)
        for view in w.views.values():
            view.zoom_about(20, 20, 2.0)
            view.pan_px(35, -20)
        w.state.set_cursor(np.asarray(w.state.cursor_lps) + (40.0, 40.0, 10.0))
        w.view3d.scene.renderer.GetActiveCamera().Azimuth(40)
        assert not w.view3d.camera_untouched()
        _start(actions, task_id)
        assert actions.task is not None and actions.task.id == task_id
        _wait(qapp, lambda: False, 0.3)
        started = _scales(w)
        for view_name, scale in loaded.items():
            assert started[view_name] == pytest.approx(scale, rel=0.02), (view_name, loaded, started)
        _in_level_body(w, name)
        if which == "t12":
            _in_t12_label(w.state.cursor_lps)
        assert w.view3d.camera_untouched()
        _check_status_names(w, name)
    finally:
        w.close()


def test_a_task_opening_its_scan_puts_the_crosshair_in_t12_at_the_case_loads_scale(qtbot, qapp, tmp_path,
                                                                                  t11_t12_ct_dir):
    """Start the T11-T12 task in an empty window (the task opens the scan): the crosshair ends in T12
    (before the fix: in the spinal canal, TotalSegmentator label 79), the status bar names T12 and says
    the automatic count named nothing; opening the same scan as a case then gives the same px/mm."""
    task_id, name = TASKS["t12"]
    w, actions = _window(qtbot, qapp, tmp_path)
    try:
        _start(actions, task_id)
        assert _wait(qapp, lambda: _settled(w) and w.session.canal_mask is not None), "the task did not load"
        assert actions.task is not None and actions.task.id == task_id
        started = _scales(w)
        _in_level_body(w, name)
        _in_t12_label(w.state.cursor_lps)
        _check_status_names(w, name)
        assert w.view3d.camera_untouched()  # reset by the load's framing (surface, then canal), not moved since
        assert "auto: not named" in w.loader.anatomy.summary.text()  # the 38 mm scan is too short to count
        assert "too short" in w.loader.anatomy.summary.toolTip()
        w.open_path(t11_t12_ct_dir)  # the same scan as a case, same window: the reference scale
        assert _wait(qapp, lambda: _settled(w) and w.session.canal_mask is not None and not w.session.plan.levels)
        loaded = _scales(w)
        for view_name, scale in loaded.items():
            assert started[view_name] == pytest.approx(scale, rel=0.02), (view_name, loaded, started)
        assert w.loader.anatomy.summary.text() == "Levels: not named"  # no plan level: as before
    finally:
        w.close()
