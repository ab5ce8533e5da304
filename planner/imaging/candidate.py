"""``SeriesCandidate``: one series found by :func:`planner.imaging.discover`, and how files are grouped.

Grouping (PS3.3 C.7.3.1): Series Instance UID (0020,000E) when present. Messy or anonymised data may
leave it empty, so files without it are grouped by a fallback key of folder, study, patient, series
number, modality, frame of reference, orientation and matrix. Each multi-frame file is its own series.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from planner.core.volume import SeriesDescription
from planner.imaging._common import name_files, transfer_syntax_name
from planner.imaging.checks import series_problem
from planner.imaging.headers import FileHeader


@dataclass(frozen=True)
class SeriesCandidate(SeriesDescription):
    """A group of files that may form one volume, described from headers only (UIDs, patient and
    descriptions as in :class:`~planner.core.volume.SeriesDescription`)."""

    files: tuple[str, ...] = ()
    series_number: int | None = None
    n_images: int = 0
    slice_thickness_mm: float | None = None
    rows: int = 0
    columns: int = 0
    transfer_syntax: str = ""
    supported: bool = False
    reason: str = ""
    problem_files: tuple[str, ...] = field(default=(), compare=False, repr=False)
    headers: tuple[FileHeader, ...] = field(default=(), compare=False, repr=False)

    def summary(self) -> str:
        """One line for messages: ``#3 'Abdomen 3mm' CT, 134 images 512x512``."""
        number = f"#{self.series_number} " if self.series_number is not None else ""
        desc = f"'{self.series_description}' " if self.series_description else ""
        folder = os.path.dirname(self.files[0]) if self.files else ""
        text = (f"{number}{desc}{self.modality or '?'}, {self.n_images} image(s) "
                f"{self.rows}x{self.columns} in {folder}")
        return text if self.supported else f"{text} (not usable: {self.reason})"


def group_key(h: FileHeader) -> tuple:
    """Series Instance UID when present, else a fallback of identifying header values."""
    if h.series_instance_uid:
        key: tuple = ("uid", h.series_instance_uid)
    else:
        f0 = h.frames[0] if h.frames else None
        orient = tuple(np.round(f0.orientation, 3)) if f0 is not None and f0.orientation else None
        key = ("fallback", os.path.dirname(h.path), h.study_instance_uid, h.patient_id,
               h.patient_name, h.series_number, h.modality, h.frame_of_reference_uid, orient,
               h.rows, h.columns, h.series_description)
    if h.is_multiframe:
        key += ("file", h.path)
    return key


def _thickness(headers: Sequence[FileHeader]) -> float | None:
    values = [f.slice_thickness_mm for h in headers for f in h.frames if f.slice_thickness_mm]
    return _median(values) if values else None


def _median(values) -> float:
    """``float(np.median(values))`` (NaN when any value is NaN; the mean of the two middle values of an
    even count, ``(a + b) / 2`` as numpy computes it) without np.median's NaN check, which imports
    ``numpy.ma`` (start-up time of a headless run)."""
    a = np.sort(np.asarray(values, dtype=float))
    if np.isnan(a[-1]):
        return float("nan")
    m = a.size // 2
    return float(a[m]) if a.size % 2 else float((a[m - 1] + a[m]) / 2)


def build_candidate(headers: Sequence[FileHeader]) -> SeriesCandidate:
    """Describe one group of headers, sorted by path for a stable order, with its support verdict."""
    headers = tuple(sorted(headers, key=lambda h: h.path))
    problem = series_problem(headers)
    first = headers[0]
    syntaxes = sorted({transfer_syntax_name(h.transfer_syntax_uid) for h in headers})
    return SeriesCandidate(
        files=tuple(h.path for h in headers), patient_name=first.patient_name,
        patient_id=first.patient_id, study_date=first.study_date,
        study_description=first.study_description, series_description=first.series_description,
        modality=first.modality, series_number=first.series_number,
        n_images=sum(max(h.number_of_frames, len(h.frames)) for h in headers),
        slice_thickness_mm=_thickness(headers), rows=first.rows, columns=first.columns,
        transfer_syntax=" + ".join(syntaxes), series_instance_uid=first.series_instance_uid,
        study_instance_uid=first.study_instance_uid,
        frame_of_reference_uid=first.frame_of_reference_uid,
        supported=problem is None, reason="" if problem is None else problem[0],
        problem_files=() if problem is None else problem[1], headers=headers,
    )


def unreadable_candidate(paths_reasons: Sequence[tuple[str, str]]) -> SeriesCandidate:
    """A row for the browser listing DICOM-looking files whose header could not be read."""
    paths = tuple(sorted(p for p, _ in paths_reasons))
    by_reason: dict[str, list[str]] = defaultdict(list)
    for path, reason in paths_reasons:
        by_reason[reason].append(path)
    reason = "; ".join(f"{r} ({name_files(sorted(files))})" for r, files in sorted(by_reason.items()))
    return SeriesCandidate(files=paths, n_images=len(paths), series_description="(unreadable files)",
                           supported=False, reason=reason, problem_files=paths)


def group_headers(headers: Sequence[FileHeader]) -> list[SeriesCandidate]:
    """Group headers into candidates, ordered by patient, study date, series number."""
    groups: dict[tuple, list[FileHeader]] = defaultdict(list)
    for h in headers:
        groups[group_key(h)].append(h)
    candidates = [build_candidate(g) for g in groups.values()]
    candidates.sort(key=lambda c: (c.patient_id, c.study_date, c.series_number if c.series_number is not None else 1 << 30, c.files[0]))
    return candidates
