"""Issue 15: the canal distance measured zone by zone (planner/analysis/zone_distance.py) equals the
union's (planner/analysis/overlap.py, the independent reference: one search over all zones at once)
on the real lumbar scan with the sub-voxel band (without it ``analyze`` keeps the union's search), and
a moved zone is the only one measured again."""

from __future__ import annotations

import numpy as np
import pytest

from planner.analysis.analyze import analyze
from planner.analysis.overlap import PreparedCanal
from planner.analysis.zone_distance import CanalDistanceCache
from planner.geometry.raster import VoxelGrid
from planner.geometry.shapes import Ellipsoid


@pytest.fixture(scope="module")
def lumbar(lumbar_volume, lumbar_canal):
    grid = VoxelGrid.of(lumbar_volume)
    mask = np.asarray(lumbar_canal.mask, bool)
    k = int(np.median(np.nonzero(mask.any(axis=(1, 2)))[0]))
    j, i = np.nonzero(mask[k])
    centre = lumbar_volume.to_lps([float(i.mean()), float(j.mean()), float(k)])
    band = PreparedCanal.build(grid, mask, lumbar_volume.hu)
    plain = PreparedCanal.build(grid, mask)
    return grid, centre, band, plain


def _zone(centre, offset, semi=(15.0, 11.0, 11.0), axis=(0.0, 1.0, 0.0)) -> Ellipsoid:
    return Ellipsoid.spheroid(np.asarray(centre) + offset, np.asarray(axis, float), semi[0], semi[1])


def _cases(centre):
    """Pairs and triples of zones: far, near, touching, penetrating, overlapping each other, one centred
    in the canal inside another, and random ones around the canal (seeded)."""
    cases = [
        [_zone(centre, (-10, -40, 0)), _zone(centre, (12, -42, 0))],  # both in front, clear of the canal
        [_zone(centre, (-8, -24, 0)), _zone(centre, (8, -30, 0))],  # one near, one farther
        [_zone(centre, (-6, -14, 0)), _zone(centre, (6, -16, 2))],  # both reach into the canal
        [_zone(centre, (-3, -20, 0)), _zone(centre, (3, -21, 0))],  # overlapping each other
        [_zone(centre, (0, 0, 0), (8, 5, 5)), _zone(centre, (0, -6, 0), (14, 10, 10))],  # centre in the canal
        [_zone(centre, (-9, -28, 0)), _zone(centre, (9, -28, 0)), _zone(centre, (0, -30, 12))],
        [_zone(centre, (0, -25, 0), (12, 9, 9), (1.0, 1.0, 0.0)), _zone(centre, (30, 5, 0), (10, 8, 8), (0, 0, 1.0))],
    ]
    rng = np.random.default_rng(15)
    for _ in range(8):
        n = int(rng.integers(2, 4))
        cases.append([_zone(centre, rng.uniform([-25, -45, -20], [25, 10, 20]),
                            tuple(np.sort(rng.uniform(6, 16, 2))[::-1]), rng.normal(size=3)) for _ in range(n)])
    return cases


@pytest.mark.parametrize("canal_kind", ["band", "plain"])
def test_zone_by_zone_distance_equals_the_union_search(lumbar, canal_kind):
    grid, centre, band, plain = lumbar
    canal = band if canal_kind == "band" else plain
    cache = CanalDistanceCache()
    signs = set()
    for zones in _cases(centre):
        union = analyze(grid, canal, zones)
        each = analyze(grid, canal, zones, distances=cache)  # without a band: the union's search again
        assert each.canal_signed_distance_mm == pytest.approx(union.canal_signed_distance_mm, abs=1e-9)
        assert np.allclose(each.canal_closest_lps, union.canal_closest_lps, atol=1e-9)
        assert each.canal_overlap_ml == union.canal_overlap_ml
        signs.add(np.sign(union.canal_signed_distance_mm))
    assert signs == {-1.0, 1.0}  # the cases cover penetration and clearance


