"""A synthetic stack of three vertebra-like shapes with a known pose, for closed-form checks.

Each vertebra, in its own frame (u toward the patient's left, v posterior, w toward the head, mm):
an elliptic body (semi-axes 22 x 16 mm, height 25 mm), two pedicle rods (radius 4.5 mm at u = +-15 mm
from the body's posterior wall to the lamina), a lamina and a spinous process; bodies 37 mm apart
with 12 mm discs between them. The whole stack is rotated by ``rotation`` (columns = the frame's
axes in LPS) about ``centre_lps``, so the true axes, body centres and mid-sagittal plane are exact.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.spatial.transform import Rotation

from planner.core.volume import ImageVolume

BONE_HU, DISC_HU, SOFT_HU, LESION_HU = 380.0, 80.0, 40.0, 40.0
BODY_SEMI_MM = (22.0, 16.0)
BODY_HEIGHT_MM = 25.0
PITCH_MM = 37.0


def pose(yaw_deg: float, tilt_deg: float, roll_deg: float = 0.0) -> np.ndarray:
    """Rotation: ``yaw`` about the cranio-caudal axis, ``tilt`` about left-right, ``roll`` about AP."""
    return Rotation.from_euler("zxy", [yaw_deg, tilt_deg, roll_deg], degrees=True).as_matrix()


def _vertebra(u, v, w) -> np.ndarray:
    body = ((u / BODY_SEMI_MM[0]) ** 2 + (v / BODY_SEMI_MM[1]) ** 2 <= 1.0) & (np.abs(w) <= BODY_HEIGHT_MM / 2)
    pedicles = ((np.minimum((u - 15.0) ** 2, (u + 15.0) ** 2) + (w - 3.0) ** 2 <= 4.5 ** 2)
                & (v >= 8.0) & (v <= 34.0))
    lamina = (np.abs(u) <= 17.0) & (v >= 31.0) & (v <= 37.0) & (np.abs(w) <= 10.0)
    spinous = (np.abs(u) <= 3.0) & (v >= 36.0) & (v <= 62.0) & (w >= -14.0) & (w <= 4.0)
    transverse = (np.abs(u) >= 14.0) & (np.abs(u) <= 38.0) & (np.abs(v - 24.0) <= 3.0) & (np.abs(w - 3.0) <= 4.0)
    return body | pedicles | lamina | spinous | transverse


def make_phantom(rotation: np.ndarray, centre_lps=(5.0, -20.0, 30.0), spacing_mm=(0.9, 0.9, 1.5),
                 lesion: bool = False, noise_hu: float = 15.0, seed: int = 7) -> ImageVolume:
    """Rasterise the stack (middle vertebra at ``centre_lps``) into a supine HFS grid (IOP 1,0,0,0,1,0)."""
    centre = np.asarray(centre_lps, dtype=float)
    spacing = np.asarray(spacing_mm, dtype=float)
    half = np.array([60.0, 60.0, 62.0])
    lo = centre - half + np.array([0.0, 20.0, 0.0])
    shape_ijk = np.round(2 * half / spacing).astype(int) + 1
    i, j, k = (np.arange(n) for n in shape_ijk)
    x, y, z = np.meshgrid(lo[0] + spacing[0] * i, lo[1] + spacing[1] * j, lo[2] + spacing[2] * k, indexing="ij")
    local = np.stack([x - centre[0], y - centre[1], z - centre[2]], axis=-1) @ rotation  # rows: (u, v, w)
    u, v, w = local[..., 0], local[..., 1], local[..., 2]
    hu = np.full(u.shape, SOFT_HU, dtype=float)
    disc = ((u / BODY_SEMI_MM[0]) ** 2 + (v / BODY_SEMI_MM[1]) ** 2 <= 1.0) & (np.abs(w) <= 1.5 * PITCH_MM)
    hu[disc] = DISC_HU
    for n in (-1, 0, 1):
        hu[_vertebra(u, v, w - n * PITCH_MM)] = BONE_HU
    if lesion:  # lytic, in the left half of the middle body, through the posterior wall
        hu[(u - 9.0) ** 2 + (v - 10.0) ** 2 + w ** 2 <= 8.0 ** 2] = LESION_HU
    hu = ndimage.gaussian_filter(hu, 0.6 / spacing)
    hu += np.random.default_rng(seed).normal(0.0, noise_hu, hu.shape)
    hu_kji = np.transpose(hu, (2, 1, 0)).astype(np.int16)  # (i, j, k) -> array order [k, j, i]
    return ImageVolume(hu=hu_kji, spacing_mm=tuple(spacing), origin_lps=tuple(lo), direction=np.eye(3))
