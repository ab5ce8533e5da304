"""``SessionAnatomy.ready_spine`` never computes (issue 19): it is asked on the GUI thread (the case's
framing, the level labels, the anatomy job's summary), so vertebrae handed in by ``set_spine`` before any
body mask was found must come back without the body mask being computed there (1-2 s on the lumbar scan)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy.cache import AnatomyCache
from planner.anatomy.spine import SpineResult
from planner.core.volume import ImageVolume, SeriesInfo
from planner.session.anatomy_state import SessionAnatomy


@pytest.fixture
def anatomy(monkeypatch, tmp_path):
    volume = ImageVolume(np.zeros((4, 8, 8), np.int16), (1.0, 1.0, 1.0), (0.0, 0.0, 0.0), np.eye(3),
                         SeriesInfo(series_description="empty"))
    found = SessionAnatomy(volume, AnatomyCache(tmp_path))

    def no_body(*_a, **_k):
        raise AssertionError("ready_spine computed the body mask")
    monkeypatch.setattr("planner.session.anatomy_state.body_cached", no_body)
    return found


def test_nothing_known_is_none_without_computing(anatomy):
    assert anatomy.ready_spine() is None and anatomy.known_body() is None


def test_vertebrae_set_before_any_body_come_back_as_they_are(anatomy):
    given = SpineResult((), False, "set by hand")
    anatomy.set_spine(given)
    assert anatomy.ready
    assert anatomy.ready_spine() is given
    assert anatomy.known_body() is None


def test_a_declined_search_answers_its_message(anatomy):
    anatomy.set_spine(SpineResult((), False, "earlier"))
    anatomy.decline("Cancelled by the user.")
    assert anatomy.ready_spine().message == "Cancelled by the user."
    anatomy.retry()
    assert anatomy.ready_spine().message == "earlier"
