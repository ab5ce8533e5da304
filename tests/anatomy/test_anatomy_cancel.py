"""Cooperative cancel through the automatic anatomy (issue 19): ``find_spine``, ``segment_canal`` and the
session's anatomy take a ``cancel`` callable, checked before every vertebral-body search; once it
answers True the computation raises ``JobCancelled`` at the next one and keeps nothing.

"Stopped early" is counted, never timed: the number of body searches (``detect_level`` calls) made
once the cancel flag is up is 0, while the sample's ground truth holds three whole vertebral bodies
(L1, L2, L3; labels.json), each of which needs a search of its own to be found.
"""

from __future__ import annotations

import json

import pytest

from planner.anatomy import canal, levels, spine
from planner.anatomy.cache import AnatomyCache
from planner.core.progress import JobCancelled, check_cancel
from planner.session.anatomy_state import SessionAnatomy


@pytest.fixture(scope="module")
def whole_bodies(sample_truth) -> int:
    labels = json.loads((sample_truth / "labels.json").read_text())["labels"]
    return sum(1 for v in labels.values() if v["name"].startswith("vertebra_") and "only partly" not in v["description"])


@pytest.fixture
def searches(monkeypatch):
    """Counts every vertebral-body search (spine seeds and walks across discs alike)."""
    calls = []
    original = levels.detect_level

    def counted(*args, **kwargs):
        calls.append(args[1])
        return original(*args, **kwargs)
    monkeypatch.setattr(spine, "detect_level", counted)
    monkeypatch.setattr(levels, "detect_level", counted)
    return calls


def test_check_cancel_raises_only_when_asked():
    check_cancel(None)
    check_cancel(lambda: False)
    with pytest.raises(JobCancelled, match="the body outline"):
        check_cancel(lambda: True, "the body outline")


def test_sample_has_three_whole_bodies(whole_bodies):
    assert whole_bodies == 3


def test_find_spine_stops_at_the_next_body_search(sample_volume, searches, whole_bodies):
    stop_after = 1
    cancel = lambda: len(searches) >= stop_after  # noqa: E731 - the user presses Cancel during the first search
    with pytest.raises(JobCancelled):
        spine.find_spine(sample_volume, cancel=cancel)
    assert len(searches) == stop_after  # no search started once the flag was up
    assert len(searches) < whole_bodies  # so it stopped before it could have found them all


def test_find_spine_cancelled_before_it_starts_searches_nothing(sample_volume, searches, monkeypatch):
    tracks = []
    monkeypatch.setattr(spine, "seed_track", lambda *a, **k: tracks.append(a) or [])
    with pytest.raises(JobCancelled):
        spine.find_spine(sample_volume, cancel=lambda: True)
    assert searches == [] and tracks == []


def test_canal_cancelled_after_its_coarse_pass_skips_the_fine_one(sample_volume, monkeypatch):
    fine = []
    monkeypatch.setattr(canal, "_fine", lambda *a, **k: fine.append(a))
    coarse = []
    original = canal._coarse_centreline
    monkeypatch.setattr(canal, "_coarse_centreline", lambda *a, **k: coarse.append(a) or original(*a, **k))
    with pytest.raises(JobCancelled, match="spinal canal"):
        canal.segment_canal(sample_volume, cancel=lambda: bool(coarse))
    assert len(coarse) == 1 and fine == []


def test_session_anatomy_keeps_and_caches_nothing_of_a_cancelled_search(sample_volume, searches, tmp_path):
    cache = AnatomyCache(tmp_path / "cache", enabled=True)
    anatomy = SessionAnatomy(sample_volume, cache)
    with pytest.raises(JobCancelled):
        anatomy.spine(cancel=lambda: len(searches) >= 1)
    assert not anatomy.ready and not anatomy.declined
    assert not cache.path(anatomy.key, "spine").exists()  # a cancellation is not a result to reuse
    assert anatomy.body() is not None and not anatomy.body_error  # the body mask was found and kept
