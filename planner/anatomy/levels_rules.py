"""The rules a neighbour found by the walk across the discs must pass, and where the walk seeds its
retries (:func:`planner.anatomy.levels.propose_neighbours`; docs/levels.md, issue 13)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from planner.anatomy.levels import LevelGeometry

__all__ = ["LAST_RETRY_PROFILES", "MAX_HEIGHT_RATIO", "MAX_OFF_PLANE_MM", "MIN_HEIGHT_RATIO", "RETRY_LOW_SEED_FRACTION",
           "RETRY_MAX_SIDEWAYS", "RETRY_PROFILES", "RETRY_START_TOL_MM", "SACRAL_RETRY_SEEDS_MM", "SACRAL_SEED_MM",
           "SACRAL_WIDTH_RATIO", "on_midline", "plausible_neighbour", "sacral_width_ok", "shape_confidence",
           "sideways_fraction", "step_confidence"]


def step_confidence(moved_mm: float, expected_mm: float) -> float:
    """1 when the centre-to-centre step matches the expected one, falling off (Gaussian, 20 %)."""
    return float(np.exp(-0.5 * ((moved_mm - expected_mm) / (0.2 * expected_mm)) ** 2))


def shape_confidence(a: LevelGeometry, b: LevelGeometry) -> float:
    """Adjacent bodies have similar height and width (a few per cent per level, DOMAIN.md sizes)."""
    ratio = lambda x, y: min(x, y) / max(x, y) if max(x, y) > 0 else 0.0  # noqa: E731
    return float(ratio(a.height_mm, b.height_mm) * ratio(a.width_mm, b.width_mm))


#: Adjacent vertebral bodies differ in height by a few per cent per level (DOMAIN.md sizes; T11 22.6 mm,
#: T12 24.7 mm on the shared lumbar scan): a "body" under this fraction of its neighbour's height is a disc
#: with the rib heads beside it (they articulate at the disc, T10 of that scan: 12.7 mm) or an endplate rim.
MIN_HEIGHT_RATIO = 0.6

#: ... and a "body" over this many times its neighbour's height is two bodies merged across a thin disc
#: (issue 13, that scan resampled to 2 and 0.6 mm slices: retries toward the head found "T11" 38.3 mm over
#: T12's 24.2 (1.59) and "T9" 45.2 mm over T10's 23.1 (1.95); accepted, they ended the walk there, as
#: bodies over ``SpineParams.max_height_mm``). Between T7 and S1 of the native scan the ratio of adjacent
#: bodies found is 0.82-1.12.
MAX_HEIGHT_RATIO = 1.4


def plausible_neighbour(current: LevelGeometry, found: LevelGeometry) -> bool:
    """False for a neighbour far lower or taller than the body it was found from (see
    :data:`MIN_HEIGHT_RATIO`, :data:`MAX_HEIGHT_RATIO`)."""
    return MIN_HEIGHT_RATIO * current.height_mm <= found.height_mm <= MAX_HEIGHT_RATIO * current.height_mm


#: (percentile of the body's section, ``split_fraction``) of the profiles a retry toward the head tries,
#: in order (:func:`planner.anatomy.levels._next_body`). Thoracic discs are 4-6 mm high (DOMAIN.md) and the
#: rib heads articulate beside them: on 3 mm slices the 60th percentile of a thoracic section barely dips at
#: the disc (T10-T9 of the shared lumbar scan: 293 HU between bodies of 290-330 HU), so the body runs fall
#: apart or two bodies merge; a low percentile keeps the disc's low voxels, and a split nearer the body's level (0.8 of the way
#: from the disc's floor) cuts a disc that dips by only 10-20 % (issue 13, checked by eye on that scan).
RETRY_PROFILES: tuple[tuple[float, float], ...] = ((20.0, 0.7), (20.0, 0.8), (30.0, 0.8))


#: A retried body must begin where the profile of ``current`` saw the next body begin, within a thoracic
#: disc's height (4-6 mm, DOMAIN.md): on the shared lumbar scan the retry from T10 found a 22 mm "T9" across
#: the T9-T8 disc (its lower endplate 10 mm above where T9 begins, checked by eye on the sagittal render).
RETRY_START_TOL_MM = 5.0


#: ... and its centre must lie less than this fraction of the step sideways of ``current``'s axis (the
#: standard rule allows half): the thoracic kyphosis curves gently, and between T12 and T7 of the native
#: lumbar scan the centres found lie 0.04-0.10 of the step sideways; a retry on that scan resampled to 0.6
#: and 2 mm slices found "T10" and "T11" 0.33 and 0.39 of the step sideways, 7.4 and 11.8 mm from the native
#: scan's bodies (66 and 61.5 mm wide, against 58.5 and 51).
RETRY_MAX_SIDEWAYS = 0.2


#: A body found by a retry toward the head or by the sacral pass must have its centre within this distance
#: (mm) of ``current``'s mid-sagittal plane: adjacent vertebrae share the midline (between S1 and T7 of the
#: native lumbar scan the centres found lie 0.0-2.1 mm from the plane of the body they were found from). On
#: that scan resampled to 1 mm slices the sacral pass from its 6 mm seed gave an S1 5.1 mm to the left of
#: L5's plane (63 mm wide, 4.5 mm from the native scan's S1; the 4.5 mm seed's, 85.5 mm wide, was refused).
MAX_OFF_PLANE_MM = 4.0


#: The sacral pass is seeded this far (mm, three 1.5 mm steps of the automatic search's grid) beyond where the
#: profile of the body above saw S1 begin, just inside its superior endplate, not half a body height on: its
#: mask takes bone above 150 HU below the seed and above the profile's split above it (rule 3 of
#: planner/anatomy/levels_sacrum.py: the marrow under S1's dense endplate reads under the split), so a seed
#: in mid-body cut the upper marrow out. From the L5 of issue 13 (docs/l5-body.md) the old seed, 12 mm
#: inside, gave a body 44 mm high; seeds 3-10.5 mm inside gave S1 39-40.5 mm deep, centres within 2.5 mm.
SACRAL_SEED_MM = 4.5


#: Where the sacral pass seeded at :data:`SACRAL_SEED_MM` gives no acceptable S1, it is seeded again at these
#: depths (mm inside the superior endplate, nearest first, the same 1.5 mm steps), and the first S1 that
#: passes the rules is kept. The sacral pass runs up to 8 passes from L5's frame and amplifies small changes
#: of its seed (docs/s1-body-leak.md): on the shared lumbar scan resampled to 0.67 mm slices (issue 13) the
#: walk reached an L5 2.4 mm lower than on the native 3 mm slices (from a T12 0.3 mm off to start with: the
#: seed track's coarse slices fall elsewhere), the 4.5 mm seed then diverged to the patient's right (centre
#: x -53 mm, 64 mm sideways: refused) and S1 was lost; 3 mm did the same, 1.5, 6, 7.5 and 9 mm gave S1 within
#: 1.5 mm of the native scan's. That seed stays the first try, so a scan where it works keeps its S1.
SACRAL_RETRY_SEEDS_MM: tuple[float, ...] = (3.0, 6.0, 1.5, 7.5, 9.0)


#: S1's superior endplate is about as wide as L5's inferior one: a sacral body wider than this many times
#: the body above took in the alae beside it (seeds 6 and 7.5 mm on the lumbar scan resampled to 0.67 mm:
#: 85.5 mm against L5's 63), one narrower than the lower bound is a piece of it off the midline (at 1 mm
#: slices, the 3 mm seed: 27 mm wide, 14.8 mm to the left of L5's centre). The S1 found on the native scan:
#: 52.5 mm under L5's 60 (0.875).
SACRAL_WIDTH_RATIO = (0.75, 1.2)


#: After the retries of :data:`RETRY_PROFILES` at the usual seeds, each profile is tried once more from a
#: seed this fraction of ``current``'s height beyond where the next body begins (in its lower part, not its
#: middle). On the resampled lumbar scan T8's frame differed from the native scan's by 1.2 degrees of
#: coronal tilt; from the mid seed every retry profile then merged T7 with T6 (a run of 46 mm) or found a
#: body straddling a disc (its start 8-10 mm off, refused), and T7 was lost; from the lower seed the 20th
#: percentile at 0.8 found T7 within 0.1 mm of the native scan's.
RETRY_LOW_SEED_FRACTION = 0.2


def sideways_fraction(current: LevelGeometry, found: LevelGeometry) -> float:
    """How far ``found``'s centre lies sideways of ``current``'s cranio-caudal axis, over the step along it."""
    head = np.asarray(current.axes_lps[2])
    offset = np.subtract(found.body_centre_lps, current.body_centre_lps)
    along = float(np.dot(offset, head))
    return float(np.linalg.norm(offset - along * head)) / max(abs(along), 1e-6)


def on_midline(current: LevelGeometry, found: LevelGeometry) -> bool:
    """True when ``found``'s centre lies within :data:`MAX_OFF_PLANE_MM` of ``current``'s mid-sagittal plane."""
    return abs(float(np.dot(np.subtract(found.body_centre_lps, current.plane_point_lps),
                            current.plane_normal_lps))) <= MAX_OFF_PLANE_MM


def sacral_width_ok(current: LevelGeometry, found: LevelGeometry) -> bool:
    """False for an S1 far wider or narrower than the body above it (see :data:`SACRAL_WIDTH_RATIO`)."""
    low, high = SACRAL_WIDTH_RATIO
    return low * current.width_mm <= found.width_mm <= high * current.width_mm


#: (percentile, ``split_fraction``) tried last of all toward the head, from the seed 0.45 of a body into the
#: next body, after every retry above (so a walk that found a body before finds the same one). On the native
#: lumbar scan T6 (endplates z 456.5 and 474.5-477.5 mm by eye on the mid-sagittal slice, the T5-T6 disc a
#: faint, tilted band at 476-479 mm, 7 mm under the top slice) was lost: the T5-T6 disc dips only 4-10 HU
#: under T6's marrow on every percentile profile of the section (3 mm slices), so each retry's run reached the
#: scan's top edge (T6 with part of T5, cut: refused). The 40th percentile at 0.8 splits it (split 303 HU,
#: the disc's slices 299-302): T6 0.9 mm from the centre read by eye, every other body unchanged in every field
#: (also on the T11-T12 scan, the sample and at 200-660 slices; T6 is also found at 400 and 600 slices).
#: The margin is a few HU: a T6 found this way is as good as that faint disc (issue 13).
LAST_RETRY_PROFILES: tuple[tuple[float, float], ...] = ((40.0, 0.8),)
