"""Geometry problems handled in the open: duplicates, gaps, uneven spacing, tilt, thickness,
mixed matrix or orientation; and HU conversion (rescale, clipping, padding, stored bits)."""

from __future__ import annotations

import shutil

import numpy as np
import pydicom
import pytest

from planner.core.errors import LoadError
from planner.imaging import discover, load_path, write_series
from tests.imaging.conftest import MARKER_HU, edit_files, make_volume, marker_lps


def test_identical_duplicate_dropped_with_warning(tmp_path, volume):
    paths = write_series(volume, tmp_path)
    shutil.copy(paths[4], tmp_path / "copy_of_slice4.dcm")
    loaded = load_path(tmp_path)
    assert np.array_equal(loaded.hu, volume.hu)
    assert any("duplicate" in w and "copy_of_slice4.dcm" in w for w in loaded.warnings)


def test_conflicting_duplicate_refused_naming_files(tmp_path, volume):
    paths = write_series(volume, tmp_path)
    ds = pydicom.dcmread(paths[2])
    ds.ImagePositionPatient = pydicom.dcmread(paths[3]).ImagePositionPatient
    ds.SOPInstanceUID = pydicom.uid.generate_uid()
    ds.save_as(tmp_path / "other.dcm")
    with pytest.raises(LoadError) as err:
        load_path(tmp_path)
    assert "same slice position" in str(err.value)
    assert "other.dcm" in str(err.value) and "slice_0003.dcm" in str(err.value)


def test_missing_slice_resampled_with_warning(tmp_path):
    vol = make_volume(marker_ijk=(7, 5, 6))
    paths = write_series(vol, tmp_path)
    paths[3].unlink()
    loaded = load_path(tmp_path)
    assert loaded.hu.shape == vol.hu.shape
    assert loaded.spacing_mm[2] == pytest.approx(2.5)
    gap = [w for w in loaded.warnings if "not evenly spaced" in w]
    assert gap and "gap of 5.00 mm" in gap[0]
    assert "slice_0002.dcm" in gap[0] and "slice_0004.dcm" in gap[0]
    np.testing.assert_allclose(marker_lps(loaded), vol.to_lps((7, 5, 6)), atol=1e-6)
    # the missing slice is the mean of its neighbours (linear interpolation along the normal)
    expected = np.rint((vol.hu[2].astype(float) + vol.hu[4]) / 2)
    assert np.array_equal(loaded.hu[3], expected.astype(np.int16))


def test_non_uniform_spacing_resampled(tmp_path):
    vol = make_volume(marker_ijk=None)
    z = np.array([0, 2, 4, 6, 9, 12, 15, 18], dtype=float)  # 2 mm then 3 mm

    def place(ds, k):
        ds.ImagePositionPatient = [-10, 20, 35 + z[k]]

    write_series(vol, tmp_path, edit=place)
    loaded = load_path(tmp_path)
    assert any("not evenly spaced" in w and "resampled" in w for w in loaded.warnings)
    assert loaded.origin_lps[2] == pytest.approx(35)
    extent = (loaded.hu.shape[0] - 1) * loaded.spacing_mm[2]
    assert extent == pytest.approx(18)
    # HU of the ramp (10 HU per input slice) interpolated linearly in z
    for k in range(loaded.hu.shape[0]):
        zk = k * loaded.spacing_mm[2]
        assert loaded.hu[k, 10, 10] == pytest.approx(-1000 + 10 * np.interp(zk, z, np.arange(8)), abs=0.51)


@pytest.mark.parametrize("shift_px", [1.0, 0.4])
def test_gantry_tilt_resampled_to_orthogonal_grid(tmp_path, shift_px):
    vol = make_volume(shape_kji=(8, 30, 30), spacing=(1.0, 1.0, 2.0), marker_ijk=(12, 14, 5))
    # each slice starts shift_px pixels further posterior (y): a sheared stack
    def tilt(ds, k):
        x, y, z = (float(v) for v in ds.ImagePositionPatient)
        ds.ImagePositionPatient = [x, y + k * shift_px, z]

    write_series(vol, tmp_path, edit=tilt)
    marker_true = vol.to_lps((12, 14, 5)) + np.array([0, 5 * shift_px, 0])
    loaded = load_path(tmp_path)
    assert any("gantry tilt" in w for w in loaded.warnings)
    assert loaded.origin_lps == pytest.approx(vol.origin_lps)
    np.testing.assert_allclose(loaded.direction, np.eye(3), atol=1e-9)
    assert np.linalg.norm(marker_lps(loaded) - marker_true) <= 0.5 + 1e-6
    if shift_px == 1.0:  # whole-pixel shifts are exact
        assert loaded.hu_at_lps(marker_true) == MARKER_HU


