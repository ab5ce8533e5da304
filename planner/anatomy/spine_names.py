"""Naming the vertebrae found in a scan by counting from the landmarks a radiologist uses.

Landmarks, each tested in the vertebra's own frame on a 2 mm grid resampled from the CT:

- **Sacrum**: in a 6 mm slab through the body, the bone connected to the body reaches more than
  ``sacral_reach_mm`` (70 mm) to both sides: the sacral ala joined to the ilium at the sacroiliac
  joints. A lumbar transverse process reaches at most about 43 mm (L3, tips 70-85 mm apart,
  DOMAIN.md) and the iliac wings beside L5 are apart from it. The highest sacral body is S1; when no
  body found is sacral, the bone just below the lowest body (across its disc) is tested too.
- **Last rib-bearing vertebra**: bone beside the body (22-38 mm from the mid-sagittal plane, from
  5 mm in front of to 25 mm behind the body centre, within the body's height: where a rib head
  meets its costovertebral joint), in a piece that, with the spine's core (|u| < 22 mm) left out,
  reaches 75 mm or more from the midline and is no larger than a rib (a transverse process does not
  reach so far; a contrast-enhanced kidney is larger). The lowest
  rib-bearing vertebra with a rib-free one below it is T12 (12 rib pairs).

Counting: S1 upward (L5 ... L1, T12 ...) and T12 downward must agree, i.e. five lumbar-type bodies
between them. When they disagree (a transitional vertebra: lumbarised S1, sacralised L5, rib-bearing
L1 or 11 rib pairs), when neither landmark is seen, or when the chain of bodies is broken, nothing
is named and the message says why in words. With one landmark only, the names come with a lower
confidence and the message says a transitional vertebra cannot be ruled out. The first rib (T1) is
not yet used as a landmark.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from planner.core.lazy import lazy_module
from planner.anatomy.body import BodyMask
from planner.anatomy.levels import LEVEL_ORDER, LevelGeometry
from planner.anatomy.spine_sacrum import is_sacral, slab as _slab
from planner.core.volume import ImageVolume

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

__all__ = ["SpineResult", "name_vertebrae", "is_sacral", "is_rib_bearing", "LUMBAR_COUNT"]

LUMBAR_COUNT = 5  # L1-L5 between T12 and S1 in the usual spine
BOTH_CONFIDENCE = 0.95
ONE_LANDMARK_CONFIDENCE = 0.6


@dataclass(frozen=True, eq=False)
class SpineResult:
    """Vertebral bodies from feet to head (``name`` "" when not named), and what was found in words.

    ``named``: True when at least one body is named; ``landmarks``: the landmarks seen
    (``"sacrum"``, ``"last rib"``); ``message``: for the user; ``rib_bearing`` / ``sacral``: per body.
    """

    vertebrae: tuple[LevelGeometry, ...]
    named: bool
    message: str
    landmarks: tuple[str, ...] = ()
    rib_bearing: tuple[bool, ...] = ()
    sacral: tuple[bool, ...] = ()

    def named_vertebrae(self) -> list[LevelGeometry]:
        return [v for v in self.vertebrae if v.name]

    def vertebra_named(self, name: str) -> LevelGeometry | None:
        return next((v for v in self.vertebrae if name and v.name == name), None)


def is_rib_bearing(volume: ImageVolume, v: LevelGeometry, bone_hu: float = 200.0, max_rib_ml: float = 25.0) -> bool:
    """True when a rib meets this vertebra (see the module docstring). A piece larger than
    ``max_rib_ml`` is an organ, not a rib: a contrast-enhanced kidney or liver lies beside the spine
    above 200 HU (a rib's stretch in this grid is about 10 mL: 100 mm x 1 cm^2)."""
    half_h = max(0.5 * v.height_mm, 8.0)
    grid, hu, inside = _slab(volume, v.body_centre_lps, v.axes_lps, 120.0, (-30.0, 70.0),
                             (-half_h - 30.0, half_h + 4.0))
    bone = (hu > bone_hu) & inside
    uu = grid.u_mm[None, None, :]
    vv = grid.v_mm[None, :, None]
    ww = grid.w_mm[:, None, None]
    bone &= np.abs(uu) >= 22.0
    labels, n = ndimage.label(bone)
    if n == 0:
        return False
    head_zone = (np.abs(uu) <= 38.0) & (vv >= -5.0) & (vv <= 25.0) & (np.abs(ww) <= half_h)
    sizes_ml = np.bincount(labels.ravel()) * grid.step_mm ** 3 / 1000.0
    for side in (-1.0, 1.0):
        ids = np.unique(labels[bone & head_zone & (side * uu > 0)])
        ids = ids[(ids > 0) & (sizes_ml[ids] <= max_rib_ml)]
        if ids.size == 0:
            continue
        far = bone & (side * uu >= 75.0)
        if np.isin(labels[far], ids).any():
            return True
    return False


def _below_point(v: LevelGeometry) -> np.ndarray:
    """A point in the next body below ``v`` (across its disc), or half a body below it."""
    gap = v.next_below_mm if v.next_below_mm is not None else 0.5 * v.height_mm + 10.0
    return np.asarray(v.body_centre_lps) - np.asarray(v.axes_lps[2]) * (gap + 0.4 * v.height_mm)


def _chain_breaks(vertebrae) -> list[int]:
    """Indices n where the step from body n-1 to n is much longer than the median (a missed body)."""
    if len(vertebrae) < 3:
        return []
    c = np.array([v.body_centre_lps for v in vertebrae])
    steps = np.linalg.norm(np.diff(c, axis=0), axis=1)
    med = float(np.median(steps))
    return [n + 1 for n, s in enumerate(steps) if s > 1.6 * med]


def _named(vertebrae, s1_index: int, confidence: float) -> tuple[LevelGeometry, ...]:
    s1 = LEVEL_ORDER.index("S1")
    out = []
    for n, v in enumerate(vertebrae):
        k = s1 - (n - s1_index)
        name = LEVEL_ORDER[k] if 0 <= k < len(LEVEL_ORDER) and n >= s1_index else ""
        conf = confidence * (1.0 if v.complete else 0.5)
        out.append(replace(v, name=name, confidence=round(conf, 3) if name else 0.0))
    return tuple(out)


def _unnamed(vertebrae) -> tuple[LevelGeometry, ...]:
    return tuple(replace(v, name="", confidence=0.0) for v in vertebrae)


def name_vertebrae(volume: ImageVolume, body: BodyMask, vertebrae: list[LevelGeometry]) -> SpineResult:
    """Name the bodies (feet to head) by counting from the sacrum and the last rib-bearing vertebra."""
    if not vertebrae:
        return SpineResult((), False, "No vertebral body was found in this scan: set the levels by hand.")
    complete = [v for v in vertebrae if v.complete]
    if len(complete) < 2:
        return SpineResult(_unnamed(vertebrae), False,
                           f"The scan shows {len(vertebrae)} vertebral bod{'y' if len(vertebrae) == 1 else 'ies'} "
                           f"({len(complete)} whole): too short a stretch of spine to count from the sacrum or the "
                           "ribs. The levels are not named; set them by hand.")
    sacral = [is_sacral(volume, v.body_centre_lps, v.axes_lps) for v in vertebrae]
    ribs = [False if sacral[n] else is_rib_bearing(volume, v) for n, v in enumerate(vertebrae)]
    s1_index = max((n for n, s in enumerate(sacral) if s), default=None)
    if s1_index is None and is_sacral(volume, _below_point(vertebrae[0]), vertebrae[0].axes_lps):
        s1_index = -1  # S1 lies just below the lowest body found
    rib_rows = [n for n, r in enumerate(ribs) if r]
    last_rib = None
    if rib_rows and any(not ribs[n] and not sacral[n] for n in range(rib_rows[0])):
        last_rib = rib_rows[0]
    elif rib_rows and s1_index is not None:
        last_rib = rib_rows[0]
    landmarks = tuple(x for x, ok in (("sacrum", s1_index is not None), ("last rib", last_rib is not None)) if ok)
    kw = dict(landmarks=landmarks, rib_bearing=tuple(ribs), sacral=tuple(sacral))
    breaks = _chain_breaks(vertebrae)
    if breaks:
        return SpineResult(_unnamed(vertebrae), False,
                           f"{len(vertebrae)} vertebral bodies were found but the chain is broken (a body was "
                           "missed between two of them), so counting is unsafe. The levels are not named; set "
                           "them by hand.", **kw)
    if s1_index is not None and last_rib is not None:
        between = last_rib - s1_index - 1
        if between != LUMBAR_COUNT:
            return SpineResult(_unnamed(vertebrae), False,
                               f"Transitional anatomy: {between} lumbar-type vertebrae lie between the last "
                               f"rib-bearing vertebra and the sacrum ({LUMBAR_COUNT} expected), so counting up from "
                               "the sacrum and down from the ribs disagree. The levels are not named; set them by "
                               "hand.", **kw)
        named = _named(vertebrae, s1_index, BOTH_CONFIDENCE)
        return SpineResult(named, True, f"{_span(named)} named by counting up from the sacrum; the last "
                           "rib-bearing vertebra (T12) agrees.", **kw)
    if s1_index is not None:
        named = _named(vertebrae, s1_index, ONE_LANDMARK_CONFIDENCE)
        return SpineResult(named, True, f"{_span(named)} named by counting up from the sacrum only: the last "
                           "rib-bearing vertebra is not in the scan, so a transitional vertebra cannot be ruled "
                           "out.", **kw)
    if last_rib is not None:
        t12 = LEVEL_ORDER.index("T12")
        named = _named(vertebrae, last_rib - (LEVEL_ORDER.index("S1") - t12), ONE_LANDMARK_CONFIDENCE)
        return SpineResult(named, True, f"{_span(named)} named by counting from the last rib-bearing vertebra "
                           "(T12) only: the sacrum is not in the scan, so a transitional vertebra cannot be ruled "
                           "out.", **kw)
    return SpineResult(_unnamed(vertebrae), False,
                       f"{len(vertebrae)} vertebral bodies were found, but neither the sacrum nor the last "
                       "rib-bearing vertebra is in the scan to count from. The levels are not named; set them by "
                       "hand.", **kw)


def _span(named) -> str:
    names = [v.name for v in named if v.name]
    return f"Levels {names[-1]}-{names[0]}" if len(names) > 1 else f"Level {names[0]}"
