"""Issue 19 (screenshot round): the ablation zones, antennas and needles inside the vertebra were hidden
by the opaque bone surface in the 3D view. They are drawn through it now (planner.render.ghosts), and
the bone-opacity control still works (the copies fade with the bone and go with it).

The expected colours come from the palette by construction: a zone's outline is drawn in the zone's
colour (microwave: RGB 1.00, 0.55, 0.15, planner.render.plan_zones.ZoneStyle) at 0.95 opacity, so its
pixels are orange (blue under half the red) where the ivory bone (blue about 0.85 of red) covers the
zone; a view without the copies has few such pixels (the parts of the zones outside the bone).
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.headless.demo import demo_plan
from planner.render.ghosts import FILL_OPACITY, ITEM_OPACITY
from planner.render.level_labels3d import world_to_display
from tests.ui.helpers import window_opened

pytestmark = pytest.mark.gui


def _settled(w) -> bool:
    ev = w.session.evaluation
    return (ev is not None and ev.complete and not w.corridors.is_busy() and not w.evaluations.is_busy()
            and not w.scene_plan.surfaces.is_busy() and not w.view3d.is_surface_busy())


@pytest.fixture
def window(qtbot, sample_series):
    w = window_opened(qtbot, sample_series, (1200, 850))
    w.loader.anatomy.cancel()  # vertebrae arriving midway would move the camera's frame
    w.thermal.panel.auto_box.setChecked(False)
    w.session.open_plan(demo_plan(w.session.plan.series))
    qtbot.waitUntil(lambda: _settled(w), timeout=120000)
    w.view3d.reset_camera_to_spine()
    yield w
    w.close()


def _orange_in_zones(w) -> int:
    """Orange pixels (red > 120, blue < half the red) inside the zones' projected discs, where the bone
    covers them (the part of each disc within 20 mm of the vertebral midline, seen from behind)."""
    view = w.view3d
    img = view.image_array().astype(int)
    h, width, _ = img.shape
    renderer = view.scene.renderer
    count = 0
    for zr in w.session.evaluation.zones:
        e = zr.zone.ellipsoid
        cx, cy = world_to_display(renderer, e.centre_lps)[:2]
        ex, _ = world_to_display(renderer, np.asarray(e.centre_lps) + (max(e.semi_axes_mm), 0.0, 0.0))[:2]
        r = abs(ex - cx)
        ys, xs = np.mgrid[0:h, 0:width]
        inside = (xs - cx) ** 2 + ((h - 1 - ys) - cy) ** 2 <= r * r
        red, blue = img[..., 0], img[..., 2]
        count += int((inside & (red > 120) & (blue < red // 2)).sum())
    return count


def test_the_zones_inside_the_vertebra_show_through_the_bone(window):
    w = window
    assert w.view3d.opacity.value() == 100  # the bone opaque, as a case opens
    see = w.scene_plan.see_through
    shown = _orange_in_zones(w)
    see.enabled = False  # what the view drew before: the bone alone over the zones
    try:
        hidden = _orange_in_zones(w)
    finally:
        see.enabled = True
        w.view3d.render()
    print(f"orange pixels in the zones: {shown} drawn through the bone, {hidden} without")
    assert shown > 3 * hidden + 100  # each zone's outline at least (2 px wide, 2 pi r around)


def test_the_copies_fade_with_the_bone_and_go_with_it(window):
    w = window
    see = w.scene_plan.see_through
    zones = {id(w.scene_plan.zones.zone_actor(a)) for a in w.scene_plan.zones.antenna_ids()}
    items = w.scene_plan.items
    targets = [a for t in items.item_ids("target") for a in items.actors_of(t)]
    try:
        for percent in (100, 50, 0):
            w.view3d.opacity.setValue(percent)
            see.sync()
            fade = percent / 100.0
            copies = see.copies()
            assert copies
            for original, copy, outline in copies:
                assert copy.GetVisibility() == int(bool(original.GetVisibility()) and percent > 0)
                want = (FILL_OPACITY if id(original) in zones or original in targets else ITEM_OPACITY) * fade
                assert copy.GetProperty().GetOpacity() == pytest.approx(want)
                assert (outline is not None) == (id(original) in zones)
                if outline is not None:
                    assert outline.GetVisibility() == copy.GetVisibility()
        assert not w.view3d.scene.bone_actor.GetVisibility()  # the bone control itself still works
    finally:
        w.view3d.opacity.setValue(100)


def test_the_copies_are_not_drawn_over_the_level_names(window):
    """A level name placed on a zone (the names' own avoidance of zones, shafts and tips switched off, so
    that it lands there): the see-through copies must leave its letters as they are without them. The
    names are drawn in a renderer layer above the copies (planner.render.level_labels3d ``draw_in``);
    before, the zone's copy (its fill at FILL_OPACITY, its outline) was drawn over the letters."""
    w = window
    labels = w.level_labels.labels3d
    see = w.scene_plan.see_through
    zone = w.session.evaluation.zones[0].zone.ellipsoid
    labels.avoid_discs = lambda: ()
    labels.avoid_segments = lambda: ()
    labels.avoid_lps = np.zeros((0, 3))
    # the name's end nearer the body lies BESIDE_MM screen-left of its centre: put that end on the zone
    from planner.render.level_labels3d import BESIDE_MM

    centre = np.asarray(zone.centre_lps, float) + BESIDE_MM * labels._right()
    labels.set_levels([("L9", tuple(centre))])
    rgb = np.array(labels.rgb) * 255.0

    def letters():
        w.view3d.render()
        img = w.view3d.image_array().astype(int)
        (name, (x0, y0, x1, y1)), = labels.visible_boxes()
        h = img.shape[0]
        box = img[int(h - y1):int(h - y0), int(x0):int(x1)]
        return box, (np.abs(box - rgb).max(axis=2) <= 30)

    try:
        see.enabled = False
        plain, glyphs = letters()
        see.enabled = True
        shown, _ = letters()
        # the name's box lies on the zone: its copy is drawn there (the box's background differs)
        assert (np.abs(shown - plain).max(axis=2) > 8).sum() > 20
        assert glyphs.sum() > 20  # the letters themselves
        diff = np.abs(shown - plain).max(axis=2)[glyphs]
        print(f"letter pixels {glyphs.sum()}, changed by more than 3: {(diff > 3).sum()}, largest {diff.max()}")
        # a letter's antialiased edge lets a little of what lies under the box through (the copy, behind
        # the box's 60 % black): a few units of 255 at most; drawn over the letters the copies changed
        # every letter pixel, by up to 143
        assert diff.max() <= 8
    finally:
        see.enabled = True
        w.level_labels._on_plan()
