"""Read the header of one DICOM file without its pixel data, and the frames it describes.

The common case (Part 10, little endian, plain character set) goes through the small parser in
:mod:`planner.imaging.fastparse`; anything else through pydicom with ``stop_before_pixels``. Either
way the read stops before Pixel Data (7FE0,0010) and the offset and length of the pixel data are
recorded, so uncompressed pixels can later be read straight into the output array. pydicom is imported
only for the files the fast parser declines (:mod:`planner.imaging.dicom_dict`).
"""

from __future__ import annotations

import math
import os
import struct
import sys
import warnings
from dataclasses import dataclass

from planner.imaging import fastparse
from planner.imaging.dicom_dict import (
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN as DeflatedExplicitVRLittleEndian,
    EXPLICIT_VR_BIG_ENDIAN as ExplicitVRBigEndian,
    EXPLICIT_VR_LITTLE_ENDIAN as ExplicitVRLittleEndian,
    IMPLICIT_VR_LITTLE_ENDIAN as ImplicitVRLittleEndian,
)
from planner.imaging.functional_groups import FrameGeometry, frames_of
from planner.imaging.rawvalues import ParsedValues, PydicomValues

#: Media Storage Directory Storage SOP Class (PS3.4 B.5): the DICOMDIR index, never an image.
DICOMDIR_SOP_CLASS = "1.2.840.10008.1.3.10"
_PIXEL_TAGS = {0x7FE00010: "PixelData", 0x7FE00008: "FloatPixelData", 0x7FE00009: "DoubleFloatPixelData"}
_LONG_VRS = {b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"SQ", b"UN", b"UC", b"UR", b"UT"}
_UNDEFINED = 0xFFFFFFFF

HEADER_TAGS = [
    "SOPClassUID", "SOPInstanceUID", "Modality", "PatientName", "PatientID", "StudyDate",
    "StudyDescription", "SeriesDescription", "SeriesNumber", "SeriesInstanceUID",
    "StudyInstanceUID", "FrameOfReferenceUID", "Rows", "Columns", "BitsAllocated", "BitsStored",
    "HighBit", "PixelRepresentation", "SamplesPerPixel", "PhotometricInterpretation",
    "NumberOfFrames", "ImageType", "ImagePositionPatient", "ImageOrientationPatient",
    "PixelSpacing", "SliceThickness", "RescaleSlope", "RescaleIntercept", "PixelPaddingValue",
    "PixelPaddingRangeLimit", "InstanceNumber", "AcquisitionNumber", "SharedFunctionalGroupsSequence",
    "PerFrameFunctionalGroupsSequence", "SpecificCharacterSet", "MediaStorageSOPClassUID",
    "WindowCenter", "WindowWidth",
]


class NotImageFile(Exception):
    """A file met while scanning that is not a readable DICOM image header; ``reason`` says why."""

    def __init__(self, reason: str, kind: str):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind  # "not-dicom", "dicomdir", "unreadable", "empty"


@dataclass(frozen=True)
class PixelLocation:
    """Where Pixel Data sits in the file: byte offset of the value, length, encapsulated or not."""

    offset: int
    length: int
    encapsulated: bool
    keyword: str = "PixelData"


@dataclass(frozen=True, eq=False)
class FileHeader:
    """What the planner knows about one file after reading its header only."""

    path: str
    file_size: int
    transfer_syntax_uid: str
    sop_class_uid: str
    sop_instance_uid: str
    modality: str
    patient_name: str
    patient_id: str
    study_date: str
    study_description: str
    series_description: str
    series_number: int | None
    series_instance_uid: str
    study_instance_uid: str
    frame_of_reference_uid: str
    rows: int
    columns: int
    bits_allocated: int
    bits_stored: int
    pixel_representation: int
    samples_per_pixel: int
    photometric: str
    number_of_frames: int
    image_type: tuple[str, ...]
    pixel: PixelLocation | None
    frames: tuple[FrameGeometry, ...]
    pixel_padding_value: int | None
    pixel_padding_range_limit: int | None
    instance_number: int | None
    frames_error: str = ""
    window_center_hu: float | None = None  # first value of Window Center (0028,1050), in rescaled units
    window_width_hu: float | None = None  # first value of Window Width (0028,1051), >= 1 (PS3.3 C.11.2.1.2)

    @property
    def is_multiframe(self) -> bool:
        return self.number_of_frames > 1 or len(self.frames) > 1

    @property
    def fast_path(self) -> bool:
        """True when pixels are uncompressed little endian and can be read straight from the file."""
        return (
            self.pixel is not None
            and not self.pixel.encapsulated
            and self.pixel.keyword == "PixelData"
            and self.transfer_syntax_uid in (ImplicitVRLittleEndian, ExplicitVRLittleEndian)
        )


