"""CTV rules (the shipped table) and coverage by zones, against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.errors import PlannerError
from planner.geometry.raster import VoxelGrid
from planner.geometry.shapes import Ellipsoid
from planner.planning.coverage import coverage
from planner.planning.ctv import build_ctv, ctv_sectors, load_rules


@pytest.mark.parametrize("involved, expected", [
    ({1}, {1}),                              # any part of the body: the whole body (sector 1)
    ({1, 2}, {1, 2, 3}),                     # body + left pedicle: + left transverse process/lamina
    ({1, 6}, {1, 6, 5}),
    ({1, 2, 6}, {1, 2, 3, 4, 5, 6}),         # body + both pedicles: circumferential
    ({2}, {2, 3}),                           # unilateral pedicle: + ipsilateral TP/lamina
    ({3}, {2, 3, 4}),                        # unilateral lamina: + ipsilateral pedicle, spinous
    ({4}, {3, 4, 5}),                        # spinous process: + both laminae
])
def test_isrc_rules_as_checked(involved, expected):
    assert ctv_sectors(involved).sectors == frozenset(expected)


def test_rule_table_carries_its_citation():
    rules = load_rules()
    assert "Cox" in rules.source and "2012" in rules.source
    assert "Brainlab" in rules.checked_against


def test_ctv_mask_from_sector_labels_and_the_gtv():
    labels = np.zeros((4, 4, 7), np.uint8)
    for s in range(1, 7):
        labels[:, :, s] = s
    gtv = np.zeros(labels.shape, bool)
    gtv[1, 1, 1:3] = True           # body and left pedicle
    gtv[0, 0, 0] = True             # an epidural voxel outside the bone stays in the CTV
    mask, choice = build_ctv(labels, gtv)
    assert choice.sectors == {1, 2, 3}
    assert mask[..., 1:4].all() and not mask[..., 4:].any() and mask[0, 0, 0]
    mask, choice = build_ctv(labels, gtv, override={1})
    assert mask[..., 1].all() and mask[..., 2].sum() == 1 and not mask[..., 3:].any()  # the GTV stays


def test_ctv_bad_input_is_named():
    labels = np.ones((3, 3, 3), np.uint8)
    with pytest.raises(PlannerError, match="No lesion"):
        build_ctv(labels, np.zeros(labels.shape, bool))
    labels[:] = 0
    with pytest.raises(PlannerError, match="outside the vertebra"):
        build_ctv(labels, np.ones(labels.shape, bool))


def _ball(grid_shape, centre_ijk, radius_vox):
    kk, jj, ii = np.indices(grid_shape)
    return (ii - centre_ijk[0]) ** 2 + (jj - centre_ijk[1]) ** 2 + (kk - centre_ijk[2]) ** 2 <= radius_vox ** 2


def _lens_ml(R, r, d):
    """Volume of the intersection of two balls (radii R, r, centres d apart), mm^3 -> mL."""
    return np.pi * (R + r - d) ** 2 * (d * d + 2 * d * r - 3 * r * r + 2 * d * R + 6 * r * R - 3 * R * R) / (12 * d) / 1000


def test_coverage_of_a_ball_by_a_ball_matches_the_lens_volume():
    grid = VoxelGrid((60, 60, 60), np.diag([0.5, 0.5, 0.5, 1.0]))
    target = _ball(grid.shape_kji, (30, 30, 30), 16)            # r = 8 mm at (15, 15, 15)
    r = 8.0
    zone = Ellipsoid.sphere((15.0 + 10.0, 15.0, 15.0), 10.0)      # R = 10 mm, 10 mm away
    cov = coverage(grid, [zone], target)
    assert cov.target_ml == pytest.approx(4 / 3 * np.pi * r**3 / 1000, rel=0.03)
    assert cov.covered_ml == pytest.approx(_lens_ml(10.0, r, 10.0), rel=0.04)
    assert cov.uncovered_ml == pytest.approx(cov.target_ml - cov.covered_ml)
    # deepest uncovered point: (7, 15, 15), 8 mm outside the zone surface
    assert cov.min_margin_mm == pytest.approx(-8.0, abs=0.5)
    assert sum(cov.histogram_ml) == pytest.approx(cov.target_ml)
    assert cov.uncovered.sum() * 0.125 / 1000 == pytest.approx(cov.uncovered_ml, rel=0.05)


def test_full_coverage_has_the_radial_margin():
    grid = VoxelGrid((60, 60, 60), np.diag([0.5, 0.5, 0.5, 1.0]))
    target = _ball(grid.shape_kji, (30, 30, 30), 10)            # r = 5 mm
    cov = coverage(grid, [Ellipsoid.sphere((15.0, 15.0, 15.0), 12.0)], target)
    assert cov.percent == pytest.approx(100.0)
    assert cov.min_margin_mm == pytest.approx(12.0 - 5.0, abs=0.5)
    assert not cov.uncovered.any()
