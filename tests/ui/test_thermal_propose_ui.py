"""The bioheat dock and the proposed access in the window (sample case, offscreen).

One window for the module (loading and the canal take seconds); each test leaves the plan empty.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from planner.core import palette
from planner.core.resources import sample_dir, sample_series_dir
from planner.plan.commands import add_item, move_point
from planner.plan.items import Antenna, Needle, Target, Thermocouple

pytestmark = pytest.mark.gui


def wait_until(app, cond, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while not cond() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)
    return bool(cond())


@pytest.fixture(scope="module")
def landmarks():
    return json.loads((sample_dir() / "ground_truth" / "landmarks.json").read_text())


@pytest.fixture(scope="module")
def window(qapp):
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    w.loader.quiet = True
    w.show()
    w.open_path(sample_series_dir())
    assert wait_until(qapp, lambda: w.session.volume is not None and w.session.canal_mask is not None, 120)
    yield w
    w.plan_files.confirm_close = lambda: True
    w.close()


def _clear(app, w):
    w.thermal.runner.cancel()
    wait_until(app, lambda: not w.thermal.runner.is_busy() and not w.corridors.is_busy(), 60)
    while w.session.stack.can_undo:
        w.session.stack.undo()
    assert not w.session.plan.needles and not w.session.plan.targets


def _l2_needle(lm):
    ped = lm["vertebrae"]["L2"]["pedicles"]["left"]
    entry, target = np.asarray(ped["entry_lps"]), np.asarray(ped["target_lps"])
    d = (target - entry) / np.linalg.norm(target - entry)
    return Needle(tuple(entry - 45 * d), tuple(target - 15 * d), name="L2 left", level="L2", side="left")


def test_temperatures_after_the_release_never_while_dragging(window, qapp, landmarks):
    w, s = window, window.session
    assert w.thermal.dock.windowTitle() == "Temperatures" and w.thermal.dock.widget() is w.thermal.panel
    needle = _l2_needle(landmarks)
    canal = np.asarray(landmarks["vertebrae"]["L2"]["canal_centre_lps"])
    s.stack.push(add_item(needle))
    s.stack.push(add_item(Antenna(needle.id, power_w=20.0, time_s=120.0, id="ant1")))
    s.stack.push(add_item(Thermocouple(tuple(canal + [30, 40, 0]), tuple(canal + [6, 0, 0]), id="tc1")))
    # the full evaluation (corridors in their worker) starts the model; the dock shows its progress
    assert wait_until(qapp, lambda: w.thermal.runner.is_busy(), 60)
    assert w.thermal.panel.cancel_button.isEnabled()
    assert wait_until(qapp, lambda: w.thermal.shown_key is not None, 300), w.thermal.panel.status.text()
    labels = [c[0] for c in w.thermal.panel.plot._curves]
    assert any(label.startswith("TC ") for label in labels) and any("canal" in label for label in labels)
    entry = s.thermal.current(s)
    assert entry is not None and entry.result.damage.any()
    assert len(w.thermal.overlay.points_lps) > 0                      # 2D damage outline, drawn on the slice
    centre = w.thermal.overlay.points_lps.mean(axis=0)
    w.state.set_cursor(w.volume.to_lps(np.round(w.volume.to_ijk(centre))))
    axial = w.views["axial"]
    qapp.processEvents()
    with_outline = axial.grab().toImage()
    points, w.thermal.overlay.points_lps = w.thermal.overlay.points_lps, np.zeros((0, 3))
    axial.repaint()
    without = axial.grab().toImage()
    w.thermal.overlay.points_lps = points
    changed = sum(with_outline.pixelColor(x, y) != without.pixelColor(x, y)
                  for x in range(0, axial.width(), 2) for y in range(0, axial.height(), 2))
    assert changed > 20, changed
    assert wait_until(qapp, lambda: w.thermal.surface.triangle_count > 0, 60)  # 3D damage surface (a worker's)
    shown = set(w.findings.codes())
    assert shown >= {str(f.code) for f in entry.findings}             # the panel lists the model's findings
    assert s.evaluation.tc_state("tc1") in ("ok", "prealarm", "alarm")
    # a drag: the result is dropped and nothing runs until the release
    s.begin_interaction()
    s.stack.push(move_point(needle.id, "tip_lps", tuple(np.asarray(needle.tip_lps) + [0, 0, 2.0])))
    s.evaluate(corridors=False)
    qapp.processEvents()
    assert not w.thermal.runner.is_busy() and w.thermal.shown_key is None
    assert not any(str(c).startswith("thermal_") for c in w.findings.codes())
    assert len(w.thermal.overlay.points_lps) == 0 and w.thermal.surface.triangle_count == 0
    s.end_interaction()
    assert wait_until(qapp, lambda: w.thermal.runner.is_busy(), 60)
    w.thermal.panel.cancel_button.click()
    assert wait_until(qapp, lambda: not w.thermal.runner.is_busy(), 60)
    assert "Cancelled" in w.thermal.panel.status.text() and w.thermal.shown_key is None
    _clear(qapp, w)


def test_antenna_cycles_pause_and_schedule_show_in_the_properties(window, qapp, landmarks):
    from PySide6.QtWidgets import QLabel

    w, s = window, window.session
    w.thermal.panel.auto_box.setChecked(False)
    needle = _l2_needle(landmarks)
    s.stack.push(add_item(needle))
    s.stack.push(add_item(Antenna(needle.id, id="ant2")))
    w.selection.select("ant2")
    qapp.processEvents()
    texts = " ".join(lb.text().lower() for lb in w.properties.findChildren(QLabel))
    assert "cycles" in texts and "pause" in texts and "schedule" in texts, texts
    w.thermal.panel.auto_box.setChecked(True)
    _clear(qapp, w)


def test_propose_adds_the_chosen_option_as_one_undo_step_and_draws_the_ctv(window, qapp, landmarks):
    w, s = window, window.session
    w.thermal.panel.auto_box.setChecked(False)
    lesion = landmarks["lesion"]
    s.stack.push(add_item(Target(tuple(lesion["centre_lps"]), kind="ellipsoid",
                                 semi_axes_mm=tuple(lesion["semi_axes_mm"]), level="L2")))
    assert "Propose access…" in [a.text() for a in w.planning.plan_menu.actions()]
    w.proposals.propose_action.trigger()
    assert wait_until(qapp, lambda: w.proposals.dialog is not None, 300)
    dialog, case = w.proposals.dialog, w.proposals.case
    assert dialog.list.count() == len(dialog.proposal.options) > 0
    assert all(o.why and o.why[1:20] in dialog.list.item(i).text() for i, o in enumerate(dialog.proposal.options))
    ctv = w.proposals.ctv_mask()
    assert ctv is not None and ctv.any() and (ctv | case.gtv).sum() == ctv.sum()  # the CTV holds the GTV
    assert wait_until(qapp, lambda: w.proposals.surface.triangle_count > 0, 60)  # built in a worker (issue 19)
    w.scene_plan.see_through.sync()  # (each frame does): the CTV, inside the vertebra, is drawn through the bone
    ghost = [(c, o) for orig, c, o in w.scene_plan.see_through.copies() if orig is w.proposals.surface.actor]
    assert len(ghost) == 1 and ghost[0][1] is not None  # a copy and its outline, like a zone's
    w.scene_plan.legend.sync()  # the colour key names what is shown (each frame does this)
    key = dict(w.scene_plan.legend.lines())
    assert key["CTV (ISRC)"] == pytest.approx(palette.unit(palette.CTV)) and "spinal canal" in key
    assert "lesion (target)" in key and "predicted zones" not in key  # no antenna yet: no zone
    assert "neural foramina" in key  # the sample's foramina, found beside its canal
    w.foramina_display.set_visible(False)
    w.scene_plan.legend.sync()
    assert "neural foramina" not in dict(w.scene_plan.legend.lines())  # hidden: no line
    w.foramina_display.set_visible(True)
    assert w.session.export_masks["Clinical target volume (ISRC)"][1] == "ctv"  # the exports carry it
    assert all(w.proposals.overlay in v.overlays for v in w.all_2d_views())
    kji = np.argwhere(ctv).mean(axis=0)
    w.state.set_cursor(w.volume.to_lps(np.round(kji[::-1])))
    axial = w.views["axial"]
    qapp.processEvents()
    drawn = axial.grab().toImage()
    w.proposals.case = None                                              # no CTV: the outline goes
    axial.repaint()
    bare = axial.grab().toImage()
    w.proposals.case = case
    ctv_rgb = palette.CTV
    changed = [(x, y) for x in range(0, axial.width(), 2) for y in range(0, axial.height(), 2)
               if drawn.pixelColor(x, y) != bare.pixelColor(x, y)]
    assert len(changed) > 50
    assert any(all(abs(c - v) < 40 for c, v in zip(drawn.pixelColor(x, y).getRgb()[:3], ctv_rgb))
               for x, y in changed)                                      # in palette.CTV
    before = s.stack.index
    chosen = dialog.chosen()
    dialog.accept()
    assert s.stack.index == before + 1                                   # one undo step
    assert len(s.plan.needles) == len(chosen.needles) and s.plan.level_named(case.level.name) is not None
    s.stack.undo()
    assert not s.plan.needles and s.plan.level_named(case.level.name) is None
    # sector toggles: a plan command on the level, the CTV redrawn, undone in one step
    s.stack.redo()
    level = s.plan.level_named(case.level.name)
    extra = next(x for x in (2, 6, 3, 5, 4) if x not in case.choice.sectors)
    w.proposals.set_sectors(case, tuple(case.choice.sectors) + (extra,))
    assert s.plan.get(level.id).ctv_sectors == tuple(sorted(case.choice.sectors | {extra}))
    said = w.statusBar().currentMessage()  # the change said in words (the last option's line stayed there)
    assert said.startswith(f"CTV of {case.level.name}: sectors ") and str(extra) in said and "Undo" in said
    bigger = w.proposals.ctv_mask()
    assert bigger.sum() > ctv.sum() and not (ctv & ~bigger).any()
    s.stack.undo()
    assert s.plan.get(level.id).ctv_sectors is None
    # the same through Plan > CTV sectors…: tick a box, OK
    w.selection.select(level.id)
    w.proposals.sectors_action.trigger()
    assert wait_until(qapp, lambda: w.proposals.dialog is not None and w.proposals.dialog.objectName() == "sector_dialog", 60)
    w.proposals.dialog.boxes[extra].setChecked(True)
    w.proposals.dialog.accept()
    assert s.plan.get(level.id).ctv_sectors == tuple(sorted(case.choice.sectors | {extra}))
    w.proposals.dialog.boxes[extra].setChecked(False)
    for box in w.proposals.dialog.boxes.values():
        box.setChecked(False)
    w.proposals._sectors_chosen(1, w.proposals.case)                     # no sector: refused in words
    assert s.plan.get(level.id).ctv_sectors == tuple(sorted(case.choice.sectors | {extra}))
    w.thermal.panel.auto_box.setChecked(True)
    _clear(qapp, w)


def test_cancel_stops_the_proposal_search_and_opens_no_dialog(window, qapp, landmarks):
    """Issue 19 (screenshot round): Cancel in the progress box closed it, but the search ran to its end and
    the options dialog opened seconds later; the search asks the cancel flag between corridor checks, zone
    batches and candidates now, so it stops at once, opens nothing and says so."""
    from PySide6.QtWidgets import QPushButton

    w, s = window, window.session
    w.thermal.panel.auto_box.setChecked(False)
    lesion = landmarks["lesion"]
    s.stack.push(add_item(Target(tuple(lesion["centre_lps"]), kind="ellipsoid",
                                 semi_axes_mm=tuple(lesion["semi_axes_mm"]), level="L2")))
    before = w.proposals.dialog
    try:
        w.proposals.propose_action.trigger()
        # the CTV found (progress 1 of 3): the search is running
        assert wait_until(qapp, lambda: w.proposals.progress is not None and w.proposals.progress.isVisible()
                          and w.proposals.progress.value() >= 1, 30)
        time.sleep(0.3)
        assert "searching trajectories" in w.proposals.progress.labelText()  # the stage in words
        start = time.monotonic()
        button = w.proposals.progress.findChild(QPushButton)
        button.click()                                                   # as the user does
        assert wait_until(qapp, lambda: not w.proposals.is_busy(), 30)
        stopped_s = time.monotonic() - start
        assert stopped_s < 2.0, f"the search ran on for {stopped_s:.1f} s after Cancel"
        wait_until(qapp, lambda: w.proposals.dialog is not before, 1.0)
        assert w.proposals.dialog is before, "an options dialog opened after Cancel"
        assert "cancelled" in w.statusBar().currentMessage()
    finally:
        w.thermal.panel.auto_box.setChecked(True)
        _clear(qapp, w)


def test_export_masks_ask_providers_and_drop_what_is_stale():
    """A provider's function is asked at export time; None (stale or empty) exports nothing."""
    import numpy as np

    from planner.session.session import PlanningSession

    s = PlanningSession()
    mask = np.ones((2, 2, 2), bool)
    current = {"value": (mask, "ctv")}
    s.extra_export_masks["Clinical target volume (ISRC)"] = lambda: current["value"]
    assert s.export_masks["Clinical target volume (ISRC)"][1] == "ctv"
    current["value"] = None
    assert "Clinical target volume (ISRC)" not in s.export_masks
