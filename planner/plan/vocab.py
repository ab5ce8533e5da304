"""Controlled vocabularies and value checks shared by the plan items and the plan file reader."""

from __future__ import annotations

import math
import uuid

import numpy as np

from planner.ablation.needles import GAUGE_OUTER_DIAMETER_MM  # noqa: F401  (owned by the device library)
from planner.core.errors import PlanError

#: Vertebral levels a plan may name: T1-T12, L1-L5, S1 (Chen AJNR 2022 treated T and L spine).
LEVEL_NAMES: tuple[str, ...] = tuple(f"T{i}" for i in range(1, 13)) + tuple(f"L{i}" for i in range(1, 6)) + ("S1",)

APPROACHES: tuple[str, ...] = ("transpedicular", "transcostovertebral", "parapedicular", "extrapedicular")
SIDES: tuple[str, ...] = ("left", "right", "midline")
TARGET_KINDS: tuple[str, ...] = ("sphere", "ellipsoid", "mask")

#: Up to 4 treated levels per patient (DOMAIN.md, Chen AJNR 2022).
MAX_LEVELS = 4


def new_id() -> str:
    """A short unique id (12 hex digits of a uuid4); items are found by id, never by name."""
    return uuid.uuid4().hex[:12]


#: Patient (LPS) coordinates lie within about ±2 m of a scanner's origin (bore and table travel); 10 m
#: leaves room for any real scanner while refusing absurd values (1e308) before any arithmetic.
MAX_ABS_COORDINATE_MM = 10_000.0


def point3(value, what: str) -> tuple[float, float, float]:
    """Validate an (x, y, z) LPS mm point and return it as a tuple of floats."""
    try:
        arr = np.asarray(value, dtype=float)
    except OverflowError:
        raise PlanError(f"{what}: a coordinate is too large for a number (expected mm)") from None
    except (TypeError, ValueError):
        raise PlanError(f"{what}: expected 3 numbers (x, y, z in mm), got {value!r}") from None
    if arr.shape != (3,):
        n = arr.size if arr.ndim == 1 else arr.shape
        raise PlanError(f"{what}: expected 3 numbers, got {n}")
    if not np.all(np.isfinite(arr)):
        raise PlanError(f"{what}: coordinates must be finite numbers, got {arr.tolist()}")
    if np.any(np.abs(arr) > MAX_ABS_COORDINATE_MM):
        raise PlanError(f"{what}: coordinates must lie within ±{MAX_ABS_COORDINATE_MM:,.0f} mm of the scanner "
                        f"origin, got {arr.tolist()}")
    return (float(arr[0]), float(arr[1]), float(arr[2]))


def unit3(value, what: str) -> tuple[float, float, float]:
    """Validate a unit vector (length 1 within 1e-3)."""
    v = point3(value, what)
    if abs(math.hypot(*v) - 1.0) > 1e-3:
        raise PlanError(f"{what}: expected a unit vector (length 1), got length {math.hypot(*v):.4g}")
    return v


def axes3(value, what: str) -> tuple[tuple[float, float, float], ...]:
    """Validate 3 mutually perpendicular unit vectors (rows)."""
    try:
        rows = [unit3(r, f"{what}[{i}]") for i, r in enumerate(value)]
    except TypeError:
        raise PlanError(f"{what}: expected three unit vectors") from None
    if len(rows) != 3:
        raise PlanError(f"{what}: expected three unit vectors, got {len(rows)}")
    a = np.array(rows)
    if np.max(np.abs(a @ a.T - np.eye(3))) > 2e-3:
        raise PlanError(f"{what}: the three axes must be mutually perpendicular")
    return tuple(rows)


def finite(value, what: str, minimum: float | None = None, positive: bool = False) -> float:
    """Validate a finite number, optionally >= minimum or > 0."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise PlanError(f"{what}: expected a number, got {value!r}") from None
    except OverflowError:  # an integer too large for a float (e.g. 10**400)
        digits = int(abs(int(value)).bit_length() * 0.30103) + 1
        raise PlanError(f"{what}: the number is too large (about {digits} digits)") from None
    if not math.isfinite(v):
        raise PlanError(f"{what}: expected a finite number, got {value!r}")
    if positive and v <= 0:
        raise PlanError(f"{what}: must be greater than 0, got {v:g}")
    if minimum is not None and v < minimum:
        raise PlanError(f"{what}: must be at least {minimum:g}, got {v:g}")
    return v


def choice(value, allowed: tuple[str, ...], what: str) -> str:
    """Validate a value from a controlled vocabulary."""
    if value not in allowed:
        raise PlanError(f"{what}: {value!r} is not one of {', '.join(repr(a) for a in allowed)}")
    return str(value)


def level_name(value, what: str, allow_empty: bool = True) -> str:
    """Validate a vertebral level name (T1-T12, L1-L5, S1, or "" when allowed)."""
    if value == "" and allow_empty:
        return ""
    return choice(value, LEVEL_NAMES, what)


def gauge(value, what: str) -> str:
    """Validate a needle gauge string such as "13G"."""
    return choice(value, tuple(GAUGE_OUTER_DIAMETER_MM), what)
