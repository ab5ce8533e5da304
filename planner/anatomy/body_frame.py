"""A level frame from the bone around a point, for bodies the level detection cannot measure.

:func:`planner.anatomy.levels.detect_level` needs the whole body between its endplates; a short scan
(the 20-slice T11-T12 CT) cuts it. This fallback keeps the patient's axes (no tilt is measured) and
takes, around the seed: bone above ``bone_hu`` (smoothed 0.7 mm), holes filled per axial slice, the
canal removed, opened in plane by a disc of ``opening_mm`` (pedicles and processes fall off), the part
at the seed. Its centroid is the centre, its AP / z extents the depth / height (the height is only
what the scan holds); the mid-sagittal plane passes through the centroid of the canal near it.
"""

from __future__ import annotations

import numpy as np

from planner.anatomy.morphology import fill_holes_in_plane
from planner.core.frames import ijk_to_kji, kji_to_ijk, spacing_kji
from planner.core.lazy import lazy_module
from planner.anatomy.sectors import LevelFrame
from planner.core.errors import PlannerError
from planner.core.volume import ImageVolume

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)


def body_frame_from_bone(volume: ImageVolume, seed_lps, name: str, canal_mask: np.ndarray | None = None,
                         bone_hu: float = 200.0, opening_mm: float = 6.0, reach_mm: float = 40.0) -> LevelFrame:
    """A :class:`LevelFrame` (patient axes) from the bone at ``seed_lps`` (see the module text)."""
    seed = np.asarray(seed_lps, float).reshape(3)
    c = volume.to_ijk(seed)
    if not volume.contains_ijk(c):
        raise PlannerError("The point given for the level is outside the scan.")
    sp = np.array(volume.spacing_mm)
    r = np.ceil(reach_mm / sp).astype(int)
    lo = np.clip(np.round(c).astype(int) - r, 0, None)
    hi = np.minimum(np.round(c).astype(int) + r + 1, np.array(volume.shape_ijk))
    box = (slice(lo[2], hi[2]), slice(lo[1], hi[1]), slice(lo[0], hi[0]))
    hu = ndimage.gaussian_filter(volume.hu[box].astype(np.float32), [0.7 / s for s in spacing_kji(sp)])
    st = np.zeros((3, 3, 3), bool)
    st[1] = ndimage.generate_binary_structure(2, 1)
    bone = fill_holes_in_plane(hu > bone_hu, st)
    if canal_mask is not None:
        bone &= ~np.asarray(canal_mask, bool)[box]
    rad = int(round(opening_mm / sp[0]))
    yy, xx = np.mgrid[-rad:rad + 1, -rad:rad + 1]
    disc = np.zeros((1, 2 * rad + 1, 2 * rad + 1), bool)
    disc[0] = xx**2 + yy**2 <= rad**2
    body = ndimage.binary_opening(bone, structure=disc)
    labels, n = ndimage.label(body)
    s = np.round(c).astype(int) - lo
    lab = labels[s[2], s[1], s[0]]
    if lab == 0:  # the point is in a lytic spot or a gap: the body part most present within 8 mm
        q = np.ceil(8.0 / sp).astype(int)
        near = labels[max(s[2] - q[2], 0):s[2] + q[2] + 1, max(s[1] - q[1], 0):s[1] + q[1] + 1,
                      max(s[0] - q[0], 0):s[0] + q[0] + 1]
        counts = np.bincount(near.ravel(), minlength=n + 1)
        counts[0] = 0
        lab = int(np.argmax(counts)) if counts.max() > 0 else 0
    if lab == 0:
        raise PlannerError(f"No vertebral body found at the point given for level {name}: place it inside a body.")
    kji = np.argwhere(labels == lab) + ijk_to_kji(lo)
    pts = volume.to_lps(kji_to_ijk(kji).astype(float))
    centre = pts.mean(axis=0)
    ext = pts.max(axis=0) - pts.min(axis=0)
    plane = centre.copy()
    if canal_mask is not None:
        ck = np.argwhere(np.asarray(canal_mask, bool)[box]) + ijk_to_kji(lo)
        if len(ck):
            plane[0] = volume.to_lps(kji_to_ijk(ck).astype(float))[:, 0].mean()
    return LevelFrame(name, centre, np.eye(3), plane, float(ext[2]) + float(sp[2]), float(ext[1]) + float(sp[1]))
