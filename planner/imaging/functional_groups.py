"""Per-frame geometry of a DICOM image: classic single-frame attributes or the functional groups
of an Enhanced (multi-frame) CT object.

Enhanced CT Image IOD (PS3.3 A.38): each frame's position, orientation, pixel size and rescale are
in Per-Frame Functional Groups Sequence (5200,9230), or once for all frames in Shared Functional
Groups Sequence (5200,9229): Plane Position (0020,9113), Plane Orientation (0020,9116),
Pixel Measures (0028,9110) and Pixel Value Transformation (0028,9145) macros.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class FrameGeometry:
    """One frame: LPS position of its first pixel, orientation (row then column cosines), pixel
    spacing ``(row spacing, column spacing)`` as in PixelSpacing (0028,0030), thickness, rescale."""

    position_lps: tuple[float, float, float] | None
    orientation: tuple[float, float, float, float, float, float] | None
    pixel_spacing: tuple[float, float] | None
    slice_thickness_mm: float | None
    slope: float
    intercept: float


def _floats(container, keyword: str, count: int) -> tuple[float, ...] | None:
    """``count`` finite numbers from a multi-valued attribute, or None when absent or malformed."""
    try:
        value = container.get(keyword, None)
        if value is None:
            return None
        values = [float(v) for v in (value if hasattr(value, "__len__") and not isinstance(value, str) else [value])]
    except Exception:
        return None
    if len(values) != count or not all(math.isfinite(v) for v in values):
        return None
    return tuple(values)


def _float(container, keyword: str) -> float | None:
    got = _floats(container, keyword, 1)
    return got[0] if got else None


def _slope(container) -> float | None:
    """Rescale Slope (0028,1053): None when absent; NaN when present but 0, not finite or unreadable
    (refused by :func:`planner.imaging.checks.check_geometry_headers`, never silently taken as 1)."""
    try:
        value = container.get("RescaleSlope", None) if container is not None else None
    except Exception:
        return float("nan")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        v = float(value)
    except Exception:
        return float("nan")
    return v if math.isfinite(v) and v != 0 else float("nan")


def _intercept(container) -> float | None:
    """Rescale Intercept (0028,1052): None when absent; NaN when present but not a finite number (refused by
    :func:`planner.imaging.checks.check_geometry_headers`: a fuzzed "-1024" that no longer parsed was taken
    as 0, a silent 1024 HU shift, tests/imaging/test_fuzz.py)."""
    try:
        value = container.get("RescaleIntercept", None) if container is not None else None
    except Exception:
        return float("nan")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        v = float(value)
    except Exception:
        return float("nan")
    return v if math.isfinite(v) else float("nan")


def _or_one(slope: float | None) -> float:
    """An absent slope is 1 (identity); a bad one stays NaN so the checks refuse it."""
    return 1.0 if slope is None else slope


def _item(frame_group, shared_group, sequence: str):
    """First item of a functional-group macro, per-frame first, then shared, else None."""
    for group in (frame_group, shared_group):
        if group is None:
            continue
        try:
            seq = group.get(sequence, None)
            if seq is not None and len(seq) > 0:
                return seq[0]
        except Exception:
            continue
    return None


def _frame(ds, per_frame, shared) -> FrameGeometry:
    position = _item(per_frame, shared, "PlanePositionSequence")
    orient = _item(per_frame, shared, "PlaneOrientationSequence")
    measures = _item(per_frame, shared, "PixelMeasuresSequence")
    value = _item(per_frame, shared, "PixelValueTransformationSequence")
    slope = _slope(value) if value is not None else None
    intercept = _intercept(value) if value is not None else None
    return FrameGeometry(
        position_lps=_floats(position, "ImagePositionPatient", 3) if position is not None else None,
        orientation=_floats(orient, "ImageOrientationPatient", 6) if orient is not None else None,
        pixel_spacing=_floats(measures, "PixelSpacing", 2) if measures is not None else None,
        slice_thickness_mm=_float(measures, "SliceThickness") if measures is not None else None,
        slope=slope if slope is not None else _or_one(_slope(ds)),
        intercept=intercept if intercept is not None else (_intercept(ds) or 0.0),
    )


def classic_frame(ds) -> FrameGeometry:
    """Geometry of a single-frame image from (0020,0032), (0020,0037), (0028,0030), (0028,1052/3)."""
    slope = _slope(ds)
    return FrameGeometry(
        position_lps=_floats(ds, "ImagePositionPatient", 3),
        orientation=_floats(ds, "ImageOrientationPatient", 6),
        pixel_spacing=_floats(ds, "PixelSpacing", 2),
        slice_thickness_mm=_float(ds, "SliceThickness"),
        slope=_or_one(slope),
        intercept=_intercept(ds) or 0.0,  # absent: 0; unreadable: NaN, refused
    )


def frames_of(ds, n_frames: int) -> tuple[FrameGeometry, ...]:
    """Geometry of every frame; raises ValueError with a readable reason when inconsistent."""
    per_frame = ds.get("PerFrameFunctionalGroupsSequence", None)
    shared_seq = ds.get("SharedFunctionalGroupsSequence", None)
    if per_frame is None and shared_seq is None:
        if n_frames == 1:
            return (classic_frame(ds),)
        # a classic multi-frame object without functional groups has no per-frame positions
        raise ValueError(
            f"the file holds {n_frames} frames but no per-frame positions (functional groups), "
            "so the slices cannot be placed in 3-D"
        )
    shared = shared_seq[0] if shared_seq is not None and len(shared_seq) > 0 else None
    if per_frame is not None and len(per_frame) not in (0, n_frames):
        raise ValueError(
            f"the file says it has {n_frames} frames but describes {len(per_frame)} of them"
        )
    items = list(per_frame) if per_frame is not None and len(per_frame) else [None] * n_frames
    frames = []
    for item in items:  # one loop iteration per frame (metadata, not voxels)
        frame = _frame(ds, item, shared)
        if frame.position_lps is None and n_frames == 1:
            frame = classic_frame(ds)
        frames.append(frame)
    return tuple(frames)
