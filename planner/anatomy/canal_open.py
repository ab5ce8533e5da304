"""Canal cross-sections where the bony ring is open (disc levels, facet joints, gaps between laminae).

There the shape interpolated from the closed-ring slices (``interpolate_shapes``) is about right in
place but too small: at disc levels the thecal sac widens into the lateral recesses and the
posterior recess between the laminae, where no bone bounds it (seen on the TCIA lumbar scan, Dice
0.62-0.80 on those slices). Each such slice's shape is therefore:

1. kept where it is not bone (a trim by a soft-tissue threshold was tried and removed the canal's
   own partial-volume rim with it);
2. grown into non-bone voxels below ``grow_hu`` after a light in-plane smoothing that are connected to it in the slice and lie
   within ``grow_mm`` of it (the lateral recess is about 3-5 mm deep; the limit keeps the canal out
   of the neural foramina, which open further out, and out of the paraspinal fat behind an open
   lamina gap), and within ``bone_reach_mm`` of bone in the slice (the recesses are bounded by the
   facets, laminae and pedicles; a slice with no bone nearby keeps the interpolated shape), and
   never further forward than the interpolated shape reaches: in front lie the disc and the body's
   posterior wall, which a lytic lesion may have destroyed (the canal must not leak into it), nor
   more than ``back_mm`` further back (between open laminae lie the ligamentum flavum and
   paraspinal fat, kept out by the density bounds below), and
   never wider than the closed-ring slices (``half_width_mm`` from the centre line, plus 1 mm): the
   lateral recesses lie within the interpedicular width, the foramina outside it.

What may be grown is bounded by density as well as by place (``grow_min_hu``, ``above_core_hu``):
the voxels taken on the TCIA lumbar scan (where the reference includes them) read 4-85 HU after
smoothing (10th-90th percentile; the canal's own content there 45-58 HU): thecal sac, root sleeves
and ligament, not fat. On the bundled sample the same growth took its paraspinal fat (-100 to -86
HU) and, behind the canal, muscle about 55 HU above the canal's content (2 HU). So a voxel is grown
only when its smoothed HU is above ``grow_min_hu`` (-40 HU, half-way between epidural fat, -120 to
-90 HU, and CSF, about 15 HU: DOMAIN.md) and at most ``above_core_hu`` (30 HU) above the median of
the slice's interpolated shape (45 HU gave a slightly higher lumbar Dice, 0.854, but a wider canal at
L3 on which a proposed bipedicular needle came 0.92 mm from the reference canal,
tests/planning/test_propose_realdata.py); the result is opened by ``open_px`` (square corners left by the
place limits are not canal) and may reach ``back_mm`` behind the interpolated shape (the posterior
recess between the laminae at disc levels, seen on the TCIA review images). With these bounds the
growth is on by default (``CanalParams.open_grow_mm = 4``); figures in docs/canal-validation.md.

``grow_hu`` (80 HU) sits at the low end of disc and ligament density: on the TCIA scan the canal's
own content reads 45-58 HU (median, after smoothing) so the disc cannot be told from it by HU alone;
the growth limit of ``grow_mm`` bounds what may still be taken from the disc's back.
"""

from __future__ import annotations

import numpy as np

from planner.core.lazy import lazy_module
from planner.anatomy.canal_slices import IN_PLANE_4, dilate_disk, disk_structure

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)


def refine_open_slices(shapes: np.ndarray, hu: np.ndarray, bone: np.ndarray, spacing_rc_mm,
                       grow_mm: float = 4.0, grow_hu: float = 80.0,
                       smooth_mm: float = 0.8, bone_reach_mm: float = 6.0, anterior_rc=None,
                       centre_rc=None, half_width_mm: float | None = None, grow_min_hu: float = -np.inf,
                       back_mm: float = 0.0, above_core_hu: float = np.inf,
                       open_px: int = 0) -> np.ndarray:
    """Refined masks for the open-ring slices ``shapes`` [s, r, c] with their ``hu`` and ``bone``."""
    if len(shapes) == 0:
        return shapes
    sr, sc = float(spacing_rc_mm[0]), float(spacing_rc_mm[1])
    soft = ndimage.gaussian_filter(hu.astype(np.float32), sigma=(0, smooth_mm / sr, smooth_mm / sc))
    core = shapes & ~bone
    near_bone = dilate_disk(bone, int(round(bone_reach_mm / min(sr, sc))))
    allowed = (soft < grow_hu) & (soft > grow_min_hu) & ~bone & near_bone
    if np.isfinite(above_core_hu):
        core_hu = np.array([np.median(soft[s][core[s]]) if core[s].any() else np.nan for s in range(len(soft))])
        with np.errstate(invalid="ignore"):
            allowed &= soft <= core_hu[:, None, None] + above_core_hu
    if anterior_rc is not None and np.linalg.norm(anterior_rc) > 0.5:
        allowed &= _not_forward_of(shapes, np.asarray(anterior_rc, float), sr, sc, back_mm=back_mm)
        if centre_rc is not None and half_width_mm is not None:
            allowed &= _within_width(shapes.shape, np.asarray(anterior_rc, float), centre_rc, sr, sc,
                                     half_width_mm + 1.0)
    radius_px = max(1, int(round(grow_mm / min(sr, sc))))
    envelope = dilate_disk(shapes, radius_px)
    labels, _ = ndimage.label((core | (allowed & envelope)), structure=IN_PLANE_4)
    keep = np.zeros(int(labels.max()) + 1, dtype=bool)
    keep[np.unique(labels[core])] = True
    keep[0] = False
    grown = keep[labels]
    if open_px > 0:
        grown = ndimage.binary_opening(grown, structure=disk_structure(open_px)) | core
    # a slice whose trimmed shape vanished keeps the interpolated one (nothing better is known)
    empty = ~grown.any(axis=(1, 2))
    grown[empty] = shapes[empty]
    return grown


def _not_forward_of(shapes: np.ndarray, anterior_rc: np.ndarray, sr: float, sc: float,
                    setback_mm: float = 4.0, back_mm: float = 0.0) -> np.ndarray:
    """Pixels between the back of each slice's shape and ``setback_mm`` behind its front."""
    a = anterior_rc / np.linalg.norm(anterior_rc)
    n, rows, cols = shapes.shape
    proj = (np.arange(rows)[:, None] * sr * a[0] + np.arange(cols)[None, :] * sc * a[1])
    front = np.where(shapes, proj[None], -np.inf).max(axis=(1, 2))
    back = np.where(shapes, proj[None], np.inf).min(axis=(1, 2))
    return (proj[None] <= front[:, None, None] - setback_mm) & (proj[None] >= back[:, None, None] - back_mm)


def _within_width(shape, anterior_rc: np.ndarray, centre_rc: np.ndarray, sr: float, sc: float,
                  half_width_mm: float) -> np.ndarray:
    """Pixels whose lateral offset from each slice's centre-line point is at most ``half_width_mm``."""
    a = anterior_rc / np.linalg.norm(anterior_rc)
    lat = np.array([-a[1], a[0]])
    n, rows, cols = shape
    dr = (np.arange(rows)[None, :, None] - centre_rc[:, 0, None, None]) * sr
    dc = (np.arange(cols)[None, None, :] - centre_rc[:, 1, None, None]) * sc
    return np.abs(dr * lat[0] + dc * lat[1]) <= half_width_mm
