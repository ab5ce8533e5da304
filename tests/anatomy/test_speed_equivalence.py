"""The speed-ups of issue 13 change no result: the canal found with the coarse pass cropped to the
bone's box equals the one found on whole slices (the reference: the same code without the crop), on
the synthetic sample and on the shared lumbar scan."""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy import canal


def _both(volume, monkeypatch, cropped=None):
    """(the canal as found, with the crop; the same without it). ``cropped``: the crop's result already
    computed by the session (tests/conftest.py ``lumbar_canal``: the same call on the same volume)."""
    cropped = canal.segment_canal(volume) if cropped is None else cropped
    with monkeypatch.context() as m:
        m.setattr(canal, "_bone_crop", lambda A, f, bone_hu, margin_blocks=3: (0, A.shape[1], 0, A.shape[2]))
        whole = canal.segment_canal(volume)
    return cropped, whole


def _same(a, b) -> None:
    assert np.array_equal(a.mask, b.mask) and np.array_equal(a.centreline_lps, b.centreline_lps)
    assert (a.closed_slices, a.interpolated_slices) == (b.closed_slices, b.interpolated_slices)


def test_cropped_coarse_pass_on_the_sample(sample_volume, monkeypatch):
    volume = sample_volume  # loaded once per session (tests/conftest.py)
    A = np.transpose(volume.hu, canal._axial_order(volume.direction))
    r0, r1, c0, c1 = canal._bone_crop(A, (1, 2, 2), canal.CanalParams().bone_hu)
    assert (r1 - r0) * (c1 - c0) < A.shape[1] * A.shape[2]  # the crop is a real one
    _same(*_both(volume, monkeypatch))


@pytest.mark.realdata
def test_cropped_coarse_pass_on_the_lumbar_scan(lumbar_volume, lumbar_canal, monkeypatch):
    _same(*_both(lumbar_volume, monkeypatch, cropped=lumbar_canal))
