"""Candidate straight trajectories into a vertebral body, each checked once by the corridor check.

For each side and approach a fan of straight lines pivots about a point of the pedicle found in the
image (:func:`pedicle_axis`): transpedicular lines about the pedicle's centre (and points
``pivot_shifts_mm`` lateral to it), along its own axis tilted by up to ``span_deg``
medially/laterally and cranially/caudally; parapedicular (and, at
thoracic levels, transcostovertebral) lines about a point ``lateral_offset_mm`` lateral to it, tilted
``extra_medial_deg`` more medially (they run beside the pedicle, over the rib head in the thorax).

Each line enters at the skin: the first point, walking back from the pivot, outside the patient's
body (:func:`body_mask`: tissue above ``-300 HU``, the largest part; the CT table is a separate part,
so a line that would leave the body into the table is refused). Along each line one corridor check
(:func:`planner.analysis.corridor.check_corridor`) runs from the skin to the deepest tip; a tip at
depth ``t`` is allowed when, up to ``t``: no medial breach of ``max_medial_breach_mm`` (2 mm:
Gertzbein-Robbins grade 2, "raises neurological risk", DOMAIN.md), no other breach over
``max_other_breach_mm`` (grade 3), no entry into the canal or a foramen, the needle's wall at least
``needle_canal_margin_mm`` from the canal's sub-voxel surface
(:mod:`planner.planning.needle_canal`), skin-to-tip within the needle's usable length, and the antenna tip (``t + extension``)
still inside the vertebra's body, ``anterior_margin_mm`` behind its anterior surface.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from planner.core.lazy import lazy_module
from planner.analysis.corridor import CorridorParams, CorridorReport, check_corridor
from planner.anatomy.sectors import BODY, LEFT_PEDICLE, RIGHT_PEDICLE, SectorMap
from planner.core.volume import ImageVolume
from planner.planning.search_check import conservative_limits, first_possible_contact_mm

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

#: 13-gauge bone needle outer diameter (DOMAIN.md "Access geometry"; Chen AJNR 2022 used 13G).
NEEDLE_OUTER_MM = 2.41
SIDES = {"left": (+1, LEFT_PEDICLE), "right": (-1, RIGHT_PEDICLE)}
#: A faster corridor check for the search: a narrower window (3 mm instead of 8 mm around the needle)
#: on the full check's own in-plane grid (0.25 mm; the window's points are a subset of the full
#: check's), read conservatively (:func:`planner.planning.search_check.conservative_limits`); proposals are re-checked in full.
#: Its bone thresholds are the default ones only when the session gives none: :func:`search_corridor`.
SEARCH_CORRIDOR = CorridorParams(margin_mm=3.0, inplane_step_mm=0.25, axial_step_mm=0.5)
#: The search's corridor check starts this far behind the pivot (behind the pedicle and the lamina's
#: junction); the soft tissue before it holds no bone to breach and no canal.
CHECK_BEHIND_PIVOT_MM = 30.0


@dataclass(frozen=True)
class AccessParams:
    """The search's ranges and the safety limits (mm, degrees)."""

    span_deg: float = 15.0
    cc_span_deg: float = 5.0
    angle_step_deg: float = 7.5
    tip_step_mm: float = 3.0
    usable_length_mm: float = 150.0
    max_medial_breach_mm: float = 2.0
    max_other_breach_mm: float = 4.0
    needle_canal_margin_mm: float = 1.5
    anterior_margin_mm: float = 3.0
    lateral_offset_mm: float = 6.0
    #: transpedicular pivots: the pedicle's centre and points this far lateral to it (mm, in the pedicle:
    #: T12 pedicles are about 8.3 mm wide, Kaur 2016 in DOMAIN.md)
    pivot_shifts_mm: tuple[float, ...] = (0.0, 3.0)
    extra_medial_deg: float = 10.0
    parapedicular: bool = False
    body_hu: float = -300.0
    outer_diameter_mm: float = NEEDLE_OUTER_MM


