"""``ImageVolume``: a CT volume in Hounsfield units with its exact patient geometry."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from planner.core.frames import affine_ijk_to_lps, apply_affine, array_shape_to_ijk, ijk_to_array_index


@dataclass(frozen=True)
class SeriesUids:
    """The DICOM UIDs that identify a series and its coordinates; the one declaration of them.

    Study Instance UID (0020,000D), Series Instance UID (0020,000E), Frame of Reference UID (0020,0052).
    Empty strings are allowed (anonymised or messy data). :class:`SeriesInfo` (what was loaded) and
    :class:`planner.plan.items.SeriesRef` (what a plan was made on) both are these plus their own fields.
    """

    study_instance_uid: str = ""
    series_instance_uid: str = ""
    frame_of_reference_uid: str = ""

    def other_frame_than(self, other: "SeriesUids") -> bool:
        """True when both name a frame of reference and the two differ (coordinates do not carry over)."""
        mine, theirs = self.frame_of_reference_uid, other.frame_of_reference_uid
        return bool(mine and theirs and mine != theirs)


@dataclass(frozen=True)
class SeriesDescription(SeriesUids):
    """A series as the user recognises it: its UIDs plus patient, study and series words from the headers
    (PatientID (0010,0020), PatientName (0010,0010), StudyDate (0008,0020), StudyDescription (0008,1030),
    SeriesDescription (0008,103E), Modality (0008,0060)). Shared by a series found on disk
    (:class:`planner.imaging.candidate.SeriesCandidate`) and a loaded one (:class:`SeriesInfo`)."""

    patient_id: str = ""
    patient_name: str = ""
    study_date: str = ""
    study_description: str = ""
    series_description: str = ""
    modality: str = ""


@dataclass(frozen=True, eq=False)
class SeriesInfo(SeriesDescription):
    """What identifies a loaded series and its patient. UIDs may be empty strings in messy data."""

    modality: str = "CT"
    source_path: str = ""
    window_center_hu: float | None = None  # the series' stored display window (0028,1050)/(0028,1051)
    window_width_hu: float | None = None


@dataclass(frozen=True, eq=False)
class ImageVolume:
    """A scalar volume on a regular grid.

    ``hu`` is indexed ``[k, j, i]`` (see :mod:`planner.core.frames`) and holds Hounsfield units
    (RescaleSlope/RescaleIntercept (0028,1053)/(0028,1052) already applied), usually int16.
    ``spacing_mm`` is ``(si, sj, sk)``; ``origin_lps`` is the LPS centre of voxel (0, 0, 0);
    ``direction`` is 3x3 with the i, j, k unit vectors as columns.
    ``warnings`` lists what the loader corrected or noticed, in words for the user.
    """

    hu: np.ndarray
    spacing_mm: tuple[float, float, float]
    origin_lps: tuple[float, float, float]
    direction: np.ndarray = field(default_factory=lambda: np.eye(3))
    info: SeriesInfo = field(default_factory=SeriesInfo)
    warnings: tuple[str, ...] = ()

    def __post_init__(self):
        if self.hu.ndim != 3:
            raise ValueError(f"volume must be 3-D, got shape {self.hu.shape}")
        object.__setattr__(self, "spacing_mm", tuple(float(s) for s in self.spacing_mm))
        object.__setattr__(self, "origin_lps", tuple(float(s) for s in self.origin_lps))
        object.__setattr__(self, "direction", np.asarray(self.direction, dtype=float).reshape(3, 3))

    @property
    def shape_ijk(self) -> tuple[int, int, int]:
        """Dimensions as ``(ni, nj, nk)``."""
        return array_shape_to_ijk(self.hu.shape)

    @cached_property
    def ijk_to_lps(self) -> np.ndarray:
        """4x4 affine from voxel indices (i, j, k) to LPS mm (read-only; computed once: the fields it
        comes from are frozen, and ``to_ijk`` on one point cost 64 us, a third of it this and its inverse)."""
        return _read_only(affine_ijk_to_lps(self.origin_lps, self.spacing_mm, self.direction))

    @cached_property
    def lps_to_ijk(self) -> np.ndarray:
        """4x4 affine from LPS mm to continuous voxel indices (i, j, k) (read-only, computed once)."""
        return _read_only(np.linalg.inv(self.ijk_to_lps))

    def to_lps(self, ijk) -> np.ndarray:
        """Voxel index (i, j, k), one ``(3,)`` or many ``(n, 3)``, to LPS mm."""
        return apply_affine(self.ijk_to_lps, ijk)

    def to_ijk(self, lps) -> np.ndarray:
        """LPS mm, one ``(3,)`` or many ``(n, 3)``, to continuous voxel index (i, j, k)."""
        return apply_affine(self.lps_to_ijk, lps)

    def contains_ijk(self, ijk) -> bool:
        """True when the nearest voxel to continuous ``ijk`` lies inside the grid."""
        idx = np.round(np.asarray(ijk, dtype=float)).astype(int)
        return bool(np.all(idx >= 0) and np.all(idx < np.array(self.shape_ijk)))

    def hu_at_lps(self, lps) -> float | None:
        """HU of the voxel nearest to an LPS point, or None outside the volume."""
        ijk = self.to_ijk(lps)
        if not self.contains_ijk(ijk):
            return None
        return float(self.hu[ijk_to_array_index(ijk)])

    @property
    def bounds_lps(self) -> tuple[np.ndarray, np.ndarray]:
        """Axis-aligned LPS box (min, max) enclosing every voxel centre."""
        ni, nj, nk = self.shape_ijk
        corners = np.array([[i, j, k] for i in (0, ni - 1) for j in (0, nj - 1) for k in (0, nk - 1)])
        pts = self.to_lps(corners)
        return pts.min(axis=0), pts.max(axis=0)

    @property
    def nbytes(self) -> int:
        return int(self.hu.nbytes)


def _read_only(matrix: np.ndarray) -> np.ndarray:
    """``matrix`` with its write flag cleared (a cached affine shared by every caller)."""
    matrix.setflags(write=False)
    return matrix
