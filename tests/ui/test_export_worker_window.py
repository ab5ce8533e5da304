"""The export menu of the real window (sample case): the PDF export runs in the background from the
menu, reuses the 3D view's bone surface, ends with a status message; a failure is a warning in words."""

from __future__ import annotations

import pytest

from planner.core.resources import sample_series_dir

pytestmark = pytest.mark.gui


class Prompts:
    def __init__(self, save_file=""):
        self.save_file_answer = save_file
        self.warnings: list[tuple[str, str]] = []

    def save_file(self, *_a):
        return self.save_file_answer

    def warn(self, title, text):
        self.warnings.append((title, text))

    def ask(self, *_a):
        return False


def test_pdf_from_the_menu_in_the_background_then_a_failure_in_words(qtbot, tmp_path, monkeypatch):
    import planner.render.surfaces as surfaces
    from planner.ui.main_window import MainWindow
    from tests.export.conftest import demo_plan_with_level

    w = MainWindow()
    qtbot.addWidget(w)
    w.loader.quiet = True
    w.plan_files.confirm_close = lambda: True
    with qtbot.waitSignal(w.view3d.surface_ready, timeout=120000):
        w.open_path(sample_series_dir())
    qtbot.waitUntil(lambda: w.session.canal_mask is not None, timeout=120000)
    w.session.open_plan(demo_plan_with_level(w.session.plan.series))
    exports = w.plan_files.exports
    exports.prompts = Prompts(str(tmp_path / "report.pdf"))

    def no_second_build(*_a, **_k):
        raise AssertionError("the export built a bone surface the 3D view already had")
    monkeypatch.setattr(surfaces, "bone_surface", no_second_build)
    # issue 19: the plan was just opened, its corridor checks run in their worker: the export waits for
    # them (a dialog with Cancel) and reports their findings, never re-evaluating on the GUI thread
    assert w.corridors.is_busy()
    complete_at_snapshot, snapshot = [], exports._snapshot
    exports._snapshot = lambda: complete_at_snapshot.append(w.session.evaluation.complete) or snapshot()
    evaluate = w.session.evaluate
    w.session.evaluate = lambda **_k: (_ for _ in ()).throw(AssertionError("the export re-evaluated the plan"))
    with qtbot.waitSignal(exports.runner.busy_changed, timeout=180000, check_params_cb=lambda busy: not busy):
        exports.export_pdf()
        assert exports.gate.waiting and exports.gate.dialog is not None  # returned at once
        assert "waiting for the safety checks" in exports.gate.dialog.labelText()
        w.session.evaluate = evaluate  # the corridor worker's result is published by the session itself
        qtbot.waitUntil(lambda: exports.runner.is_busy(), timeout=120000)
        assert exports.runner.dialog is not None and exports.runner.dialog.labelText()
        assert exports.gate.dialog is None
    assert complete_at_snapshot == [True]
    assert not exports.prompts.warnings
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert "PDF report: wrote 1 file(s)" in w.statusBar().currentMessage()
    assert not exports.prompts.warnings

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    exports.prompts = Prompts(str(blocker / "report.pdf"))
    assert not exports.gate.busy()
    exports.export_pdf()  # refused at once, before seconds of key images
    assert not exports.runner.is_busy()
    (title, text), = exports.prompts.warnings
    assert title == "PDF report" and "could not be created" in text and "Not a directory" in text
    w.close()
