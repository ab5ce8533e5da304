"""A plan's masks as an RT Structure Set (RT Structure Set Storage 1.2.840.10008.5.1.4.1.1.481.3;
PS3.3 A.19), for radiotherapy systems (spine SBRT after ablation is common for these patients).

Modules: Patient, General Study, RT Series (C.8.8.1), General Equipment, Frame of Reference (C.7.4.1),
Structure Set (C.8.8.5),
ROI Contour (C.8.8.6), RT ROI Observations (C.8.8.8), SOP Common. Each ROI is the outline of one
:class:`~planner.export.segments.ExportSegment` on every CT slice it touches: closed planar contours
at the 0.5 level of the binary mask (contourpy), so a contour runs halfway between the voxel centres
inside and outside and filling it (even-odd rule, holes included) gives the mask back exactly.
Contour points are LPS mm (Contour Data (3006,0050)); each contour names its CT image (Contour
Image Sequence (3006,0016)). The ROI's coded type goes into RT ROI Identification Code Sequence
(3006,0086); RT ROI Interpreted Type (3006,00A4) is ORGAN, GTV, CTV or TREATED_VOLUME.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import contourpy
import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

from planner import __version__
from planner.core.errors import PlannerError
from planner.core.volume import ImageVolume
from planner.export.ct_source import COPIED_KEYWORDS, CtSource
from planner.export.segments import ExportSegment
from planner.export.uids import IMPLEMENTATION_CLASS_UID, derived_uid, new_uid

RT_STRUCTURE_SET_STORAGE = "1.2.840.10008.5.1.4.1.1.481.3"
#: Referenced SOP Class of an RT Referenced Study (PS3.3 C.8.8.5.3): Detached Study Management (retired,
#: but the value the standard's examples and the radiotherapy systems use).
STUDY_COMPONENT_CLASS = "1.2.840.10008.3.1.2.3.1"
RTSTRUCT_SERIES_NUMBER = 9004
INTERPRETED_TYPE = {"canal": "ORGAN", "foramen": "ORGAN", "lesion": "GTV", "ctv": "CTV", "zone": "TREATED_VOLUME",
                    "damage": "TREATED_VOLUME"}


def _code(code) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = code.value, code.scheme_designator, code.meaning
    return item


def slice_contours(mask_ji: np.ndarray) -> list[np.ndarray]:
    """Closed outlines of a 2D mask ``[j, i]`` as arrays of (i, j) voxel coordinates, first point not
    repeated."""
    padded = np.pad(mask_ji.astype(float), 1)
    gen = contourpy.contour_generator(z=padded, line_type=contourpy.LineType.Separate)
    out = []
    for line in gen.lines(0.5):
        pts = np.asarray(line, dtype=float) - 1.0  # undo the padding; contourpy gives (x=i, y=j)
        if len(pts) > 1 and np.allclose(pts[0], pts[-1]):
            pts = pts[:-1]
        if len(pts) >= 3:
            out.append(pts)
    return out


def _ds_values(points_lps: np.ndarray) -> list[str]:
    return [f"{v:.3f}" for v in points_lps.reshape(-1)]


def _image_ref(ct: Dataset) -> Dataset:
    ref = Dataset()
    ref.ReferencedSOPClassUID, ref.ReferencedSOPInstanceUID = ct.SOPClassUID, ct.SOPInstanceUID
    return ref


def _roi_contours(seg: ExportSegment, volume: ImageVolume, source: CtSource) -> list[Dataset]:
    out = []
    for k in np.flatnonzero(seg.mask_kji.reshape(seg.mask_kji.shape[0], -1).any(axis=1)):
        for pts in slice_contours(seg.mask_kji[k]):
            ijk = np.column_stack([pts, np.full(len(pts), float(k))])
            contour = Dataset()
            contour.ContourImageSequence = Sequence([_image_ref(source.slices[k])])
            contour.ContourGeometricType = "CLOSED_PLANAR"
            contour.NumberOfContourPoints = len(pts)
            contour.ContourData = _ds_values(volume.to_lps(ijk))
            out.append(contour)
    return out


def _frame_of_reference(source: CtSource) -> Dataset:
    series = Dataset()
    series.SeriesInstanceUID = source.series_uid
    series.ContourImageSequence = Sequence([_image_ref(ct) for ct in source.slices])
    study = Dataset()
    study.ReferencedSOPClassUID, study.ReferencedSOPInstanceUID = STUDY_COMPONENT_CLASS, source.study_uid
    study.RTReferencedSeriesSequence = Sequence([series])
    frame = Dataset()
    frame.FrameOfReferenceUID = source.frame_of_reference_uid
    frame.RTReferencedStudySequence = Sequence([study])
    return frame


def build_rtstruct(volume: ImageVolume, source: CtSource, segments: list[ExportSegment], plan_id: str = "",
                   label: str = "Ablation plan") -> Dataset:
    """The RT Structure Set dataset (not yet de-identified)."""
    from planner.export.seg import MANUFACTURER, instance_number_now

    if not segments:
        raise PlannerError("A structure set needs at least one structure.")
    ds = Dataset()
    ct = source.first
    for keyword in COPIED_KEYWORDS:
        if keyword in ct:
            setattr(ds, keyword, ct.data_element(keyword).value)
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime",
                    "ReferringPhysicianName", "StudyID", "AccessionNumber"):
        if keyword not in ds:
            setattr(ds, keyword, "")
    ds.SpecificCharacterSet = ct.get("SpecificCharacterSet", "ISO_IR 192")
    ds.StudyInstanceUID, ds.FrameOfReferenceUID = source.study_uid, source.frame_of_reference_uid  # C.7.4.1
    ds.PositionReferenceIndicator = ct.get("PositionReferenceIndicator", "")
    now = datetime.now()
    date, time = now.strftime("%Y%m%d"), now.strftime("%H%M%S")
    ds.SOPClassUID, ds.SOPInstanceUID = RT_STRUCTURE_SET_STORAGE, new_uid()
    ds.InstanceCreationDate, ds.InstanceCreationTime = date, time
    ds.Modality = "RTSTRUCT"
    ds.SeriesInstanceUID = derived_uid("rtstruct", source.series_uid, plan_id)
    ds.SeriesNumber, ds.SeriesDescription = RTSTRUCT_SERIES_NUMBER, "Ablation plan structures"
    ds.OperatorsName = ""
    ds.Manufacturer, ds.ManufacturerModelName, ds.SoftwareVersions = MANUFACTURER, MANUFACTURER, __version__
    ds.InstanceNumber = instance_number_now()
    ds.StructureSetLabel = label[:16]
    ds.StructureSetName = label[:64]
    ds.StructureSetDate, ds.StructureSetTime = date, time
    ds.ReferencedFrameOfReferenceSequence = Sequence([_frame_of_reference(source)])
    rois, contours, observations = [], [], []
    for number, seg in enumerate(segments, start=1):
        roi = Dataset()
        roi.ROINumber, roi.ReferencedFrameOfReferenceUID = number, source.frame_of_reference_uid
        roi.ROIName, roi.ROIDescription = seg.label[:64], seg.description[:1024]
        roi.ROIGenerationAlgorithm = seg.algorithm_type
        rois.append(roi)
        item = Dataset()
        item.ROIDisplayColor = list(seg.colour_rgb)
        item.ReferencedROINumber = number
        item.ContourSequence = Sequence(_roi_contours(seg, volume, source))
        contours.append(item)
        obs = Dataset()
        obs.ObservationNumber, obs.ReferencedROINumber = number, number
        obs.RTROIInterpretedType = INTERPRETED_TYPE[seg.kind]
        obs.ROIInterpreter = ""
        obs.RTROIIdentificationCodeSequence = Sequence([_code(seg.type)])
        observations.append(obs)
    ds.StructureSetROISequence = Sequence(rois)
    ds.ROIContourSequence = Sequence(contours)
    ds.RTROIObservationsSequence = Sequence(observations)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = IMPLEMENTATION_CLASS_UID
    meta.ImplementationVersionName = "SPINEPLAN"
    ds.file_meta = meta
    return ds


def write_rtstruct(path, volume: ImageVolume, source: CtSource, segments: list[ExportSegment], plan_id: str = "",
                   deidentify: bool = False, staging=None) -> Path:
    """Write the structure set to ``path`` (a file, or a folder that gets ``structures.dcm``), atomically
    (:func:`planner.export.atomic.staged_write`; into ``staging`` when given, the caller commits)."""
    from planner.export.atomic import staged_write

    from planner.export.deidentify import UidMap, deidentify_dataset

    path = Path(path)
    if path.is_dir() or path.suffix == "":
        path = path / "structures.dcm"
    ds = build_rtstruct(volume, source, segments, plan_id)
    if deidentify:
        from planner.export.dicom import PLANNER_DESCRIPTORS

        deidentify_dataset(ds, UidMap(), keep=PLANNER_DESCRIPTORS)
    try:
        staged_write(path, lambda temp: ds.save_as(temp, enforce_file_format=True), staging)
    except OSError as exc:
        raise PlannerError(f"The structure set could not be written to {path} ({exc.strerror or exc}).") from None
    return path
