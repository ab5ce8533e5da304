"""The cold-``analyze`` speed-ups of the vertebra search (issue 13) change no result.

The tilt search's F ratios (planner/anatomy/levels_align.py ``_f_ratios``) are compared bit for bit
with the previous code kept here (``_reference_f_ratios``: scipy-equal samples of the whole sweep,
transposed and concatenated, rounded to the CT's integers, then clipped), and the compiled sweep
sampler (planner/anatomy/sweep_kernel.py) with the numpy path it replaces, at random points inside
and beyond a CT (scipy's ``mode="nearest"``) and on extreme HU; the compiled in-plane distance
transform (planner/anatomy/slice_edt.py) with scipy's, on random masks and the lumbar scan's bone.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from planner.anatomy import levels_align, levels_grid, slice_edt, sweep_kernel
from planner.anatomy.levels_body import LevelParams
from planner.anatomy.resample_kernel import points_linear_nearest
from planner.core.frames import map_coordinates_kji

_SPINE_LEVEL_PARAMS = LevelParams(max_passes=2, step_mm=1.5, marrow_fallback=True)  # spine.SpineParams'


def _reference_f_ratios(volume, centre_lps, offsets_uv, frames):
    along = np.arange(-levels_align._ALONG_HALF_MM, levels_align._ALONG_HALF_MM + 1e-9, levels_align._ALONG_STEP_MM)
    kji = []
    for axes in frames:
        pts = (centre_lps[None, None, :] + along[:, None, None] * axes[2]
               + offsets_uv[None, :, 0:1] * axes[0] + offsets_uv[None, :, 1:2] * axes[1])
        kji.append(map_coordinates_kji(volume.to_ijk(pts.reshape(-1, 3))))
    values = points_linear_nearest(volume.hu, np.concatenate(kji, axis=1)).reshape(len(kji), along.size, -1)
    out = np.empty(len(kji))
    for n, v in enumerate(values):
        v = np.clip(v.astype(float), -100.0, 600.0)
        out[n] = float(np.var(v.mean(axis=1)) / (np.mean(np.var(v, axis=1)) + 25.0))
    return out


def _same_f_ratios(volume, seed_lps):
    centre, offsets = levels_align._section_core(volume, np.asarray(seed_lps, float), _SPINE_LEVEL_PARAMS)
    assert len(offsets) >= 10  # a body's core: the search runs
    for frames in ([levels_align._frame(0.0, a) for a in np.arange(-36.0, 36.0 + 1e-9, 3.0)],
                   [levels_align._frame(a, 7.5) for a in np.arange(-24.0, 24.0 + 1e-9, 3.0)]):
        for c in (centre, centre + np.array([0.0, 0.0, 250.0])):  # and swept far beyond the scan's end
            new = levels_align._f_ratios(volume, c, offsets, frames)
            assert np.array_equal(new, _reference_f_ratios(volume, c, offsets, frames))
            assert np.all(np.isfinite(new)) and new.max() > 0


def test_tilt_search_ratios_as_before_on_the_sample(sample_volume, sample_spine):
    for v in sample_spine.vertebrae:
        _same_f_ratios(sample_volume, v.body_centre_lps)


@pytest.mark.realdata
def test_tilt_search_ratios_as_before_on_the_lumbar_scan(lumbar_volume, lumbar_spine):
    for v in lumbar_spine.vertebrae[::3]:
        _same_f_ratios(lumbar_volume, v.body_centre_lps)


@pytest.mark.parametrize("dtype", [np.int16, np.uint16, np.int32])
def test_swept_samples_equal_the_numpy_path(dtype):
    rng = np.random.default_rng(7)
    info = np.iinfo(dtype)
    hu = rng.integers(max(info.min, -32768), min(info.max, 32767), size=(9, 11, 13), endpoint=True).astype(dtype)
    hu.flat[:4] = [info.min if info.min >= -32768 else -32768, min(info.max, 32767), 0, 1]
    hu = ndimage.uniform_filter(hu, 2) if dtype is np.int32 else hu  # smooth and rough volumes
    ijk = rng.uniform(-4.0, 16.0, size=(50000, 3))
    ijk[:100] = np.round(ijk[:100])  # on voxel centres and faces exactly
    ijk[100:200, 0] = 12.0  # on the last plane (its far neighbour clamped)
    for lo, hi in ((-100.0, 600.0), (-1e9, 1e9)):
        expected = np.clip(points_linear_nearest(hu, map_coordinates_kji(ijk)).astype(float), lo, hi)
        assert np.array_equal(sweep_kernel.swept_hu(hu, ijk, lo, hi), expected)


def test_a_float_ct_takes_the_numpy_path():
    hu = np.linspace(-500.0, 900.0, 4 * 5 * 6).reshape(4, 5, 6).astype(np.float32)
    ijk = np.random.default_rng(3).uniform(-1.0, 6.0, size=(1000, 3))
    expected = np.clip(points_linear_nearest(hu, map_coordinates_kji(ijk)).astype(float), -100.0, 600.0)
    assert np.array_equal(sweep_kernel.swept_hu(hu, ijk, -100.0, 600.0), expected)


# --- the in-plane distance transform (planner/anatomy/slice_edt.py) ------------------------------------
def _scipy_slices(mask, step):
    return np.stack([ndimage.distance_transform_edt(m, sampling=(step, step)) for m in mask])


@pytest.mark.parametrize("step", [1.5, 1.0, 0.5, 0.75, 3.0])
def test_slice_distances_equal_scipy_bit_for_bit(step):
    rng = np.random.default_rng(11)
    for trial in range(60):
        shape = (int(rng.integers(1, 5)), int(rng.integers(1, 60)), int(rng.integers(1, 60)))
        mask = rng.random(shape) < rng.uniform(0.3, 0.995)
        if trial % 2:
            mask = ndimage.binary_dilation(mask, iterations=2)  # large blobs: long distances
        for m in mask:
            if m.all():
                m.flat[int(rng.integers(m.size))] = False  # every slice holds background
        fast = slice_edt.slicewise_edt(mask, step)
        assert fast is not None
        assert np.array_equal(fast, _scipy_slices(mask, step)), (trial, shape)


def test_slice_distances_leave_other_cases_to_scipy():
    assert not slice_edt.exact_step(0.7) and not slice_edt.exact_step(1.0 / 3.0) and slice_edt.exact_step(1.5)
    assert slice_edt.slicewise_edt(np.ones((2, 4, 4), bool), 1.5) is None  # a slice without background
    assert slice_edt.slicewise_edt(np.ones((1, 4, 4), bool) & (np.arange(4) > 0), 0.7) is None
    m = np.ones((2, 5, 6), bool)
    m[0, 2, 3] = m[1, 0, 0] = False
    assert np.array_equal(levels_grid.slicewise_distance_mm(m, 0.7), _scipy_slices(m, 0.7))  # scipy path


@pytest.mark.realdata
def test_slice_distances_on_the_lumbar_scans_bone(lumbar_volume, lumbar_spine):
    """The search's 1.5 mm grid around each third vertebra: bone (> 200 HU) and soft tissue. A grid that
    reaches past the scan's edge (T6's, since it is found: its top slices lie above the last CT slice) has
    slices without background in the soft-tissue mask; those take the 3-D path on purpose (they reach the
    next slice, ``slicewise_distance_mm``), not the compiled one, which is what is checked for them."""
    for v in lumbar_spine.vertebrae[::3]:
        grid = levels_grid.LocalGrid.around(v.body_centre_lps, v.axes_lps, 1.5, (-40, 40), (-30, 60), (-20, 20))
        hu, _ = levels_grid.resample(lumbar_volume, grid)
        for mask in (hu > 200, hu < 200):
            if mask.reshape(mask.shape[0], -1).all(axis=1).any():
                assert slice_edt.slicewise_edt(mask, 1.5) is None
                continue
            assert np.array_equal(levels_grid.slicewise_distance_mm(mask, 1.5), _scipy_slices(mask, 1.5))
