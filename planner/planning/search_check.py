"""The search's corridor check read conservatively against the full re-check (issue 17).

The proposal's search (:func:`planner.planning.access.evaluate_line`) checks each line once with a
narrower window than the session's check (:data:`planner.planning.access.SEARCH_CORRIDOR`); every
needle it proposes is checked again in full (:mod:`planner.planning.recheck`). The search may only be
conservative: a tip it allows should pass the full check. :func:`first_possible_contact_mm` bounds
where the full check starts assessing breaches; :func:`conservative_limits` reads the narrow check's
report against the full check's critical findings.
"""

from __future__ import annotations

import numpy as np

from typing import TYPE_CHECKING

from planner.analysis.corridor import CorridorParams, CorridorReport

if TYPE_CHECKING:  # the search's limits (access.py imports this module)
    from planner.planning.access import AccessParams


def first_possible_contact_mm(volume, entry, d, length_mm: float, outer_diameter_mm: float, params: CorridorParams,
                              axes, lesion_inside=None) -> tuple[float, float] | None:
    """Lower bounds of the depths at which the full corridor check's needle first touches bone
    (:func:`planner.analysis.corridor.check_corridor`: its envelope on the needle's disk) and at which its
    axis first lies in bone (within the 10 mm after the first touch, else that chunk's end), from the
    entry along ``d`` up to ``length_mm``; None when no point of the disk can be bone.

    The envelope is cortical bone with the holes it encloses filled, cancellous-range bone opened by a
    disk of the check's fringe radius ``R``, and points inside the vertebra (``lesion_inside``). On the
    needle's disk (radius ``r``) the opening depends only on the cross-section within ``r + 2R`` of the
    axis, so it is computed exactly in a window of that half-width (on the check's own in-plane grid,
    :func:`~planner.analysis.corridor._cross_section_frame`); the filled holes are those this window
    encloses (the full check's wider window may enclose more: a needle inside a cortical ring it never
    touched, which a path meets only after crossing that ring's cortex). Sections every 0.5 mm (the
    check's axial step), searched from the first one whose disk holds bone-density HU (>=
    ``cancellous_hu``) or the vertebra; the bound is moved one step (0.5 mm) earlier.
    """
    from planner.analysis.corridor import _bone_envelope, _cross_section_frame
    from planner.analysis.corridor_skin import sample_lps
    from planner.analysis.point_tests import add_inside
    from planner.geometry.trajectory import orthonormal_axes

    r = outer_diameter_mm / 2.0
    e1, e2 = _cross_section_frame(d, orthonormal_axes(axes))
    h = min(params.inplane_step_mm, min(volume.spacing_mm) / 2.0)
    fringe_px = max(int(round(max(volume.spacing_mm) / h)), 1)  # as check_corridor's
    g = np.arange(-int(np.ceil(r / h)), int(np.ceil(r / h)) + 1) * h
    aa, bb = np.meshgrid(g, g, indexing="ij")
    on = aa**2 + bb**2 <= r**2
    disk = aa[on][:, None] * e1 + bb[on][:, None] * e2
    depths = np.arange(0.0, length_mm + 0.25, 0.25)
    pts = entry[None, None] + depths[:, None, None] * d[None, None] + disk[None]
    dense = sample_lps(volume, pts, order=1, cval=-1000.0) >= min(params.cancellous_hu, params.cortical_hu)
    if lesion_inside is not None:  # the same answer, asking fewer points (planner.analysis.point_tests)
        add_inside(dense, lesion_inside, pts, entry[None] + depths[:, None] * d[None], disk)
    hit = np.nonzero(dense.any(axis=1))[0]
    if not hit.size:
        return None
    half = int(np.ceil(r / h)) + 2 * fringe_px
    w = np.arange(-half, half + 1) * h
    grid = w[:, None, None] * e1 + w[None, :, None] * e2
    wa, wb = np.meshgrid(w, w, indexing="ij")
    on_disk = wa**2 + wb**2 <= r**2
    start = float(depths[hit[0]])
    while start <= length_mm:
        t = np.arange(start, min(start + 10.0, length_mm) + 1e-9, 0.5)
        wpts = entry[None, None, None] + t[:, None, None, None] * d + grid[None]
        env = _bone_envelope(sample_lps(volume, wpts, order=1, cval=-1000.0), params, fringe_px)
        if lesion_inside is not None:
            add_inside(env, lesion_inside, wpts, entry[None] + t[:, None] * d[None], grid)
        touch = np.nonzero(env[:, on_disk].any(axis=1))[0]
        if touch.size:
            k0 = max(float(t[touch[0]]) - 0.5, 0.0)
            axis = np.nonzero(env[touch[0]:, half, half])[0]  # the axis's first possible bone, in this chunk
            return k0, (max(float(t[touch[0] + axis[0]]) - 0.5, 0.0) if axis.size else float(t[-1]))
        start = float(t[-1]) + 0.5
    return None


