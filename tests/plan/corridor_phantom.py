"""A synthetic 'pedicle' phantom with closed-form geometry (LPS mm, 0.5 mm voxels, partial volume).

Right pedicle: a bony tube along the anterior-posterior (y) axis, centre x = -15, z = 0, from y = 9
(opening into the body) to y = 30, outer radius 4 mm with a 1 mm cortex (1000 HU) around cancellous
bone (300 HU). A mirror tube on the left at x = +15. Body: box x in [-20, 20], y in [-25, 10],
z in [-12, 12] with a 1 mm cortex. Canal: box x in [-9.5, 9.5], y in [11, 29], all z, CSF (15 HU),
so its lateral wall lies 1.5 mm medial of the right pedicle's outer surface. Soft tissue 40 HU; skin
at y = 70 with air (-1000 HU) behind it.

Edges carry partial volume (each voxel mixes the HU of the shapes by the fraction of it they cover,
from the signed distance to the surface), as a CT does, so the surfaces lie where the closed forms
say and not half a voxel out.
"""

from __future__ import annotations

import numpy as np

from planner.core.volume import ImageVolume

SPACING = 0.5
PEDICLE_X = -15.0
PEDICLE_OUTER_R = 4.0
CORTEX_MM = 1.0
PEDICLE_Y = (9.0, 30.0)
CANAL_X = 9.5
CANAL_Y = (11.0, 29.0)
SKIN_Y = 70.0
ORIGIN = (-30.0, -30.0, -15.0)
SHAPE_IJK = (121, 221, 61)  # x -30..30, y -30..80, z -15..15


def _cover(signed_distance: np.ndarray) -> np.ndarray:
    """Fraction of a voxel inside a surface at this signed distance (negative inside)."""
    return np.clip(0.5 - signed_distance / SPACING, 0.0, 1.0)


def _box(xx, yy, zz, lo, hi) -> np.ndarray:
    c = [(a + b) / 2 for a, b in zip(lo, hi)]
    h = [(b - a) / 2 for a, b in zip(lo, hi)]
    return np.maximum.reduce([np.abs(xx - c[0]) - h[0], np.abs(yy - c[1]) - h[1], np.abs(zz - c[2]) - h[2]])


def _tube(xx, yy, zz, cx, radius) -> np.ndarray:
    yc, hy = (PEDICLE_Y[0] + PEDICLE_Y[1]) / 2, (PEDICLE_Y[1] - PEDICLE_Y[0]) / 2
    return np.maximum(np.hypot(xx - cx, zz) - radius, np.abs(yy - yc) - hy)


def build_phantom() -> tuple[ImageVolume, np.ndarray]:
    """(volume, canal mask on the volume grid)."""
    ni, nj, nk = SHAPE_IJK
    x = ORIGIN[0] + SPACING * np.arange(ni)
    y = ORIGIN[1] + SPACING * np.arange(nj)
    z = ORIGIN[2] + SPACING * np.arange(nk)
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")  # array order [k, j, i]
    big = 1e3
    f_air = _cover(SKIN_Y - yy)
    canal_sd = _box(xx, yy, zz, (-CANAL_X, CANAL_Y[0], -big), (CANAL_X, CANAL_Y[1], big))
    f_canal = _cover(canal_sd)
    base = 40.0 + (15.0 - 40.0) * f_canal
    base = base * (1 - f_air) - 1000.0 * f_air
    outer = [_cover(_box(xx, yy, zz, (-20, -25, -12), (20, 10, 12)))]
    inner = [_cover(_box(xx, yy, zz, (-19, -24, -11), (19, 9, 11)))]
    for cx in (PEDICLE_X, -PEDICLE_X):
        outer.append(_cover(_tube(xx, yy, zz, cx, PEDICLE_OUTER_R)))
        inner.append(_cover(_tube(xx, yy, zz, cx, PEDICLE_OUTER_R - CORTEX_MM)))
    f_outer = np.maximum.reduce(outer)
    f_inner = np.minimum(np.maximum.reduce(inner), f_outer)
    hu = base * (1 - f_outer) + 1000.0 * (f_outer - f_inner) + 300.0 * f_inner
    vol = ImageVolume(hu=np.round(hu).astype(np.int16), spacing_mm=(SPACING,) * 3, origin_lps=ORIGIN)
    return vol, canal_sd <= 0
