"""Needle corridor check on CT: bone along the path, depth from skin, pedicle wall breaches, canal entry.

Method (all vectorised; the only Python loop is over the few breach runs found):

1. The needle's true cylinder is resampled into needle-aligned cross-sections: one every
   ``axial_step_mm`` (<= 0.5 mm) from entry to tip, each a square grid (``inplane_step_mm``) of
   half-width outer radius + ``margin_mm``, HU interpolated linearly (outside the CT = air).
2. In each cross-section the **bone envelope** is cortical bone (>= ``cortical_hu``, 500 HU:
   DOMAIN.md "Hounsfield units", cortical bone 500-1900) with the holes it encloses filled, plus
   cancellous bone (>= ``cancellous_hu``; 300-400 HU in DOMAIN.md, lower in the elderly). So a lytic
   lesion inside an intact cortical ring still counts as inside the bone.
3. **Breach depth** of a cross-section = how far the needle's surface (disk of the outer radius)
   reaches beyond the envelope: the 3-D Euclidean distance from its surface to the nearest bone of
   the resampled stack (beside a wall parallel to the needle, the radial distance; across a gap
   between two bones along the path, the distance to the nearer one: :func:`planner.analysis.corridor_distance.outside_distance_mm`).
   Breaches are assessed along the bony path, from
   ``lead_in_factor`` outer diameters (4.8 mm for a 13G needle) past where the needle enters bone, to
   the tip: the cortex at the entry point is crossed obliquely, so the needle is partly outside bone
   there by construction. The entry is where the axis enters bone, or where the needle's wall first
   touches bone when the axis does not follow within the lead-in (a needle running beside a
   pedicle). Cross-sections with no bone within the margin (in 3-D) are not assessed (needle in soft
   tissue). For a transpedicular path this is the pedicle (the bony tube between the entry cortex
   and the body) and the body.
4. Each run of breached cross-sections is graded like Gertzbein-Robbins (DOMAIN.md "Access
   geometry"): 0 inside, 1 < 2 mm, 2 = 2-4 mm, 3 > 4 mm; its direction (medial, lateral, superior,
   inferior, anterior, posterior) is that of the run's breach vector (the depth-weighted sum of the
   directions away from bone over the run's surface points: a stable function of the line, issue 17),
   in the vertebra's axes when given, else the patient axes; near-ties go to medial
   (:func:`planner.analysis.corridor_distance.breach_direction_label` states the rule).
5. **Skin**: with a body mask (:mod:`planner.anatomy.body`, the table and cushions left out), the
   last entry of the needle line into the body before the tip, placed at the body's HU crossing;
   the line is extended back from the entry to the edge of the CT. Bone outside the body (the CT
   table, a lead) is not bone for step 2. Where the needle's shaft between the entry and the skin
   passes through something dense outside the body (the table, a cushion) or through the body
   again, or the tip lies outside the body, ``outside_body`` says so in words. Without a body mask:
   the first air (< ``air_hu``, -500 HU) to tissue transition coming from outside.
7. **Inside the vertebra** (one rule, :func:`planner.analysis.vertebra_rule.inside_vertebra`): points
   in the linked vertebra's body outline or in the target lesion count as bone, so bone destroyed by
   a lytic lesion is not a breach.
6. **Canal / foramen**: optional boolean masks on the CT grid (``[k, j, i]``), tested at the axis and
   at rings of points on the outer radius every axial step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from planner.core.lazy import lazy_module
from planner.core.frames import map_coordinates_kji
from planner.core.errors import OutOfRangeError, PlanError
from planner.core.volume import ImageVolume
from planner.analysis.corridor_distance import GAP_ALONG_COS, MIN_COHERENCE, breach_direction_label
from planner.analysis.corridor_distance import away_from_bone as _away_from_bone
from planner.analysis.corridor_distance import run_breach_vector as _run_breach_vector
from planner.analysis.corridor_distance import outside_distance_mm as _outside_distance_mm
from planner.analysis.point_tests import add_inside
from planner.analysis.section_morphology import fill_holes_in_plane, open_in_plane
from planner.analysis.corridor_skin import body_skin as _body_skin, find_skin as _find_skin, sample_lps as _sample_lps
from planner.geometry.trajectory import needle_direction, needle_length_mm, orthonormal_axes

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)


@dataclass(frozen=True)
class CorridorParams:
    """Thresholds and sampling of the corridor check (defaults from DOMAIN.md, see module docstring)."""

    cortical_hu: float = 500.0
    cancellous_hu: float = 200.0
    air_hu: float = -500.0
    axial_step_mm: float = 0.5
    inplane_step_mm: float = 0.25
    margin_mm: float = 8.0
    ring_points: int = 32
    lead_in_factor: float = 2.0
    breach_tolerance_mm: float = 0.2
    #: Outside the body, denser than air (about -1000 HU; -940 HU at the edge of the shared lumbar
    #: scan's field) is a thing: foam cushions (-930 to -860 HU there), the table's shell (-550 HU
    #: across a 1-2 mm sheet at an angle), leads.
    object_hu: float = -750.0


def gertzbein_robbins_grade(breach_mm: float) -> int:
    """Grade 0 inside, 1 under 2 mm, 2 from 2 to 4 mm, 3 over 4 mm (Gertzbein-Robbins; DOMAIN.md)."""
    if not np.isfinite(breach_mm) or breach_mm <= 0.0:
        return 0
    if breach_mm < 2.0:
        return 1
    return 2 if breach_mm <= 4.0 else 3


@dataclass(frozen=True)
class Breach:
    """One stretch of the path where the needle's wall lies outside the bone envelope."""

    start_depth_mm: float  # from the entry point, along the needle
    end_depth_mm: float
    max_breach_mm: float
    grade: int
    direction: str  # medial, lateral, superior, inferior, anterior, posterior (or left/right for midline)
    direction_lps: np.ndarray = field(repr=False)
    worst_point_lps: np.ndarray = field(repr=False)
    #: Across a soft-tissue gap between bones along the path (GAP_ALONG_COS): direction = nearer bone's side
    across_gap: bool = False

    @property
    def where(self) -> str:
        """The breach's place in words for the findings: its direction, or the gap it crosses."""
        gap = f"across a gap between two bones along the path (nearer bone {self.direction})"
        return gap if self.across_gap else self.direction


