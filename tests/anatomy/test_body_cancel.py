"""Cancel reaches inside the body-mask step (issue 19): ``segment_body`` checks ``cancel`` between its
steps (threshold, erosion, dilation, labelling, growing, filling), so the anatomy job's Cancel no longer
waits for the whole step. Deterministic: the cancel hook answers True from its N-th call on, and the
steps that ran are counted (never timed)."""

from __future__ import annotations

import pytest

from planner.anatomy import body as body_module
from planner.anatomy.cache import AnatomyCache
from planner.core.progress import JobCancelled
from planner.imaging import load_path
from planner.session.anatomy_state import SessionAnatomy


@pytest.fixture(scope="module")
def sample_volume(sample_series):
    return load_path(sample_series)


class Hook:
    """A cancel callable answering True from its ``at``-th call on (None: never)."""

    def __init__(self, at=None):
        self.at, self.calls = at, 0

    def __call__(self) -> bool:
        self.calls += 1
        return self.at is not None and self.calls >= self.at


@pytest.fixture
def steps(monkeypatch):
    """Counts the morphology steps run: in-plane squares (erosion, dilation, growing) and the hole filling."""
    ran = []
    square, fill = body_module._square, body_module.fill_holes_in_plane
    monkeypatch.setattr(body_module, "_square", lambda *a, **k: ran.append("square") or square(*a, **k))
    monkeypatch.setattr(body_module, "fill_holes_in_plane", lambda *a, **k: ran.append("fill") or fill(*a, **k))
    return ran


def test_an_uncancelled_search_checks_between_every_step(sample_volume, steps):
    hook = Hook()
    body = body_module.segment_body(sample_volume, cancel=hook)
    assert body.volume_ml > 0
    assert steps == ["square", "square", "square", "fill"]  # erosion, dilation, growing, filling
    assert hook.calls >= len(steps) + 2  # before, between every two steps, after


def test_cancel_mid_step_stops_at_the_next_check(sample_volume, steps):
    total = Hook()
    body_module.segment_body(sample_volume, cancel=total)
    for at in range(2, total.calls + 1):  # the first check is before anything; each later one is mid-way
        steps.clear()
        hook = Hook(at)
        with pytest.raises(JobCancelled, match="body outline"):
            body_module.segment_body(sample_volume, cancel=hook)
        assert hook.calls == at  # no check after the one that answered True: nothing more ran
        assert len(steps) < 4 or at == total.calls  # stopped before the filling (the last check: after it)
    steps.clear()
    with pytest.raises(JobCancelled):
        body_module.segment_body(sample_volume, cancel=Hook(3))
    assert steps == ["square"]  # cancelled after the erosion: no dilation, labelling or filling


def test_session_body_cancelled_inside_keeps_and_caches_nothing(sample_volume, tmp_path):
    cache = AnatomyCache(tmp_path / "cache", enabled=True)
    anatomy = SessionAnatomy(sample_volume, cache)
    hook = Hook(4)  # the session's own check, then three inside segment_body
    with pytest.raises(JobCancelled):
        anatomy.body(hook)
    assert hook.calls == 4
    assert anatomy.known_body() is None and not anatomy.body_error  # stopped, not "no body found"
    assert not cache.path(anatomy.key, "body").exists()
    assert anatomy.body() is not None and not anatomy.body_error  # the next call computes it
