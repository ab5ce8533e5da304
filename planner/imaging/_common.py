"""Small helpers shared by the DICOM import modules: file naming in messages, memory cap, codecs.

``transfer_syntax_name`` lives in :mod:`planner.imaging.dicom_dict` and is re-exported here."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from planner.core.errors import LoadCancelled
from planner.imaging.dicom_dict import NATIVE_LITTLE_ENDIAN, transfer_syntax_name

#: Largest volume (bytes of the int16 output) the loader agrees to build. Checked against the
#: header's Rows x Columns x frames *before* any pixel is decoded, so a corrupt or hostile header
#: claiming an absurd matrix cannot make the planner try to allocate it.
ABSOLUTE_MAX_VOLUME_BYTES = 16 * 1024**3

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


def max_volume_bytes() -> int:
    """Memory cap for one volume: half the machine's physical RAM, at most 16 GiB."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        physical = 8 * 1024**3
    return int(min(ABSOLUTE_MAX_VOLUME_BYTES, physical // 2))


def format_bytes(n: float) -> str:
    """Human-readable size (``"1.5 GB"``)."""
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000.0
    return f"{n:.1f} TB"


def name_files(paths: Iterable[str], limit: int = 4) -> str:
    """Short list of file names for a message: ``"a.dcm, b.dcm and 3 more"``."""
    paths = list(paths)
    names = [os.path.basename(p) or p for p in paths[:limit]]
    text = ", ".join(names)
    if len(paths) > limit:
        text += f" and {len(paths) - limit} more"
    return text


def decoder_problem(uid: str) -> str:
    """Empty string when pixel data in this transfer syntax can be decoded here, else why not.
    Uncompressed little endian is read by the planner itself (:mod:`planner.imaging.pixels`), so pydicom
    is asked (and imported) only for the other syntaxes."""
    if uid in NATIVE_LITTLE_ENDIAN:
        return ""
    from pydicom.pixels import get_decoder  # imported on first use (about 0.4 s: its decoder plugins)
    from pydicom.uid import UID

    try:
        decoder = get_decoder(UID(uid))
    except (NotImplementedError, ValueError):
        return f"images compressed as '{transfer_syntax_name(uid)}' cannot be decoded by the planner"
    if not decoder.is_available:
        return (
            f"images compressed as '{transfer_syntax_name(uid)}' need a decoder plugin that is not "
            "installed (python-gdcm, pylibjpeg-openjpeg or pylibjpeg-libjpeg)"
        )
    return ""


def check_cancel(cancel: CancelFn | None) -> None:
    """Raise :class:`LoadCancelled` when the user asked to stop."""
    if cancel is not None and cancel():
        raise LoadCancelled("Loading was cancelled; nothing was changed.")


def report(progress: ProgressFn | None, done: int, total: int) -> None:
    """Call the progress callback when there is one."""
    if progress is not None:
        progress(int(done), int(total))


#: Voxel sizes accepted (mm), in-plane and between slices. Clinical CT pixels are about 0.2-1.5 mm and
#: slices 0.5-10 mm apart; values outside this range (Pixel Spacing 1e-30 or 1e300) are corrupt
#: headers, and accepting them makes every later size computed from mm explode.
MIN_SPACING_MM = 0.05
MAX_SPACING_MM = 20.0


def spacing_problem(values, what: str) -> str:
    """"" when every value is a plausible voxel size in mm, else a sentence naming ``what``."""
    import math

    bad = [v for v in values if not (isinstance(v, (int, float)) and math.isfinite(v)
                                     and MIN_SPACING_MM <= v <= MAX_SPACING_MM)]
    if not bad:
        return ""
    shown = ", ".join(f"{v:g}" for v in values)
    return (f"{what} is {shown} mm, outside the accepted range {MIN_SPACING_MM:g}-{MAX_SPACING_MM:g} mm "
            "for a CT voxel")
