"""planning.map_cache: the canal's distance maps kept between calls equal the maps built afresh, and
a change of anything they are computed from (the canal mask, the CT in the box, the grid, the box)
builds a new one (issue 17)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import ndimage

from planner.planning import map_cache
from planner.planning.needle_canal import CanalSurfaceDistance, padded_box, surface_distance_map
from planner.planning.reach import CanalDistance
from tests.analysis.canal_phantom import make_cylinder_ct


@pytest.fixture()
def case():
    map_cache.clear()
    volume = make_cylinder_ct((1.0, 1.0, 1.5), half_mm=16.0)
    ijk = np.argwhere(np.ones(volume.hu.shape, bool))[:, ::-1].astype(float)
    radial = np.linalg.norm(volume.to_lps(ijk)[:, :2], axis=1).reshape(volume.hu.shape)
    around = np.zeros(volume.hu.shape, bool)
    around[4:-4, 6:-6, 6:-6] = True
    yield volume, radial < 8.0, around
    map_cache.clear()


def _fresh(volume, canal, around, pad_mm):
    """The two maps computed without the cache: scipy's transform and the surface map itself."""
    box = padded_box(volume, around, pad_mm)
    local = canal[box]
    sp = np.array(volume.spacing_mm)[::-1]
    return box, ndimage.distance_transform_edt(~local, sampling=sp).astype(np.float32), \
        surface_distance_map(volume, box, local)


def test_cached_maps_equal_fresh_ones_and_are_shared_read_only(case):
    volume, canal, around = case
    box, edt, surface = _fresh(volume, canal, around, 5.0)
    for _ in range(2):
        a = CanalDistance.build(volume, canal, around, pad_mm=5.0)
        b = CanalSurfaceDistance.build(volume, canal, around, pad_mm=5.0)
        assert a.box == box and np.array_equal(a.dist_mm, edt)
        assert b.box == box and np.array_equal(b.dist_mm, surface)
    assert CanalDistance.build(volume, canal, around, pad_mm=5.0).dist_mm is a.dist_mm  # kept
    assert not a.dist_mm.flags.writeable and not b.dist_mm.flags.writeable
    assert a.at(np.array([[12.0, 0.0, 0.0]]))[0] == pytest.approx(4.0, abs=1.0)  # 12 mm from the axis: ~4 mm out


def test_a_changed_input_builds_a_new_map(case):
    volume, canal, around = case
    a = CanalDistance.build(volume, canal, around, pad_mm=5.0)
    b = CanalSurfaceDistance.build(volume, canal, around, pad_mm=5.0)
    # the CT in the box: the bone ring darker on one side (the surface map reads it; the transform does not)
    hu = volume.hu.copy()
    hu[:, :, hu.shape[2] // 2:] = np.where(hu[:, :, hu.shape[2] // 2:] > 500, 400, hu[:, :, hu.shape[2] // 2:])
    edited = dataclasses.replace(volume, hu=hu)
    b3 = CanalSurfaceDistance.build(edited, canal, around, pad_mm=5.0)
    assert not np.array_equal(b3.dist_mm, b.dist_mm)
    assert np.array_equal(b3.dist_mm, _fresh(edited, canal, around, 5.0)[2])
    assert CanalDistance.build(edited, canal, around, pad_mm=5.0).dist_mm is a.dist_mm  # same mask, same grid
    # the canal mask: one voxel less
    smaller = canal.copy()
    k, j, i = np.argwhere(canal)[0]
    smaller[k, j, i] = False
    _, edt, surface = _fresh(volume, smaller, around, 5.0)
    a2 = CanalDistance.build(volume, smaller, around, pad_mm=5.0)
    b2 = CanalSurfaceDistance.build(volume, smaller, around, pad_mm=5.0)
    assert not np.array_equal(a2.dist_mm, a.dist_mm) and np.array_equal(a2.dist_mm, edt)
    assert not np.array_equal(b2.dist_mm, b.dist_mm) and np.array_equal(b2.dist_mm, surface)
    # the grid: another slice spacing, the same arrays
    stretched = dataclasses.replace(volume, spacing_mm=(1.0, 1.0, 3.0))
    a4 = CanalDistance.build(stretched, canal, around, pad_mm=5.0)
    assert np.array_equal(a4.dist_mm, _fresh(stretched, canal, around, 5.0)[1])
    assert not np.array_equal(a4.dist_mm, a.dist_mm)
    # the box: another pad
    a5 = CanalDistance.build(volume, canal, around, pad_mm=2.0)
    assert a5.box != a.box and np.array_equal(a5.dist_mm, _fresh(volume, canal, around, 2.0)[1])


def test_only_the_last_maps_are_kept(case):
    volume, canal, around = case
    first = CanalDistance.build(volume, canal, around, pad_mm=1.0).dist_mm
    for pad in range(2, 2 + map_cache.MAX_MAPS):
        CanalDistance.build(volume, canal, around, pad_mm=float(pad))
    again = CanalDistance.build(volume, canal, around, pad_mm=1.0).dist_mm
    assert again is not first and np.array_equal(again, first)
