"""Issue 15: an oblique reslice limited to a mask's voxel box (``ObliqueReslicer.reslice(box_ijk=...)``)
gives exactly the pixels of the full reslice, and the overlay that uses it draws the same mask slice.

The reference is the full reslice of the same plane (VTK samples every output pixel); the box
version must be equal pixel for pixel, on planes through, beside and far from the box.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from planner.core.volume import ImageVolume
from planner.geometry.planes import SlicePlane
from planner.render.reslice import ObliqueReslicer
from planner.ui import slice_cache

SHAPE_KJI = (30, 44, 52)
SPACING = (0.8, 0.9, 2.5)  # anisotropic, like a CT series (si, sj, sk)


def _rotation(seed: int) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    return q * np.sign(np.linalg.det(q))


def _mask_volume() -> tuple[ImageVolume, np.ndarray, tuple]:
    """A uint8 volume (oblique direction) holding 1 in a few voxels of a small box, 0 elsewhere."""
    mask = np.zeros(SHAPE_KJI, dtype=bool)
    rng = np.random.default_rng(7)
    k, j, i = (rng.integers(a, b, 400) for a, b in ((10, 18), (15, 27), (20, 31)))
    mask[k, j, i] = True
    mask[12:16, 18:24, 22:29] = True
    nz = [np.flatnonzero(mask.any(axis=axes)) for axes in ((0, 1), (0, 2), (1, 2))]
    box = ([int(n[0]) for n in nz], [int(n[-1]) for n in nz])
    volume = ImageVolume(mask.view(np.uint8), SPACING, (-20.0, 15.0, 40.0), _rotation(3))
    return volume, mask, box


def _planes(volume, box, n: int = 40):
    """Planes of random orientation through points in, beside and far from the box (LPS)."""
    rng = np.random.default_rng(11)
    lo, hi = np.asarray(box[0], float), np.asarray(box[1], float)
    centre = (lo + hi) / 2
    for t in range(n):
        spread = (hi - lo) * (0.5 if t % 3 == 0 else 2.0 if t % 3 == 1 else 6.0)
        point = volume.to_lps(centre + rng.uniform(-1, 1, 3) * spread)
        u, v = rng.normal(size=3), rng.normal(size=3)
        yield SlicePlane(point, u, v)


@pytest.mark.parametrize("interpolation", ["nearest", "linear"])
def test_box_reslice_equals_full_reslice(interpolation):
    volume, _mask, box = _mask_volume()
    reslicer = ObliqueReslicer(volume, interpolation=interpolation)
    step = min(SPACING) * 0.7
    cropped = 0
    for plane in _planes(volume, box):
        extent = reslicer.full_extent(plane)
        full = reslicer.reslice(plane, extent, step).pixels
        part = reslicer.reslice(plane, extent, step, box_ijk=box)
        c0, c1, r0, r1, _, _ = reslicer._reslice.GetOutputExtent()
        cropped += (c1 - c0 + 1) * (r1 - r0 + 1) < full.size
        assert part.pixels.dtype == full.dtype
        np.testing.assert_array_equal(part.pixels, full)
    assert cropped >= 20  # most planes were resliced over a smaller window (the box is small)


def test_box_reslice_of_a_plane_missing_the_box_is_background():
    volume, mask, box = _mask_volume()
    reslicer = ObliqueReslicer(volume, interpolation="nearest")
    far = volume.to_lps([0.0, 0.0, 1.0])  # the first slices along k hold no mask voxel (box from k = 10)
    plane = SlicePlane(far, volume.direction[:, 0], volume.direction[:, 1])  # parallel to the slices
    extent = reslicer.full_extent(plane)
    full = reslicer.reslice(plane, extent, 0.5).pixels
    part = reslicer.reslice(plane, extent, 0.5, box_ijk=box).pixels
    assert not full.any()
    np.testing.assert_array_equal(part, full)


def _overlay_session(volume_hu_shape, mask):
    from planner.ui.plan_overlays import MaskOverlay

    volume = ImageVolume(np.zeros(volume_hu_shape, np.int16), SPACING, (-20.0, 15.0, 40.0), _rotation(3))
    session = SimpleNamespace(volume=volume, canal_mask=mask, canal=SimpleNamespace(version=1),
                              lesion=SimpleNamespace(version=1), evaluation=None)
    return session, MaskOverlay(session)


def _slice(volume, plane):
    reslicer = ObliqueReslicer(volume)
    return reslicer.reslice(plane, reslicer.full_extent(plane), 0.6)


@pytest.mark.gui
def test_mask_overlay_slice_with_and_without_the_box(qapp):
    _volume, mask, box = _mask_volume()
    session, overlay = _overlay_session(SHAPE_KJI, mask)
    try:
        for plane in list(_planes(session.volume, box, n=12)):
            sl = _slice(session.volume, plane)
            slice_cache.ENABLED = False
            plain = overlay._mask_slice(None, sl)
            slice_cache.ENABLED = True
            np.testing.assert_array_equal(overlay._mask_slice(None, sl), plain)
        # a new canal version (edited in place) is a new box: the voxels added far away are drawn
        plane = SlicePlane(session.volume.to_lps([40.0, 35.0, 26.0]), (1.0, 0.2, 0.0), (0.0, 0.3, 1.0))
        sl = _slice(session.volume, plane)
        before = overlay._mask_slice(None, sl).sum()
        mask[24:28, 30:40, 35:45] = True
        session.canal.version += 1
        after = overlay._mask_slice(None, sl)
        slice_cache.ENABLED = False
        np.testing.assert_array_equal(after, overlay._mask_slice(None, sl))
        assert after.sum() > before
        # an empty mask draws nothing (and is not resliced)
        session.canal_mask = np.zeros(SHAPE_KJI, bool)
        slice_cache.ENABLED = True
        assert not overlay._mask_slice(None, sl).any()
    finally:
        slice_cache.ENABLED = True


def test_small_and_large_outputs_thread_differently_and_give_the_same_pixels():
    """A small output is resliced in one thread (cheaper), a large one with VTK's threads: the pixels
    do not depend on it (the same slice cut into halves that each fall under the threshold)."""
    from planner.render.reslice import SMALL_OUTPUT_PIXELS

    volume, _mask, _box = _mask_volume()
    hu = ImageVolume(np.random.default_rng(5).normal(0, 300, SHAPE_KJI).astype(np.float32), SPACING,
                     volume.origin_lps, volume.direction)
    reslicer = ObliqueReslicer(hu, interpolation="linear")
    plane = next(_planes(hu, _box))
    step = 0.25
    extent = reslicer.full_extent(plane)
    whole = reslicer.reslice(plane, extent, step).pixels
    assert whole.size > SMALL_OUTPUT_PIXELS and reslicer._reslice.GetNumberOfThreads() == reslicer._threads
    a0, a1, b0, b1 = extent
    cols = whole.shape[1]
    small = reslicer.reslice(plane, (a0, a0 + 40 * step, b0, b0 + 40 * step), step).pixels
    assert reslicer._reslice.GetNumberOfThreads() == 1
    np.testing.assert_array_equal(small, whole[:40, :min(40, cols)])
