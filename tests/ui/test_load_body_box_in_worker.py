"""Opening a case finds the body's box for the views' first fit in the load worker, not on the GUI
thread (issue 19: 1.5 s there after the lumbar scan loaded, on the loaded 2-core machine); the views
get the same box as a search on the GUI thread gives."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from planner.core.resources import sample_series_dir
from planner.ui import case_framing, view_fit
from tests.ui.helpers import empty_window

pytestmark = pytest.mark.gui


def test_the_body_box_is_found_in_the_load_worker_and_used_for_the_fit(qtbot, monkeypatch):
    threads, boxes = [], []
    real = view_fit.body_box_lps

    def recorded(volume):
        threads.append(threading.current_thread() is threading.main_thread())
        box = real(volume)
        boxes.append(box)
        return box
    monkeypatch.setattr(view_fit, "body_box_lps", recorded)
    monkeypatch.setattr(case_framing, "body_box_lps", recorded)
    w = empty_window(qtbot)
    w.open_path(sample_series_dir())
    qtbot.waitUntil(lambda: w.session.volume is not None, timeout=120000)
    assert threads == [False]  # once, in the worker
    lo, hi = boxes[0]
    expected = real(w.session.volume)  # an independent search on the loaded volume
    np.testing.assert_allclose(lo, expected[0])
    np.testing.assert_allclose(hi, expected[1])
    for view in w.views.values():
        fit_lo, fit_hi = view.fit_box_lps
        np.testing.assert_allclose(fit_lo, lo)
        np.testing.assert_allclose(fit_hi, hi)
    assert w.framing.known_body_box is None  # used once, not kept for another case
    w.loader.anatomy.cancel()
    w.view3d.cancel_surface()
    w.close()