def test_only_the_moved_zone_is_measured_again(lumbar):
    grid, centre, band, _plain = lumbar
    cache = CanalDistanceCache()
    a, b = _zone(centre, (-8, -24, 0)), _zone(centre, (8, -30, 0))
    cache.distance(grid, [a, b], band)
    assert cache.computed == 2
    for step in range(1, 4):  # b is dragged 0.3 mm per move: a is never measured again
        moved = _zone(centre, (8 + 0.3 * step, -30, 0))
        d, _ = cache.distance(grid, [a, moved], band)
        assert cache.computed == 2 + step
        reference = analyze(grid, band, [a, moved]).canal_signed_distance_mm
        assert d == pytest.approx(reference, abs=1e-9)
    cache.distance(grid, [a, moved], band)  # nothing moved: nothing measured
    assert cache.computed == 5
    other = PreparedCanal(grid, band.mask, band.boundary_lps, band.boundary_k, band.band)  # another canal
    cache.distance(grid, [a, moved], other)
    assert cache.computed == 7  # measured afresh
    with pytest.raises(ValueError, match="band"):
        cache.distance(grid, [a, moved], PreparedCanal(grid, band.mask, band.boundary_lps, band.boundary_k))


def test_a_zone_centred_in_the_canal_inside_another_zone_counts_for_both():
    """The union's search tries every zone centre in the canal (an ellipsoid's deepest point), so the
    zone-by-zone figure must try each zone at the other zones' centres too. A tube canal (radius 3 mm)
    sampled in 10 mm slices, a small zone B centred in it between two slices, and a sphere A (radius
    5.5 mm) 4 mm beside B's centre: A's own search sees no canal inside it (the slices miss it), B's
    own figure is its depth -0.8 mm (its smallest semi-axis), and the union's is A's depth at B's
    centre, 4 - 5.5 = -1.5 mm (closed form: a sphere's signed distance is |p - c| - r)."""
    nz, n, slice_mm = 9, 41, 10.0
    ijk_to_lps = np.diag([1.0, 1.0, slice_mm, 1.0])
    ijk_to_lps[:3, 3] = [-20.0, -20.0, -40.0]
    grid = VoxelGrid((nz, n, n), ijk_to_lps)
    _k, j, i = np.meshgrid(np.arange(nz), np.arange(n), np.arange(n), indexing="ij")
    mask = (i - 20.0) ** 2 + (j - 20.0) ** 2 <= 9.0
    canal = PreparedCanal.build(grid, mask, np.where(mask, 15, 1000).astype(np.int16))
    c = np.array([2.5, 0.0, 4.0])  # in the tube, 4 mm above the slice at z = 0
    small = Ellipsoid.spheroid(c, np.array([0.0, 0.0, 1.0]), 1.0, 0.8)
    large = Ellipsoid.spheroid(c + [4.0, 0.0, 0.0], np.array([0.0, 0.0, 1.0]), 5.5, 5.5)
    union = analyze(grid, canal, [small, large]).canal_signed_distance_mm
    each = analyze(grid, canal, [small, large], distances=CanalDistanceCache()).canal_signed_distance_mm
    alone = [analyze(grid, canal, [z]).canal_signed_distance_mm for z in (small, large)]
    assert union == pytest.approx(4.0 - 5.5, abs=1e-6)
    assert each == pytest.approx(union, abs=1e-9)
    assert min(alone) == pytest.approx(-0.8, abs=1e-6)  # neither zone's own figure is the union's


def test_the_core_overlap_from_the_whole_masks_fractions_equals_computing_it_again(lumbar):
    """analyze() passes canal_overlap_ml the fractions overlap_ml already found for every canal voxel
    of the box (issue 15: they were computed twice); the core voxels' share and points are the same."""
    from planner.analysis.overlap import canal_overlap_ml, overlap_ml, zones_box

    grid, centre, band, _plain = lumbar
    for zones in _cases(centre)[:8]:
        box = zones_box(grid, zones, 2.0)
        _ml, pts, frac = overlap_ml(grid, zones, band.mask, box)
        again, core_pts = canal_overlap_ml(grid, zones, band, box)
        reused, reused_pts = canal_overlap_ml(grid, zones, band, box, known=(pts, frac))
        assert reused == pytest.approx(again, rel=1e-12, abs=1e-12)
        assert np.array_equal(reused_pts, core_pts)