@dataclass(frozen=True, eq=False)
class Line:
    """One straight line of the fan: skin entry, unit direction (toward the tip), allowed tip depths."""

    side: str
    approach: str
    entry_lps: np.ndarray
    direction: np.ndarray
    tip_depths_mm: np.ndarray           # allowed needle-tip depths from the entry (may be empty)
    rejected: dict = field(default_factory=dict)  # constraint -> how much it missed by, for messages
    report: CorridorReport | None = None
    check_start_mm: float = 0.0         # the corridor report's depths start this far from the entry

    def tip(self, depth_mm: float) -> np.ndarray:
        return self.entry_lps + depth_mm * self.direction


def search_corridor(params: CorridorParams | None = None) -> CorridorParams:
    """The search's corridor parameters: :data:`SEARCH_CORRIDOR`'s sampling (margin, steps) with the bone
    thresholds of ``params``, the parameters the session's check of the needle will read (the
    cancellous threshold adapted to the linked vertebra's marrow, :func:`planner.analysis.marrow.params_for_vertebra`).

    Issue 17: with a fixed 200 HU the search graded the low-density pedicles of the shared T11-T12
    scan's T12 (marrow 100-190 HU) as breached where the session's re-check (100 HU there, the rule's floor)
    finds them intact, so it refused the transpedicular lines the re-check would pass.
    """
    if params is None:
        return SEARCH_CORRIDOR
    return replace(SEARCH_CORRIDOR, cortical_hu=params.cortical_hu, cancellous_hu=params.cancellous_hu,
                   air_hu=params.air_hu, object_hu=params.object_hu)


