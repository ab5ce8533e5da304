"""ISRC sectors (planner.anatomy.sectors) against the sample's phantom model and on the real scans."""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy.levels import detect_level
from planner.anatomy.sectors import SECTORS, LevelFrame, sector_map
from planner.core.errors import PlannerError
from tests.planning.phantom_sectors import reference_sectors


def _dice(a, b):
    return 2 * np.logical_and(a, b).sum() / (a.sum() + b.sum())


@pytest.mark.parametrize("name", ["L1", "L2"])
def test_sectors_match_the_phantom_model(sample, name):
    volume, labels, lm, canal = sample
    level = detect_level(volume, lm["vertebrae"][name]["body_centre_lps"], name)
    got = sector_map(volume, level, canal).labels
    ref = reference_sectors(labels, volume, name)
    both = (got > 0) & (ref > 0)
    assert both.sum() / (ref > 0).sum() > 0.95          # the vertebra is found
    assert (got[both] == ref[both]).mean() > 0.93        # and split like the model's parts
    assert _dice(got == 1, ref == 1) > 0.85
    for s in SECTORS[1:]:
        assert _dice(got == s, ref == s) > 0.6, s


def test_left_is_the_patients_left(sample):
    volume, labels, lm, canal = sample
    level = detect_level(volume, lm["vertebrae"]["L2"]["body_centre_lps"], "L2")
    sm = sector_map(volume, level, canal)
    for side, sectors in (("left", (2, 3)), ("right", (6, 5))):
        isthmus = np.asarray(lm["vertebrae"]["L2"]["pedicles"][side]["isthmus_lps"])
        assert sm.frame.classify(isthmus[None])[0] == sectors[0]
        lateral = isthmus + np.array([25.0 if side == "left" else -25.0, 0.0, 0.0])  # transverse process
        assert sm.frame.classify(lateral[None])[0] == sectors[1]
    spinous = np.asarray(lm["vertebrae"]["L2"]["canal_centre_lps"]) + np.array([0.0, 25.0, -6.0])
    assert sm.frame.classify(spinous[None])[0] == 4


def test_level_outside_the_scan_says_so(sample):
    volume, _, _, canal = sample
    far = LevelFrame("L2", np.array([0.0, 0.0, 900.0]), np.eye(3), np.array([0.0, 0.0, 900.0]), 26.0, 32.0)
    with pytest.raises(PlannerError, match="outside the scan"):
        sector_map(volume, far, canal)
