"""ClipBox: clipping the bone and mask surfaces to a box around the planned level."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.volume import ImageVolume
from planner.render.mask_surfaces import MaskSurface
from planner.render.plan_clip import ClipBox, box_planes
from planner.render.shapes3d import TubeShape, make_actor
from tests.render.helpers import is_background, patch_at


def _column(scene):
    """A 'spine' stand-in: a vertical 16 mm thick column from z = -60 to +60 mm."""
    tube = TubeShape(8.0)
    tube.set((0.0, 0.0, -60.0), (0.0, 0.0, 60.0))
    actor = make_actor((0.93, 0.89, 0.80), source=tube)
    scene.renderer.AddActor(actor)
    scene.look_at((0.0, 0.0, 0.0), (0.0, -1.0, 0.0), 420.0)
    return actor


def _drawn(scene, image, z) -> bool:
    return not is_background(patch_at(image, *scene.project((0.0, 0.0, z)), half=1))


def test_clip_box_hides_what_lies_outside(scene):
    bone = _column(scene)
    clip = ClipBox()
    clip.attach(bone)
    image = scene.image()
    assert all(_drawn(scene, image, z) for z in (-45.0, 0.0, 45.0))
    clip.set_clip_box((-50.0, -50.0, -15.0), (50.0, 50.0, 20.0))
    image = scene.image()
    assert _drawn(scene, image, 0.0) and _drawn(scene, image, 15.0)
    assert not _drawn(scene, image, -45.0) and not _drawn(scene, image, 45.0)
    assert not _drawn(scene, image, -20.0) and not _drawn(scene, image, 25.0)
    # Moving the box moves the visible part (the planes are moved in place).
    clip.set_clip_box((-50.0, -50.0, 30.0), (50.0, 50.0, 55.0))
    image = scene.image()
    assert _drawn(scene, image, 45.0) and not _drawn(scene, image, 0.0)
    np.testing.assert_allclose(clip.box[0], (-50.0, -50.0, 30.0))
    clip.clear_clip()
    assert clip.box is None
    image = scene.image()
    assert all(_drawn(scene, image, z) for z in (-45.0, 0.0, 45.0))


def test_lateral_planes_clip_too(scene):
    bone = _column(scene)
    clip = ClipBox()
    clip.set_clip_box((0.0, -50.0, -70.0), (50.0, 50.0, 70.0))  # keep the patient's left half (x >= 0)
    clip.attach(bone)  # attaching applies the active box at once
    image = scene.image()
    row, col_centre = scene.project((0.0, 0.0, 0.0))
    _, col_left = scene.project((5.0, 0.0, 0.0))
    _, col_right = scene.project((-5.0, 0.0, 0.0))
    assert not is_background(patch_at(image, row, col_left))
    assert is_background(patch_at(image, row, col_right))
    clip.detach(bone)
    assert not is_background(patch_at(scene.image(), row, col_right))


def test_mask_surface_is_clipped(scene):
    volume = ImageVolume(np.zeros((60, 30, 30), dtype=np.int16), (1.0, 1.0, 2.0), (-15.0, -15.0, -60.0))
    mask = np.zeros(volume.hu.shape, dtype=bool)
    mask[2:58, 10:20, 10:20] = True  # a 10 x 10 x 112 mm bar around x = y = 0
    canal = MaskSurface(scene.renderer, opacity=1.0)
    canal.set_mask(mask, volume)
    scene.look_at((0.0, 0.0, 0.0), (0.0, -1.0, 0.0), 420.0)
    clip = ClipBox()
    clip.attach(canal.actor)
    clip.set_clip_box((-50.0, -50.0, -10.0), (50.0, 50.0, 10.0))
    image = scene.image()
    assert _drawn(scene, image, 0.0)
    assert not _drawn(scene, image, 40.0) and not _drawn(scene, image, -40.0)


def test_box_planes_face_inward_and_reject_empty_boxes():
    planes = box_planes((-1.0, -2.0, -3.0), (1.0, 2.0, 3.0))
    inside, outside = (0.0, 0.0, 0.0), (0.0, 0.0, 5.0)
    assert all(p.EvaluateFunction(inside) > 0 for p in planes)
    assert any(p.EvaluateFunction(outside) < 0 for p in planes)
    with pytest.raises(ValueError):
        box_planes((0.0, 0.0, 0.0), (1.0, -1.0, 1.0))