def body_mask(volume: ImageVolume, hu: float = -300.0, k_range: slice | None = None) -> np.ndarray:
    """The patient's body: tissue above ``hu`` per axial slice opened by 2 voxels, largest 3-D part,
    holes filled in each slice; only the slices ``k_range`` (default all), False elsewhere.

    The opening cuts the thin contact between the body and a CT table under it.
    """
    ks = k_range or slice(0, volume.hu.shape[0])
    step = 2 if min(volume.spacing_mm[:2]) < 1.5 else 1  # every other row and column: 4x less work
    tissue = volume.hu[ks, ::step, ::step] > hu
    st = np.zeros((3, 3, 3), bool)
    st[1] = ndimage.generate_binary_structure(2, 1)
    tissue = ndimage.binary_opening(tissue, structure=st, iterations=max(2 // step, 1))
    labels, n = ndimage.label(tissue)
    out = np.zeros(volume.hu.shape, bool)
    if n == 0:
        return out
    keep = int(np.argmax(np.bincount(labels.ravel())[1:])) + 1
    small = ndimage.binary_fill_holes(labels == keep, structure=st)
    big = np.repeat(np.repeat(small, step, axis=1), step, axis=2)
    out[ks] = big[:, : volume.hu.shape[1], : volume.hu.shape[2]]
    return out


def level_slices(volume: ImageVolume, sectors: SectorMap, pad_mm: float = 40.0) -> slice:
    """Axial slices (k) within ``pad_mm`` of the level's vertebra (the needles stay near it)."""
    ks = np.nonzero(sectors.labels.any(axis=(1, 2)))[0]
    pad = int(np.ceil(pad_mm / volume.spacing_mm[2]))
    return slice(max(int(ks.min()) - pad, 0), min(int(ks.max()) + 1 + pad, volume.hu.shape[0]))


def pedicle_axis(volume: ImageVolume, sectors: SectorMap, side: str) -> tuple[np.ndarray, np.ndarray]:
    """(centre, unit direction toward anterior) of a pedicle from its sector voxels.

    Per 1 mm step along the level's AP axis the centroid of the pedicle's cross-section; a straight
    line fitted to the centroids (weighted least squares) gives the pedicle's own medial angle
    (clipped to 0-40 degrees); the axis is kept parallel to the level's endplates. Falls back to the
    level's AP axis through the centroid when the pedicle is shorter than 3 steps.
    """
    sign, label = SIDES[side]
    lf = sectors.frame.level
    k, j, i = _voxels_of(sectors.labels, label)
    if k.size < 10:
        from planner.core.errors import PlannerError

        raise PlannerError(f"No {side} pedicle found at level {lf.name or '?'}: no transpedicular access that side.")
    pts = volume.to_lps(np.stack([i, j, k], -1).astype(float))
    centre = pts.mean(axis=0)
    uvw = (pts - centre) @ lf.axes.T
    bins = np.round(uvw[:, 1]).astype(int)
    keys, counts = np.unique(bins, return_counts=True)
    keys = keys[counts >= 3]
    if keys.size >= 3:
        cu = np.array([uvw[bins == b, 0].mean() for b in keys])
        w = np.sqrt([np.count_nonzero(bins == b) for b in keys])
        du = np.polyfit(keys, cu, 1, w=w)[0]
        # keep to plausible pedicle axes: medial angle 0-40 degrees (DOMAIN.md: about 0 at T12 to
        # about 35 at T1 and 30 at L5); the cranio-caudal slope of the cross-section centroids is
        # swayed by the articular processes, so the axis is kept parallel to the endplates (the
        # level's axial plane), as the needle is aimed in practice; the fan tilts it.
        medial = np.clip(du * sign, 0.0, np.tan(np.radians(40.0)))  # posterior-going axis turns lateral
        d_local = np.array([sign * medial, 1.0, 0.0])
    else:
        d_local = np.array([0.0, 1.0, 0.0])
    toward_anterior = -(d_local @ lf.axes)
    return centre, toward_anterior / np.linalg.norm(toward_anterior)


def _voxels_of(labels: np.ndarray, label: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.nonzero(labels == label)``, looked for in the box of the labelled voxels only: the same
    indices in the same order (a box's C order is the grid's), without comparing the whole CT grid
    (on the TCIA scan 170 ms a side, issue 17)."""
    from planner.geometry.raster import mask_box

    box = mask_box(labels)
    if box is None:
        return tuple(np.zeros(0, np.intp) for _ in range(3))
    k, j, i = np.nonzero(labels[box] == label)
    return k + box[0].start, j + box[1].start, i + box[2].start


def _rotate(v: np.ndarray, axis: np.ndarray, deg: float) -> np.ndarray:
    a = np.radians(deg)
    axis = axis / np.linalg.norm(axis)
    return v * np.cos(a) + np.cross(axis, v) * np.sin(a) + axis * (axis @ v) * (1 - np.cos(a))


def fan(volume: ImageVolume, sectors: SectorMap, side: str, p: AccessParams) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(approach, pivot, direction) of every line of the fan on ``side``."""
    lf = sectors.frame.level
    sign = SIDES[side][0]
    centre, axis = pedicle_axis(volume, sectors, side)
    thoracic = lf.name.startswith("T")
    # transpedicular lines about the pedicle's centre and about points shifted laterally in it: a line
    # converging on the midline from a lateral pivot keeps off the medial wall (T12 of the shared scan)
    families = [("transpedicular", centre + sign * shift * lf.axes[0], axis, 0.0) for shift in p.pivot_shifts_mm]
    if p.parapedicular or thoracic:
        name = "transcostovertebral" if thoracic else "parapedicular"
        families.append((name, centre + sign * p.lateral_offset_mm * lf.axes[0], axis, p.extra_medial_deg))
    steps = np.arange(-p.span_deg, p.span_deg + 1e-9, p.angle_step_deg)
    cc_steps = np.arange(-p.cc_span_deg, p.cc_span_deg + 1e-9, max(p.cc_span_deg, 1e-9))
    out = []
    for approach, pivot, base, medial in families:
        # medial tilt: turning an anterior-pointing line toward the midline; about the head axis
        turned = _rotate(base, lf.axes[2], sign * medial) if medial else base
        for a in steps:
            for b in cc_steps:
                d = _rotate(_rotate(turned, lf.axes[2], sign * a), lf.axes[0], b)
                out.append((approach, pivot, d / np.linalg.norm(d)))
    return out


def _skin_entry(body: np.ndarray, volume: ImageVolume, pivot: np.ndarray, d: np.ndarray, max_mm: float):
    """Walk back from ``pivot`` along ``-d``: the last point inside the body before it is left for good."""
    t = np.arange(0.0, max_mm, 0.5)
    pts = pivot[None] - t[:, None] * d[None]
    ijk = np.round(volume.to_ijk(pts)).astype(int)
    inside_grid = np.all((ijk >= 0) & (ijk < np.array(volume.shape_ijk)), axis=1)
    inside = np.zeros(len(t), bool)
    ok = np.nonzero(inside_grid)[0]
    inside[ok] = body[ijk[ok, 2], ijk[ok, 1], ijk[ok, 0]]
    if inside.all():
        return None, "usable length", float(max_mm)
    last = int(np.argmax(~inside))  # first sample outside the body
    rest = inside[last:] & inside_grid[last:]
    if rest.any():  # beyond the skin there is more "body" (e.g. an arm): refuse the line
        return None, "path leaves and re-enters the body", 0.0
    if not inside_grid[last]:
        return None, "skin outside the scan", 0.0
    return pts[max(last - 1, 0)], "", 0.0


def mask_inside(volume: ImageVolume, mask: np.ndarray | None):
    """A function of LPS points (n, 3) -> True inside ``mask`` (nearest voxel), or None without a mask
    (:class:`planner.analysis.point_tests.MaskInside`: a box prefilter, and a ball bound for the
    corridor check)."""
    if mask is None:
        return None
    from planner.analysis.point_tests import MaskInside

    return MaskInside(volume, mask)


def evaluate_line(volume, sectors: SectorMap, body, canal_mask, foramen_mask, side, approach, pivot, d,
                  extension_mm: float, p: AccessParams, lesion_mask: np.ndarray | None = None,
                  canal_distance=None, lesion_inside=None, check_params: CorridorParams = SEARCH_CORRIDOR,
                  corridor_body=None) -> Line:
    """Skin entry, one corridor check and the allowed tip depths of one line (see the module text).
    ``lesion_inside``: what counts as inside the vertebra besides bone (default: the lesion mask);
    ``check_params``: the corridor check's parameters (:func:`search_corridor`); ``corridor_body``: the
    body mask the session's check reads (a :class:`~planner.anatomy.body.BodyMask`: bone outside it,
    the CT table, is not bone), or None."""
    lf = sectors.frame.level
    entry, why, by = _skin_entry(body, volume, pivot, d, p.usable_length_mm)
    if entry is None:
        return Line(side, approach, pivot, d, np.zeros(0), {why: by})
    # deepest sensible tip: where the line would leave the body's anterior margin
    v_front = -lf.depth_mm / 2.0 + p.anterior_margin_mm
    rel = (entry - lf.centre_lps) @ lf.axes[1]
    dv = d @ lf.axes[1]
    if dv >= -1e-3:
        return Line(side, approach, entry, d, np.zeros(0), {"direction": 0.0})
    t_front = float((v_front - rel) / dv) - extension_mm  # needle-tip depth from the entry
    t_front = min(t_front, p.usable_length_mm)
    t_pivot = float((pivot - entry) @ d)
    if t_front <= t_pivot:
        return Line(side, approach, entry, d, np.zeros(0), {"anterior body margin": t_pivot - t_front})
    t0 = max(t_pivot - CHECK_BEHIND_PIVOT_MM, 0.0)
    first = first_possible_contact_mm(volume, entry, d, t_front, p.outer_diameter_mm, check_params, lf.axes,
                                      lesion_inside or mask_inside(volume, lesion_mask))
    assess_from = None
    lead_in_mm = check_params.lead_in_factor * p.outer_diameter_mm
    if first is not None:  # the full check may assess from here on: the search's stack must hold it
        t0 = max(min(t0, first[0] - 1.0), 0.0)
        assess_from = first[0] + lead_in_mm - t0
    limit, rejected = t_front, {}
    if canal_distance is not None:  # the needle's wall keeps needle_canal_margin_mm off the canal
        t = np.arange(0.0, t_front + 0.25, 0.5)
        gap = canal_distance(entry[None] + t[:, None] * d[None]) - p.outer_diameter_mm / 2.0
        close = np.nonzero(gap < p.needle_canal_margin_mm)[0]
        if close.size:
            limit = min(limit, float(t[close[0]]) - 0.5)
            rejected["needle near the canal"] = float(p.needle_canal_margin_mm - gap.min())
    # The corridor check only shortens the allowed range [t_pivot, limit]: when no tip of it can hold
    # the antenna in the body already, the line has no allowed tip whatever the check finds, so the
    # check (most of the search's time) is skipped and the line names only these constraints.
    pre = np.arange(t_pivot, limit + 1e-9, p.tip_step_mm)
    if not antenna_in_body(volume, sectors, entry, d, pre, extension_mm).any():
        if len(pre):
            rejected["antenna tip outside the body"] = 0.0
        return Line(side, approach, entry, d, np.zeros(0), rejected, None, t0)
    report = check_corridor(volume, entry + t0 * d, entry + t_front * d, p.outer_diameter_mm, side=side,
                            axes=lf.axes, canal_mask=canal_mask, foramen_mask=foramen_mask, params=check_params,
                            lesion_inside=lesion_inside or mask_inside(volume, lesion_mask), body=corridor_body,
                            assess_from_mm=assess_from)
    if first is not None and report.in_bone.any():
        # check_corridor counts the lead-in from where the axis enters bone when it does so within the
        # lead-in after the first touch; the full check's axis enters bone no later than this check's
        # (its envelope holds this one's), so when even its first touch cannot come a lead-in before
        # that, its lead-in starts at the axis's entry, no earlier than the bound found for the axis
        axis_here = t0 + float(report.depths_mm[int(np.argmax(report.in_bone))])
        if first[0] >= axis_here - lead_in_mm:
            assess_from = max(assess_from, first[1] + lead_in_mm - t0)
    for depth, key, by in conservative_limits(report, p, assess_from):
        limit = min(limit, t0 + depth)
        rejected[key] = max(rejected.get(key, 0.0), by)
    for name, depth in (("canal", report.canal_entry_depth_mm), ("foramen", report.foramen_entry_depth_mm)):
        if depth is not None:
            limit = min(limit, t0 + depth - p.outer_diameter_mm)
            rejected[f"enters the {name}"] = 0.0
    tips = np.arange(t_pivot, limit + 1e-9, p.tip_step_mm)
    ok = antenna_in_body(volume, sectors, entry, d, tips, extension_mm)
    if len(tips) and not ok.any():
        rejected["antenna tip outside the body"] = 0.0
    return Line(side, approach, entry, d, tips[ok], rejected, report, t0)


def antenna_in_body(volume, sectors: SectorMap, entry, d, tips_mm, extension_mm: float) -> np.ndarray:
    """True where the antenna tip (needle tip + extension) lies in the vertebral body (sector 1)."""
    tips_mm = np.asarray(tips_mm, float)
    ant = entry[None] + (tips_mm + extension_mm)[:, None] * d[None]
    ijk = np.round(volume.to_ijk(ant)).astype(int)
    okg = np.all((ijk >= 0) & (ijk < np.array(volume.shape_ijk)), axis=1)
    in_body = np.zeros(len(tips_mm), bool)
    in_body[okg] = sectors.labels[ijk[okg, 2], ijk[okg, 1], ijk[okg, 0]] == BODY
    return in_body
