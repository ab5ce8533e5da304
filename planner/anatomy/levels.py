"""Vertebral levels from one click: body, own axes, mid-sagittal plane, and the neighbours' labels.

:func:`detect_level` segments the vertebral body at a point the user clicked and named, and measures
its centre, its axes (left-right toward the patient's left, anterior-posterior toward posterior,
cranio-caudal toward the head; the same rows as ``planner.plan.items.Level.axes``), its mid-sagittal
plane found from the image (mirror symmetry of the whole vertebra), its height, width, depth and
endplate centres. The analysis runs in passes (:mod:`planner.anatomy.levels_body`) on a 1 mm grid
resampled around the body: the first in a frame tilted like the spine at the click
(:mod:`planner.anatomy.levels_align`), the next ones in the vertebra's own frame from the previous
pass, until the frame changes by less than ``converged_deg`` (at most ``max_passes``).

:func:`propose_neighbours` steps across the discs along the cranio-caudal axis, segments the next
bodies and proposes their names by counting from the named level (T1-T12, L1-L5, S1).

The method, its numbers and its limits are described in ``docs/levels.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from planner.anatomy.levels_align import initial_frame
from planner.anatomy.levels_body import LevelParams, PassResult, analyse_pass
from planner.anatomy.levels_marrow import analyse_marrow_pass
from planner.anatomy.levels_rules import (LAST_RETRY_PROFILES, MAX_HEIGHT_RATIO,  # noqa: F401 (names of this module)
                                          MIN_HEIGHT_RATIO, RETRY_LOW_SEED_FRACTION, RETRY_MAX_SIDEWAYS, RETRY_PROFILES,
                                          RETRY_START_TOL_MM, SACRAL_RETRY_SEEDS_MM, SACRAL_SEED_MM, on_midline,
                                          plausible_neighbour, sacral_width_ok, sideways_fraction)
from planner.anatomy.levels_rules import shape_confidence as _shape_confidence, step_confidence as _step_confidence
from planner.anatomy.levels_sacrum import (SACRAL_CONVERGED_DEG, SACRAL_PASSES, analyse_sacral_pass,
                                          with_section_centre)
from planner.anatomy.spine_sacrum import is_sacral
from planner.core.errors import OutOfRangeError, PlanError, PlannerError
from planner.core.progress import Cancel, check_cancel
from planner.core.volume import ImageVolume

__all__ = ["LEVEL_ORDER", "LevelGeometry", "LevelParams", "detect_level", "detect_level_pass", "detect_sacral_level",
           "neighbour_name", "plausible_neighbour", "propose_neighbours"]

#: Level names from head to feet, as ``planner.plan.vocab.LEVEL_NAMES`` (anatomy may not import plan).
LEVEL_ORDER: tuple[str, ...] = tuple(f"T{i}" for i in range(1, 13)) + tuple(f"L{i}" for i in range(1, 6)) + ("S1",)

Vec3 = tuple[float, float, float]


def _vec(values) -> Vec3:
    x, y, z = (float(v) for v in np.asarray(values, dtype=float).reshape(3))
    return (x, y, z)


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


@dataclass(frozen=True)
class LevelGeometry:
    """One vertebral level measured on the CT (LPS mm).

    ``axes_lps`` rows: left-right (toward the patient's left), anterior-posterior (toward posterior),
    cranio-caudal (toward the head), orthonormal and right-handed. The mid-sagittal plane passes
    through ``plane_point_lps`` (the point of the plane nearest the body centre) with normal
    ``plane_normal_lps`` (= the left-right axis). ``height_mm`` is the distance between the endplate
    centres; ``width_mm``/``depth_mm`` the body's extent along the left-right and anterior-posterior
    axes. ``symmetry_score`` is the mirror correlation of the vertebra about the plane (1 = perfectly
    symmetric). ``complete`` is False when the body runs into the edge of the scan (its centre and
    height are then only partial). ``confidence`` is 1 for a level the user named; for a proposed
    neighbour it rates the step and shape consistency (see :func:`propose_neighbours`).
    ``disc_above_mm``/``disc_below_mm``: disc thickness on the body's axis, None when not seen;
    ``next_above_mm``/``next_below_mm``: distance from the body centre to where the next body starts.
    """

    name: str
    body_centre_lps: Vec3
    axes_lps: tuple[Vec3, Vec3, Vec3]
    plane_point_lps: Vec3
    plane_normal_lps: Vec3
    top_endplate_lps: Vec3
    bottom_endplate_lps: Vec3
    height_mm: float
    width_mm: float
    depth_mm: float
    volume_ml: float
    symmetry_score: float
    complete: bool
    confidence: float = 1.0
    disc_above_mm: float | None = None
    disc_below_mm: float | None = None
    next_above_mm: float | None = None
    next_below_mm: float | None = None

    @property
    def left_lps(self) -> np.ndarray:
        return np.asarray(self.axes_lps[0])

    @property
    def posterior_lps(self) -> np.ndarray:
        return np.asarray(self.axes_lps[1])

    @property
    def head_lps(self) -> np.ndarray:
        return np.asarray(self.axes_lps[2])

    def to_level_kwargs(self) -> dict:
        """Keyword arguments for ``planner.plan.items.Level`` (name, centre, axes, mid-sagittal plane)."""
        return {
            "name": self.name,
            "body_centre_lps": self.body_centre_lps,
            "axes": self.axes_lps,
            "plane_point_lps": self.plane_point_lps,
            "plane_normal_lps": self.plane_normal_lps,
        }


def neighbour_name(name: str, steps: int) -> str | None:
    """The level ``steps`` positions toward the feet (negative: toward the head), None past T1 or S1."""
    _check_name(name)
    k = LEVEL_ORDER.index(name) + steps
    return LEVEL_ORDER[k] if 0 <= k < len(LEVEL_ORDER) else None


def _check_name(name: str) -> None:
    if name not in LEVEL_ORDER:
        raise PlanError(f"Unknown vertebral level '{name}': use T1-T12, L1-L5 or S1.")


def _frame_from(result: PassResult) -> np.ndarray:
    """Orthonormal rows (left, posterior, head) from a pass's cranio-caudal axis and plane normal."""
    cc = _unit(result.cc_lps)
    if cc[2] < 0:  # toward the head: LPS +z (DICOM PS3.3 C.7.6.2.1.1)
        cc = -cc
    lr = result.lr_lps - np.dot(result.lr_lps, cc) * cc
    lr = _unit(lr)
    if lr[0] < 0:  # toward the patient's left: LPS +x
        lr = -lr
    ap = np.cross(cc, lr)
    return np.array([lr, ap, cc])


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Largest angle between corresponding rows of two frames."""
    cos = np.clip(np.sum(a * b, axis=1), -1.0, 1.0)
    return float(np.degrees(np.arccos(cos)).max())


def _geometry(name: str, result: PassResult, axes: np.ndarray, confidence: float = 1.0) -> LevelGeometry:
    centre = result.centre_lps
    normal = axes[0]
    plane_point = centre - np.dot(centre - result.plane_point_lps, normal) * normal
    height = float(np.linalg.norm(result.top_endplate_lps - result.bottom_endplate_lps))
    return LevelGeometry(
        name=name,
        body_centre_lps=_vec(centre),
        axes_lps=(_vec(axes[0]), _vec(axes[1]), _vec(axes[2])),
        plane_point_lps=_vec(plane_point),
        plane_normal_lps=_vec(normal),
        top_endplate_lps=_vec(result.top_endplate_lps),
        bottom_endplate_lps=_vec(result.bottom_endplate_lps),
        height_mm=height,
        width_mm=result.width_mm,
        depth_mm=result.depth_mm,
        volume_ml=result.volume_ml,
        symmetry_score=float(result.mirror.score),
        complete=not (result.at_edge_above or result.at_edge_below),
        confidence=float(confidence),
        disc_above_mm=result.disc_above_mm,
        disc_below_mm=result.disc_below_mm,
        next_above_mm=result.next_above_mm,
        next_below_mm=result.next_below_mm,
    )


def detect_level(volume: ImageVolume, seed_lps, name: str, params: LevelParams | None = None,
                 frame_hint=None) -> LevelGeometry:
    """Segment the vertebral body around ``seed_lps`` (a click inside the body) and measure the level.

    ``frame_hint``: rows (left, posterior, head) to start from instead of the tilt search of
    :func:`~planner.anatomy.levels_align.initial_frame` (a neighbour's frame, when walking the spine:
    adjacent vertebrae differ by a few degrees, and the search costs about as much as a pass).

    Raises :class:`~planner.core.errors.PlanError` for an unknown name,
    :class:`~planner.core.errors.OutOfRangeError` for a point outside the scan, and
    :class:`~planner.core.errors.PlannerError` when no vertebral body is found there.
    """
    return detect_level_pass(volume, seed_lps, name, params, frame_hint)[0]


def detect_level_pass(volume: ImageVolume, seed_lps, name: str, params: LevelParams | None = None,
                      frame_hint=None) -> tuple[LevelGeometry, PassResult]:
    """:func:`detect_level` and its last pass (whose ``body_mask`` is the body on the pass's grid).
    Where the standard passes find no body (:mod:`planner.anatomy.levels_body`), the body bounded by
    its cortex is tried (low-density marrow, :mod:`planner.anatomy.levels_marrow`); a body the
    standard passes find is never measured again."""
    _check_name(name)
    p = params or LevelParams()
    seed = np.asarray(seed_lps, dtype=float).reshape(3)
    if not volume.contains_ijk(volume.to_ijk(seed)):
        raise OutOfRangeError("The clicked point is outside the scan: click inside a vertebral body.")
    try:
        return _detect(volume, seed, name, p, frame_hint, analyse_pass)
    except PlannerError as standard:
        if not p.marrow_fallback:
            raise
        try:
            return _detect(volume, seed, name, p, frame_hint, analyse_marrow_pass)
        except PlannerError:
            raise standard from None


def detect_sacral_level(volume: ImageVolume, seed_lps, name: str, params: LevelParams | None = None,
                        frame_hint=None) -> LevelGeometry:
    """:func:`detect_level` for S1 (:mod:`planner.anatomy.levels_sacrum`: the axis from the superior
    endplate alone, the fused sacrum below), up to :data:`~planner.anatomy.levels_sacrum.SACRAL_PASSES`
    passes from ``frame_hint`` (L5's frame, when walking the spine); its centre from the last pass's
    mid-sagittal section (:func:`~planner.anatomy.levels_sacrum.with_section_centre`)."""
    geometry, result, p = _sacral_passes(volume, seed_lps, name, params, frame_hint)
    return _section_centred(volume, geometry, result, p)


def _sacral_passes(volume: ImageVolume, seed_lps, name: str, params: LevelParams | None, frame_hint):
    """The sacral passes: (the body with the standard centre, the last pass, the parameters they ran with)."""
    p = replace(params or LevelParams(), max_passes=SACRAL_PASSES, converged_deg=SACRAL_CONVERGED_DEG)
    geometry, result = _detect(volume, np.asarray(seed_lps, dtype=float).reshape(3), name, p, frame_hint,
                               analyse_sacral_pass)
    return geometry, result, p


def _section_centred(volume: ImageVolume, geometry: LevelGeometry, result: PassResult, p: LevelParams) -> LevelGeometry:
    """``geometry`` with S1's own centre (:func:`~planner.anatomy.levels_sacrum.with_section_centre`)."""
    moved = _geometry(geometry.name, with_section_centre(volume, result, p), np.asarray(geometry.axes_lps))
    return replace(moved, confidence=geometry.confidence)


#: A refining pass that turns the axis by more than this (degrees) ran from a centre measured in a frame far
#: from the body's own, so one more pass is run from its centre, even past ``max_passes`` (issue 13). L5 of
#: the shared lumbar scan: in L4's frame (8 degrees anterior) the wedge-shaped L5-S1 disc dips only to
#: 239 HU, over the split of 220, so the first pass merged L5 with S1 (81 mm wide, centre at z 134, the
#: front of L5's inferior endplate); the second, in the merged body's frame (21 degrees anterior, the
#: turn 22 degrees), was seeded there, its seed slice cut the body and the L5-S1 disc obliquely, and its
#: mask took in the pedicles' roots (67.5 mm wide, 45.9 ml). Seeded at that pass's centre, a third pass
#: turns by 1.2 degrees (docs/l5-body.md). Every other body of both real scans and the sample is unchanged
#: by it (compared field by field).
TURNED_DEG = 10.0


def _detect(volume: ImageVolume, seed: np.ndarray, name: str, p: LevelParams, frame_hint,
            pass_fn) -> tuple[LevelGeometry, PassResult]:
    """The passes of :func:`detect_level` with one pass function (standard or low-density marrow)."""
    if frame_hint is not None:
        centre, axes = seed, np.asarray(frame_hint, dtype=float).reshape(3, 3)
    elif pass_fn is analyse_pass:
        centre, axes = initial_frame(volume, seed, p)
    else:  # the tilt search needs the standard footprint, which porotic marrow breaks: the patient's axes
        centre, axes = seed, np.eye(3)
    result = pass_fn(volume, centre, axes, seed, p, p.first_search_deg)
    axes = _frame_from(result)
    passes, done = max(p.max_passes - 1, 1), 0
    while done < passes:
        done += 1
        reach = 0.5 * float(np.linalg.norm(result.top_endplate_lps - result.bottom_endplate_lps)) + 18.0
        fine = replace(p, half_height_mm=float(np.clip(reach, 25.0, p.half_height_mm)))
        result = pass_fn(volume, result.centre_lps, axes, result.centre_lps, fine, p.refine_search_deg)
        new_axes = _frame_from(result)
        change = _angle_deg(axes, new_axes)
        axes = new_axes
        if change < p.converged_deg:
            break
        if done == passes == max(p.max_passes - 1, 1) and change >= TURNED_DEG:
            passes += 1  # seeded at a centre seen in a frame far from the body's own: once more from this one
    geometry = _geometry(name, result, axes)
    if geometry.height_mm < p.min_body_mm:  # endplates closer than a body's run: a disc or an endplate's rim
        raise PlannerError("No vertebral body was found at the clicked point: click inside the body, "
                           "between its endplates.")
    return geometry, result


def _next_body(volume: ImageVolume, current: LevelGeometry, direction: int, p: LevelParams) -> LevelGeometry | None:
    """The body after ``current`` toward the head (+1) or the feet (-1), or None when there is none.

    Toward the feet, where the standard pass finds none, S1 is sought with the sacral pass
    (:func:`_sacral_body`). Toward the head, where the seed across the disc finds no plausible body (none,
    or a slab thinner than :data:`MIN_HEIGHT_RATIO` of ``current``: a thoracic disc with the rib heads
    beside it), the search is tried again with the profiles of :data:`RETRY_PROFILES`, each at the same
    seed and half a body height further on (beyond the thin slab), then each from a seed in the next
    body's lower part (:data:`RETRY_LOW_SEED_FRACTION`), last those of :data:`LAST_RETRY_PROFILES` at the
    first seed (a faint thoracic disc); the body found there must pass the same rules,
    begin where ``current``'s profile saw the next body begin (:data:`RETRY_START_TOL_MM`) and lie nearly on
    ``current``'s axis (:data:`RETRY_MAX_SIDEWAYS`) and mid-sagittal plane (:data:`MAX_OFF_PLANE_MM`)."""
    name = neighbour_name(current.name, -direction)
    start_mm = current.next_above_mm if direction > 0 else current.next_below_mm
    if name is None or start_mm is None:
        return None
    head = current.head_lps * direction
    seed = np.asarray(current.body_centre_lps) + head * (start_mm + 0.45 * current.height_mm)
    found = _candidate(volume, current, seed, name, direction, start_mm, p)
    if found is None and direction < 0:  # S1 below L5: its superior endplate alone gives its axis
        found = _sacral_body(volume, current, head, name, start_mm, p)
    if found is not None or direction < 0:
        return found
    low = np.asarray(current.body_centre_lps) + head * (start_mm + RETRY_LOW_SEED_FRACTION * current.height_mm)
    further = seed + head * 0.5 * current.height_mm
    retries = [(profile, retry) for profile in RETRY_PROFILES for retry in (seed, further)]
    retries += [(profile, low) for profile in RETRY_PROFILES] + [(profile, seed) for profile in LAST_RETRY_PROFILES]
    for (percentile, split), retry in retries:
        thin = replace(p, profile_percentile=percentile, split_fraction=split)
        found = _candidate(volume, current, retry, name, direction, start_mm, thin)
        if found is None or not on_midline(current, found) or sideways_fraction(current, found) > RETRY_MAX_SIDEWAYS:
            continue
        if abs(float(np.dot(np.asarray(found.bottom_endplate_lps) - current.body_centre_lps, head)) - start_mm) \
                <= RETRY_START_TOL_MM:
            return found
    return None


def _sacral_body(volume: ImageVolume, current: LevelGeometry, feet: np.ndarray, name: str, start_mm: float,
                 p: LevelParams) -> LevelGeometry | None:
    """S1 below ``current`` by the sacral pass, seeded :data:`SACRAL_SEED_MM` inside its superior endplate
    (``feet``: the unit vector toward the feet), then, where the bone half a body below is sacral
    (:func:`planner.anatomy.spine_sacrum.is_sacral`: the ala joined to the ilia; not below L4, where the
    retries cost two seconds on the thin-slice scan and find nothing), at each of
    :data:`SACRAL_RETRY_SEEDS_MM`: the first that passes :func:`_candidate`'s rules, shows no disc below it
    (the fused sacrum), is as wide as :func:`sacral_width_ok` allows and lies :func:`on_midline`, or None.
    The rules are applied to the passes' standard centre, as they were measured (levels_rules.py); the S1
    kept then gets its own centre (:func:`_section_centred`): on the lumbar scan resampled to 1 mm slices the
    section centre of a body diverged 5.1 mm off L5's plane lay 3.7 mm off it, and passed the 4 mm rule."""
    centre = np.asarray(current.body_centre_lps)
    last = []

    def passes(volume, seed_lps, name, params, frame_hint=None) -> LevelGeometry:
        geometry, result, sp = _sacral_passes(volume, seed_lps, name, params, frame_hint)
        last[:] = [(result, sp)]
        return geometry

    for n, depth_mm in enumerate((SACRAL_SEED_MM,) + SACRAL_RETRY_SEEDS_MM):
        if n == 1 and not is_sacral(volume, centre + feet * (start_mm + 0.45 * current.height_mm), current.axes_lps):
            return None
        found = _candidate(volume, current, centre + feet * (start_mm + depth_mm), name, -1, start_mm, p, detect=passes)
        if found is not None and found.next_below_mm is None and sacral_width_ok(current, found) \
                and on_midline(current, found):
            return _section_centred(volume, found, *last[0])
    return None


def _candidate(volume: ImageVolume, current: LevelGeometry, seed: np.ndarray, name: str, direction: int,
               start_mm: float, p: LevelParams, detect=None) -> LevelGeometry | None:
    """The body at ``seed`` as the neighbour of ``current`` (see :func:`_next_body`), measured by ``detect``
    (:func:`detect_level` unless given), or None when none is found there or it fails the rules: whole,
    moved at least half the expected step along the spine and less sideways than half that, and
    :func:`plausible_neighbour`."""
    if not volume.contains_ijk(volume.to_ijk(seed)):
        return None
    try:
        found = (detect or detect_level)(volume, seed, name, p, frame_hint=np.asarray(current.axes_lps))
    except PlannerError:
        return None
    head = current.head_lps * direction
    offset = np.asarray(found.body_centre_lps) - np.asarray(current.body_centre_lps)
    moved_mm = float(np.dot(offset, head))
    expected_mm = start_mm + 0.5 * current.height_mm
    sideways_mm = float(np.linalg.norm(offset - moved_mm * head))
    if not found.complete or moved_mm < 0.5 * expected_mm or sideways_mm > 0.5 * moved_mm:
        return None
    if not plausible_neighbour(current, found):
        return None
    confidence = current.confidence * _step_confidence(moved_mm, expected_mm) * _shape_confidence(current, found)
    return replace(found, confidence=round(confidence, 3))


def propose_neighbours(volume: ImageVolume, level: LevelGeometry, count_up: int = 2, count_down: int = 2,
                       params: LevelParams | None = None, cancel: Cancel | None = None) -> list[LevelGeometry]:
    """Find up to ``count_up`` bodies above and ``count_down`` below ``level`` and name them.

    From each body the next is seeded across the disc (centre + the distance to where the next body
    starts on the profile + about half a body height, along the cranio-caudal axis), segmented with
    :func:`detect_level` and named by counting from ``level.name`` (L2 -> L1, T12 above; L3, L4
    below). The walk stops at the scan's edge, when a body is cut by it, when no body is found, or
    past T1 / S1. ``confidence`` multiplies along the walk: the parent's, the step-length agreement
    and the height and width ratios to the parent. Returned from head to feet, ``level`` excluded.
    ``cancel`` (issue 19) is checked before each body: :class:`~planner.core.progress.JobCancelled`.
    """
    _check_name(level.name)
    p = params or LevelParams()
    found: list[LevelGeometry] = []
    for direction, count in ((+1, count_up), (-1, count_down)):
        current = level
        for _ in range(max(int(count), 0)):
            check_cancel(cancel, "the search for the neighbouring vertebrae")
            nxt = _next_body(volume, current, direction, p)
            if nxt is None:
                break
            found.append(nxt)
            current = nxt
    return sorted(found, key=lambda g: LEVEL_ORDER.index(g.name))
