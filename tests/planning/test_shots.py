"""The search's zone batches against the zone model called tip by tip, and the property the proposal's
pair skipping rests on (a union of zones is at least as near the canal as each of its zones)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from planner.ablation.devices import load_library
from planner.ablation.zones import zone_for_antenna
from planner.analysis.analyze import analyze
from planner.anatomy.sectors import sector_map
from planner.core.volume import ImageVolume
from planner.geometry.raster import VoxelGrid
from planner.geometry.shapes import Ellipsoid
from planner.planning.access import AccessParams, antenna_in_body
from planner.planning.ctv import build_ctv
from planner.planning.reach import CanalDistance, Protocol, prepare_lines
from planner.planning.shots import zone_batch

DEVICE = "generic-mw-2450-1.6"


@pytest.fixture(scope="module")
def lines_case(sample, sample_l2):
    volume, labels, lm, canal = sample
    gtv = labels == 10
    sm = sector_map(volume, sample_l2, canal, extra_mask=gtv)
    ctv, _ = build_ctv(sm.labels, gtv)
    cdist = CanalDistance.around_level(volume, canal, sm, ctv)
    lines = prepare_lines(volume, sm, canal, None, AccessParams(), 15.0, lesion_mask=gtv)
    return volume, sm, ctv, cdist, lines


@pytest.mark.parametrize("protocol", [Protocol(DEVICE, 20.0, 120.0, 15.0), Protocol(DEVICE, 30.0, 300.0, 20.0)])
def test_a_batch_holds_the_zone_model_s_own_zones_to_the_last_bit(lines_case, protocol):
    volume, sm, ctv, cdist, lines = lines_case
    device = load_library().get(DEVICE)
    side = lines["left"] + lines["right"]
    expected = []  # one zone_for_antenna call per allowed tip, the way the search used to make them
    for line in side:
        if not len(line.tip_depths_mm):
            continue
        ok = antenna_in_body(volume, sm, line.entry_lps, line.direction, line.tip_depths_mm, protocol.extension_mm)
        for t in line.tip_depths_mm[ok]:
            expected.append(zone_for_antenna(line.tip(t + protocol.extension_mm), line.direction, device,
                                             protocol.power_w, protocol.time_s))
    batch = zone_batch(side, device, protocol, volume, sm, cdist)
    assert len(expected) > 20 and len(batch) == len(expected)
    for n, e in enumerate(expected):
        assert np.array_equal(batch.centres_lps[n], e.centre_lps)
        assert np.array_equal(batch.axes[batch.line_index[n]], e.axes)
        assert np.array_equal(batch.semi_axes_mm, e.semi_axes_mm)
    assert np.array_equal(batch.clearance_mm, cdist.clearances_mm(expected))
    # what each kept zone covers: the ellipsoid's own inside test on the CTV points
    pts = volume.to_lps(np.argwhere(ctv)[::7, ::-1].astype(float))
    shots = batch.shots(-np.inf, pts, cKDTree(pts))
    assert len(shots) == len(expected)
    for s, e in zip(shots[::9], expected[::9]):
        assert np.array_equal(s.covers, e.algebraic(pts) <= 1.0)  # the test the search always used
        assert np.array_equal(s.zone.centre_lps, e.centre_lps) and np.array_equal(s.zone.axes, e.axes)


def test_a_union_of_zones_is_no_farther_from_the_canal_than_each_zone():
    """Two spheres beside a straight canal (a cylinder of 1 mm voxels along z): the analysis's distance
    from the union is the smaller of the two (closed form: gap = the sphere centre's distance from the
    canal's axis - the canal's radius - the sphere's radius; within a voxel)."""
    volume = ImageVolume(np.zeros((40, 80, 80), np.int16), (1.0, 1.0, 1.0), (0.0, 0.0, 0.0))
    kk, jj, ii = np.indices(volume.hu.shape)
    canal = np.hypot(ii - 40.0, jj - 40.0) <= 6.0
    axis = np.array([40.0, 40.0, 20.0])
    near = Ellipsoid.sphere(axis + np.array([16.0, 0.0, 0.0]), 7.0)   # gap 3 mm
    far = Ellipsoid.sphere(axis + np.array([-22.0, 0.0, 0.0]), 8.0)   # gap 8 mm
    grid = VoxelGrid.of(volume)
    d_near = analyze(grid, canal, [near]).canal_signed_distance_mm
    d_far = analyze(grid, canal, [far]).canal_signed_distance_mm
    d_both = analyze(grid, canal, [near, far]).canal_signed_distance_mm
    assert d_near == pytest.approx(3.0, abs=1.0) and d_far == pytest.approx(8.0, abs=1.0)
    assert d_both <= min(d_near, d_far) + 1e-9
