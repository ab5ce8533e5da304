"""The sacral pass's rules on synthetic arrays (planner/anatomy/levels_sacrum.py, levels_centre.py): each
expected value is read off the construction."""

from __future__ import annotations

import numpy as np

from planner.anatomy.levels_centre import lower_end_plane
from planner.anatomy.levels_grid import LocalGrid
from planner.anatomy.levels_sacrum import bone_run_start, section_centroid_vw, within_endplate_width


def test_the_bone_run_goes_on_toward_the_feet_while_the_profile_is_bone():
    profile = np.array([40.0, 120.0, 160.0, 230.0, 180.0, 400.0, 420.0])
    valid = np.ones(7, bool)
    assert bone_run_start(profile, valid, 5, 150.0) == 2  # 120 HU at slice 1 is not bone
    valid[3] = False
    assert bone_run_start(profile, valid, 5, 150.0) == 4  # the grid's data ends at slice 3


def test_the_body_is_cut_to_its_superior_endplates_width():
    body = np.zeros((4, 3, 10), bool)
    body[:3, :, 0:10] = True  # the lower slices: body and alae, side to side
    body[3, :, 3:7] = True    # the superior endplate's slice: u 3..6
    out = within_endplate_width(body, 3)
    assert np.array_equal(np.flatnonzero(out.any(axis=(0, 1))), np.arange(3, 7))
    assert out[:, :, 3:7].sum() == body[:, :, 3:7].sum()


def test_the_lower_end_plane_is_parallel_to_the_top_at_the_lowest_voxels():
    w_mm = np.arange(10) * 1.5
    u_mm = np.arange(6) * 1.5
    v_mm = np.arange(5) * 1.5
    body = np.zeros((10, 5, 6), bool)
    body[3:9] = True          # every column from slice 3 (w 4.5 mm) up: lower edge at 3.75 mm
    top = np.array([0.2, -0.1, 12.0])
    a, b, c = lower_end_plane(body, u_mm, v_mm, w_mm, top)
    assert (a, b) == (0.2, -0.1)
    # the median over the columns of 3.75 - 0.2 u + 0.1 v: the middle column (u 3.75, v 3 mm) of the symmetric grid
    assert np.isclose(c, 3.75 - 0.2 * np.median(u_mm) + 0.1 * np.median(v_mm))


def test_s1_centre_is_the_hull_of_its_mid_sagittal_section_down_to_the_fusion_ridge():
    # a 1 mm grid; arrays [w, v, u], coordinates = indices (u from -6)
    grid = LocalGrid.around(np.zeros(3), np.eye(3), 1.0, (-6.0, 6.0), (0.0, 39.0), (0.0, 39.0))
    smooth = np.zeros(grid.shape_wvu, np.float32)
    smooth[10:30, 10:30, :] = 300.0   # the body's bone, v 10-29, down to w 10
    smooth[11, 10:30, :] = 600.0      # the fusion ridge at w 11, under the mask's end
    body = np.zeros(grid.shape_wvu, bool)
    body[15:30, 10:30, 1:12] = True   # the mask ends at w 15 (u -5..5: the band)
    body[20:25, 27:30, :] = False     # a notch in the posterior wall (v 27-29): the hull closes it
    body[30:36, 0:6, 12] = True       # off the band (u 6): not in the section
    # the hull of the section carried on to the ridge: the rectangle v 10-29, w 11-29
    v, w = section_centroid_vw(body, smooth, grid, 0.0, 150.0)
    assert np.isclose(v, 19.5) and np.isclose(w, 20.0), (v, w)
    # no ridge below the end (the bone fades down from the mask's lowest slice): the section is the mask's
    smooth[11] = 300.0
    smooth[10:15] = np.linspace(200.0, 280.0, 5)[:, None, None]
    v, w = section_centroid_vw(body, smooth, grid, 0.0, 150.0)
    assert np.isclose(v, 19.5) and np.isclose(w, 22.0), (v, w)
