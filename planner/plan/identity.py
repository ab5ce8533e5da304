"""Which images a plan belongs to when the DICOM UIDs cannot say: a fingerprint of the series' geometry
and a few pixel rows, stored in the plan (``series.geometry_fingerprint``).

The plan's coordinates are only valid in the Frame of Reference they were made in (Frame of Reference
UID (0020,0052), DICOM PS3.3 C.7.4.1). Anonymised or messy series can have every UID empty (the
shared T11-T12 scan: Study (0020,000D), Series (0020,000E) and Frame of Reference UIDs all empty), so a
plan saved on them named no series and matched any scan. The fingerprint names the series by what
the planner actually places needles on:

* ``size``: columns x rows x slices (Columns (0028,0011), Rows (0028,0010), number of slices);
* ``spacing``: column, row and slice spacing in mm (Pixel Spacing (0028,0030) and the slice step);
* ``first`` / ``last``: the LPS position of the first voxel of the first and of the last slice
  (Image Position (Patient) (0020,0032) of those slices, as the loader placed them);
* ``orientation``: the row and column direction cosines (Image Orientation (Patient) (0020,0037));
* ``pixels``: the first 16 hex digits of a SHA-256 of the middle row of the first, middle and last
  slices, in whole HU (two series with the same geometry, e.g. two studies of one patient on the same
  scanner protocol, still differ here).

The text is readable in the plan file (``key=value`` parts separated by ``;``) so a mismatch can be
told in words, part by part. Positions and spacings compare within :data:`POSITION_TOLERANCE_MM`
(they are written to 0.001 mm); orientation within :data:`ORIENTATION_TOLERANCE`; size and pixels
exactly.
"""

from __future__ import annotations

import hashlib

import numpy as np

VERSION = "fp1"
POSITION_TOLERANCE_MM = 0.01  # written to 0.001 mm; re-exports of a series may round differently
ORIENTATION_TOLERANCE = 1e-4  # direction cosines, written to 6 decimals
_WORDS = {"size": "image size (columns x rows x slices)", "spacing": "voxel spacing (mm)",
          "first": "position of the first slice (LPS mm)", "last": "position of the last slice (LPS mm)",
          "orientation": "slice orientation (row and column cosines)", "pixels": "pixel content (hash of 3 rows)"}


def _num(v: float, decimals: int) -> str:
    return f"{round(float(v), decimals) + 0.0:.{decimals}f}"


def _vec(values, decimals: int) -> str:
    return ",".join(_num(v, decimals) for v in values)


def pixel_hash(hu: np.ndarray) -> str:
    """First 16 hex digits of SHA-256 over the middle row (j = rows // 2) of the first, middle and last
    slices of ``hu`` (``[k, j, i]``), rounded to whole HU as little-endian int32."""
    nk, nj = hu.shape[0], hu.shape[1]
    rows = np.stack([np.asarray(hu[k, nj // 2, :]) for k in (0, nk // 2, nk - 1)])
    data = np.rint(rows.astype(np.float64)).astype("<i4").tobytes()
    return hashlib.sha256(data).hexdigest()[:16]


def series_fingerprint(volume) -> str:
    """The fingerprint text of an :class:`planner.core.volume.ImageVolume` (see the module docstring)."""
    ni, nj, nk = volume.shape_ijk
    first = volume.to_lps(np.array([0.0, 0.0, 0.0]))
    last = volume.to_lps(np.array([0.0, 0.0, float(nk - 1)]))
    d = np.asarray(volume.direction, float)
    parts = {
        "size": f"{ni}x{nj}x{nk}",
        "spacing": _vec(volume.spacing_mm, 4),
        "first": _vec(first, 3),
        "last": _vec(last, 3),
        "orientation": _vec(list(d[:, 0]) + list(d[:, 1]), 6),
        "pixels": pixel_hash(volume.hu),
    }
    return ";".join([VERSION] + [f"{k}={v}" for k, v in parts.items()])


def _parse(text: str) -> dict[str, str] | None:
    head, *rest = text.split(";")
    if head != VERSION:
        return None
    return dict(p.split("=", 1) for p in rest if "=" in p)


def _same(key: str, a: str, b: str) -> bool:
    if key in ("size", "pixels"):
        return a == b
    tol = ORIENTATION_TOLERANCE if key == "orientation" else POSITION_TOLERANCE_MM
    try:
        va, vb = np.array(a.split(","), float), np.array(b.split(","), float)
    except ValueError:
        return False
    return va.shape == vb.shape and bool(np.all(np.abs(va - vb) <= tol))


def fingerprint_mismatch(stored: str, loaded: str) -> str | None:
    """Why a plan whose fingerprint is ``stored`` was not made on the series whose fingerprint is
    ``loaded`` (in words, naming each part that differs), or None when they agree."""
    plan, here = _parse(stored), _parse(loaded)
    if plan is None:
        return (f"The plan's series fingerprint ({stored.split(';')[0]!r}) is not one this planner reads, so it "
                "cannot check that the plan belongs to the loaded images.")
    differ = [k for k in _WORDS if not _same(k, plan.get(k, ""), here.get(k, ""))]
    if not differ:
        return None
    details = "; ".join(f"{_WORDS[k]}: plan {plan.get(k, '(missing)')}, loaded {here.get(k, '')}" for k in differ)
    return ("The plan was made on other images than the loaded ones (no shared Frame of Reference UID to compare, and "
            f"its recorded series geometry differs: {details}).")


UNVERIFIED = ("The plan names no series: its Study, Series and Frame of Reference UIDs are empty and it was saved "
              "before plans recorded the series' geometry, so the planner cannot check that it belongs to these "
              "images. Check that the needles lie where they were planned; saving the plan records this series.")
