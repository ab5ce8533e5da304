"""The report and key images as DICOM objects in the original study, for a PACS.

- Encapsulated PDF Storage (SOP Class 1.2.840.10008.5.1.4.1.1.104.1; PS3.3 A.45.1): Patient, General
  Study, Encapsulated Document Series, General Equipment, SC Equipment, Encapsulated Document, SOP
  Common modules.
- Secondary Capture Image Storage (1.2.840.10008.5.1.4.1.1.7; PS3.3 A.8.1): Patient, General Study,
  General Series, General Equipment, SC Equipment, General Image, Image Pixel (RGB, 8 bit), SC Image,
  SOP Common.

Both go into the source CT's study (same Study Instance UID (0020,000D)) and copy its Patient module
(with its De-identification Method Code Sequence (0012,0064) when the CT was de-identified before),
unless de-identified here (:mod:`planner.export.deidentify`). When the CT's files are at hand
(:class:`~planner.export.ct_source.CtSource`) both carry the CT's Frame of Reference UID (0020,0052)
and reference the CT series: Referenced Series Sequence (0008,1115, Common Instance Reference
module C.12.2) with every CT image, and Source Image Sequence (0008,2112) / Source Instance Sequence
(0042,0013) with them as the images the pictures were made from.

Versions: the report series and the key image series have UIDs derived from the CT series and the
plan (its creation time stamp, :func:`planner.export.uids.derived_uid`), so exporting the same plan
again adds a new version to the same two series: new SOP Instance UIDs, a larger Instance Number
(:func:`planner.export.seg.instance_number_now`, growing with time) and new Content Date/Time. A viewer
lists the newest version last; nothing is overwritten in a PACS. Every UID is a 2.25 UUID UID.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.errors import InvalidDicomError
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

from planner import __version__
from planner.core.errors import PlannerError
from planner.core.volume import SeriesInfo
from planner.export.atomic import Staging
from planner.export.ct_source import CtSource
from planner.export.deidentify import UidMap, deidentify_dataset
from planner.core.progress import Progress, report
from planner.export.uids import IMPLEMENTATION_CLASS_UID, derived_uid, new_uid

ENCAPSULATED_PDF_STORAGE = "1.2.840.10008.5.1.4.1.1.104.1"
SECONDARY_CAPTURE_STORAGE = "1.2.840.10008.5.1.4.1.1.7"
MANUFACTURER = "Spine Ablation Planner"
REPORT_SERIES_NUMBER = 9001
IMAGES_SERIES_NUMBER = 9002
#: Patient module (PS3.3 C.7.1.1) and General Study module (C.7.2.1) attributes copied from the CT.
PATIENT_KEYWORDS = ("PatientName", "PatientID", "IssuerOfPatientID", "PatientBirthDate", "PatientSex",
                    "OtherPatientIDsSequence", "PatientIdentityRemoved", "DeidentificationMethod",
                    "DeidentificationMethodCodeSequence", "LongitudinalTemporalInformationModified")
#: Descriptors the planner writes from fixed text: kept under the Clean Descriptors Option.
PLANNER_DESCRIPTORS = ("SeriesDescription", "DocumentTitle", "EncapsulatedDocument", "StructureSetLabel",
                       "StructureSetName", "ROIName", "ROIDescription", "ContentDescription", "ContentLabel",
                       "SegmentLabel", "SegmentDescription")
STUDY_KEYWORDS = ("StudyInstanceUID", "StudyDate", "StudyTime", "ReferringPhysicianName", "StudyID",
                  "AccessionNumber", "StudyDescription")
_TYPE2 = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime",
          "ReferringPhysicianName", "StudyID", "AccessionNumber")


def _series_files(folder: Path):
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield path


def source_header(info: SeriesInfo, max_files: int = 2000) -> Dataset:
    """Patient and study attributes of the loaded series, read from one of its files (headers only).

    Falls back to what :class:`SeriesInfo` holds when no file of the series can be read (e.g. a
    NIfTI volume): then the Study Instance UID may be empty and a new study is made."""
    source = Path(info.source_path) if info.source_path else None
    candidates = [] if source is None else ([source] if source.is_file() else list(_series_files(source))[:max_files])
    for path in candidates:
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
        except (InvalidDicomError, OSError, ValueError, TypeError):
            continue
        if info.series_instance_uid and ds.get("SeriesInstanceUID", "") != info.series_instance_uid:
            continue
        out = Dataset()
        for keyword in ("SpecificCharacterSet",) + PATIENT_KEYWORDS + STUDY_KEYWORDS:
            if keyword in ds:
                setattr(out, keyword, ds.data_element(keyword).value)
        return out
    out = Dataset()
    out.PatientName, out.PatientID = info.patient_name, info.patient_id
    out.StudyInstanceUID, out.StudyDate = info.study_instance_uid, info.study_date
    out.StudyDescription = info.study_description
    return out


def _now() -> tuple[str, str]:
    now = datetime.now()
    return now.strftime("%Y%m%d"), now.strftime("%H%M%S")


def _base(source: Dataset, sop_class: str, series_uid: str, series_number: int, modality: str,
          description: str, instance_number: int) -> Dataset:
    ds = Dataset()
    ds.SpecificCharacterSet = source.get("SpecificCharacterSet", "ISO_IR 192")
    for keyword in PATIENT_KEYWORDS + STUDY_KEYWORDS:
        if keyword in source:
            setattr(ds, keyword, source.data_element(keyword).value)
    for keyword in _TYPE2:
        if keyword not in ds:
            setattr(ds, keyword, "")
    if not ds.get("StudyInstanceUID"):
        ds.StudyInstanceUID = new_uid()
    date, time = _now()
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = new_uid()
    ds.InstanceCreationDate, ds.InstanceCreationTime = date, time
    ds.Modality = modality
    ds.SeriesInstanceUID = series_uid
    ds.SeriesNumber = series_number
    ds.SeriesDescription = description
    ds.InstanceNumber = instance_number
    ds.Manufacturer = MANUFACTURER
    ds.SoftwareVersions = __version__
    ds.ConversionType = "WSD"  # workstation (SC Equipment module, PS3.3 C.8.6.1)
    ds.ContentDate, ds.ContentTime = date, time
    return ds


def _image_refs(ct: CtSource) -> Sequence:
    refs = []
    for image in ct.slices:
        ref = Dataset()
        ref.ReferencedSOPClassUID, ref.ReferencedSOPInstanceUID = image.SOPClassUID, image.SOPInstanceUID
        refs.append(ref)
    return Sequence(refs)


def _reference_ct(ds: Dataset, ct: CtSource | None, source_keyword: str) -> None:
    """Frame of Reference (C.7.4.1) and the references to the CT series (see the module docstring)."""
    if ct is None:
        return
    ds.FrameOfReferenceUID = ct.frame_of_reference_uid
    ds.PositionReferenceIndicator = ct.first.get("PositionReferenceIndicator", "")
    series = Dataset()
    series.SeriesInstanceUID = ct.series_uid
    series.ReferencedInstanceSequence = _image_refs(ct)
    ds.ReferencedSeriesSequence = Sequence([series])
    setattr(ds, source_keyword, _image_refs(ct))


def _finish(ds: Dataset, deidentify: bool, uids: UidMap | None) -> Dataset:
    if deidentify:
        deidentify_dataset(ds, uids or UidMap(), keep=PLANNER_DESCRIPTORS)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = IMPLEMENTATION_CLASS_UID
    meta.ImplementationVersionName = "SPINEPLAN"
    ds.file_meta = meta
    return ds


def encapsulated_pdf(pdf_bytes: bytes, source: Dataset, series_uid: str, title: str = "Ablation plan report",
                     deidentify: bool = False, uids: UidMap | None = None, ct: CtSource | None = None,
                     instance_number: int = 1) -> Dataset:
    """The report as an Encapsulated PDF instance (PS3.3 C.24.2). BurnedInAnnotation (0028,0301) is
    YES unless de-identified: the PDF's header names the patient. With de-identification the PDF
    must have been made de-identified (the report's ``deidentify``): it is kept as the dummy value."""
    if not pdf_bytes.startswith(b"%PDF"):
        raise PlannerError("The report to encapsulate is not a PDF document.")
    ds = _base(source, ENCAPSULATED_PDF_STORAGE, series_uid, REPORT_SERIES_NUMBER, "DOC", "Ablation plan report",
               instance_number)
    _reference_ct(ds, ct, "SourceInstanceSequence")
    ds.AcquisitionDateTime = ""
    ds.BurnedInAnnotation = "NO" if deidentify else "YES"
    ds.DocumentTitle = title
    ds.ConceptNameCodeSequence = []
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    ds.EncapsulatedDocument = pdf_bytes + (b"\0" if len(pdf_bytes) % 2 else b"")
    ds.EncapsulatedDocumentLength = len(pdf_bytes)
    return _finish(ds, deidentify, uids)


def secondary_capture(rgb: np.ndarray, source: Dataset, series_uid: str, instance_number: int, title: str = "",
                      deidentify: bool = False, uids: UidMap | None = None, ct: CtSource | None = None) -> Dataset:
    """One key image as an RGB Secondary Capture instance. The images carry no patient text
    (BurnedInAnnotation NO). The title (it may hold needle names the user typed) goes into Derivation
    Description and Image Comments only without de-identification."""
    arr = np.ascontiguousarray(np.asarray(rgb)[..., :3], dtype=np.uint8)
    if arr.ndim != 3:
        raise PlannerError("A key image must be an RGB image.")
    ds = _base(source, SECONDARY_CAPTURE_STORAGE, series_uid, IMAGES_SERIES_NUMBER, "OT", "Ablation plan key images",
               instance_number)
    ds.PatientOrientation = ""
    ds.Laterality = ""  # General Series, Type 2C
    ds.ImageType = ["DERIVED", "SECONDARY"]
    if not deidentify:
        ds.DerivationDescription = title[:1024] or "Ablation plan key image"
        ds.ImageComments = title[:10240]
    ds.BurnedInAnnotation = "NO"
    _reference_ct(ds, ct, "SourceImageSequence")
    ds.DateOfSecondaryCapture, ds.TimeOfSecondaryCapture = ds.ContentDate, ds.ContentTime
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = "RGB"
    ds.PlanarConfiguration = 0
    ds.Rows, ds.Columns = int(arr.shape[0]), int(arr.shape[1])
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = arr.tobytes()
    return _finish(ds, deidentify, uids)


def write_dicom_exports(folder, source: Dataset, pdf_bytes: bytes | None, images=(), deidentify: bool = False,
                        ct: CtSource | None = None, plan_id: str = "", progress: Progress | None = None,
                        staging: Staging | None = None) -> list[Path]:
    """Write the report (``report.dcm``) and key images (``key_image_NN.dcm``) into ``folder``.
    ``images`` holds objects with ``title`` and ``rgb``; ``ct`` the CT images to reference; ``plan_id``
    makes the series the same on every export of one plan. Returns the files written.

    All files are written under temporary names and renamed into place together at the end
    (:mod:`planner.export.atomic`; into ``staging`` when given, the caller commits); ``progress`` is
    asked between files and a Cancel there (:class:`~planner.core.progress.ExportCancelled`) leaves
    the folder as it was."""
    from planner.export.seg import instance_number_now

    folder = Path(folder)
    uids = UidMap()
    ct_series = ct.series_uid if ct is not None else str(source.get("StudyInstanceUID", ""))
    version = instance_number_now()
    own = staging is None
    stage = Staging() if own else staging
    total = len(images) + (pdf_bytes is not None)
    written = []
    try:
        if pdf_bytes is not None:
            report(progress, 0.0, "DICOM: the report (Encapsulated PDF)")
            ds = encapsulated_pdf(pdf_bytes, source, derived_uid("report", ct_series, plan_id) if plan_id else new_uid(),
                                  deidentify=deidentify, uids=uids, ct=ct, instance_number=version)
            written.append(folder / "report.dcm")
            ds.save_as(stage.target(written[-1]), enforce_file_format=True)
        series_uid = derived_uid("key images", ct_series, plan_id) if plan_id else new_uid()
        for number, image in enumerate(images, start=1):
            report(progress, len(written) / max(total, 1), f"DICOM: key image {number} of {len(images)}")
            ds = secondary_capture(image.rgb, source, series_uid, version * 100 + number, image.title, deidentify,
                                   uids, ct)
            written.append(folder / f"key_image_{number:02d}.dcm")
            ds.save_as(stage.target(written[-1]), enforce_file_format=True)
        report(progress, 1.0, "DICOM: files written")
        if own:
            stage.commit()
    except OSError as exc:
        stage.discard()
        raise PlannerError(f"The DICOM files could not be written to {folder} ({exc.strerror or exc}).") from None
    except BaseException:
        stage.discard()
        raise
    return written
