"""``load_series`` and ``load_path``: from a series candidate, folder or file to an ``ImageVolume``."""

from __future__ import annotations

import dataclasses
import os
from collections import defaultdict

from planner.core.errors import LoadError
from planner.core.volume import ImageVolume, SeriesInfo
from planner.imaging._common import CancelFn, ProgressFn, name_files, transfer_syntax_name
from planner.imaging.candidate import SeriesCandidate, build_candidate
from planner.imaging.checks import series_problem
from planner.imaging.discover import ScanResult, scan
from planner.imaging.geometry import build_stack, duplicate_keep_mask, plan_grid
from planner.imaging.headers import FileHeader, NotImageFile, read_header
from planner.imaging.pixels import FrameJob, allocate_hu, decode_into
from planner.imaging.resample import interpolate_along_normal, unshear_inplace
from planner.imaging.volumes import VOLUME_SUFFIXES, read_volume_file

#: Lossy transfer syntaxes (PS3.5 Table A-1 / 8.2): HU values are approximate after decoding.
LOSSY_SYNTAXES = {
    "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.81",
    "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.93", "1.2.840.10008.1.2.4.203",
}


def _headers_of(candidate: SeriesCandidate) -> list[FileHeader]:
    if candidate.headers:
        return list(candidate.headers)
    headers = []
    for path in candidate.files:
        try:
            headers.append(read_header(path))
        except NotImageFile as exc:
            raise LoadError(f"{name_files([path])} cannot be loaded: {exc.reason}.", (path,)) from None
    return headers


def _jobs(slices) -> list[FrameJob]:
    per_file: dict[str, list[tuple[int, int]]] = defaultdict(list)
    headers = {}
    for k, s in enumerate(slices):
        per_file[s.path].append((s.frame, k))
        headers[s.path] = s.header
    return [FrameJob(headers[p], tuple(f for f, _ in pairs), tuple(k for _, k in pairs))
            for p, pairs in per_file.items()]


def _info(h: FileHeader, source: str) -> SeriesInfo:
    return SeriesInfo(
        patient_id=h.patient_id, patient_name=h.patient_name, study_instance_uid=h.study_instance_uid,
        series_instance_uid=h.series_instance_uid, frame_of_reference_uid=h.frame_of_reference_uid,
        study_date=h.study_date, study_description=h.study_description,
        series_description=h.series_description, modality=h.modality or "CT", source_path=source,
        window_center_hu=h.window_center_hu, window_width_hu=h.window_width_hu,
    )


def load_series(candidate: SeriesCandidate, progress: ProgressFn | None = None,
                cancel: CancelFn | None = None) -> ImageVolume:
    """Decode one series into an int16 HU volume with exact LPS geometry.

    Slices are sorted along the normal; identical duplicates dropped, conflicting ones refused;
    uneven spacing and gantry tilt resampled onto a regular rectangular grid, each with a warning
    in ``volume.warnings``. Raises :class:`LoadError` (naming the files) when it cannot.
    """
    headers = _headers_of(candidate)
    if not headers:
        raise LoadError("This series has no files.")
    problem = series_problem(headers)
    if problem:
        raise LoadError(f"This series cannot be loaded: {problem[0]}.", problem[1])
    stack = build_stack(headers)
    first = headers[0]
    hu = allocate_hu((len(stack.slices), first.rows, first.columns))
    clipped = decode_into(_jobs(stack.slices), hu, progress, cancel)
    keep, warnings = duplicate_keep_mask(stack, hu)
    if not keep.all():
        hu = hu[keep]
    plan = plan_grid(stack, keep)
    warnings.extend(plan.warnings)
    if plan.sheared:
        unshear_inplace(hu, stack.inplane_mm[keep], stack.spacing_ij_mm)
    if not plan.regular:
        hu = interpolate_along_normal(hu, stack.normal_mm[keep], plan.out_normal_mm)
    if clipped:
        warnings.append(
            f"{clipped} voxel(s) had values outside the int16 range (-32768..32767 HU) after "
            "Rescale Slope/Intercept and were clipped."
        )
    lossy = sorted({h.transfer_syntax_uid for h in headers} & LOSSY_SYNTAXES)
    if lossy:
        warnings.append(
            f"The images were stored with lossy compression ({', '.join(transfer_syntax_name(u) for u in lossy)}): "
            "HU values are approximate."
        )
    source = os.path.dirname(first.path) if len(headers) > 1 else first.path
    return ImageVolume(
        hu=hu, spacing_mm=(*stack.spacing_ij_mm, plan.spacing_k_mm),
        origin_lps=tuple(stack.slices[0].geometry.position_lps), direction=stack.direction,
        info=_info(first, source), warnings=tuple(warnings),
    )


def _list_candidates(candidates) -> str:
    return "\n".join(f" - {c.summary()}" for c in candidates)


def _load_folder(path: str, progress, cancel) -> ImageVolume:
    result: ScanResult = scan(path, progress, cancel)
    if not result.candidates:
        if result.n_files == 0:
            raise LoadError(f"The folder '{path}' is empty: there are no files to load.", (path,))
        others = [p for kind in ("not-dicom", "empty", "dicomdir") for p, _ in result.skipped.get(kind, [])]
        raise LoadError(
            f"No DICOM images were found in '{path}': none of its {result.n_files} file(s) is a "
            f"DICOM image (for example {name_files(others, 3)}).", (path,))
    usable = [c for c in result.candidates if c.supported]
    if not usable:
        raise LoadError(
            f"No CT series in '{path}' can be loaded:\n{_list_candidates(result.candidates)}",
            [f for c in result.candidates for f in (c.problem_files or c.files[:1])])
    if len(usable) > 1:
        raise LoadError(
            f"'{path}' holds {len(usable)} CT series; choose one in the series browser:\n"
            f"{_list_candidates(usable)}", [c.files[0] for c in usable])
    volume = load_series(usable[0], progress, cancel)
    ignored = [c for c in result.candidates if c is not usable[0]]
    if ignored:
        note = "Also in this folder and not loaded:\n" + _list_candidates(ignored)
        volume = dataclasses.replace(volume, warnings=volume.warnings + (note,))
    return volume


def _load_file(path: str, progress, cancel) -> ImageVolume:
    try:
        header = read_header(path)
    except NotImageFile as exc:
        raise LoadError(
            f"'{os.path.basename(path)}' cannot be opened: {exc.reason}. Open a DICOM folder, a "
            "multi-frame DICOM file, or a .nii/.nii.gz/.nrrd/.nhdr volume.", (path,)) from None
    if not header.is_multiframe:
        raise LoadError(
            f"'{os.path.basename(path)}' is a single DICOM slice; open the folder that holds the "
            "whole series instead.", (path,))
    candidate = build_candidate([header])
    return load_series(candidate, progress, cancel)


def load_path(path, progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> ImageVolume:
    """Load a folder (exactly one usable CT series), a multi-frame DICOM file, or a NIfTI/NRRD volume."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise LoadError(f"Nothing to load: '{path}' does not exist.", (path,))
    if path.lower().endswith(VOLUME_SUFFIXES) and os.path.isfile(path):
        return read_volume_file(path)
    if os.path.isdir(path):
        return _load_folder(path, progress, cancel)
    return _load_file(path, progress, cancel)
