"""Comparing an attempt's needles and thermocouples with the reference plan's: greedy matching and
errors decomposed in the level's (or the patient's) axes.

Directions: LPS x grows to the patient's left, y to posterior, z to the head (DICOM PS3.3 C.7.6.2.1.1).
With a level, its own axes are used (rows: toward the left, toward posterior, toward the head).
"Medial" is toward the midline for the needle's side (+left for a right-sided needle).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.geometry.trajectory import trajectory_angles


@dataclass(frozen=True)
class Offset:
    """A displacement (attempt minus reference) in mm: medial (+) / lateral (-), cranial (+) / caudal
    (-), anterior (+) / posterior (-). For a midline item ``medial_mm`` means toward the patient's left."""

    medial_mm: float
    cranial_mm: float
    anterior_mm: float

    @property
    def norm_mm(self) -> float:
        return math.sqrt(self.medial_mm ** 2 + self.cranial_mm ** 2 + self.anterior_mm ** 2)


def level_axes(plan, level_name: str) -> np.ndarray:
    """The level's axes (3x3 rows) when the plan defines that level, else the patient axes."""
    level = plan.level_named(level_name) if level_name else None
    return np.eye(3) if level is None else np.asarray(level.axes, dtype=float)


def offset_in_axes(delta_lps, side: str, axes) -> Offset:
    lr, ap, cc = np.asarray(axes, float) @ np.asarray(delta_lps, float)
    medial = -lr if side == "left" else lr  # a left-sided needle's midline is toward the patient's right
    return Offset(float(medial), float(cc), float(-ap))


def side_of(point_lps, plan, level_name: str = "") -> str:
    """Left or right of the level's mid-sagittal plane (else of x = 0 in LPS)."""
    level = plan.level_named(level_name) if level_name else None
    if level is not None:
        offset = float(np.dot(np.asarray(point_lps) - np.asarray(level.plane_point_lps), level.plane_normal_lps))
    else:
        offset = float(point_lps[0])
    return "left" if offset > 0 else "right"


@dataclass(frozen=True)
class NeedleComparison:
    """One reference needle and the attempt needle matched to it (``attempt_id`` None when missing)."""

    reference_id: str
    reference_name: str
    side: str
    attempt_id: str | None = None
    attempt_name: str = ""
    tip_error_mm: float = math.nan
    entry_error_mm: float = math.nan
    angle_error_deg: float = math.nan
    tip_offset: Offset | None = None
    entry_offset: Offset | None = None
    medial_angle_error_deg: float = math.nan  # + aimed more medially than the reference
    cranial_angle_error_deg: float = math.nan  # + aimed more cranially
    needs_antenna: bool = False
    has_antenna: bool = False


@dataclass(frozen=True)
class ThermocoupleComparison:
    reference_id: str
    attempt_id: str | None = None
    tip_error_mm: float = math.nan
    tip_offset: Offset | None = None


def greedy_pairs(cost: np.ndarray) -> list[tuple[int, int]]:
    """Pairs (row, column) taken in increasing cost order, each row and column once; inf = never.
    Greedy, not optimal (Hungarian-free), which is enough for a handful of needles."""
    pairs, used_r, used_c = [], set(), set()
    order = np.argsort(cost, axis=None, kind="stable")
    for flat in order:
        r, c = np.unravel_index(flat, cost.shape)
        if not np.isfinite(cost[r, c]) or r in used_r or c in used_c:
            continue
        pairs.append((int(r), int(c)))
        used_r.add(r)
        used_c.add(c)
    return pairs


def _compatible(ref, att) -> bool:
    sides = {"left", "right"}
    if ref.side in sides and att.side in sides and ref.side != att.side:
        return False
    return not (ref.level and att.level and ref.level != att.level)


def _line_offset(point, entry, tip) -> np.ndarray:
    """Vector from ``point`` to the nearest point of the infinite line entry->tip."""
    d = np.asarray(tip, float) - np.asarray(entry, float)
    d /= np.linalg.norm(d)
    rel = np.asarray(point, float) - np.asarray(entry, float)
    return -(rel - (rel @ d) * d)