@dataclass(frozen=True)
class CorridorReport:
    """What the corridor check found for one needle. Depths are mm from the entry along the needle."""

    length_mm: float
    outer_diameter_mm: float
    length_in_bone_mm: float
    bone_entry_depth_mm: float | None
    skin_lps: np.ndarray | None
    depth_from_skin_mm: float | None  # skin to tip
    skin_to_entry_mm: float | None  # positive when the entry point lies inside the body
    breaches: tuple[Breach, ...]
    enters_canal: bool
    canal_entry_depth_mm: float | None
    enters_foramen: bool
    foramen_entry_depth_mm: float | None
    depths_mm: np.ndarray = field(repr=False)
    axis_hu: np.ndarray = field(repr=False)
    in_bone: np.ndarray = field(repr=False)
    breach_profile_mm: np.ndarray = field(repr=False)  # NaN where not assessed
    outside_body: str | None = None  # why the path is (partly) outside the patient, in words

    @property
    def max_breach_mm(self) -> float:
        return max((b.max_breach_mm for b in self.breaches), default=0.0)

    @property
    def grade(self) -> int:
        """Worst Gertzbein-Robbins-style grade along the path."""
        return max((b.grade for b in self.breaches), default=0)

    @property
    def worst_breach(self) -> Breach | None:
        return max(self.breaches, key=lambda b: b.max_breach_mm, default=None)

    def findings(self) -> list[str]:
        """Plain-language findings for the user."""
        out = [f"Needle path {self.length_mm:.1f} mm, {self.length_in_bone_mm:.1f} mm of it in bone."]
        if self.depth_from_skin_mm is None:
            out.append("No skin surface found along this line inside the scan; depth from skin unknown.")
        else:
            out.append(f"Depth from skin to tip {self.depth_from_skin_mm:.1f} mm.")
        for b in self.breaches:
            out.append(
                f"Cortical breach, {b.where}, {b.max_breach_mm:.1f} mm (grade {b.grade}) at "
                f"{b.start_depth_mm:.1f}-{b.end_depth_mm:.1f} mm from the entry."
            )
        if self.enters_canal:
            out.append(f"The needle enters the spinal canal {self.canal_entry_depth_mm:.1f} mm from the entry.")
        if self.enters_foramen:
            out.append(f"The needle enters a neural foramen {self.foramen_entry_depth_mm:.1f} mm from the entry.")
        if self.outside_body:
            out.append(self.outside_body)
        return out


