"""Key images: a scale bar whose length is 10 mm at the slice's pixel spacing, and the zone-canal
overlap filled red exactly where a zone and the canal meet."""

from __future__ import annotations

import numpy as np

from planner.geometry.planes import AXIAL
from planner.geometry.raster import VoxelGrid, paste, rasterise
from planner.render.key_images import OVERLAP_RGB, SCALE_BAR_MM, KeyImageRenderer


def test_scale_bar_is_ten_millimetres(sample_session):
    renderer = KeyImageRenderer(sample_session, image_px=240)
    needle = sample_session.plan.needles[0]
    plane = renderer.plane_for(AXIAL, needle)
    sl = renderer.slice_image(plane, needle)
    rgb = renderer.render_slice(plane, needle)
    rows = rgb.shape[0]
    y = int(round(rows - 0.06 * rows))
    white = np.flatnonzero(np.all(rgb[y] == 255, axis=1))
    assert abs((white.max() - white.min()) - SCALE_BAR_MM / sl.da_mm) <= 2.0


def test_overlap_is_red_only_where_zone_and_canal_meet(sample_session):
    zone = sample_session.evaluation.planned_zones[0]
    grid = VoxelGrid.of(sample_session.volume)
    local, box = rasterise(grid, zone)
    saved = sample_session.canal_mask
    try:
        half = paste(grid.shape_kji, local, box)
        middle_i = (box[2].start + box[2].stop) // 2
        half[:, :, :middle_i] = False  # the canal stand-in: the zone's voxels on one side of its middle only
        sample_session.set_canal(half)
        sample_session.evaluate()
        renderer = KeyImageRenderer(sample_session, image_px=240)
        needle = sample_session.plan.get(sample_session.plan.get(zone.item_id).needle_id)
        rgb = renderer.render_slice(renderer.plane_for(AXIAL, needle), needle)
        red = np.all(rgb == OVERLAP_RGB, axis=2)
        assert red.sum() > 50
        sample_session.set_canal(np.zeros_like(half))
        sample_session.evaluate()
        rgb = renderer.render_slice(renderer.plane_for(AXIAL, needle), needle)
        assert not np.all(rgb == OVERLAP_RGB, axis=2).any()
    finally:
        sample_session.set_canal(saved)
        sample_session.evaluate(corridors=True)