def test_thickness_differs_from_spacing_warns_only(tmp_path, volume):
    write_series(volume, tmp_path, slice_thickness_mm=3.0)
    loaded = load_path(tmp_path)
    assert np.array_equal(loaded.hu, volume.hu)
    assert loaded.spacing_mm[2] == pytest.approx(2.5)
    assert any("Slice Thickness" in w and "overlapping" in w for w in loaded.warnings)


def test_mixed_matrix_refused_naming_files(tmp_path, volume):
    write_series(volume, tmp_path)
    small = make_volume(shape_kji=(1, 10, 12), origin=(-10, 20, 100), marker_ijk=None)
    write_series(small, tmp_path, file_name="small_{k}.dcm",
                 series_uid=pydicom.dcmread(next(tmp_path.iterdir())).SeriesInstanceUID)
    (cand,) = discover(tmp_path)
    assert not cand.supported and "matrix size" in cand.reason and "small_0.dcm" in cand.reason
    with pytest.raises(LoadError, match="matrix size") as err:
        load_path(tmp_path)
    assert str(tmp_path / "small_0.dcm") in err.value.files


def test_mixed_orientation_refused_naming_files(tmp_path, volume):
    paths = write_series(volume, tmp_path)
    edit_files(paths[5:6], lambda ds, _: setattr(ds, "ImageOrientationPatient", [1, 0, 0, 0, 0.8, -0.6]))
    with pytest.raises(LoadError, match="same orientation") as err:
        load_path(tmp_path)
    assert "slice_0005.dcm" in str(err.value)


def test_rescale_slope_intercept_applied(tmp_path, volume):
    write_series(volume, tmp_path, slope=0.5, intercept=-1000.0)
    assert np.array_equal(load_path(tmp_path).hu, volume.hu)


def test_out_of_range_values_clipped_with_warning(tmp_path, volume):
    paths = write_series(volume, tmp_path)
    edit_files(paths, lambda ds, _: setattr(ds, "RescaleSlope", 40))
    loaded = load_path(tmp_path)
    assert loaded.hu.max() == 32767
    assert any("clipped" in w for w in loaded.warnings)


def test_pixel_padding_becomes_air(tmp_path):
    vol = make_volume(marker_ijk=None)
    hu = vol.hu.copy()
    hu[:, :3, :] = -3024  # outside the field of view, stored as 0 with intercept -3024
    vol = type(vol)(hu, vol.spacing_mm, vol.origin_lps)
    write_series(vol, tmp_path, intercept=-3024.0, signed=False, pixel_padding_value=0)
    loaded = load_path(tmp_path)
    assert np.all(loaded.hu[:, :3, :] == -1024)
    assert np.array_equal(loaded.hu[:, 3:, :], hu[:, 3:, :])


def test_unused_high_bits_masked(tmp_path, volume):
    paths = write_series(volume, tmp_path, signed=False, bits_stored=12, intercept=-1024.0)

    def garbage(ds, _k):  # overlay-style garbage in bits 12-15, which must be ignored
        arr = np.frombuffer(ds.PixelData, np.uint16) | np.uint16(0xF000)
        ds.PixelData = arr.tobytes()

    edit_files(paths, garbage)
    assert np.array_equal(load_path(tmp_path).hu, volume.hu)


def test_signed_12bit_sign_extended(tmp_path, volume):
    paths = write_series(volume, tmp_path, signed=True, bits_stored=12, intercept=0.0)

    def strip_sign_bits(ds, _k):  # stored as 12-bit two's complement with high bits zeroed
        arr = np.frombuffer(ds.PixelData, np.uint16) & np.uint16(0x0FFF)
        ds.PixelData = arr.tobytes()

    edit_files(paths, strip_sign_bits)
    assert np.array_equal(load_path(tmp_path).hu, np.clip(volume.hu, -2048, 2047))


def test_tilted_orientation_with_axial_steps(tmp_path):
    """Real gantry tilt: rows/columns tilted 15 degrees, table steps straight along z."""
    tilt = np.radians(15)
    sheared = np.column_stack([[1, 0, 0], [0, np.cos(tilt), np.sin(tilt)], [0, 0, 1]])
    vol = make_volume(shape_kji=(10, 30, 30), spacing=(1.0, 1.0, 2.0), direction=sheared,
                      marker_ijk=(12, 15, 5))
    expected = vol.to_lps((12, 15, 5))
    write_series(vol, tmp_path)
    loaded = load_path(tmp_path)
    assert any("gantry tilt" in w and "15.0 degrees" in w for w in loaded.warnings)
    d = loaded.direction
    np.testing.assert_allclose(d.T @ d, np.eye(3), atol=1e-9)  # orthogonal output grid
    np.testing.assert_allclose(d[:, 1], sheared[:, 1], atol=1e-6)
    assert np.linalg.norm(marker_lps(loaded) - expected) < 1.0