def conservative_limits(report: CorridorReport, p: AccessParams,
                        assess_from_mm: float | None = None) -> list[tuple[float, str, float]]:
    """Each (depth from the report's start where the full check could refuse the needle, the constraint
    in words, by how much it failed) that the search's narrow-window check finds; a tip is allowed only
    before the first of them.

    The search's check may only be conservative: it must never allow a tip the full check
    (:mod:`planner.planning.recheck`: medial breach >= 2 mm) refuses (issue 17: on the T11-T12 scan's
    T12 the search read <= 1.54 mm where the full check reads a 2.23 mm medial breach). Its window
    holds a subset of the full check's cross-section points (the same 0.25 mm grid, 3 mm instead of
    8 mm around the needle) and so a subset of its bone: where it measures a breach it measures at
    least the full check's (bone within the window, i.e. a breach up to about 3 mm, is found at the
    same distance; bone beyond it only makes the narrow window's distance larger). Three things it
    cannot see are counted against the line:

    - where the full check starts assessing: its wider window can see the first contact with bone
      earlier than the narrow one (the opening of the cancellous bone, the filled holes), so the search
      assesses from :func:`first_possible_contact_mm`'s bound plus the lead-in (``assess_from_mm``,
      depth in the report) on;
    - a section of the bony path with no bone in its window at all (the report leaves it unassessed:
      ``breach_profile_mm`` NaN after the start) holds a breach of about 3 mm or more that the full
      check, seeing bone up to 8 mm away, may measure; it counts as one too deep;
    - a breach's direction: across the gap before the bone ahead (the pedicle's entry) the direction
      comes from a distance-field gradient that depends on where the stack of cross-sections starts
      and ends (T12's left pedicle line: "medial 2.23 mm" from the entry to the tip, "posterior 2.33 mm"
      from the entry to a deeper tip, "posterior 2.32 mm" in the search), so a posterior breach of
      ``max_medial_breach_mm`` or more counts as medial. (Counting every direction but lateral as
      medial refused most of the TCIA L2 fans for 2.0-2.4 mm "superior" readings at the oblique
      cortex entry the full check reads as 1.1-1.4 mm: coverage fell from 29 % to 11 %.) The others
      keep ``max_other_breach_mm`` (grade 3, Gertzbein-Robbins).

    Not a proof: the lead-in rule (from the axis's entry when it follows the first touch within the
    lead-in) and the axial sampling (stacks starting at different depths) are bounded to 0.5 mm, and a
    cortical ring enclosing the needle's disk only in the full check's wider window is not seen; the
    proposal still re-checks every needle in full (:mod:`planner.planning.recheck`).
    """
    found: list[tuple[float, str, float]] = []
    prof, depths = report.breach_profile_mm, report.depths_mm
    start = int(np.argmax(np.isfinite(prof))) if np.isfinite(prof).any() else len(prof)
    if assess_from_mm is not None:  # the full check may assess from here (first_possible_contact_mm)
        start = int(np.searchsorted(depths, assess_from_mm - 1e-9))
    for b in report.breaches:  # each run's worst from ``start`` on
        s0 = max(int(np.searchsorted(depths, b.start_depth_mm - 1e-9)), start)
        seg = prof[s0: int(np.searchsorted(depths, b.end_depth_mm + 1e-9))]
        if not np.isfinite(seg).any():
            continue
        worst = float(np.nanmax(seg))
        medial = b.direction in ("medial", "posterior")
        allowed = p.max_medial_breach_mm if medial else p.max_other_breach_mm
        if worst >= allowed:
            key = "medial breach >= 2 mm" if medial else f"{b.direction} breach > {allowed:g} mm"
            found.append((float(depths[s0]), key, worst - allowed))
    gap = np.nonzero(~np.isfinite(prof[start:]))[0]
    if gap.size:
        found.append((float(depths[start + gap[0]]), "no bone near the path (breach over 3 mm)", 0.0))
    return found
