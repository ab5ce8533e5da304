"""The Plan file menu on the real window: open/save/recent, refusal of foreign or broken plans, a
failed save that keeps the old file, autosave and recovery after a "crash", the close question, SINS."""

from __future__ import annotations

import errno
import json
import os

import pytest
from PySide6.QtCore import QSettings

from planner.core.resources import sample_series_dir
from planner.plan.commands import move_point
from planner.plan.io import read_plan, write_plan
from planner.plan.items import SeriesRef
from tests.export.conftest import demo_plan_with_level

pytestmark = pytest.mark.gui


class FakePrompts:
    """Scripted answers; remembers the warnings shown."""

    def __init__(self):
        self.answers = {"ask": True, "save_discard_cancel": "cancel", "folder": "", "save_file": "", "open_file": ""}
        self.warnings: list[tuple[str, str]] = []
        self.asked: list[str] = []

    def ask(self, title, text):
        self.asked.append(text)
        return self.answers["ask"]

    def save_discard_cancel(self, title, text):
        self.asked.append(text)
        return self.answers["save_discard_cancel"]

    def warn(self, title, text):
        self.warnings.append((title, text))

    def open_file(self, *a):
        return self.answers["open_file"]

    def save_file(self, *a):
        return self.answers["save_file"]

    def folder(self, *a):
        return self.answers["folder"]

    def choose(self, title, label, items):
        return items[0]


def _corridors_in_line(window) -> None:
    """These tests are about files: run the needle corridor checks in line, not in a background worker
    that could outlive the test's window."""
    runner, session = getattr(window, "corridors", None), window.session
    if runner is not None and hasattr(session, "corridors_needed"):
        session.corridors_needed.disconnect(runner.run)
        session.defer_corridors = False


@pytest.fixture
def make_window(qtbot, tmp_path):
    """Windows with the plan actions (settings and recovery folder under tmp_path), closed after the
    test once their background work is done."""
    from planner.ui.main_window import MainWindow
    from planner.ui.plan_files import PlanFileActions

    windows = []

    def make(load=True):
        w = MainWindow()
        qtbot.addWidget(w)
        w.loader.quiet = True
        _corridors_in_line(w)
        prompts = FakePrompts()
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
        files = PlanFileActions(w, settings=settings, recovery_dir=tmp_path / "recovery", prompts=prompts)
        windows.append(w)
        if load:
            with qtbot.waitSignal(w.loader.canal_ready, timeout=60000):
                w.open_path(sample_series_dir())
        return w, files, prompts

    yield make
    for w in windows:
        w.close()


@pytest.fixture
def plan_path(tmp_path, sample_volume):
    info = sample_volume.info  # the sample loaded once per session (tests/conftest.py)
    return write_plan(demo_plan_with_level(SeriesRef.from_series_info(info)), tmp_path / "plan.json")


def test_open_modify_save_and_recent(make_window, plan_path):
    w, files, prompts = make_window()
    assert files.open_plan_file(plan_path)
    assert len(w.session.plan.needles) == 2 and not files.is_dirty()
    assert files.recent_plans() == [str(plan_path.resolve())]
    needle = w.session.plan.needles[0]
    w.session.stack.push(move_point(needle.id, "tip_lps", (needle.tip_lps[0] + 2, *needle.tip_lps[1:])))
    assert files.is_dirty() and w.isWindowModified()
    assert files.save()
    assert not files.is_dirty() and plan_path.with_name("plan.json.bak").exists()
    assert read_plan(plan_path).needles[0].tip_lps == w.session.plan.needles[0].tip_lps
    assert files.series_folder(w.volume.info.series_instance_uid) == str(sample_series_dir().resolve())


