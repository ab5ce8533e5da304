"""The canonical layout re-stores the voxels in the patient's axis order exactly (closed form: every voxel
keeps its LPS point and its value), so that every axis-aligned layout of a scan gives one array."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from planner.anatomy.canonical import canonical_layout, signed_permutation
from planner.core.volume import ImageVolume


def _volume(direction, shape_kji=(4, 5, 6), spacing=(0.7, 0.8, 2.5)) -> ImageVolume:
    hu = np.arange(np.prod(shape_kji), dtype=np.int16).reshape(shape_kji)
    return ImageVolume(hu=hu, spacing_mm=spacing, origin_lps=(-10.0, 20.0, 300.0), direction=direction)


def _signed_permutations():
    for perm in itertools.permutations(range(3)):
        for signs in itertools.product((1.0, -1.0), repeat=3):
            d = np.zeros((3, 3))
            for r, c in enumerate(perm):
                d[r, c] = signs[r]
            yield d


@pytest.mark.parametrize("direction", list(_signed_permutations()))
def test_every_voxel_keeps_its_point_and_value(direction):
    volume = _volume(direction)
    canon = canonical_layout(volume)
    assert np.allclose(canon.direction, np.eye(3))
    kji = np.argwhere(np.ones(volume.hu.shape, bool))
    lps = volume.to_lps(kji[:, ::-1].astype(float))
    ijk = canon.to_ijk(lps)
    assert np.allclose(ijk, np.round(ijk), atol=1e-9)
    idx = np.round(ijk).astype(int)
    assert np.array_equal(canon.hu[idx[:, 2], idx[:, 1], idx[:, 0]], volume.hu[tuple(kji.T)])
    # the spacing follows its axis: the 2.5 mm axis (k of the original) is the one along LPS z when d says so
    assert np.allclose(sorted(canon.spacing_mm), sorted(volume.spacing_mm))


def test_all_layouts_give_one_array():
    arrays = set()
    base = _volume(np.eye(3))
    for d in _signed_permutations():
        # the same voxels stored in layout d: value at LPS point p is the same as in ``base``
        perm, signs = signed_permutation(d)
        shape_ijk = np.array(base.shape_ijk)
        new_shape_ijk = np.empty(3, int)
        for r in range(3):
            new_shape_ijk[perm[r]] = shape_ijk[r]
        spacing = np.empty(3)
        for r in range(3):
            spacing[perm[r]] = base.spacing_mm[r]
        probe = ImageVolume(hu=np.zeros(new_shape_ijk[::-1], np.int16), spacing_mm=tuple(spacing),
                            origin_lps=(0.0, 0.0, 0.0), direction=d)
        # origin so that the new voxel 0 lies where the base voxel with those coordinates lies
        first = np.where(signs > 0, 0, shape_ijk - 1).astype(float)
        origin = base.to_lps(first)
        probe = ImageVolume(hu=probe.hu, spacing_mm=probe.spacing_mm, origin_lps=tuple(origin), direction=d)
        kji = np.argwhere(np.ones(probe.hu.shape, bool))
        src = np.round(base.to_ijk(probe.to_lps(kji[:, ::-1].astype(float)))).astype(int)
        hu = base.hu[src[:, 2], src[:, 1], src[:, 0]].reshape(probe.hu.shape)
        laid = ImageVolume(hu=hu, spacing_mm=probe.spacing_mm, origin_lps=probe.origin_lps, direction=d)
        canon = canonical_layout(laid)
        assert np.allclose(canon.origin_lps, base.origin_lps) and canon.spacing_mm == base.spacing_mm
        arrays.add(canon.hu.tobytes())
    assert len(arrays) == 1


def test_identity_and_oblique_are_left_alone():
    v = _volume(np.eye(3))
    assert canonical_layout(v) is v
    c, s = np.cos(np.radians(10.0)), np.sin(np.radians(10.0))
    oblique = _volume(np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]]))  # a 10° gantry tilt
    assert signed_permutation(oblique.direction) is None and canonical_layout(oblique) is oblique
