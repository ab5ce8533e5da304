"""A generated corpus of bad or odd inputs: each gives a specific, readable LoadError or loads.

Every case is built here by the test (nothing is shipped), and each refusal is checked for the
words that tell the user what is wrong. A hypothesis fuzz test then mutates bytes of valid files.
"""

from __future__ import annotations

import builtins
import os
import time
from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

import planner.imaging.headers as headers_module
from planner.core.errors import LoadError
from planner.core.volume import ImageVolume
from planner.imaging import discover, load_path, write_series
from tests.imaging.conftest import edit_files, make_volume


def _series(folder: Path, **kw) -> list[Path]:
    return write_series(make_volume(), folder, **kw)


def _non_image(folder: Path, modality: str, sop_class: str, extra=None) -> Path:
    """A DICOM object without pixel data (SR, RTSTRUCT, encapsulated PDF...)."""
    folder.mkdir(parents=True, exist_ok=True)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.Modality = sop_class, modality
    ds.SeriesInstanceUID, ds.StudyInstanceUID = generate_uid(), generate_uid()
    ds.PatientName = "TEST"
    if extra:
        extra(ds)
    path = folder / f"{modality.lower()}.dcm"
    ds.save_as(path, enforce_file_format=True)
    return folder


# --- builders: tmp_path -> (path to load, words expected in the LoadError, or None if it loads) ---

def zero_byte(t):
    t.mkdir(exist_ok=True)
    (t / "empty.dcm").write_bytes(b"")
    return t, ["No DICOM images"]


def zero_byte_file_direct(t):
    t.mkdir(exist_ok=True)
    (t / "empty.dcm").write_bytes(b"")
    return t / "empty.dcm", ["empty file"]


def truncated_header(t):
    paths = _series(t)
    paths[0].write_bytes(paths[0].read_bytes()[:300])
    for q in paths[1:]:
        q.unlink()
    return t, ["truncated", "header", "slice_0000.dcm"]


def truncated_header_in_series(t):
    """One file of eight is cut inside its header: the rest loads (the gap interpolated), and the
    user is told about the file."""
    paths = _series(t)
    paths[2].write_bytes(paths[2].read_bytes()[:300])
    return t, None


def truncated_pixels(t):
    paths = _series(t)
    paths[3].write_bytes(paths[3].read_bytes()[:-200])
    return t, ["shorter than the header says", "slice_0003.dcm"]


