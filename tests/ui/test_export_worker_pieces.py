"""A GUI-thread export step in pieces (issue 19): the event loop runs between two pieces, Cancel between
them stops the export with nothing written and releases what the step held, and an error in a piece
ends it in words. Synthetic steps: fast and exact."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QTimer

from planner.headless.export_steps import ExportJob, Step, run_job
from planner.export.atomic import staged_write
from planner.ui.export_worker import ExportRunner

pytestmark = pytest.mark.gui
PIECES = 30


def _job(tmp_path, log, fail_at=None):
    job = ExportJob("Test export")

    def stage(progress):
        staged_write(tmp_path / "out.txt", lambda temp: temp.write_text("new"), job.staging)

    def pieces(progress):
        try:
            for number in range(PIECES):
                if number == fail_at:
                    raise KeyError("a broken piece")
                time.sleep(0.005)
                log.append(("piece", number, time.monotonic()))
                if progress is not None and progress((number + 1) / PIECES, "piece") is False:
                    from planner.core.progress import ExportCancelled

                    raise ExportCancelled()
                yield number
        finally:
            log.append(("closed", None, time.monotonic()))

    job.steps = [Step("stage", stage), Step("gui pieces", pieces, 1.0, on_gui=True), job.commit_step()]
    return job


def test_the_event_loop_runs_between_pieces_and_the_job_completes(qtbot, tmp_path):
    log, ticks = [], []
    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    runner = ExportRunner(show_dialog=False)
    with qtbot.waitSignal(runner.done, timeout=30000):
        assert runner.start(_job(tmp_path, log))
    timer.stop()
    times = [t for kind, _n, t in log if kind == "piece"]
    assert len(times) == PIECES and log[-1][0] == "closed"
    between = [any(a < t < b for t in ticks) for a, b in zip(times, times[1:])]
    assert sum(between) >= PIECES - 3, between  # a timer tick between (nearly) every two pieces
    assert (tmp_path / "out.txt").read_text() == "new"
    assert len(runner.gui_intervals) == PIECES + 2  # the call returning the pieces, each piece, the end


def test_cancel_between_pieces_writes_nothing_and_closes_the_step(qtbot, tmp_path):
    (tmp_path / "out.txt").write_text("old")
    log = []
    runner = ExportRunner(show_dialog=False)
    runner.progressed.connect(lambda f, _t: runner.cancel() if sum(k == "piece" for k, *_ in log) == 5 else None)
    with qtbot.waitSignal(runner.cancelled, timeout=30000):
        runner.start(_job(tmp_path, log))
    assert sum(kind == "piece" for kind, *_ in log) < PIECES and log[-1][0] == "closed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
    assert (tmp_path / "out.txt").read_text() == "old" and not runner.is_busy()


def test_an_error_in_a_piece_ends_the_export_in_words(qtbot, tmp_path):
    log = []
    runner = ExportRunner(show_dialog=False)
    with qtbot.waitSignal(runner.failed, timeout=30000) as blocker:
        runner.start(_job(tmp_path, log, fail_at=3))
    title, message = blocker.args
    assert title == "Test export" and "KeyError" in message and "a broken piece" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_run_job_runs_the_pieces_in_one_go(tmp_path):
    log = []
    assert run_job(_job(tmp_path, log)) == [tmp_path / "out.txt"]
    assert sum(kind == "piece" for kind, *_ in log) == PIECES
