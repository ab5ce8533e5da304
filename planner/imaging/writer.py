"""Write an ``ImageVolume`` as a DICOM CT series (classic single-frame or Enhanced CT multi-frame).

Meant for tests and benchmarks: synthetic series in any orientation and transfer syntax, so the
loader can be checked against a known geometry. Compression uses pydicom's encoders (RLE natively,
JPEG 2000 through pylibjpeg-openjpeg) and GDCM for JPEG baseline/lossless and JPEG-LS.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import (
    CTImageStorage, DeflatedExplicitVRLittleEndian, EnhancedCTImageStorage, ExplicitVRBigEndian,
    ExplicitVRLittleEndian, ImplicitVRLittleEndian, JPEG2000Lossless, RLELossless, generate_uid,
)

from planner.core.volume import ImageVolume

NATIVE = {ExplicitVRLittleEndian, ImplicitVRLittleEndian, ExplicitVRBigEndian, DeflatedExplicitVRLittleEndian}
PYDICOM_ENCODED = {RLELossless, JPEG2000Lossless}
#: Transfer syntaxes encoded through GDCM (python-gdcm): JPEG baseline (8-bit only), JPEG lossless
#: process 14 SV1, JPEG-LS lossless.
GDCM_ENCODED = {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80"}


def _ds(f: float) -> str:
    return f"{f:.6f}".rstrip("0").rstrip(".") if abs(f) < 1e6 else f"{f:.6g}"


def _stored(hu: np.ndarray, slope: float, intercept: float, bits: int, signed: bool) -> np.ndarray:
    dtype = np.dtype(f"{'i' if signed else 'u'}{bits // 8}")
    info = np.iinfo(dtype)
    values = np.rint((hu.astype(np.float64) - intercept) / slope)
    return np.clip(values, info.min, info.max).astype(dtype)


def _base(volume: ImageVolume, opts: dict, sop_class: str) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.SOPClassUID = sop_class
    ds.Modality = opts["modality"]
    ds.PatientName, ds.PatientID = opts["patient_name"], opts["patient_id"]
    ds.StudyDate, ds.StudyDescription = "20240101", opts["study_description"]
    ds.SeriesDescription, ds.SeriesNumber = opts["series_description"], opts["series_number"]
    ds.StudyInstanceUID, ds.SeriesInstanceUID = opts["study_uid"], opts["series_uid"]
    ds.FrameOfReferenceUID = opts["frame_uid"]
    ni, nj, _ = volume.shape_ijk
    ds.Rows, ds.Columns = nj, ni
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    bits = opts["bits_allocated"]
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = bits, opts["bits_stored"] or bits, (opts["bits_stored"] or bits) - 1
    ds.PixelRepresentation = 1 if opts["signed"] else 0
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    return ds


def _finish(ds: Dataset, path: Path, pixels: np.ndarray, ts: str) -> None:
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    big = ts == ExplicitVRBigEndian
    ds.PixelData = (pixels.astype(pixels.dtype.newbyteorder(">")) if big else pixels).tobytes()
    if ts in PYDICOM_ENCODED:
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.compress(ts, pixels, generate_instance_uid=False)
    else:
        ds.file_meta.TransferSyntaxUID = ts if ts in NATIVE else ExplicitVRLittleEndian
    ds.save_as(path, enforce_file_format=True)
    if ts in GDCM_ENCODED:
        _gdcm_transcode(path, ts)


def _gdcm_transcode(path: Path, ts: str) -> None:
    import gdcm

    reader = gdcm.ImageReader()
    reader.SetFileName(str(path))
    if not reader.Read():
        raise RuntimeError(f"GDCM cannot read {path}")
    change = gdcm.ImageChangeTransferSyntax()
    change.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.GetTSType(ts)))
    change.SetInput(reader.GetImage())
    if not change.Change():
        raise RuntimeError(f"GDCM cannot encode {path} as {ts}")
    writer = gdcm.ImageWriter()
    writer.SetFileName(str(path))
    writer.SetFile(reader.GetFile())
    writer.SetImage(change.GetOutput())
    if not writer.Write():
        raise RuntimeError(f"GDCM cannot write {path}")


def _options(volume, kw) -> dict:
    opts = dict(
        transfer_syntax=ExplicitVRLittleEndian, slope=1.0, intercept=-1024.0, bits_allocated=16,
        bits_stored=None, signed=True, modality="CT", patient_name="PHANTOM^SPINE", patient_id="PHANTOM01",
        study_description="synthetic study", series_description="synthetic CT", series_number=1,
        study_uid=None, series_uid=None, frame_uid=None, slice_thickness_mm=None,
        pixel_padding_value=None, multiframe=False, file_name="slice_{k:04d}.dcm",
        instance_numbers=None, edit=None,
    )
    unknown = set(kw) - set(opts)
    if unknown:
        raise TypeError(f"unknown write_series options: {sorted(unknown)}")
    opts.update(kw)
    for key in ("study_uid", "series_uid", "frame_uid"):
        if opts[key] is None:
            opts[key] = generate_uid()
    if opts["slice_thickness_mm"] is None:
        opts["slice_thickness_mm"] = volume.spacing_mm[2]
    return opts


def write_series(volume: ImageVolume, folder, **options) -> list[Path]:
    """Write ``volume`` to ``folder``; returns the files written, in slice order k = 0..n-1.

    Options: ``transfer_syntax``, ``slope``/``intercept`` (stored = (HU - intercept) / slope),
    ``bits_allocated`` (8 or 16), ``bits_stored``, ``signed``, ``modality``, patient/study/series
    fields, ``series_uid``/``study_uid``/``frame_uid`` (``""`` writes an empty UID),
    ``slice_thickness_mm``, ``pixel_padding_value``, ``multiframe`` (one Enhanced CT file),
    ``file_name`` (format with ``k``), ``instance_numbers`` (sequence), ``edit(ds, k)`` hook.
    """
    opts = _options(volume, options)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stored = _stored(volume.hu, opts["slope"], opts["intercept"], opts["bits_allocated"], opts["signed"])
    if opts["multiframe"]:
        return [_write_enhanced(volume, folder, stored, opts)]
    d = volume.direction
    orientation = [_ds(v) for v in (*d[:, 0], *d[:, 1])]
    sx, sy, _ = volume.spacing_mm
    paths = []
    for k in range(volume.hu.shape[0]):
        ds = _base(volume, opts, CTImageStorage)
        ds.SOPInstanceUID = generate_uid()
        numbers: Sequence[int] | None = opts["instance_numbers"]
        ds.InstanceNumber = int(numbers[k]) if numbers is not None else k + 1
        ds.ImagePositionPatient = [_ds(v) for v in volume.to_lps((0, 0, k))]
        ds.ImageOrientationPatient = orientation
        ds.PixelSpacing = [_ds(sy), _ds(sx)]
        ds.SliceThickness = _ds(opts["slice_thickness_mm"])
        ds.RescaleSlope, ds.RescaleIntercept = _ds(opts["slope"]), _ds(opts["intercept"])
        if opts["pixel_padding_value"] is not None:
            ds.PixelPaddingValue = int(opts["pixel_padding_value"])
        edit: Callable | None = opts["edit"]
        if edit is not None:
            edit(ds, k)
        path = folder / opts["file_name"].format(k=k)
        _finish(ds, path, stored[k], opts["transfer_syntax"])
        paths.append(path)
    return paths


def _write_enhanced(volume: ImageVolume, folder: Path, stored: np.ndarray, opts: dict) -> Path:
    """Enhanced CT (PS3.3 A.38): shared orientation, measures and rescale; per-frame positions."""
    ds = _base(volume, opts, EnhancedCTImageStorage)
    ds.SOPInstanceUID = generate_uid()
    ds.InstanceNumber = 1
    n = volume.hu.shape[0]
    ds.NumberOfFrames = n
    d = volume.direction
    sx, sy, _ = volume.spacing_mm
    orient, measures, value = Dataset(), Dataset(), Dataset()
    orient.ImageOrientationPatient = [_ds(v) for v in (*d[:, 0], *d[:, 1])]
    measures.PixelSpacing = [_ds(sy), _ds(sx)]
    measures.SliceThickness = _ds(opts["slice_thickness_mm"])
    value.RescaleSlope, value.RescaleIntercept = _ds(opts["slope"]), _ds(opts["intercept"])
    value.RescaleType = "HU"
    shared = Dataset()
    shared.PlaneOrientationSequence = DicomSequence([orient])
    shared.PixelMeasuresSequence = DicomSequence([measures])
    shared.PixelValueTransformationSequence = DicomSequence([value])
    ds.SharedFunctionalGroupsSequence = DicomSequence([shared])
    frames = []
    for k in range(n):
        pos, item = Dataset(), Dataset()
        pos.ImagePositionPatient = [_ds(v) for v in volume.to_lps((0, 0, k))]
        item.PlanePositionSequence = DicomSequence([pos])
        frames.append(item)
    ds.PerFrameFunctionalGroupsSequence = DicomSequence(frames)
    edit = opts["edit"]
    if edit is not None:
        edit(ds, -1)
    path = folder / "enhanced_ct.dcm"
    _finish(ds, path, stored, opts["transfer_syntax"])
    return path


def file_size_total(paths: Sequence[os.PathLike]) -> int:
    """Total bytes of the files written (for benchmarks)."""
    return sum(os.path.getsize(p) for p in paths)
