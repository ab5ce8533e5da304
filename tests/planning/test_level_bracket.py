"""bracket_by_foramina: a level's cranio-caudal extent from the foramina around the seed (closed form)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from planner.anatomy.sectors import BRACKET_DISC_MM, LevelFrame, bracket_by_foramina


def _frame():
    # a tilted frame: head axis 10 degrees from LPS z in the sagittal plane
    a = np.radians(10.0)
    axes = np.array([[1.0, 0.0, 0.0], [0.0, np.cos(a), -np.sin(a)], [0.0, np.sin(a), np.cos(a)]])
    return LevelFrame("T12", np.array([5.0, -120.0, -800.0]), axes, np.array([4.0, -120.0, -800.0]), 12.0, 50.0)


def _foramen(frame, w_mm, u_mm=15.0):
    return SimpleNamespace(centre_lps=frame.centre_lps + w_mm * frame.axes[2] + u_mm * frame.axes[0])


def test_the_slab_spans_the_nearest_foramina_above_and_below_the_seed():
    f = _frame()
    seed = f.centre_lps + 6.0 * f.axes[2] - 10.0 * f.axes[1]  # in the body, 6 mm above the bone's centre
    foramina = [_foramen(f, -8.0), _foramen(f, -8.0, -15.0), _foramen(f, 22.0), _foramen(f, 22.0, -15.0),
                _foramen(f, 55.0), _foramen(f, -40.0)]  # the next ones up and down are ignored
    out = bracket_by_foramina(f, seed, foramina)
    assert out.height_mm == pytest.approx(30.0 - BRACKET_DISC_MM)  # the body: half a disc off each end
    assert bracket_by_foramina(f, seed, foramina, disc_mm=0.0).height_mm == pytest.approx(30.0)
    # centre: midway (w = 7 mm from the old centre) along the head axis only
    assert np.allclose(out.centre_lps, f.centre_lps + 7.0 * f.axes[2])
    assert np.allclose(out.plane_point_lps, f.plane_point_lps + 7.0 * f.axes[2])
    assert np.allclose(out.axes, f.axes) and out.depth_mm == f.depth_mm and out.name == "T12"


@pytest.mark.parametrize("ws", [(), (-8.0,), (22.0, 30.0), (-3.0, 5.0), (-30.0, 30.0)])
def test_the_frame_is_kept_without_a_plausible_pair(ws):
    f = _frame()
    out = bracket_by_foramina(f, f.centre_lps, [_foramen(f, w) for w in ws])
    assert out is f