def _is_multivalue(value) -> bool:
    """pydicom's ``MultiValue`` (only pydicom makes those, so it is imported already when one is met;
    the fast parser gives lists)."""
    multival = sys.modules.get("pydicom.multival")
    return multival is not None and isinstance(value, multival.MultiValue)


def _text(ds, keyword: str) -> str:
    try:
        value = ds.get(keyword, "")
        if value is None:
            return ""
        if isinstance(value, (list, tuple)) or _is_multivalue(value):
            return "\\".join(str(v).strip() for v in value)
        if isinstance(value, bytes):
            return value.decode("latin-1", errors="replace").strip(" \x00")
        return str(value).strip()
    except Exception:  # malformed values must not stop a scan: treat as absent
        return ""


def _int(ds, keyword: str, default: int | None = None) -> int | None:
    try:
        value = ds.get(keyword, None)
        if value is None or value == "":
            return default
        if isinstance(value, list) or _is_multivalue(value):
            value = value[0]
        if isinstance(value, bytes):
            return None  # ambiguous VR left undecoded (e.g. 'US or SS' in implicit VR)
        return int(float(value))
    except Exception:
        return default


def stored_window(ds) -> tuple[float | None, float | None]:
    """The series' own display window: the first Window Center (0028,1050) / Window Width (0028,1051) pair.

    Both apply to the values after the Modality LUT (Rescale Slope/Intercept), i.e. HU for CT
    (PS3.3 C.11.2.1.2). A missing, unreadable or non-finite value, or a width below 1 (the standard's
    minimum), gives (None, None): the viewer then uses its own preset.
    """
    try:
        centre = float(_text(ds, "WindowCenter").split("\\")[0])
        width = float(_text(ds, "WindowWidth").split("\\")[0])
    except ValueError:
        return None, None
    if not (math.isfinite(centre) and math.isfinite(width)) or width < 1:
        return None, None
    return centre, width


def looks_like_dicom(head: bytes) -> bool:
    """PS3.10 7.1: 128-byte preamble then 'DICM'; or an old file starting with group 0002/0008."""
    if len(head) >= 132 and head[128:132] == b"DICM":
        return True
    if len(head) >= 8:
        group = struct.unpack("<H", head[:2])[0]
        return group in (0x0002, 0x0008)
    return False


def _transfer_syntax(ds) -> str:
    meta = getattr(ds, "file_meta", None)
    uid = str(getattr(meta, "TransferSyntaxUID", "") or "") if meta is not None else ""
    if uid:
        return uid
    implicit, little = getattr(ds, "original_encoding", (True, True))
    if implicit:
        return ImplicitVRLittleEndian
    return ExplicitVRLittleEndian if little else ExplicitVRBigEndian


def _pixel_location(fp, ts: str) -> PixelLocation | None:
    """Parse the element header at the current position (where pydicom stopped), if it is pixel data."""
    start = fp.tell()
    head = fp.read(12)
    if len(head) < 8:
        return None
    little = ts != ExplicitVRBigEndian
    group, elem = struct.unpack("<HH" if little else ">HH", head[:4])
    keyword = _PIXEL_TAGS.get((group << 16) | elem)
    if keyword is None:
        return None
    fmt32 = "<L" if little else ">L"
    if ts == ImplicitVRLittleEndian:
        length, header_len = struct.unpack(fmt32, head[4:8])[0], 8
    elif head[4:6] in _LONG_VRS:
        if len(head) < 12:
            return None
        length, header_len = struct.unpack(fmt32, head[8:12])[0], 12
    else:
        length, header_len = struct.unpack("<H" if little else ">H", head[6:8])[0], 8
    encapsulated = length == _UNDEFINED
    return PixelLocation(start + header_len, 0 if encapsulated else length, encapsulated, keyword)


