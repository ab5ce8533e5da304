"""Issue 17: what the proposal's batches share gives the same numbers as computing every zone alone.

- :func:`planner.planning.shots.zone_batch` with a ``memo`` kept across protocols (a line's zone axes,
  its antenna-in-body tips per extension) equals, bit for bit, one :func:`zone_for_antenna` call per
  tip and the canal clearance of each ellipsoid on its own (:meth:`CanalDistance.clearances_mm`);
- the exact measurement of a candidate reads the CTV and the target as LocalMasks found once: the
  same analysis as from the full masks (whose box ``analyze`` would otherwise find by a scan of the
  whole grid, twice per candidate).
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.ablation.devices import load_library
from planner.ablation.zones import planned_zone, zone_for_antenna
from planner.analysis.analyze import analyze
from planner.analysis.overlap import LocalMask, PreparedCanal
from planner.anatomy.sectors import sector_map
from planner.geometry.raster import VoxelGrid
from planner.planning.access import AccessParams, antenna_in_body
from planner.planning.ctv import build_ctv
from planner.planning.reach import CanalDistance, prepare_lines
from planner.planning.shots import Protocol, zone_batch

DEVICE = "generic-mw-2450-1.6"


@pytest.fixture(scope="module")
def fan(sample, sample_l2):
    volume, labels, _, canal = sample
    gtv = labels == 10
    sm = sector_map(volume, sample_l2, canal, extra_mask=gtv)
    ctv, _ = build_ctv(sm.labels, gtv)
    params = AccessParams(span_deg=7.5, cc_span_deg=0.0)  # a small fan: the comparison, not the search
    lines = prepare_lines(volume, sm, canal, None, params, 15.0, lesion_mask=gtv)
    return volume, sm, ctv, gtv, canal, lines, CanalDistance.around_level(volume, canal, sm, ctv)


def _zone_by_zone(lines, device, pr, volume, sm, cdist):
    """Each allowed tip with the antenna in the body: its own zone_for_antenna and clearance."""
    zones, depths, which = [], [], []
    for n, line in enumerate(lines):
        if not len(line.tip_depths_mm):
            continue
        ok = antenna_in_body(volume, sm, line.entry_lps, line.direction, line.tip_depths_mm, pr.extension_mm)
        for t in line.tip_depths_mm[ok]:
            tip = line.entry_lps + (float(t) + pr.extension_mm) * line.direction
            zones.append(zone_for_antenna(tip, line.direction, device, pr.power_w, pr.time_s))
            depths.append(float(t))
            which.append(n)
    return zones, np.array(depths), which, cdist.clearances_mm(zones)


def test_batches_sharing_a_memo_equal_each_zone_alone(fan):
    volume, sm, _, _, _, lines, cdist = fan
    device = load_library().get(DEVICE)
    memo: dict = {}
    n_zones = 0
    for side in ("left", "right"):
        for pr in (Protocol(DEVICE, 20.0, 120.0, 15.0), Protocol(DEVICE, 30.0, 180.0, 15.0),
                   Protocol(DEVICE, 20.0, 180.0, 20.0), Protocol(DEVICE, 30.0, 120.0, 20.0)):
            batch = zone_batch(lines[side], device, pr, volume, sm, cdist, memo)
            zones, depths, which, clear = _zone_by_zone(lines[side], device, pr, volume, sm, cdist)
            assert len(batch) == len(zones)
            n_zones += len(zones)
            np.testing.assert_array_equal(batch.depths_mm, depths)
            assert [lines[side].index(batch.lines[i]) for i in batch.line_index] == which
            for k, z in enumerate(zones):
                np.testing.assert_array_equal(batch.centres_lps[k], z.centre_lps)
                np.testing.assert_array_equal(batch.axes[batch.line_index[k]], z.axes)
                np.testing.assert_array_equal(batch.semi_axes_mm, z.semi_axes_mm)
            np.testing.assert_array_equal(batch.clearance_mm, clear)
            fresh = zone_batch(lines[side], device, pr, volume, sm, cdist)  # no memo: the same batch
            np.testing.assert_array_equal(fresh.centres_lps, batch.centres_lps)
            np.testing.assert_array_equal(fresh.clearance_mm, batch.clearance_mm)
    assert n_zones > 100  # the comparison saw zones on both sides and for every protocol
    assert any(k[0] == "in body" and k[2] == 20.0 for k in memo)  # the extensions are kept apart


def test_measuring_against_local_masks_equals_the_full_masks(fan):
    volume, sm, ctv, gtv, canal, lines, _ = fan
    device = load_library().get(DEVICE)
    line = next(x for x in lines["left"] if len(x.tip_depths_mm))
    tip = line.tip(float(line.tip_depths_mm[-1]) + 15.0)
    zones = [planned_zone(tip, line.direction, device, 20.0, 120.0)]
    grid = VoxelGrid.of(volume)
    prepared = PreparedCanal.build(grid, np.asarray(canal, bool))
    covered = []
    for mask in (ctv, gtv):
        full = analyze(grid, prepared, zones, mask, thermocouple_tips={"tc": tip}, margin_mm=2.0)
        local = analyze(grid, prepared, zones, LocalMask.from_full(np.asarray(mask, bool)),
                        thermocouple_tips={"tc": tip}, margin_mm=2.0)
        assert full.target_volume_ml > 0
        covered.append(full.coverage_percent)
        for key in ("target_volume_ml", "coverage_percent", "min_margin_mm", "canal_signed_distance_mm",
                    "canal_overlap_ml", "canal_closest_lps", "thermocouples", "findings"):
            assert getattr(local, key) == getattr(full, key), key
    assert max(covered) > 0  # the zone covers part of the CTV: the figures compared are not all empty