def _cross_section_frame(direction: np.ndarray, axes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors perpendicular to the needle; e1 leans cranially (vertebra's cranio-caudal axis)."""
    for ref in (axes[2], axes[0], axes[1]):
        e1 = ref - (ref @ direction) * direction
        if np.linalg.norm(e1) > 1e-3:
            e1 = e1 / np.linalg.norm(e1)
            return e1, np.cross(direction, e1)
    raise PlanError("The vertebra axes given are degenerate.")


def _sample_mask(mask: np.ndarray, volume: ImageVolume, points_lps: np.ndarray) -> np.ndarray:
    """Nearest-voxel mask values at LPS points (outside the grid: False).

    Only the box of voxels around the points (2 voxels of pad, clipped to the grid) is converted to
    uint8 and sampled, with the coordinates shifted by the box's start: the same values as sampling
    the whole mask (each point's nearest voxel lies inside the box; where the box is clipped its
    edge is the grid's edge), without converting the whole CT-sized mask at every check.
    """
    ijk = volume.to_ijk(points_lps.reshape(-1, 3))
    coords = map_coordinates_kji(ijk)
    if not len(ijk) or not np.all(np.isfinite(coords)):
        values = ndimage.map_coordinates(mask.astype(np.uint8), coords, order=0, mode="constant", cval=0)
        return values.reshape(points_lps.shape[:-1]).astype(bool)
    lo = np.clip(np.floor(coords.min(axis=1)).astype(int) - 2, 0, None)
    hi = np.minimum(np.ceil(coords.max(axis=1)).astype(int) + 3, mask.shape)
    if np.any(hi <= lo):  # every point beyond one side of the grid
        return np.zeros(points_lps.shape[:-1], bool)
    box = tuple(slice(int(a), int(b)) for a, b in zip(lo, hi))
    values = ndimage.map_coordinates(mask[box].astype(np.uint8), coords - lo[:, None], order=0, mode="constant",
                                     cval=0)
    return values.reshape(points_lps.shape[:-1]).astype(bool)


def _bone_envelope(hu: np.ndarray, params: CorridorParams, fringe_px: int) -> np.ndarray:
    """Per cross-section (axis 0): filled cortical bone plus cancellous bone.

    Cancellous-range HU also occur in the partial-volume fringe just outside the cortex; an in-plane
    opening of ``fringe_px`` pixels removes that thin fringe (and keeps real cancellous bone, which is
    millimetres thick), so the envelope ends at the cortical edge. The opening and the
    filling are :mod:`planner.analysis.section_morphology`'s (scipy's ``binary_opening`` by the same disk
    and ``binary_fill_holes`` in-plane, computed faster: issue 17).
    """
    cortical = hu >= params.cortical_hu
    filled = fill_holes_in_plane(cortical)
    cancellous = open_in_plane((hu >= params.cancellous_hu) & ~cortical, fringe_px)
    return filled | cancellous


def check_corridor(
    volume: ImageVolume,
    entry_lps,
    tip_lps,
    outer_diameter_mm: float,
    side: str = "right",
    axes=None,
    canal_mask: np.ndarray | None = None,
    foramen_mask: np.ndarray | None = None,
    params: CorridorParams = CorridorParams(),
    lesion_inside=None,
    body=None,
    assess_from_mm: float | None = None,
) -> CorridorReport:
    """Check one needle's corridor on a CT volume (see the module docstring for the method).

    ``axes``: the vertebra's left-right, anterior-posterior, cranio-caudal unit vectors (rows) for
    naming breach directions; default the patient axes. ``side``: the needle's side, so that a breach
    toward the midline is called medial. ``lesion_inside``: optional function of LPS points (..., 3)
    returning True inside the target lesion; those points count as inside the vertebra, so a needle
    aimed into a lytic lesion that has destroyed the cortex is not reported as breaching it (the
    session passes :func:`planner.analysis.vertebra_rule.inside_vertebra`, the one rule shared by the
    safety panel, training and report). ``body``: a :class:`planner.anatomy.body.BodyMask`; bone
    outside it (the CT table) is not bone, and the skin is its boundary. ``assess_from_mm``: breaches
    are assessed from this depth on when it comes before the lead-in's end (the proposal's search,
    whose narrower window can see the first contact with bone later than this check with its defaults
    would: :func:`planner.planning.access.conservative_limits`); None: from the lead-in's end.
    """
    entry = np.asarray(entry_lps, float).reshape(3)
    tip = np.asarray(tip_lps, float).reshape(3)
    length = needle_length_mm(entry, tip)
    d = needle_direction(entry, tip)
    basis = np.eye(3) if axes is None else orthonormal_axes(axes)
    for name, mask in (("canal", canal_mask), ("foramen", foramen_mask)):
        if mask is not None and mask.shape != volume.hu.shape:
            raise PlanError(f"The {name} mask ({mask.shape}) does not match the CT grid ({volume.hu.shape}).")
    radius = outer_diameter_mm / 2.0
    if radius <= 0:
        raise PlanError("The needle's outer diameter must be greater than 0.")

    n_axial = max(int(np.ceil(length / min(params.axial_step_mm, 0.5))), 1) + 1
    depths = np.linspace(0.0, length, n_axial)
    axis_pts = entry + depths[:, None] * d
    if not any(volume.contains_ijk(p) for p in volume.to_ijk(axis_pts[:: max(n_axial // 50, 1)])):
        raise OutOfRangeError("The needle lies outside the CT volume.")

    e1, e2 = _cross_section_frame(d, basis)
    h = min(params.inplane_step_mm, min(volume.spacing_mm) / 2.0)
    half = int(np.ceil((radius + params.margin_mm) / h))
    offsets = np.arange(-half, half + 1) * h
    grid = offsets[:, None, None] * e1 + offsets[None, :, None] * e2  # (na, nb, 3)
    pts = axis_pts[:, None, None, :] + grid[None]
    hu = _sample_lps(volume, pts, order=1, cval=-1000.0)
    envelope = _bone_envelope(hu, params, fringe_px=max(int(round(max(volume.spacing_mm) / h)), 1))
    if body is not None:  # only the bone can change (the same test, on a fraction of the points; issue 15)
        envelope[envelope] = body.contains(pts[envelope])
    if lesion_inside is not None:  # asked only where it can change the answer (point_tests.add_inside)
        add_inside(envelope, lesion_inside, pts, axis_pts, grid)

    step = length / (n_axial - 1)
    # the distance field is read near the needle only: its ring and disk, one pixel beyond for the
    # gradient and the sampling around the ring, and the axis (a band of the window; same values)
    lo = max(half - (int(np.ceil(radius / h)) + 3), 0)
    c = half - lo  # the axis in the band
    outside, nearest = _outside_distance_mm(envelope, step, h, band=(lo, 2 * half + 1 - lo))
    has_bone = outside[:, c, c] <= radius + params.margin_mm  # bone within the window, in 3-D
    depth_field = np.clip(outside - h / 2.0, 0.0, None)

    aa, bb = np.meshgrid(offsets, offsets, indexing="ij")
    disk = aa**2 + bb**2 <= radius**2
    theta = np.linspace(0.0, 2 * np.pi, params.ring_points, endpoint=False)
    ring_a = c + radius * np.cos(theta) / h
    ring_b = c + radius * np.sin(theta) / h
    kk = np.repeat(np.arange(n_axial), params.ring_points)
    ring_depth = ndimage.map_coordinates(
        depth_field, [kk, np.tile(ring_a, n_axial), np.tile(ring_b, n_axial)], order=1, mode="nearest", prefilter=False
    ).reshape(n_axial, params.ring_points)
    disk_depth = depth_field[:, disk[lo:2 * half + 1 - lo, lo:2 * half + 1 - lo]].max(axis=1)
    section_depth = np.maximum(ring_depth.max(axis=1), disk_depth)
    worst_angle = theta[np.argmax(ring_depth, axis=1)]

    in_bone = envelope[:, half, half]
    touches = envelope[:, disk].any(axis=1)
    breach_profile = np.full(n_axial, np.nan)
    bone_entry = None
    if touches.any():
        k0 = int(np.argmax(touches))
        bone_entry = float(depths[int(np.argmax(in_bone))]) if in_bone.any() else float(depths[k0])
        lead_in = int(np.ceil(params.lead_in_factor * outer_diameter_mm / step))
        # Count the lead-in from where the axis enters bone, when it does so soon after first contact.
        axis_in = np.nonzero(in_bone[k0:])[0]
        anchor = k0 + int(axis_in[0]) if axis_in.size and axis_in[0] <= lead_in else k0
        ks = anchor + lead_in
        if assess_from_mm is not None:  # the caller's start (planner.planning.access: the search)
            ks = min(ks, int(np.searchsorted(depths, assess_from_mm)))
        assessed = np.zeros(n_axial, bool)
        assessed[ks:] = True
        assessed &= has_bone
        breach_profile[assessed] = section_depth[assessed]

    def away(s: int, e: int, k: int, angle: float):
        """The run's integrated breach vector; all round (a gap along the needle), the nearest bone's side."""
        v, coherence = _run_breach_vector(outside, ring_depth, s, e, ring_a, ring_b, step, h,
                                          params.breach_tolerance_mm, d, e1, e2)
        if v is not None and coherence >= MIN_COHERENCE:
            return v
        return _away_from_bone(outside, nearest, k, c + radius * np.cos(angle) / h, c + radius * np.sin(angle) / h,
                               step, h, d, e1, e2)

    all_round = ring_depth.min(axis=1) > params.breach_tolerance_mm  # the wall out of bone all round
    breaches = _breach_runs(breach_profile, depths, worst_angle, axis_pts, e1, e2, radius, basis, side, params, away,
                            gap_test=lambda k, v: bool(all_round[k]) and abs(float(np.dot(v, d))) >= GAP_ALONG_COS)
    outside_body = None
    if body is None:
        skin_lps, skin_to_entry = _find_skin(volume, entry, d, length, params)
    else:
        skin_lps, skin_to_entry, outside_body = _body_skin(volume, body, entry, d, length, params)
    canal_depth = _first_hit(canal_mask, volume, axis_pts, e1, e2, radius, depths, params)
    foramen_depth = _first_hit(foramen_mask, volume, axis_pts, e1, e2, radius, depths, params)
    length_in_bone = float(np.count_nonzero(in_bone) * step) if n_axial > 1 else 0.0
    return CorridorReport(
        length_mm=length,
        outer_diameter_mm=float(outer_diameter_mm),
        length_in_bone_mm=length_in_bone,
        bone_entry_depth_mm=bone_entry,
        skin_lps=skin_lps,
        depth_from_skin_mm=None if skin_to_entry is None else float(skin_to_entry + length),
        skin_to_entry_mm=skin_to_entry,
        breaches=breaches,
        enters_canal=canal_depth is not None,
        canal_entry_depth_mm=canal_depth,
        enters_foramen=foramen_depth is not None,
        foramen_entry_depth_mm=foramen_depth,
        depths_mm=depths,
        axis_hu=hu[:, half, half],
        in_bone=in_bone,
        breach_profile_mm=breach_profile,
        outside_body=outside_body,
    )


def _breach_runs(profile, depths, worst_angle, axis_pts, e1, e2, radius, basis, side, params,
                 away=None, gap_test=None) -> tuple[Breach, ...]:
    """Runs of breached cross-sections; each named by its breach vector (``away(s, e, k, angle)``:
    :func:`planner.analysis.corridor_distance.run_breach_vector`, integrated over the run; across a gap
    between two bones along the path, the side of the bone nearest the worst point, ahead or behind),
    else by the worst surface point's side; named by
    :func:`planner.analysis.corridor_distance.breach_direction_label`; ``gap_test(k, vector)``: is it
    :attr:`Breach.across_gap`."""
    breached = np.nan_to_num(profile, nan=0.0) > params.breach_tolerance_mm
    edges = np.diff(np.concatenate([[0], breached.astype(np.int8), [0]]))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    runs = []
    for s, e in zip(starts, ends):
        k = s + int(np.argmax(profile[s:e]))
        v = np.cos(worst_angle[k]) * e1 + np.sin(worst_angle[k]) * e2
        out = away(s, e, k, float(worst_angle[k])) if away is not None else None
        out = v if out is None else out
        worst = float(profile[k])
        runs.append(
            Breach(
                start_depth_mm=float(depths[s]),
                end_depth_mm=float(depths[e - 1]),
                max_breach_mm=worst,
                grade=gertzbein_robbins_grade(worst),
                direction=breach_direction_label(out, basis, side),
                direction_lps=out,
                worst_point_lps=axis_pts[k] + radius * v,
                across_gap=bool(gap_test(k, out)) if gap_test is not None else False,
            )
        )
    return tuple(runs)


def _first_hit(mask, volume, axis_pts, e1, e2, radius, depths, params) -> float | None:
    """Depth of the first axial sample whose axis or outer-radius ring lies in the mask."""
    if mask is None:
        return None
    theta = np.linspace(0.0, 2 * np.pi, max(params.ring_points // 2, 8), endpoint=False)
    ring = np.concatenate([[[0.0, 0.0, 0.0]], radius * (np.cos(theta)[:, None] * e1 + np.sin(theta)[:, None] * e2)])
    hits = _sample_mask(mask, volume, axis_pts[:, None, :] + ring[None]).any(axis=1)
    return float(depths[int(np.argmax(hits))]) if hits.any() else None