def non_dicom_mixed_in(t):
    _series(t)
    (t / "notes.txt").write_text("scan notes")
    (t / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (t / "short").write_bytes(b"abc")
    return t, None


def dicomdir_present(t):
    _series(t / "IMAGES")
    _non_image(t, "", "1.2.840.10008.1.3.10")
    (t / ".dcm").rename(t / "DICOMDIR") if (t / ".dcm").exists() else None
    return t, None


def missing_pixel_data(t):
    paths = _series(t)
    edit_files(paths, lambda ds, _: delattr(ds, "PixelData"))
    return t, ["no pixel data"]


def single_slice(t):
    write_series(make_volume(shape_kji=(1, 20, 24), marker_ijk=None), t)
    return t, ["single image", "3-D"]


def single_slice_file_direct(t):
    return _series(t)[0], ["single DICOM slice", "folder"]


def two_series_in_one_folder(t):
    _series(t)
    write_series(make_volume(), t, file_name="b_{k}.dcm", series_number=2)
    return t, ["2 CT series", "choose one"]


def mr_series(t):
    _series(t, modality="MR")
    return t, ["MR", "magnetic resonance", "CT"]


def structured_report(t):
    return _non_image(t, "SR", "1.2.840.10008.5.1.4.1.1.88.22"), ["SR", "not an image", "CT"]


def rtstruct(t):
    return _non_image(t, "RTSTRUCT", "1.2.840.10008.5.1.4.1.1.481.3"), ["RTSTRUCT", "not an image"]


def encapsulated_pdf(t):
    def pdf(ds):
        ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
        ds.EncapsulatedDocument = b"%PDF-1.4\n%%EOF\n"

    return _non_image(t, "DOC", "1.2.840.10008.5.1.4.1.1.104.1", pdf), ["DOC", "document", "not an image"]


def unsupported_transfer_syntax(t):
    paths = _series(t)
    for p in paths:
        ds = pydicom.dcmread(p)
        ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.100"  # MPEG2 video
        ds.PixelData = pydicom.encaps.encapsulate([b"\x00\x00\x01\xb3" + bytes(64)])
        ds["PixelData"].VR = "OB"
        ds.save_as(p)
    return t, ["MPEG2", "cannot be decoded"]


def inconsistent_bits_allocated(t):
    _series(t)
    write_series(make_volume(shape_kji=(2, 20, 24), origin=(-10, 20, 80), marker_ijk=None), t,
                 file_name="eight_{k}.dcm", bits_allocated=8, signed=False, slope=16.0,
                 series_uid=pydicom.dcmread(t / "slice_0000.dcm").SeriesInstanceUID)
    return t, ["Bits Allocated", "16", "8"]


def absurd_matrix_over_memory_cap(t):
    paths = _series(t)
    edit_files(paths, lambda ds, _: (setattr(ds, "Rows", 65535), setattr(ds, "Columns", 65535)))
    return t, ["memory limit", "65535x65535", "corrupt"]


def matrix_larger_than_file(t):
    paths = _series(t)
    edit_files(paths, lambda ds, _: (setattr(ds, "Rows", 4000), setattr(ds, "Columns", 4000)))
    return t, ["shorter than the header says"]


def non_ascii_path(t):
    folder = t / "Patiënt_Müller_患者" / "série ☃"
    _series(folder)
    return folder, None


def very_long_path(t):
    folder = t
    for n in range(12):
        folder = folder / (f"level{n:02d}_" + "x" * 40)
    _series(folder)
    assert len(str(folder)) > 500
    return folder, None


def empty_folder(t):
    t.mkdir(exist_ok=True)
    return t, ["empty"]


def nonexistent_path(t):
    return t / "no" / "such" / "folder", ["does not exist"]


def big_endian_valid(t):
    _series(t, transfer_syntax=pydicom.uid.ExplicitVRBigEndian)
    return t, None


def wrong_endian_declared(t):
    """Meta says little endian, the data set is big endian: the header values are garbage."""
    paths = _series(t, transfer_syntax=pydicom.uid.ExplicitVRBigEndian)
    for p in paths:
        raw = bytearray(p.read_bytes())
        be = pydicom.uid.ExplicitVRBigEndian.encode()
        at = raw.find(be)
        raw[at:at + len(be)] = b"1.2.840.10008.1.2.1\x00"[: len(be)]
        p.write_bytes(bytes(raw))
    return t, ["No CT series", "no pixel data"]


def image_position_not_numeric(t):
    paths = _series(t)

    def odd(ds, k):
        if k == 2:
            ds["ImagePositionPatient"].VR = "LO"
            ds.ImagePositionPatient = "left\\up\\far"

    edit_files(paths, odd)
    return t, ["Image Position", "slice_0002.dcm", "3-D"]


def pixel_spacing_missing(t):
    paths = _series(t)
    edit_files(paths, lambda ds, _: delattr(ds, "PixelSpacing"))
    return t, ["Pixel Spacing", "missing"]


def orientation_not_perpendicular(t):
    paths = _series(t)
    edit_files(paths, lambda ds, _: setattr(ds, "ImageOrientationPatient", [1, 0, 0, 0.7, 0.7, 0]))
    return t, ["perpendicular"]


def colour_image(t):
    paths = _series(t)

    def rgb(ds, _):
        ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
        ds.BitsAllocated = ds.BitsStored = 8
        ds.HighBit, ds.PixelRepresentation = 7, 0
        ds.PixelData = bytes(ds.Rows * ds.Columns * 3)

    edit_files(paths, rgb)
    return t, ["colour", "RGB"]


def multiframe_without_positions(t):
    path = write_series(make_volume(), t, multiframe=True)[0]
    ds = pydicom.dcmread(path)
    del ds.PerFrameFunctionalGroupsSequence
    del ds.SharedFunctionalGroupsSequence
    ds.save_as(path)
    return path, ["per-frame positions", "3-D"]


def corrupt_compressed_stream(t):
    paths = _series(t, transfer_syntax=pydicom.uid.RLELossless)
    ds = pydicom.dcmread(paths[4])
    ds.PixelData = pydicom.encaps.encapsulate([b"\x05\x00\x00\x00" + bytes(60)])
    ds.save_as(paths[4])
    return t, ["slice_0004.dcm", "cannot be decoded", "corrupt"]


def text_file_direct(t):
    t.mkdir(exist_ok=True)
    (t / "readme.txt").write_text("hello")
    return t / "readme.txt", ["not a DICOM file"]


def corrupt_nifti(t):
    t.mkdir(exist_ok=True)
    (t / "broken.nii.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    return t / "broken.nii.gz", ["cannot be read", "NIfTI"]


def no_preamble_implicit(t):
    """An old-style file: no 128-byte preamble and no 'DICM', implicit VR little endian."""
    paths = _series(t, transfer_syntax=pydicom.uid.ImplicitVRLittleEndian)
    for p in paths:
        ds = pydicom.dcmread(p)
        ds.file_meta = FileMetaDataset()
        ds.preamble = None
        ds.save_as(p, implicit_vr=True, little_endian=True, enforce_file_format=False)
        assert p.read_bytes()[128:132] != b"DICM"
    return t, None


def conflicting_duplicates(t):
    paths = _series(t)
    ds = pydicom.dcmread(paths[1])
    ds.ImagePositionPatient = pydicom.dcmread(paths[6]).ImagePositionPatient
    ds.save_as(t / "stray.dcm")
    return t, ["same slice position", "stray.dcm"]


CASES = {f.__name__: f for f in [
    zero_byte, zero_byte_file_direct, truncated_header, truncated_header_in_series, truncated_pixels, non_dicom_mixed_in,
    dicomdir_present, missing_pixel_data, single_slice, single_slice_file_direct,
    two_series_in_one_folder, mr_series, structured_report, rtstruct, encapsulated_pdf,
    unsupported_transfer_syntax, inconsistent_bits_allocated, absurd_matrix_over_memory_cap,
    matrix_larger_than_file, non_ascii_path, very_long_path, empty_folder, nonexistent_path,
    big_endian_valid, wrong_endian_declared, image_position_not_numeric, pixel_spacing_missing,
    orientation_not_perpendicular, colour_image, multiframe_without_positions,
    corrupt_compressed_stream, text_file_direct, corrupt_nifti, no_preamble_implicit,
    conflicting_duplicates,
]}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_or_odd_input(tmp_path, case):
    path, words = CASES[case](tmp_path / "case")
    if words is None:
        volume = load_path(path)
        assert isinstance(volume, ImageVolume) and volume.hu.shape == (8, 20, 24)
        assert volume.hu.max() == 2000
        if case == "truncated_header_in_series":
            assert any("slice_0002.dcm" in w and "truncated" in w for w in volume.warnings)
            assert any("not evenly spaced" in w for w in volume.warnings)
        return
    with pytest.raises(LoadError) as err:
        load_path(path)
    message = str(err.value)
    assert "Traceback" not in message
    for word in words:
        assert word.lower() in message.lower(), f"{word!r} missing from: {message}"


def test_dicomdir_is_recognised_and_skipped(tmp_path):
    _series(tmp_path / "IMAGES")
    _non_image(tmp_path, "", "1.2.840.10008.1.3.10")
    (cand,) = discover(tmp_path)
    assert cand.supported and cand.n_images == 8


def test_absurd_matrix_never_allocates(tmp_path):
    import tracemalloc

    paths = _series(tmp_path)
    edit_files(paths, lambda ds, _: (setattr(ds, "Rows", 60000), setattr(ds, "Columns", 60000)))
    tracemalloc.start()
    with pytest.raises(LoadError, match="memory limit"):
        load_path(tmp_path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50e6


def test_unreadable_file_simulated(tmp_path, monkeypatch):
    """Tests run as root, for whom chmod 000 does not stop reading: simulate the OS refusal."""
    paths = _series(tmp_path)
    real_open = builtins.open

    def guarded(file, *a, **kw):
        if str(file) == str(paths[0]):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *a, **kw)

    monkeypatch.setattr(headers_module, "open", guarded, raising=False)
    cands = discover(tmp_path)
    bad = [c for c in cands if not c.supported]
    assert bad and "permission denied" in bad[0].reason and str(paths[0]) in bad[0].files
    with pytest.raises(LoadError) as err:
        load_path(paths[0])
    assert "permission denied" in str(err.value)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root ignores file permissions; see test_unreadable_file_simulated")
def test_unreadable_file_real_permissions(tmp_path):
    paths = _series(tmp_path)
    paths[0].chmod(0)
    with pytest.raises(LoadError, match="permission denied"):
        load_path(paths[0])


def test_five_thousand_non_dicom_files_fast(tmp_path):
    for n in range(5000):
        (tmp_path / f"file_{n:05d}.txt").write_bytes(b"not dicom " * (n % 20))
    start = time.perf_counter()
    with pytest.raises(LoadError, match="No DICOM images") as err:
        load_path(tmp_path)
    elapsed = time.perf_counter() - start
    assert "5000" in str(err.value)
    assert elapsed < 5.0, f"scanning 5,000 non-DICOM files took {elapsed:.1f} s"
