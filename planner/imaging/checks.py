"""Refusals decided from headers alone, before any pixel is decoded.

Each check returns ``(reason, files)`` for the first problem it finds, in words for the user,
or None. The same checks mark a :class:`SeriesCandidate` unsupported at discovery and make
:func:`planner.imaging.load_series` raise :class:`LoadError`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np

from planner.imaging._common import decoder_problem, format_bytes, max_volume_bytes, name_files, spacing_problem
from planner.imaging.headers import FileHeader

Problem = tuple[str, tuple[str, ...]]
_MODALITY_NAMES = {
    "MR": "magnetic resonance", "PT": "PET", "NM": "nuclear medicine", "US": "ultrasound",
    "CR": "radiograph", "DX": "radiograph", "MG": "mammogram", "XA": "angiogram",
    "SR": "structured report", "RTSTRUCT": "RT structure set", "RTPLAN": "RT plan",
    "RTDOSE": "RT dose", "DOC": "document", "SEG": "segmentation", "PR": "presentation state",
    "OT": "other", "SC": "secondary capture", "KO": "key object note",
}
#: SOP classes accepted although their Modality is not CT (e.g. a missing Modality attribute).
CT_SOP_CLASSES = {"1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.2.1", "1.2.840.10008.5.1.4.1.1.2.2"}
ORIENTATION_TOLERANCE = 1e-3
SPACING_TOLERANCE = 1e-3


def _by_value(headers: Sequence[FileHeader], value: Callable[[FileHeader], object]) -> dict:
    groups: dict = defaultdict(list)
    for h in headers:
        groups[value(h)].append(h.path)
    return groups


def _mixed(headers, value, what: str, fmt=str) -> Problem | None:
    groups = _by_value(headers, value)
    if len(groups) < 2:
        return None
    parts = [f"{fmt(v)} in {name_files(files, 3)}" for v, files in sorted(groups.items(), key=lambda kv: -len(kv[1]))]
    minority = [f for _, files in sorted(groups.items(), key=lambda kv: -len(kv[1]))[1:] for f in files]
    return f"the images do not all have the same {what}: " + "; ".join(parts), tuple(minority)


def _sop_name(uid: str) -> str:
    from pydicom.uid import UID  # only for the message refusing a non-CT object (start-up time)

    name = UID(uid).name if uid else ""
    return name if name and name != uid else "unknown object type"


def check_content(headers: Sequence[FileHeader]) -> Problem | None:
    """Modality, presence and kind of pixel data, decodability, pixel format."""
    first = headers[0]
    modality = first.modality or ("CT" if first.sop_class_uid in CT_SOP_CLASSES else "")
    if modality != "CT":
        label = _MODALITY_NAMES.get(modality, "")
        what = f"{modality} ({label})" if label and modality else (modality or "unknown modality")
        kind = "" if first.pixel is not None else f", {_sop_name(first.sop_class_uid)}, not an image"
        return (f"{what}{kind}: the planner needs CT images in Hounsfield units", (first.path,))
    no_pixels = [h.path for h in headers if h.pixel is None]
    if no_pixels:
        return (f"no pixel data (image) in {name_files(no_pixels)}", tuple(no_pixels))
    floats = [h.path for h in headers if h.pixel.keyword != "PixelData"]
    if floats:
        return ("floating-point pixel data is not a CT image format the planner reads", tuple(floats))
    for uid, files in _by_value(headers, lambda h: h.transfer_syntax_uid).items():
        problem = decoder_problem(uid)
        if problem:
            return (f"{problem} ({name_files(files)})", tuple(files))
    for check in (
        _mixed(headers, lambda h: h.bits_allocated, "Bits Allocated (0028,0100)"),
        _mixed(headers, lambda h: h.bits_stored, "Bits Stored (0028,0101)"),
        _mixed(headers, lambda h: h.pixel_representation, "Pixel Representation (0028,0103)",
               lambda v: "signed" if v else "unsigned"),
    ):
        if check:
            return check
    colour = [h.path for h in headers if h.samples_per_pixel != 1 or h.photometric not in ("MONOCHROME1", "MONOCHROME2", "")]
    if colour:
        return (f"colour images ({headers[0].photometric or 'RGB'}) are not CT data ({name_files(colour)})", tuple(colour))
    if first.bits_allocated not in (8, 16, 32) or not 0 < first.bits_stored <= first.bits_allocated:
        return (f"unsupported pixel format: Bits Allocated {first.bits_allocated}, Bits Stored "
                f"{first.bits_stored} (expected 8, 16 or 32 bits per pixel)", (first.path,))
    return None


def check_size(headers: Sequence[FileHeader]) -> Problem | None:
    """Matrix present and uniform; total size under the memory cap; pixel data as long as claimed."""
    mixed = _mixed(headers, lambda h: (h.rows, h.columns), "matrix size (rows x columns)", lambda v: f"{v[0]}x{v[1]}")
    if mixed:
        return mixed
    first = headers[0]
    if first.rows <= 0 or first.columns <= 0:
        return ("the image size (Rows/Columns) is missing or zero", (first.path,))
    n_frames = sum(h.number_of_frames for h in headers)
    out_bytes = first.rows * first.columns * n_frames * 2
    cap = max_volume_bytes()
    if out_bytes > cap:
        return (
            f"the header claims {first.rows}x{first.columns} pixels x {n_frames} images "
            f"({format_bytes(out_bytes)}), more than the memory limit of {format_bytes(cap)}; "
            "the file is probably corrupt",
            (first.path,),
        )
    short = []
    for h in headers:
        expected = h.rows * h.columns * h.number_of_frames * h.bits_allocated // 8
        if h.pixel.encapsulated:
            continue
        end = h.pixel.offset + expected if h.pixel.offset >= 0 else expected
        if h.pixel.length < expected or (h.pixel.offset >= 0 and end > h.file_size):
            short.append(h.path)
    if short:
        return (
            "the pixel data is shorter than the header says (file truncated or corrupt): "
            + name_files(short),
            tuple(short),
        )
    return None


def _orientation_ok(o) -> bool:
    r, c = np.asarray(o[:3]), np.asarray(o[3:])
    return (abs(np.linalg.norm(r) - 1) < 1e-2 and abs(np.linalg.norm(c) - 1) < 1e-2 and abs(r @ c) < 1e-2)


def check_geometry_headers(headers: Sequence[FileHeader]) -> Problem | None:
    """Every frame has a position, a valid orientation and pixel spacing, the same for all."""
    bad_frames = [h.path for h in headers if h.frames_error]
    if bad_frames:
        h = next(h for h in headers if h.frames_error)
        return (f"{h.frames_error} ({name_files(bad_frames)})", tuple(bad_frames))
    frames = [(h.path, f) for h in headers for f in h.frames]
    missing = sorted({p for p, f in frames if f.position_lps is None or f.orientation is None})
    if missing:
        return (
            "Image Position/Orientation (0020,0032)/(0020,0037) is missing or unreadable in "
            f"{name_files(missing)}: the slices cannot be placed in 3-D",
            tuple(missing),
        )
    bad = sorted({p for p, f in frames if not _orientation_ok(f.orientation)})
    if bad:
        return ("Image Orientation (0020,0037) is not two perpendicular unit vectors in "
                f"{name_files(bad)}", tuple(bad))
    no_spacing = sorted({p for p, f in frames if f.pixel_spacing is None or min(f.pixel_spacing) <= 0})
    if no_spacing:
        return (f"Pixel Spacing (0028,0030) is missing or not positive in {name_files(no_spacing)}",
                tuple(no_spacing))
    odd_spacing = [(p, f) for p, f in frames if spacing_problem(f.pixel_spacing, "x")]
    if odd_spacing:
        files = sorted({p for p, _ in odd_spacing})
        return (spacing_problem(odd_spacing[0][1].pixel_spacing, "Pixel Spacing (0028,0030)")
                + f" (in {name_files(files)})", tuple(files))
    bad_slope = sorted({p for p, f in frames if not (math.isfinite(f.slope) and f.slope != 0)})
    if bad_slope:
        return (f"Rescale Slope (0028,1053) is 0 or not a number in {name_files(bad_slope)}: Hounsfield units "
                "(stored value x slope + intercept) cannot be computed", tuple(bad_slope))
    bad_intercept = sorted({p for p, f in frames if not math.isfinite(f.intercept)})
    if bad_intercept:
        return (f"Rescale Intercept (0028,1052) is not a number in {name_files(bad_intercept)}: Hounsfield units "
                "(stored value x slope + intercept) cannot be computed", tuple(bad_intercept))
    ref = np.asarray(frames[0][1].orientation)
    odd = sorted({p for p, f in frames if np.abs(np.asarray(f.orientation) - ref).max() > ORIENTATION_TOLERANCE})
    if odd:
        return (f"the images do not all have the same orientation: {name_files(odd)} differ from "
                f"{os_name(frames[0][0])} ({_fmt_orientation(ref)})", tuple(odd))
    ref_sp = np.asarray(frames[0][1].pixel_spacing)
    odd = sorted({p for p, f in frames if np.abs(np.asarray(f.pixel_spacing) - ref_sp).max() > SPACING_TOLERANCE * max(1.0, ref_sp.max())})
    if odd:
        return (f"the images do not all have the same pixel spacing: {name_files(odd)} differ from "
                f"{ref_sp[0]:g} x {ref_sp[1]:g} mm", tuple(odd))
    if len(frames) < 2:
        return ("a single image is not a 3-D volume: the planner needs a series of at least 2 slices",
                (frames[0][0],))
    return None


def os_name(path: str) -> str:
    return name_files([path], 1)


def _fmt_orientation(o) -> str:
    return "[" + ", ".join(f"{v:.3g}" for v in o) + "]"


def series_problem(headers: Sequence[FileHeader]) -> Problem | None:
    """First reason this group of files cannot be loaded as a CT volume, or None."""
    for check in (check_content, check_size, check_geometry_headers):
        problem = check(headers)
        if problem:
            return problem
    return None
