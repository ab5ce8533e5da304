"""A patient position as text, in the planner's LPS frame or with RAS direction letters.

Internally every position is DICOM LPS in mm (PS3.3 C.7.6.2.1.1: +x toward the patient's Left,
+y Posterior, +z Superior, "head"). 3D Slicer shows positions with one direction letter per axis and
no sign, its RAS convention: ``(R 17.6, P 35.3, S 12.1)`` is 17.6 mm to the right of the origin,
35.3 mm posterior and 12.1 mm superior (Slicer user guide, "Data Probe"). RAS is LPS with x and y
negated, so x_lps = -23.6 reads ``R 23.6 mm`` and z_lps = -182.0 reads ``I 182.0 mm`` — never
``L -23.6`` or ``S -182.0``.
"""

from __future__ import annotations

LPS, RAS = "LPS", "RAS"
FRAMES = (LPS, RAS)
# Per LPS axis: (letter for the positive direction, letter for the negative one)
_AXIS_LETTERS = (("L", "R"), ("P", "A"), ("S", "I"))
# Letter given to a value that shows as zero: the positive direction of the RAS frame (R, A, S)
_ZERO_LETTER = ("R", "A", "S")


def axis_text(axis: int, value_lps_mm: float, decimals: int = 1) -> str:
    """One LPS coordinate as a direction letter and a magnitude: axis 0, -23.6 -> ``"R 23.6 mm"``."""
    if axis not in (0, 1, 2):
        raise ValueError(f"axis must be 0, 1 or 2 (x, y, z), not {axis!r}")
    magnitude = round(abs(float(value_lps_mm)), decimals)
    if magnitude == 0:
        letter = _ZERO_LETTER[axis]
    else:
        positive, negative = _AXIS_LETTERS[axis]
        letter = positive if value_lps_mm > 0 else negative
    return f"{letter} {magnitude:.{decimals}f} mm"


def position_text(lps, frame: str = LPS, decimals: int = 1) -> str:
    """``lps`` (x, y, z in mm) as ``"LPS (x, y, z) mm"`` (signed, the internal frame) or, for ``RAS``,
    as letters in Slicer's order (R/L, A/P, S/I): ``"R 23.6 mm, A 10.0 mm, I 182.0 mm"``."""
    x, y, z = (float(v) for v in lps)
    if frame == LPS:
        return f"LPS ({x:.{decimals}f}, {y:.{decimals}f}, {z:.{decimals}f}) mm"
    if frame == RAS:
        return ", ".join(axis_text(axis, v, decimals) for axis, v in enumerate((x, y, z)))
    raise ValueError(f"position frame must be one of {', '.join(FRAMES)}, not {frame!r}")


# x, y, z of the frame = sign * (x, y, z) of LPS: RAS negates x and y (DICOM PS3.3 C.7.6.2.1.1 vs Slicer's RAS)
FRAME_SIGNS = {LPS: (1.0, 1.0, 1.0), RAS: (-1.0, -1.0, 1.0)}
# Per axis, the frame's letter for its positive direction: what a spin box in that frame is prefixed with
FRAME_LETTERS = {LPS: ("L", "P", "S"), RAS: ("R", "A", "S")}


def format_position(lps, hu, frame: str = LPS) -> str:
    """The status bar's 'LPS (x, y, z) mm   HU n' (or 'R 23.6 mm, P 10.0 mm, I 182.0 mm   HU n' in the RAS
    frame); HU shows '—' outside the volume."""
    hu_text = "—" if hu is None else f"{hu:.0f}"
    return f"{position_text(lps, frame)}   HU {hu_text}"


def _check_frame(frame: str) -> None:
    if frame not in FRAMES:
        raise ValueError(f"position frame must be one of {', '.join(FRAMES)}, not {frame!r}")


def to_frame(axis: int, value_lps_mm: float, frame: str) -> float:
    """One LPS coordinate as the signed coordinate of ``frame`` (RAS: x and y negated)."""
    _check_frame(frame)
    return FRAME_SIGNS[frame][axis] * float(value_lps_mm)


def from_frame(axis: int, value_mm: float, frame: str) -> float:
    """The inverse of :func:`to_frame`: a signed coordinate of ``frame`` as the LPS one."""
    _check_frame(frame)
    return FRAME_SIGNS[frame][axis] * float(value_mm)


def parse_axis_text(axis: int, text: str, frame: str = LPS) -> float:
    """Typed text for one axis as the LPS coordinate in mm: a direction letter and a distance
    (``"R 23.6"``, ``"r23.6 mm"`` -> -23.6 on axis 0, whatever the frame), or a signed number in
    ``frame``'s convention (``"-23.6"`` is x_lps -23.6 in LPS, x_ras -23.6 = x_lps +23.6 in RAS).
    A letter of another axis, or anything that is not a number, raises ValueError naming the axis."""
    if axis not in (0, 1, 2):
        raise ValueError(f"axis must be 0, 1 or 2 (x, y, z), not {axis!r}")
    _check_frame(frame)
    raw = text.strip()
    body = raw[:-2].rstrip() if raw.lower().endswith("mm") else raw
    positive, negative = _AXIS_LETTERS[axis]
    sign_lps = None
    if body[:1].isalpha():
        letter = body[0].upper()
        if letter not in (positive, negative):
            raise ValueError(f"{text!r}: the {'xyz'[axis]} axis takes {negative}/{positive}, not {letter!r}")
        sign_lps = 1.0 if letter == positive else -1.0
        body = body[1:].strip()
    try:
        number = float(body)
    except ValueError:
        raise ValueError(f"{text!r} is not a position in mm on the {'xyz'[axis]} axis "
                         f"(type e.g. {negative} 23.6 or {positive} 23.6)") from None
    if sign_lps is not None:
        return sign_lps * number
    return from_frame(axis, number, frame)
