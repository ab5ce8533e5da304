"""Issue 19: Cancel on the automatic anatomy stops the vertebrae search itself, not only its result.

The first vertebral-body search is held until the test has pressed Cancel; the worker then makes no
further search (counted, not timed) and its thread ends; nothing is named and nothing is cached.
"""

from __future__ import annotations

import threading
import time

import pytest

from planner.anatomy import levels, spine
from planner.anatomy.cache import ENV_OFF

pytestmark = pytest.mark.gui


def _wait(qapp, condition, timeout_s: float = 120.0) -> bool:
    end = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < end:
        qapp.processEvents()
        time.sleep(0.01)
    return condition()


def test_cancel_stops_the_search_at_the_next_body(qtbot, qapp, sample_series, monkeypatch):
    from planner.imaging import load_path
    from planner.ui.main_window import MainWindow

    monkeypatch.setenv(ENV_OFF, "1")  # computed here, not read back from an earlier test's cache
    searches, started, released = [], threading.Event(), threading.Event()
    original = levels.detect_level

    def held(*args, **kwargs):  # runs in the worker thread
        searches.append(args[1])
        started.set()
        released.wait(60)
        return original(*args, **kwargs)
    monkeypatch.setattr(spine, "detect_level", held)
    monkeypatch.setattr(levels, "detect_level", held)

    w = MainWindow()
    qtbot.addWidget(w)
    w.loader.quiet = True
    w.show()
    job = w.loader.anatomy
    volume = load_path(sample_series)
    w.set_volume(volume)
    job.start(volume)  # as the case loader does after a load
    try:
        assert _wait(qapp, started.is_set), "the vertebrae search did not start"
        assert job.is_busy() and job.cancel_button.isVisible()
        job.cancel()
        assert not job.is_busy() and not job.progress.isVisible()  # the window is free at once
    finally:
        released.set()
    assert _wait(qapp, lambda: not job._workers), "the cancelled worker did not end"
    assert len(searches) == 1  # the search under way finished; no other one started
    anatomy = w.session.anatomy
    assert anatomy.declined and not anatomy.ready_spine().vertebrae
    assert "cancelled" in job.summary.toolTip()