def test_failed_save_says_why_and_keeps_the_old_file(make_window, plan_path, monkeypatch):
    w, files, prompts = make_window()
    files.open_plan_file(plan_path)
    before = plan_path.read_bytes()
    needle = w.session.plan.needles[0]
    w.session.stack.push(move_point(needle.id, "tip_lps", (0.0, 0.0, 0.0)))

    def full_disk(*a, **k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr("planner.plan.io.os.replace", full_disk)
    assert not files.save()
    title, text = prompts.warnings[-1]
    assert "No space left" in text and "unchanged" in text
    assert plan_path.read_bytes() == before and files.is_dirty()


@pytest.mark.parametrize("change, words", [("schema_version", "format version 99"), ("needles", "needles[0].tip"),
                                           ("frame", "different frame of reference")])
def test_broken_or_foreign_plans_are_refused(make_window, plan_path, change, words):
    w, files, prompts = make_window()
    data = json.loads(plan_path.read_text())
    if change == "schema_version":
        data["schema_version"] = 99
    elif change == "needles":
        data["needles"][0]["tip"] = "here"
    else:
        data["series"]["frame_of_reference_uid"] = "1.2.3"
        data["series"]["series_instance_uid"] = "1.2.3.4"
        prompts.answers["ask"] = False  # the user declines to open a plan from other images
        prompts.answers["folder"] = ""
    plan_path.write_text(json.dumps(data))
    assert not files.open_plan_file(plan_path)
    shown = " ".join(t for _, t in prompts.warnings) + " ".join(prompts.asked)
    assert words in shown.lower() or words in shown
    assert len(w.session.plan.needles) == 0


def test_autosave_and_recovery_after_a_crash(make_window, qtbot, plan_path):
    w, files, prompts = make_window()
    files.open_plan_file(plan_path)
    assert not files.autosave()  # nothing unsaved yet
    needle = w.session.plan.needles[1]
    w.session.stack.push(move_point(needle.id, "entry_lps", (needle.entry_lps[0] + 5, *needle.entry_lps[1:])))
    assert files.autosave() and files.has_recovery()
    autosaved = w.session.plan.state()
    files.timer.stop()  # "crash": the window goes away without confirm_close
    w2, files2, prompts2 = make_window(load=False)
    with qtbot.waitSignal(w2.loader.canal_ready, timeout=60000):
        assert files2.offer_recovery()  # loads the series from the remembered folder
    assert w2.session.plan.state() == autosaved
    assert files2.is_dirty() and files2.path == plan_path


def test_close_asks_about_unsaved_changes(make_window, plan_path):
    w, files, prompts = make_window()
    files.open_plan_file(plan_path)
    assert files.confirm_close()  # nothing unsaved: no question
    needle = w.session.plan.needles[0]
    w.session.stack.push(move_point(needle.id, "tip_lps", (1.0, 2.0, 3.0)))
    files.autosave()
    prompts.answers["save_discard_cancel"] = "cancel"
    assert not files.confirm_close() and files.has_recovery()
    prompts.answers["save_discard_cancel"] = "save"
    assert files.confirm_close() and not files.has_recovery()
    assert read_plan(plan_path).needles[0].tip_lps == (1.0, 2.0, 3.0)


def test_sins_dialog_sets_the_level_score_undoably(make_window, plan_path):
    from planner.ui.sins_dialog import SinsDialog, apply_sins

    w, files, prompts = make_window()
    files.open_plan_file(plan_path)
    level = w.session.plan.level_named("L2")
    dialog = SinsDialog(level, w)
    assert "9 / 18" in dialog.total_label.text()
    dialog.set_score("alignment", 4)
    assert "13 / 18" in dialog.total_label.text() and "unstable" in dialog.total_label.text()
    apply_sins(w.session, level.id, dialog.values())
    assert w.session.plan.level_named("L2").sins["alignment"] == 4
    w.session.stack.undo()
    assert w.session.plan.level_named("L2").sins["alignment"] == 0


def test_seg_export_and_open_as_canal_from_the_menu(make_window, qtbot, plan_path, tmp_path):
    """Export the plan's SEG from the window, then open it and take its first segment (the canal) as
    the canal: the session's canal is that mask again."""
    import numpy as np

    w, files, prompts = make_window()
    files.open_plan_file(plan_path)
    prompts.answers["save_file"] = str(tmp_path / "plan-seg.dcm")
    with qtbot.waitSignal(files.exports.runner.busy_changed, timeout=60000,
                          check_params_cb=lambda busy: not busy):  # the export runs in a worker (issue 19)
        files.exports.export_segments("seg")
    assert (tmp_path / "plan-seg.dcm").is_file(), prompts.warnings
    canal = w.session.canal_mask.copy()
    w.session.set_canal(None)
    prompts.answers["open_file"] = str(tmp_path / "plan-seg.dcm")
    files.exports.import_segments()  # FakePrompts.choose takes the first segment and its suggested role
    reader = files.exports.segment_import  # issue 19: the file is read in a worker
    qtbot.waitUntil(lambda: not reader.is_busy(), timeout=60000)
    assert not prompts.warnings, prompts.warnings
    assert np.array_equal(w.session.canal_mask, canal)
