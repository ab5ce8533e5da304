"""The vertebral body at a clicked point (the V-click level tool, the mirror plane of a needle without a
level, a CTV's level), measured so that a wrong body is refused rather than shown.

:func:`~planner.anatomy.levels.detect_level` alone, from a click with no context, goes wrong on the
thoracic bodies of the shared lumbar scan (issue 13): its tilt search took the rib cage for the body
(the "head" axis of T10 pointing forward, a 94 mm deep "body"), the default profile merged T8 with T7
(a centre 29.7 mm from the click's body) and T11 and T6 were not found. The walk along the spine finds
them because it carries each neighbour's frame and retries other profiles (:mod:`planner.anatomy.levels`).
So, in this order:

1. a body of the automatic vertebrae (``known``) whose outline holds the click is that body, under the
   user's name (measured in the context of the whole spine, and instant);
2. else, with automatic vertebrae known, the body is measured at the click from the frame of the nearest
   one, then from the tilt search, then from the patient's axes, each with the walk's profiles
   (:data:`~planner.anatomy.levels_rules.RETRY_PROFILES`), and the first body that holds the click, is
   :func:`plausible_click_body` and fits beside the known vertebrae (:func:`_fits_beside`: its height
   judged against the nearest one's, as the walk judges a retry) is kept; with none known, only the tilt
   search and the standard profile (a retry's body cannot be judged without a neighbour's height: on
   the T11-T12 scan they found "T12" bodies 11-14 mm high, 10-17 mm from the whole body), kept when it
   holds the click and is plausible;
3. else :class:`~planner.core.errors.PlannerError` in words (the callers then take the level from the
   bone around the click, :mod:`planner.session.level_fallback`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from planner.anatomy.body_outline import body_outline_contains
from planner.anatomy.levels import LevelGeometry, LevelParams, detect_level, detect_sacral_level
from planner.anatomy.levels_rules import LAST_RETRY_PROFILES, RETRY_PROFILES, plausible_neighbour
from planner.core.errors import OutOfRangeError, PlannerError
from planner.core.progress import check_cancel

__all__ = ["CLICK_MARGIN_MM", "INSIDE_KNOWN_MM", "MAX_AXIS_TILT_DEG", "MAX_DEPTH_MM", "MAX_HEIGHT_MM", "MAX_WIDTH_MM",
           "measure_body_at", "plausible_click_body"]

#: The click may lie this far outside the measured outline (a click on the cortex itself).
CLICK_MARGIN_MM = 2.0
#: A body's cranio-caudal axis turned further than this from the scan's (LPS +z) is not a body: the tilt
#: search itself looks within 36 degrees sagittally and 24 coronally (levels_align.initial_frame); lateral
#: decubitus and feet-first scans keep the spine along z.
MAX_AXIS_TILT_DEG = 45.0
#: No single vertebral body is wider or deeper (DOMAIN.md: lumbar bodies 40-50 mm wide, 30-35 mm deep; the
#: widest body the automatic search measures on the shared scans is L5 with its pedicles' roots, 60 mm).
MAX_WIDTH_MM = 70.0
MAX_DEPTH_MM = 60.0
#: Heights over these hold a disc and part of the next body: thoracic bodies are 17-21 mm high at T2-T9
#: (Egwu et al. 2019, J Anat Soc India 68:110, anterior and posterior heights) and lumbar 25-28 mm
#: (DOMAIN.md); the limits are about 1.4 times the largest.
MAX_HEIGHT_MM = {"T": 32.0, "L": 38.0}
#: An endplate of the measured body deeper than this inside a known vertebra's outline (a quarter of a
#: thoracic disc's 4-6 mm, DOMAIN.md, beyond an endplate shared at the disc) is in that vertebra.
INSIDE_KNOWN_MM = 2.0


def plausible_click_body(g: LevelGeometry, name: str) -> bool:
    """True when ``g`` can be one vertebral body named ``name``: its axis near the scan's cranio-caudal
    axis and its sizes within the limits above (S1's height is not bounded: its pass has no lower end)."""
    head = np.asarray(g.axes_lps, float)[2]
    if abs(head[2]) < np.cos(np.radians(MAX_AXIS_TILT_DEG)) * np.linalg.norm(head):
        return False
    if g.width_mm > MAX_WIDTH_MM or g.depth_mm > MAX_DEPTH_MM:
        return False
    limit = MAX_HEIGHT_MM.get(name[:1])
    return limit is None or name == "S1" or g.height_mm <= limit


def _fits_beside(g: LevelGeometry, known, near: LevelGeometry | None) -> bool:
    """With automatic vertebrae known: ``g``'s height within the walk's ratios of the nearest one's
    (:func:`~planner.anatomy.levels_rules.plausible_neighbour`), and its centre and the middles of its
    endplates in none of their bodies (deeper than :data:`INSIDE_KNOWN_MM`): such a body runs across a disc
    into a neighbour."""
    if near is None:
        return True
    points = np.asarray([g.body_centre_lps, g.top_endplate_lps, g.bottom_endplate_lps], float)
    return plausible_neighbour(near, g) and not any(
        body_outline_contains(k, points, -INSIDE_KNOWN_MM).any() for k in known)


def _nearest(known, seed: np.ndarray) -> LevelGeometry | None:
    return min(known, key=lambda g: float(np.linalg.norm(np.asarray(g.body_centre_lps) - seed)), default=None)


def measure_body_at(volume, seed_lps, name: str, known=(), params: LevelParams | None = None,
                    cancel=None) -> LevelGeometry:
    """The vertebral body holding ``seed_lps``, named ``name`` (see the module docstring). ``known``: the
    automatic vertebrae (empty when the search is off or has not finished). ``cancel`` is checked before
    each measurement. Raises :class:`~planner.core.errors.OutOfRangeError` for a point outside the scan and
    :class:`~planner.core.errors.PlannerError` when no plausible body holds the click."""
    seed = np.asarray(seed_lps, float).reshape(3)
    known = tuple(known)
    for g in known:
        if body_outline_contains(g, seed)[()]:
            return replace(g, name=name, confidence=1.0)  # the name is the user's word
    p = params or LevelParams()
    near = _nearest(known, seed)
    default = ((p.profile_percentile, p.split_fraction),)
    if near is None:  # no height to judge a retry's body by: the tilt search and the standard profile alone
        hints, profiles = [None], default
    else:
        hints = [np.asarray(near.axes_lps, float), None, np.eye(3)]
        profiles = default + (() if name == "S1" else RETRY_PROFILES + LAST_RETRY_PROFILES)
    measure = detect_sacral_level if name == "S1" else detect_level
    first_error, rejected = "", False
    for hint in hints:
        for percentile, split in profiles:
            check_cancel(cancel, "the level detection")
            try:
                g = measure(volume, seed, name, replace(p, profile_percentile=percentile, split_fraction=split),
                            frame_hint=hint)
            except OutOfRangeError:
                raise
            except PlannerError as exc:
                first_error = first_error or str(exc)
                continue
            if body_outline_contains(g, seed, CLICK_MARGIN_MM)[()] and plausible_click_body(g, name) \
                    and _fits_beside(g, known, near):
                return g
            rejected = True
    raise PlannerError(first_error if not rejected else
                       "No single vertebral body could be measured at the clicked point: the bone found there "
                       "runs into the neighbouring vertebrae or the ribs. Click nearer the middle of the body.")
