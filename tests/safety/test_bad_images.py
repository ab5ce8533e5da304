"""Bad image headers are refused with the field and the accepted range named (issue 15)."""

import gzip
import struct

import numpy as np
import pytest
import SimpleITK as sitk

from planner.core.errors import LoadError
from planner.imaging import load_path, write_series
from planner.imaging._common import MAX_SPACING_MM, MIN_SPACING_MM
from tests.imaging.conftest import edit_files, make_volume


@pytest.mark.parametrize("spacing", ["1e-30", "1e300", "0.001"])
def test_implausible_pixel_spacing_is_refused(tmp_path, spacing):
    files = write_series(make_volume(), tmp_path / "s")
    edit_files(files, lambda ds, n: setattr(ds, "PixelSpacing", [spacing, spacing]))
    with pytest.raises(LoadError, match=rf"Pixel Spacing \(0028,0030\).*outside the accepted range "
                                        rf"{MIN_SPACING_MM:g}-{MAX_SPACING_MM:g} mm"):
        load_path(tmp_path / "s")


@pytest.mark.parametrize("step_mm", [1e300, 500.0, 0.02])
def test_implausible_slice_spacing_is_refused(tmp_path, step_mm):
    files = write_series(make_volume(), tmp_path / "s")
    edit_files(files, lambda ds, n: setattr(ds, "ImagePositionPatient", [0, 0, f"{n * step_mm:.6g}"]))
    with pytest.raises(LoadError, match="spacing between slices.*outside the accepted range"):
        load_path(tmp_path / "s")


@pytest.mark.parametrize("slope", ["0", "NaN"])
def test_bad_rescale_slope_is_refused(tmp_path, slope):
    files = write_series(make_volume(), tmp_path / "s")
    edit_files(files, lambda ds, n: setattr(ds, "RescaleSlope", slope))
    with pytest.raises(LoadError, match=r"Rescale Slope \(0028,1053\) is 0 or not a number"):
        load_path(tmp_path / "s")


def test_unreadable_rescale_intercept_is_refused_not_taken_as_zero(tmp_path):
    """Found by tests/imaging/test_fuzz.py: one file's intercept "-1024" with a byte changed no longer parsed
    and was silently taken as 0, a 1024 HU shift of that slice. Refused now, the attribute and file named."""
    files = write_series(make_volume(), tmp_path / "s")  # written with intercept -1024 ("-1024 ", 6 bytes)
    raw = files[0].read_bytes()
    assert raw.count(b"-1024 ") == 1
    files[0].write_bytes(raw.replace(b"-1024 ", b"-10x4 "))  # same length: only the value is broken
    with pytest.raises(LoadError, match=r"Rescale Intercept \(0028,1052\) is not a number"):
        load_path(tmp_path / "s")


def _nifti(path, spacing=(0.8, 0.9, 2.5)):
    rng = np.random.default_rng(0)  # random values: gzip cannot shrink them, so a third is a third
    image = sitk.GetImageFromArray(rng.integers(-1000, 1000, (40, 64, 64)).astype(np.int16))
    image.SetSpacing(spacing)
    sitk.WriteImage(image, str(path))
    return path


def test_nifti_that_loads_is_accepted(tmp_path):
    vol = load_path(_nifti(tmp_path / "ok.nii.gz"))
    assert vol.spacing_mm == pytest.approx((0.8, 0.9, 2.5))


def test_truncated_nifti_gz_is_refused(tmp_path):
    path = _nifti(tmp_path / "ct.nii.gz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(LoadError, match="truncated|cannot be read"):
        load_path(path)


def test_truncated_plain_nifti_is_refused(tmp_path):
    path = _nifti(tmp_path / "ct.nii")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(LoadError, match="truncated|cannot be read"):
        load_path(path)


@pytest.mark.parametrize("suffix", [".nii", ".nii.gz"])
def test_nifti_with_nan_voxel_size_is_refused(tmp_path, suffix):
    plain = _nifti(tmp_path / "ct.nii")
    raw = bytearray(plain.read_bytes())
    assert struct.unpack("<i", raw[:4])[0] == 348  # NIfTI-1, little endian; pixdim[1..3] at bytes 80-92
    raw[80:84] = struct.pack("<f", float("nan"))
    path = tmp_path / f"nan{suffix}"
    path.write_bytes(gzip.compress(bytes(raw)) if suffix.endswith(".gz") else bytes(raw))
    with pytest.raises(LoadError, match=r"pixdim.*nan.*outside the accepted range"):
        load_path(path)