def _dataset(fp, path: str, size: int):
    """Header values, transfer syntax and pixel location: the fast parser, else pydicom.

    Deflated files are read whole by pydicom (offsets inside the deflated stream are meaningless).
    """
    fp.seek(0)
    parsed = fastparse.parse(fp, size, HEADER_TAGS)
    if parsed is not None:
        ts, values, pixel = parsed
        location = PixelLocation(*pixel) if pixel is not None else None
        return ParsedValues(values, fastparse.charset_is_utf8(values)), ts, location, ""
    import pydicom  # imported on first use: only a file the fast parser declines needs it (start-up time)

    fp.seek(0)
    with warnings.catch_warnings():  # odd values are judged by the planner's own checks
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(fp, stop_before_pixels=True, force=True)
    ts = _transfer_syntax(ds)
    location = None if ts == DeflatedExplicitVRLittleEndian else _pixel_location(fp, ts)
    if ts == DeflatedExplicitVRLittleEndian:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            full = pydicom.dcmread(path, force=True)
        if "PixelData" in full:
            location = PixelLocation(-1, len(full.PixelData), full["PixelData"].is_undefined_length)
    meta_class = _text(getattr(ds, "file_meta", {}), "MediaStorageSOPClassUID")
    return PydicomValues(ds, little_endian=ts != ExplicitVRBigEndian), ts, location, meta_class


def _open(path: str):
    try:
        return open(path, "rb")
    except PermissionError:
        raise NotImageFile("cannot be opened: permission denied", "unreadable") from None
    except OSError as exc:
        raise NotImageFile(f"cannot be opened ({exc.strerror or exc})", "unreadable") from None


def read_header(path: str) -> FileHeader:
    """Read one file's header; raise :class:`NotImageFile` for non-DICOM, DICOMDIR or unreadable files."""
    if os.path.basename(path).upper() == "DICOMDIR":
        raise NotImageFile("DICOMDIR index (images are found by scanning the folder)", "dicomdir")
    with _open(path) as fp:
        size = os.fstat(fp.fileno()).st_size
        if size == 0:
            raise NotImageFile("empty file (0 bytes)", "empty")
        try:
            head = fp.read(132)
        except OSError as exc:
            raise NotImageFile(f"cannot be read ({exc.strerror or exc})", "unreadable") from None
        if not looks_like_dicom(head):
            raise NotImageFile("not a DICOM file", "not-dicom")
        try:
            ds, ts, location, meta_class = _dataset(fp, path, size)
        except fastparse.Truncated:
            raise NotImageFile("the file is truncated: it ends inside its DICOM header", "unreadable") from None
        except PermissionError:
            raise NotImageFile("cannot be opened: permission denied", "unreadable") from None
        except Exception as exc:  # pydicom raises many types on corrupt headers
            raise NotImageFile(
                f"DICOM header cannot be read, the file is truncated or corrupt ({type(exc).__name__})",
                "unreadable",
            ) from None
    sop_class = _text(ds, "SOPClassUID") or meta_class or _text(ds, "MediaStorageSOPClassUID")
    if sop_class == DICOMDIR_SOP_CLASS:
        raise NotImageFile("DICOMDIR index (images are found by scanning the folder)", "dicomdir")
    n_frames = max(1, _int(ds, "NumberOfFrames", 1) or 1)
    try:
        frames, frames_error = frames_of(ds, n_frames), ""
    except ValueError as exc:
        frames, frames_error = (), str(exc)
    image_type = tuple(s for s in _text(ds, "ImageType").upper().split("\\") if s)
    window = stored_window(ds)
    return FileHeader(
        path=path, file_size=size, transfer_syntax_uid=ts, sop_class_uid=sop_class,
        sop_instance_uid=_text(ds, "SOPInstanceUID"), modality=_text(ds, "Modality").upper(),
        patient_name=_text(ds, "PatientName"), patient_id=_text(ds, "PatientID"),
        study_date=_text(ds, "StudyDate"), study_description=_text(ds, "StudyDescription"),
        series_description=_text(ds, "SeriesDescription"), series_number=_int(ds, "SeriesNumber"),
        series_instance_uid=_text(ds, "SeriesInstanceUID"),
        study_instance_uid=_text(ds, "StudyInstanceUID"),
        frame_of_reference_uid=_text(ds, "FrameOfReferenceUID"),
        rows=_int(ds, "Rows", 0) or 0, columns=_int(ds, "Columns", 0) or 0,
        bits_allocated=_int(ds, "BitsAllocated", 0) or 0, bits_stored=_int(ds, "BitsStored", 0) or 0,
        pixel_representation=_int(ds, "PixelRepresentation", 0) or 0,
        samples_per_pixel=_int(ds, "SamplesPerPixel", 1) or 1,
        photometric=_text(ds, "PhotometricInterpretation").upper(), number_of_frames=n_frames,
        image_type=image_type, pixel=location, frames=frames, frames_error=frames_error,
        pixel_padding_value=_int(ds, "PixelPaddingValue"),
        pixel_padding_range_limit=_int(ds, "PixelPaddingRangeLimit"),
        instance_number=_int(ds, "InstanceNumber"),
        window_center_hu=window[0], window_width_hu=window[1],
    )
