"""Canal segmentation on a small synthetic spine (closed and open rings, lytic posterior wall)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy.canal import segment_canal, segment_canal_from_seed
from planner.anatomy.canal_edit import erase_sphere, paint_sphere, restore_block
from planner.core.errors import PlannerError
from planner.core.volume import ImageVolume
from planner.geometry.raster import VoxelGrid
from tests.analysis.canal_phantom import dice, make_canal_phantom


@pytest.fixture(scope="module")
def phantom():
    vol, truth, lesion = make_canal_phantom()
    return vol, truth, lesion, segment_canal(vol)


def test_dice_overall_and_at_the_lytic_level(phantom):
    vol, truth, lesion, seg = phantom
    assert dice(seg.mask, truth) >= 0.90
    ks = np.flatnonzero(lesion.any(axis=(1, 2)))
    assert dice(seg.mask[ks], truth[ks]) >= 0.90
    assert seg.closed_slices > 0 and seg.interpolated_slices > 0
    assert seg.mask.shape == vol.hu.shape and seg.mask.dtype == bool


def test_does_not_leak_into_the_lytic_lesion(phantom):
    _, _, lesion, seg = phantom
    assert (seg.mask & lesion).sum() <= 0.05 * lesion.sum()


def test_every_slice_of_the_range_has_a_canal_and_centre_line(phantom):
    vol, truth, _, seg = phantom
    assert seg.mask.any(axis=(1, 2)).all()
    assert len(seg.centreline_lps) == vol.hu.shape[0]
    # centre line inside the true canal on every slice
    ijk = np.round(vol.to_ijk(seg.centreline_lps)).astype(int)
    assert truth[ijk[:, 2], ijk[:, 1], ijk[:, 0]].mean() == 1.0


def test_volume_axes_in_another_order_give_the_same_canal(phantom):
    vol, _, _, seg = phantom
    # store the same patient with i along z: array [x, y, z], direction columns (z, y, x)
    hu = np.ascontiguousarray(vol.hu.transpose(2, 1, 0))
    direction = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    other = ImageVolume(hu, (2.0, 1.0, 1.0), vol.origin_lps, direction)
    seg2 = segment_canal(other)
    assert dice(seg2.mask.transpose(2, 1, 0), seg.mask) >= 0.99


def test_seeded_segmentation_follows_the_clicked_channel(phantom):
    vol, truth, _, seg = phantom
    seed = vol.to_lps(np.array([50.0, 57.0, 20.0]))
    seeded = segment_canal_from_seed(vol, seed)
    assert dice(seeded.mask, seg.mask) >= 0.99
    with pytest.raises(PlannerError, match="outside"):
        segment_canal_from_seed(vol, [500.0, 0.0, 0.0])


def test_no_canal_is_a_clear_error():
    blank = ImageVolume(np.full((20, 40, 40), 40, np.int16), (1.0, 1.0, 2.0), (0.0, 0.0, 0.0))
    with pytest.raises(PlannerError, match="No spinal canal"):
        segment_canal(blank)


def test_paint_and_erase_a_ball_and_undo(phantom):
    vol, _, _, seg = phantom
    mask = seg.mask.copy()
    grid = VoxelGrid.of(vol)
    centre = vol.to_lps(np.array([20.0, 20.0, 30.0]))
    box, before = paint_sphere(mask, grid, centre, 4.0)
    added = mask.sum() - seg.mask.sum()
    # ball of radius 4 mm on a 1 x 1 x 2 mm grid: about 4/3 pi 64 / 2 voxels
    assert added == pytest.approx(4 / 3 * np.pi * 64 / 2.0, rel=0.15)
    assert mask[box].shape == before.shape
    restore_block(mask, box, before)
    assert np.array_equal(mask, seg.mask)
    inside = seg.centreline_lps[30]
    erase_sphere(mask, vol, inside, 3.0)
    ijk = np.round(vol.to_ijk(inside)).astype(int)
    assert not mask[ijk[2], ijk[1], ijk[0]]
    assert paint_sphere(mask, vol, [900.0, 0, 0], 2.0) == (None, None)
