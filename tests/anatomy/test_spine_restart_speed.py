"""Issue 13 (speed): a restart candidate between the endplates of a body already refused by the same
restart is not tried (planner/anatomy/spine.py ``_restart``). The reference is the search with every
candidate tried (the same code with that check switched off): the vertebrae found, their names,
centres, axes, endplates, planes, sizes and confidences are identical on the synthetic sample and on
both shared real scans, and on the lumbar scan the skip is a real one (candidates are left out)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from planner.anatomy import spine


def _every_candidate(volume, body, monkeypatch):
    """``find_spine`` with every restart candidate tried, and how many candidates the skip would have
    left out (the real check asked, its answer ignored)."""
    would_skip = []
    real = spine._inside_run
    with monkeypatch.context() as m:
        m.setattr(spine, "_inside_run", lambda seed, g: would_skip.append(real(seed, g)) and False)
        result = spine.find_spine(volume, body)
    return result, sum(would_skip)


def _same(a, b) -> None:
    assert (a.named, a.message, a.landmarks) == (b.named, b.message, b.landmarks)
    assert len(a.vertebrae) == len(b.vertebrae)
    for va, vb in zip(a.vertebrae, b.vertebrae):
        for f in dataclasses.fields(va):
            x, y = getattr(va, f.name), getattr(vb, f.name)
            if isinstance(x, (tuple, list, np.ndarray)):
                assert np.array_equal(np.asarray(x, float), np.asarray(y, float)), (va.name, f.name, x, y)
            else:
                assert x == y, (va.name, f.name, x, y)


def test_restart_skip_changes_nothing_on_the_sample(sample_volume, sample_body, sample_spine, monkeypatch):
    _same(sample_spine, _every_candidate(sample_volume, sample_body, monkeypatch)[0])


@pytest.mark.realdata
def test_restart_skip_changes_nothing_on_the_lumbar_scan(lumbar_volume, lumbar_body, lumbar_spine, monkeypatch):
    reference, skipped = _every_candidate(lumbar_volume, lumbar_body, monkeypatch)
    _same(lumbar_spine, reference)
    # the walk above T11 refuses a merged 44 mm "body" and skips the candidates inside it
    assert skipped >= 2


@pytest.mark.realdata
def test_restart_skip_changes_nothing_on_the_t11_t12_scan(t11_t12_volume, t11_t12_body, t11_t12_spine, monkeypatch):
    _same(t11_t12_spine, _every_candidate(t11_t12_volume, t11_t12_body, monkeypatch)[0])
