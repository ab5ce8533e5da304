"""Open a DICOM SEG or RT Structure Set that belongs to the loaded CT: its segments as masks on the
CT grid, to be used as the lesion, the canal or a target.

"Belongs" means the same Frame of Reference UID (0020,0052) as the CT (or, for a CT without one, the
stand-in of :mod:`planner.export.ct_source`); the object's own geometry places it, never its
frame order or file name:

- SEG (PS3.3 A.51): each frame's Image Position (Patient) (Plane Position Sequence, per-frame
  functional groups) and the shared Plane Orientation give its place on the CT grid; the frame must
  lie on a CT slice with the CT's rows and columns. FRACTIONAL segments count where the value is at
  least half the Maximum Fractional Value (0062,000E).
- RTSTRUCT (PS3.3 A.19): every CLOSED_PLANAR contour is filled on the CT slice it lies on (even-odd
  rule, so holes drawn as inner contours stay holes), counting a voxel when its centre is inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
from pydicom.errors import InvalidDicomError

from planner.core.errors import LoadError, PlannerError
from planner.core.volume import ImageVolume

SEG_STORAGE = "1.2.840.10008.5.1.4.1.1.66.4"
RT_STRUCTURE_SET_STORAGE = "1.2.840.10008.5.1.4.1.1.481.3"
#: What an imported segment can become in the planner.
ROLES = ("lesion", "canal", "target")


@dataclass(frozen=True, eq=False)
class ImportedSegment:
    """One segment or ROI of an opened object: its label, its coded type's meaning (may be empty), and
    the mask ``[k, j, i]`` on the CT grid; ``suggested_role`` guesses lesion / canal / target from the code."""

    label: str
    type_meaning: str
    mask_kji: np.ndarray
    suggested_role: str


def _role(label: str, meaning: str) -> str:
    text = f"{label} {meaning}".lower()
    if "canal" in text or "spinal cord" in text or "thecal" in text:
        return "canal"
    if any(w in text for w in ("lesion", "tumor", "tumour", "neoplasm", "metasta", "gtv")):
        return "lesion"
    return "target"


def _frame_k(volume: ImageVolume, position, tol: float = 0.05) -> int | None:
    ijk = volume.to_ijk(np.asarray(position, dtype=float))
    k = int(round(ijk[2]))
    if abs(ijk[0]) > tol or abs(ijk[1]) > tol or abs(ijk[2] - k) > tol or not 0 <= k < volume.hu.shape[0]:
        return None
    return k


def _check_frame(ds, volume: ImageVolume, frame_uid: str, path: Path) -> None:
    theirs = str(ds.get("FrameOfReferenceUID", "") or "")
    if not theirs:
        for ref in ds.get("ReferencedFrameOfReferenceSequence", []):
            theirs = str(ref.get("FrameOfReferenceUID", "") or "")
    if theirs != frame_uid:
        raise LoadError(f"{path.name} does not belong to the loaded CT: its Frame of Reference UID (0020,0052) "
                        f"{theirs or '(none)'} differs from the CT's {frame_uid or '(none)'}.", files=[path])


def _group(frame, shared, name: str):
    """A functional group macro of one frame: per-frame when there, else shared (PS3.3 C.7.6.16)."""
    if frame is not None and name in frame:
        return frame[name].value[0]
    return shared[name].value[0]


def read_seg(ds, volume: ImageVolume, path: Path) -> list[ImportedSegment]:
    nk, nj, ni = volume.hu.shape
    if int(ds.Rows) != nj or int(ds.Columns) != ni:
        raise LoadError(f"{path.name}: its frames are {ds.Rows} x {ds.Columns}, the CT's slices {nj} x {ni}: "
                        "a segmentation on another grid cannot be opened.", files=[path])
    shared = ds.SharedFunctionalGroupsSequence[0]
    frames = list(ds.PerFrameFunctionalGroupsSequence)
    for frame in frames:
        orientation = np.asarray(_group(frame, shared, "PlaneOrientationSequence").ImageOrientationPatient,
                                 dtype=float).reshape(2, 3)
        if not (np.allclose(orientation[0], volume.direction[:, 0], atol=1e-3)
                and np.allclose(orientation[1], volume.direction[:, 1], atol=1e-3)):
            raise LoadError(f"{path.name}: its frames are not oriented like the CT's slices.", files=[path])
    pixels = ds.pixel_array.reshape(int(ds.get("NumberOfFrames", 1)), nj, ni)
    fractional = ds.SegmentationType == "FRACTIONAL"
    threshold = 0.5 * float(ds.get("MaximumFractionalValue", 255)) if fractional else 0.5
    masks: dict[int, np.ndarray] = {}
    for index, frame in enumerate(frames):
        number = int(_group(frame, shared, "SegmentIdentificationSequence").ReferencedSegmentNumber)
        k = _frame_k(volume, _group(frame, shared, "PlanePositionSequence").ImagePositionPatient)
        if k is None:
            raise LoadError(f"{path.name}: frame {index + 1} does not lie on a slice of the loaded CT.", files=[path])
        mask = masks.setdefault(number, np.zeros((nk, nj, ni), dtype=bool))
        mask[k] |= pixels[index] >= threshold
    out = []
    for item in ds.SegmentSequence:
        number = int(item.SegmentNumber)
        meaning = str(item.SegmentedPropertyTypeCodeSequence[0].get("CodeMeaning", ""))
        label = str(item.get("SegmentLabel", "") or f"Segment {number}")
        mask = masks.get(number, np.zeros((nk, nj, ni), dtype=bool))
        out.append(ImportedSegment(label, meaning, mask, _role(label, meaning)))
    return out


def fill_polygon(points_ij: np.ndarray, shape_ji) -> np.ndarray:
    """Voxels ``[j, i]`` whose centre is inside a closed polygon of (i, j) points (crossing number)."""
    nj, ni = shape_ji
    out = np.zeros((nj, ni), dtype=bool)
    lo = np.clip(np.floor(points_ij.min(axis=0)).astype(int), 0, [ni - 1, nj - 1])
    hi = np.clip(np.ceil(points_ij.max(axis=0)).astype(int), 0, [ni - 1, nj - 1])
    ii, jj = np.meshgrid(np.arange(lo[0], hi[0] + 1), np.arange(lo[1], hi[1] + 1))
    x, y = ii.ravel().astype(float), jj.ravel().astype(float)
    inside = np.zeros(x.shape, dtype=bool)
    a = points_ij
    b = np.roll(points_ij, -1, axis=0)
    for (xa, ya), (xb, yb) in zip(a, b):
        crosses = (ya > y) != (yb > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = xa + (y - ya) * (xb - xa) / (yb - ya)
        inside ^= crosses & (x < x_at)
    out[jj.ravel(), ii.ravel()] = inside
    return out


def read_rtstruct(ds, volume: ImageVolume, path: Path) -> list[ImportedSegment]:
    nk, nj, ni = volume.hu.shape
    names = {int(r.ROINumber): str(r.get("ROIName", "") or f"ROI {r.ROINumber}") for r in ds.StructureSetROISequence}
    meanings = {}
    for obs in ds.get("RTROIObservationsSequence", []):
        codes = obs.get("RTROIIdentificationCodeSequence", [])
        meanings[int(obs.ReferencedROINumber)] = str(codes[0].get("CodeMeaning", "")) if codes else \
            str(obs.get("RTROIInterpretedType", ""))
    out = []
    for item in ds.get("ROIContourSequence", []):
        number = int(item.ReferencedROINumber)
        mask = np.zeros((nk, nj, ni), dtype=bool)
        for contour in item.get("ContourSequence", []):
            if contour.get("ContourGeometricType", "") != "CLOSED_PLANAR":
                continue
            ijk = volume.to_ijk(np.asarray(contour.ContourData, dtype=float).reshape(-1, 3))
            k = int(round(float(np.mean(ijk[:, 2]))))
            if np.ptp(ijk[:, 2]) > 0.1 or abs(ijk[0, 2] - k) > 0.1 or not 0 <= k < nk:
                raise LoadError(f"{path.name}: a contour of {names.get(number, number)} does not lie on a slice "
                                "of the loaded CT.", files=[path])
            mask[k] ^= fill_polygon(ijk[:, :2], (nj, ni))
        label = names.get(number, f"ROI {number}")
        out.append(ImportedSegment(label, meanings.get(number, ""), mask, _role(label, meanings.get(number, ""))))
    return out


def read_segments(path, volume: ImageVolume, frame_of_reference_uid: str | None = None) -> list[ImportedSegment]:
    """The segments of a SEG or RTSTRUCT file that belongs to ``volume``; LoadError in words otherwise.
    ``frame_of_reference_uid`` overrides the volume's (for a CT with a stand-in one)."""
    path = Path(path)
    try:
        ds = pydicom.dcmread(path)
    except (InvalidDicomError, OSError, ValueError) as exc:
        raise LoadError(f"{path.name} could not be read as DICOM: {exc}", files=[path]) from None
    frame_uid = frame_of_reference_uid if frame_of_reference_uid is not None else volume.info.frame_of_reference_uid
    _check_frame(ds, volume, frame_uid, path)
    sop_class = str(ds.get("SOPClassUID", ""))
    try:
        if sop_class == SEG_STORAGE:
            return read_seg(ds, volume, path)
        if sop_class == RT_STRUCTURE_SET_STORAGE:
            return read_rtstruct(ds, volume, path)
    except (AttributeError, IndexError, KeyError, ValueError) as exc:
        raise LoadError(f"{path.name} is an incomplete {'segmentation' if sop_class == SEG_STORAGE else 'structure set'}"
                        f" ({exc}).", files=[path]) from None
    raise LoadError(f"{path.name} is neither a DICOM Segmentation nor an RT Structure Set (SOP Class {sop_class}).",
                    files=[path])


def apply_segment(session, segment: ImportedSegment, role: str) -> None:
    """Use an imported segment in the session: as the canal, or as the lesion the zones must cover
    ("lesion" and "target" both set the session's target mask)."""
    if role not in ROLES:
        raise PlannerError(f"An imported segment can be the {', '.join(ROLES)}, not {role!r}.")
    if session.volume is None or segment.mask_kji.shape != session.volume.hu.shape:
        raise PlannerError("The segment does not fit the loaded CT.")
    if not segment.mask_kji.any():
        raise PlannerError(f"The segment {segment.label!r} is empty on the loaded CT.")
    if role == "canal":
        session.set_canal(segment.mask_kji)
    else:
        session.set_target_mask(segment.mask_kji)
