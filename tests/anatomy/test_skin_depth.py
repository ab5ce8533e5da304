"""Depth from skin to tip on both shared real scans, within 3 mm of a hand-measured HU profile.

References: tests/data/skin_depth/needles.json, read by eye on HU profiles sampled along each
needle with SimpleITK (its own reader and linear interpolation; recipe: tests/data/skin_depth/profiles.py).
The lines include needles that cross the CT table and cushions (lumbar n3, T11-T12 n4: straight
up from under a supine patient), bowel gas (lumbar n2), blankets and the arms' side (T11-T12).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from planner.analysis.corridor import check_corridor
from planner.anatomy.body import segment_body

SPEC = json.loads((Path(__file__).parents[1] / "data" / "skin_depth" / "needles.json").read_text())
GAUGE_13_MM = 2.41


def _check(volume, scan, body=None):
    body = segment_body(volume) if body is None else body
    for n, spec in enumerate(SPEC[scan]):
        entry, tip = np.asarray(spec["entry_lps"]), np.asarray(spec["tip_lps"])
        expected = float(np.linalg.norm(tip - entry)) - spec["skin_depth_from_entry_mm"]
        report = check_corridor(volume, entry, tip, GAUGE_13_MM, body=body)
        assert report.depth_from_skin_mm == pytest.approx(expected, abs=3.0), (scan, n)


@pytest.mark.realdata
def test_lumbar_depth_from_skin(lumbar_volume, lumbar_body):
    assert len(SPEC["ct-lumbar-tcia"]) == 5
    _check(lumbar_volume, "ct-lumbar-tcia", lumbar_body)  # the shared volume and its body (tests/conftest.py)


@pytest.mark.realdata
def test_t11_t12_depth_from_skin(t11_t12_volume, t11_t12_body):
    assert len(SPEC["ct-t11-t12-jpeg2000"]) == 5
    _check(t11_t12_volume, "ct-t11-t12-jpeg2000", t11_t12_body)  # the shared volume and its body (tests/conftest.py)