def compare_needle(ref, att, reference_plan, attempt_plan) -> NeedleComparison:
    """Errors of one matched pair. The entry error is the distance from the reference entry to the
    attempt's trajectory line: where along its own line the trainee put the first click does not
    change the skin puncture site."""
    axes = level_axes(reference_plan, ref.level)
    side = ref.side
    tip_delta = np.asarray(att.tip_lps) - np.asarray(ref.tip_lps)
    entry_delta = _line_offset(ref.entry_lps, att.entry_lps, att.tip_lps)
    cos = float(np.clip(np.dot(ref.direction, att.direction), -1.0, 1.0))
    a_ref = trajectory_angles(ref.entry_lps, ref.tip_lps, side, axes)
    a_att = trajectory_angles(att.entry_lps, att.tip_lps, side, axes)
    return NeedleComparison(
        ref.id, ref.name, side, att.id, att.name,
        tip_error_mm=float(np.linalg.norm(tip_delta)), entry_error_mm=float(np.linalg.norm(entry_delta)),
        angle_error_deg=math.degrees(math.acos(cos)),
        tip_offset=offset_in_axes(tip_delta, side, axes), entry_offset=offset_in_axes(entry_delta, side, axes),
        medial_angle_error_deg=a_att.medial_deg - a_ref.medial_deg,
        cranial_angle_error_deg=a_att.cranial_deg - a_ref.cranial_deg,
        needs_antenna=reference_plan.antenna_for(ref.id) is not None,
        has_antenna=attempt_plan.antenna_for(att.id) is not None)


def match_needles(reference_plan, attempt_plan) -> tuple[list[NeedleComparison], list[str]]:
    """Comparisons for every reference needle (matched by side and level, then nearest tip), and the
    ids of attempt needles left over."""
    refs, atts = list(reference_plan.needles), list(attempt_plan.needles)
    cost = np.full((len(refs), len(atts)), np.inf)
    for i, r in enumerate(refs):
        for j, a in enumerate(atts):
            if _compatible(r, a):
                cost[i, j] = float(np.linalg.norm(np.asarray(r.tip_lps) - np.asarray(a.tip_lps)))
    pairs = dict(greedy_pairs(cost)) if cost.size else {}
    out = []
    for i, r in enumerate(refs):
        if i in pairs:
            out.append(compare_needle(r, atts[pairs[i]], reference_plan, attempt_plan))
        else:
            out.append(NeedleComparison(r.id, r.name, r.side,
                                        needs_antenna=reference_plan.antenna_for(r.id) is not None))
    used = set(pairs.values())
    return out, [a.id for j, a in enumerate(atts) if j not in used]


def match_thermocouples(reference_plan, attempt_plan) -> tuple[list[ThermocoupleComparison], list[str]]:
    refs, atts = list(reference_plan.thermocouples), list(attempt_plan.thermocouples)
    cost = np.array([[float(np.linalg.norm(np.asarray(r.tip_lps) - np.asarray(a.tip_lps))) for a in atts]
                     for r in refs]).reshape(len(refs), len(atts))
    pairs = dict(greedy_pairs(cost)) if cost.size else {}
    level = reference_plan.levels[0].name if reference_plan.levels else ""
    axes = level_axes(reference_plan, level)
    out = []
    for i, r in enumerate(refs):
        if i not in pairs:
            out.append(ThermocoupleComparison(r.id))
            continue
        a = atts[pairs[i]]
        delta = np.asarray(a.tip_lps) - np.asarray(r.tip_lps)
        out.append(ThermocoupleComparison(r.id, a.id, float(np.linalg.norm(delta)),
                                          offset_in_axes(delta, side_of(r.tip_lps, reference_plan, level), axes)))
    used = set(pairs.values())
    return out, [a.id for j, a in enumerate(atts) if j not in used]
