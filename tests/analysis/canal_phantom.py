"""A small synthetic spine for canal tests: elliptic canal, bony ring closed at vertebral levels and
open at disc levels, and a lytic lesion that breaks the posterior wall of one body."""

from __future__ import annotations

import numpy as np

from planner.core.volume import ImageVolume


def make_canal_phantom(seed: int = 7, lesion: bool = True, direction=np.eye(3)):
    """Returns (volume, truth_canal, lesion_mask); arrays [k, j, i], 1 x 1 x 2 mm voxels, axial k."""
    rng = np.random.default_rng(seed)
    nk, nj, ni = 70, 100, 100
    k = np.arange(nk)[:, None, None].astype(float)
    y = np.arange(nj)[None, :, None].astype(float)
    x = np.arange(ni)[None, None, :].astype(float)
    cy = 55.0 + 4.0 * np.sin(k / nk * np.pi)  # gentle curve of the canal (rows = posterior)
    cx = 50.0
    canal = ((x - cx) / 11.0) ** 2 + ((y - cy) / 8.0) ** 2 <= 1.0
    ring = (((x - cx) / 16.0) ** 2 + ((y - cy) / 13.0) ** 2 <= 1.0) & ~canal
    level = (k.astype(int) % 16)
    vertebra = level < 11  # 22 mm of bone, 10 mm of disc
    body = ((x - cx) / 20.0) ** 2 + ((y - (cy - 24.0)) / 15.0) ** 2 <= 1.0
    body_cortex = body & ~(((x - cx) / 18.5) ** 2 + ((y - (cy - 24.0)) / 13.5) ** 2 <= 1.0)
    hu = np.full((nk, nj, ni), -90.0)  # fat
    hu[np.broadcast_to(((x - cx) / 45.0) ** 2 + ((y - 50.0) / 45.0) ** 2 > 1.0, hu.shape)] = 40.0  # muscle
    hu[canal] = 15.0
    posterior = ring & (y > cy - 6.0)  # lamina / pedicle arc
    hu[np.broadcast_to(vertebra, hu.shape) & posterior] = 900.0
    hu[np.broadcast_to(vertebra, hu.shape) & body] = 320.0
    hu[np.broadcast_to(vertebra, hu.shape) & body_cortex] = 1100.0
    hu[np.broadcast_to(~vertebra, hu.shape) & body] = 90.0  # disc
    lesion_mask = np.zeros(hu.shape, bool)
    if lesion:
        in_level = (k >= 34) & (k <= 42)
        blob = ((x - (cx - 6.0)) / 9.0) ** 2 + ((y - (cy - 15.0)) / 8.0) ** 2 <= 1.0
        lesion_mask = np.broadcast_to(in_level, hu.shape) & blob & ~canal
        hu[lesion_mask] = 40.0
    hu += rng.normal(0.0, 12.0, hu.shape)
    vol = ImageVolume(np.round(hu).astype(np.int16), (1.0, 1.0, 2.0), (-50.0, -50.0, 0.0), direction)
    return vol, np.ascontiguousarray(canal), lesion_mask


def dice(a: np.ndarray, b: np.ndarray) -> float:
    s = int(a.sum()) + int(b.sum())
    return 1.0 if s == 0 else 2.0 * int((a & b).sum()) / s
