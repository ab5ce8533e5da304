"""The CT images a derived object (SEG, RTSTRUCT) refers to, one per slice of the loaded volume.

A DICOM Segmentation and an RT Structure Set name the images they were drawn on (Referenced Series
Sequence (0008,1115), Referenced Frame of Reference Sequence (3006,0010), Source Image Sequence
(0008,2112)). This module reads the headers of the loaded series again and pairs each slice ``k`` of
the volume with its file, by position along the slice normal (``ImagePositionPatient``
(0020,0032) projected on the normal of ``ImageOrientationPatient`` (0020,0037)), never by file name.

Empty UIDs (the shared T11-T12 scan has empty Study, Series and SOP Instance UIDs in its datasets):

- SOP Instance / Class UID: the file meta's Media Storage SOP Instance UID (0002,0003) and SOP Class
  UID (0002,0002) are used; they are what the files carry and what a PACS would index them by.
- Series / Study Instance UID: stand-ins derived from the sorted image UIDs
  (:func:`planner.export.uids.derived_uid`), the same on every export of the same images, and said
  in :attr:`CtSource.notes`. Another system cannot link such an export to the CT by series (it has
  no series UID to match); the planner matches by Frame of Reference and slice positions.
- Frame of Reference UID (0020,0052): the CT's when present; else a stand-in derived like the above.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from planner.core.errors import PlannerError
from planner.core.volume import ImageVolume
from planner.export.uids import derived_uid

#: Attributes a derived object copies from its CT (Patient, General Study, Frame of Reference).
COPIED_KEYWORDS = ("SpecificCharacterSet", "PatientName", "PatientID", "IssuerOfPatientID", "PatientBirthDate",
                   "PatientSex", "PatientIdentityRemoved", "DeidentificationMethod",
                   "DeidentificationMethodCodeSequence", "LongitudinalTemporalInformationModified", "StudyInstanceUID",
                   "StudyDate", "StudyTime", "ReferringPhysicianName", "StudyID", "AccessionNumber",
                   "StudyDescription", "FrameOfReferenceUID", "PositionReferenceIndicator")


@dataclass
class CtSource:
    """The CT series behind a volume: one header dataset per slice ``k`` (pixels not read) with every
    UID filled in, and notes in words about what had to be stood in for."""

    slices: list[Dataset]
    study_uid: str
    series_uid: str
    frame_of_reference_uid: str
    notes: list[str] = field(default_factory=list)

    @property
    def first(self) -> Dataset:
        return self.slices[0]


def _headers(folder: Path) -> list[Dataset]:
    out = []
    paths = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file())
    for path in paths:
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
        except (InvalidDicomError, OSError, ValueError, TypeError, AttributeError):
            continue
        if "ImagePositionPatient" in ds and "ImageOrientationPatient" in ds:
            out.append(ds)
    return out


def _fill_uids(ds: Dataset) -> None:
    meta = getattr(ds, "file_meta", None)
    if not ds.get("SOPInstanceUID") and meta is not None and meta.get("MediaStorageSOPInstanceUID"):
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    if not ds.get("SOPClassUID") and meta is not None and meta.get("MediaStorageSOPClassUID"):
        ds.SOPClassUID = meta.MediaStorageSOPClassUID


def ct_source(volume: ImageVolume) -> CtSource:
    """The CT headers for every slice of ``volume``; PlannerError in words when the series files are
    gone, are not DICOM, or do not match the volume's slices and orientation."""
    info = volume.info
    if not info.source_path or not Path(info.source_path).exists():
        raise PlannerError("The CT series files are needed to export a DICOM segmentation or structure set, "
                           f"but its folder is not available ({info.source_path or 'the volume came from no folder'}).")
    headers = _headers(Path(info.source_path))
    if info.series_instance_uid:
        headers = [d for d in headers if d.get("SeriesInstanceUID", "") == info.series_instance_uid]
    elif info.frame_of_reference_uid:
        headers = [d for d in headers if d.get("FrameOfReferenceUID", "") in ("", info.frame_of_reference_uid)]
    nk, nj, ni = volume.hu.shape
    by_k: dict[int, Dataset] = {}
    for ds in headers:
        ijk = volume.to_ijk(np.asarray(ds.ImagePositionPatient, dtype=float))
        k = int(round(ijk[2]))
        if abs(ijk[2] - k) > 0.1 or abs(ijk[0]) > 0.1 or abs(ijk[1]) > 0.1 or not 0 <= k < nk:
            continue
        row, col = np.asarray(ds.ImageOrientationPatient, dtype=float).reshape(2, 3)
        if not (np.allclose(row, volume.direction[:, 0], atol=1e-3) and np.allclose(col, volume.direction[:, 1], atol=1e-3)
                and int(ds.Rows) == nj and int(ds.Columns) == ni):
            raise PlannerError(f"The CT file {Path(ds.filename).name if ds.filename else ''} is not on the loaded "
                               "volume's grid (other orientation or size): the export cannot refer to it.")
        by_k.setdefault(k, ds)
    missing = [k for k in range(nk) if k not in by_k]
    if missing:
        raise PlannerError(f"{len(missing)} of the volume's {nk} slices have no CT file in {info.source_path} "
                           "(files moved or the volume was resampled): the export cannot refer to them.")
    slices = [by_k[k] for k in range(nk)]
    for ds in slices:
        _fill_uids(ds)
    if any(not ds.get("SOPInstanceUID") for ds in slices):
        raise PlannerError("Some CT files carry no SOP Instance UID, not even in their file meta: "
                           "a segmentation cannot refer to them.")
    image_uids = sorted(str(ds.SOPInstanceUID) for ds in slices)
    notes = []
    series_uid = str(slices[0].get("SeriesInstanceUID", "") or "")
    study_uid = str(slices[0].get("StudyInstanceUID", "") or "")
    frame_uid = str(slices[0].get("FrameOfReferenceUID", "") or "")
    if not series_uid:
        series_uid = derived_uid("series", *image_uids)
        notes.append("The CT has no Series Instance UID: the export refers to a stand-in series UID derived from "
                     "its image UIDs; other systems cannot link it to the CT by series.")
    if not study_uid:
        study_uid = derived_uid("study", *image_uids)
        notes.append("The CT has no Study Instance UID: the export goes into a stand-in study.")
    if not frame_uid:
        frame_uid = derived_uid("frame", *image_uids)
        notes.append("The CT has no Frame of Reference UID: the export carries a stand-in one.")
    for ds in slices:
        ds.SeriesInstanceUID, ds.StudyInstanceUID, ds.FrameOfReferenceUID = series_uid, study_uid, frame_uid
    return CtSource(slices, study_uid, series_uid, frame_uid, notes)
