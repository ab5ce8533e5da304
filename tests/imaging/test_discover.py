"""Discovery from headers: grouping, candidate fields, progress and cancel, volume files."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

from planner.core.errors import LoadCancelled, LoadError
from planner.imaging import SeriesCandidate, discover, load_path, load_series, write_series
from planner.imaging.headers import read_header
from tests.imaging.conftest import make_volume, marker_lps, rotation


def test_candidate_fields(series_dir, volume):
    (c,) = discover(series_dir)
    assert isinstance(c, SeriesCandidate)
    assert c.supported and c.reason == ""
    assert (c.n_images, c.rows, c.columns) == (8, 20, 24)
    assert c.patient_name == "PHANTOM^SPINE" and c.patient_id == "PHANTOM01"
    assert c.study_date == "20240101" and c.study_description == "synthetic study"
    assert c.series_description == "synthetic CT" and c.series_number == 1 and c.modality == "CT"
    assert c.slice_thickness_mm == pytest.approx(2.5)
    assert c.transfer_syntax == "Explicit VR Little Endian"
    ds = pydicom.dcmread(series_dir / "slice_0000.dcm")
    assert c.series_instance_uid == ds.SeriesInstanceUID
    assert c.study_instance_uid == ds.StudyInstanceUID
    assert c.frame_of_reference_uid == ds.FrameOfReferenceUID
    with pytest.raises(AttributeError):
        c.n_images = 3  # frozen


def test_empty_uids_grouped_by_fallback_key(tmp_path):
    """Two UID-less series in one folder: split by series number/orientation, not merged."""
    write_series(make_volume(), tmp_path, series_uid="", study_uid="", series_number=3)
    write_series(make_volume(direction=rotation("x", 90)), tmp_path, series_uid="", study_uid="",
                 series_number=3, file_name="sag_{k}.dcm")
    write_series(make_volume(origin=(0, 0, 0)), tmp_path, series_uid="", study_uid="",
                 series_number=4, file_name="other_{k}.dcm")
    cands = discover(tmp_path)
    assert sorted(c.n_images for c in cands) == [8, 8, 8]
    assert all(c.series_instance_uid == "" and c.supported for c in cands)
    with pytest.raises(LoadError, match="3 CT series"):
        load_path(tmp_path)


def test_series_uid_groups_across_subfolders(tmp_path):
    paths = write_series(make_volume(), tmp_path / "a")
    for p in paths[4:]:
        (tmp_path / "b").mkdir(exist_ok=True)
        p.rename(tmp_path / "b" / p.name)
    (c,) = discover(tmp_path)
    assert c.n_images == 8
    assert np.array_equal(load_series(c).hu, make_volume().hu)


def test_progress_and_cancel(series_dir):
    calls = []
    discover(series_dir, progress=lambda d, t: calls.append((d, t)))
    assert calls[0] == (0, 8) and calls[-1] == (8, 8)
    with pytest.raises(LoadCancelled):
        discover(series_dir, cancel=lambda: True)
    (c,) = discover(series_dir)
    calls.clear()
    load_series(c, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (8, 8) and all(t == 8 for _, t in calls)
    with pytest.raises(LoadCancelled):
        load_series(c, cancel=lambda: True)


def test_cancel_midway_through_load(tmp_path):
    write_series(make_volume(shape_kji=(40, 20, 24)), tmp_path)
    (c,) = discover(tmp_path)
    seen = []

    def cancel():
        seen.append(1)
        return len(seen) > 3

    with pytest.raises(LoadCancelled):
        load_series(c, cancel=cancel)


def test_header_read_stops_before_pixels(series_dir):
    h = read_header(str(series_dir / "slice_0000.dcm"))
    assert h.pixel is not None and not h.pixel.encapsulated
    assert h.pixel.length == 20 * 24 * 2
    assert h.pixel.offset + h.pixel.length == (series_dir / "slice_0000.dcm").stat().st_size


@pytest.mark.parametrize("suffix", [".nii.gz", ".nii", ".nrrd"])
def test_volume_files_in_lps(tmp_path, suffix):
    vol = make_volume(direction=rotation("z", 90) @ np.diag([1, -1, 1]), origin=(5, -7, 12))
    image = sitk.GetImageFromArray(vol.hu)
    image.SetSpacing(vol.spacing_mm)
    image.SetOrigin(vol.origin_lps)
    image.SetDirection(vol.direction.ravel().tolist())
    path = tmp_path / f"ct{suffix}"
    sitk.WriteImage(image, str(path))
    loaded = load_path(path)
    np.testing.assert_allclose(marker_lps(loaded), vol.to_lps((7, 5, 3)), atol=1e-4)
    assert loaded.hu.dtype == np.int16 and any("no patient" in w for w in loaded.warnings)


def test_nifti_stored_ras_reads_as_lps(tmp_path):
    """A NIfTI written by hand with an RAS affine: x and y flip sign on the way to LPS."""
    import gzip
    import struct

    hu = np.zeros((2, 3, 4), np.int16)
    hu[1, 2, 3] = 500
    hdr = bytearray(348)
    struct.pack_into("<i", hdr, 0, 348)
    struct.pack_into("<8h", hdr, 40, 3, 4, 3, 2, 1, 1, 1, 1)
    struct.pack_into("<hh", hdr, 70, 4, 16)  # datatype int16, bitpix
    struct.pack_into("<8f", hdr, 76, 1, 1.5, 2.0, 3.0, 1, 1, 1, 1)
    struct.pack_into("<f", hdr, 108, 352)  # vox_offset
    struct.pack_into("<h", hdr, 254, 1)  # sform_code
    struct.pack_into("<4f", hdr, 280, 1.5, 0, 0, 10)  # srow_x: RAS x = 1.5 i + 10
    struct.pack_into("<4f", hdr, 296, 0, 2.0, 0, 20)
    struct.pack_into("<4f", hdr, 312, 0, 0, 3.0, 30)
    hdr[344:348] = b"n+1\x00"
    path = tmp_path / "ras.nii.gz"
    path.write_bytes(gzip.compress(bytes(hdr) + bytes(4) + hu.tobytes()))
    loaded = load_path(path)
    ras = np.array([1.5 * 3 + 10, 2.0 * 2 + 20, 3.0 * 1 + 30])
    np.testing.assert_allclose(marker_lps(loaded), ras * [-1, -1, 1], atol=1e-4)
