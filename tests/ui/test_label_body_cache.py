"""Issue 15: the level labels' body sampling (planner/ui/label_body.py) is kept per view while its frame
and the body mask stay the same, so a drag's repaints do not sample the body over the whole view again;
the labels land where a fresh sampling puts them, and a zoom samples afresh."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from planner.anatomy.body import BodyMask
from planner.geometry.planes import AXIAL
from planner.plan import commands
from planner.plan.items import Level, Needle
from planner.ui import slice_cache

pytestmark = [pytest.mark.gui, pytest.mark.realdata]


@pytest.fixture
def t11_window(qapp, t11_t12_volume, t11_t12_body):
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    w.loader.quiet = True
    w.resize(1300, 900)
    w.show()
    w.set_volume(t11_t12_volume)
    w.session.anatomy.body()  # what the background workers compute on a real load (from the cache here)
    canal = np.asarray(w.session.anatomy.canal().centreline_lps, float)
    centre = canal[len(canal) // 2] + np.array([0.0, -25.0, 0.0])  # the body, as in test_view19_labels_body
    w.session.stack.push(commands.add_item(Level(name="T12", body_centre_lps=tuple(centre))))
    w.state.set_cursor(centre)
    QApplication.processEvents()
    yield w, centre
    w.close()


def test_a_drag_step_reuses_the_body_sampling_and_places_labels_as_a_fresh_one(t11_window, monkeypatch):
    w, centre = t11_window
    view = w.views[AXIAL]
    overlay = w.level_labels.overlay
    samplings = []
    real = BodyMask.contains

    def contains(self, points):
        if threading.current_thread() is threading.main_thread():  # the layout's sampling, not a worker's
            samplings.append(len(points))
        return real(self, points)

    monkeypatch.setattr(BodyMask, "contains", contains)
    monkeypatch.setattr(slice_cache, "ENABLED", False)
    fresh = overlay.layout(view, view.current_slice())
    assert [p.text for p in fresh] == ["T12"] and samplings  # placed off the body (issue 19)
    # only the grid columns the label's candidate spots reach are sampled, not the whole view
    assert sum(samplings) < _grid_points(view) / 2, (sum(samplings), _grid_points(view))
    monkeypatch.setattr(slice_cache, "ENABLED", True)
    view.viewport.zoom_about(view.width() / 2, view.height() / 2, 1.1)  # a frame not painted yet
    n = len(samplings)
    overlay.layout(view, view.current_slice())
    assert len(samplings) > n  # the first layout of a frame samples and keeps it
    n = len(samplings)
    tip = centre + np.array([10.0, 0.0, 0.0])  # a needle moved in the slice: the frame is unchanged
    w.session.stack.push(commands.add_item(Needle(tuple(tip + (50.0, 80.0, 0.0)), tuple(tip))))
    moved = overlay.layout(view, view.current_slice())
    again = overlay.layout(view, view.current_slice())
    assert len(samplings) == n  # not sampled again
    monkeypatch.setattr(slice_cache, "ENABLED", False)
    assert [(p.text, p.rect) for p in overlay.layout(view, view.current_slice())] == [
        (p.text, p.rect) for p in moved] == [(p.text, p.rect) for p in again]
    assert len(samplings) > n  # (the fresh one)
    n = len(samplings)
    monkeypatch.setattr(slice_cache, "ENABLED", True)
    view.viewport.zoom_about(view.width() / 2, view.height() / 2, 1.25)  # a new frame: sampled afresh
    overlay.layout(view, view.current_slice())
    assert len(samplings) > n


def _grid_points(view) -> int:
    """How many points a whole-view sampling takes: a grid SAMPLE_STEP_PX apart over the view."""
    from planner.ui.label_body import SAMPLE_STEP_PX

    return (int(np.ceil(view.width() / SAMPLE_STEP_PX)) + 1) * (int(np.ceil(view.height() / SAMPLE_STEP_PX)) + 1)
