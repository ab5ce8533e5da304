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


CSF_HU, BONE_HU, SOFT_HU = 15.0, 1000.0, 40.0


def _cylinder_hu(points_lps: np.ndarray, axis: np.ndarray, r_canal: float, r_ring: float) -> np.ndarray:
    radial = np.linalg.norm(points_lps - np.outer(points_lps @ axis, axis), axis=1)
    return np.where(radial < r_canal, CSF_HU, np.where(radial < r_ring, BONE_HU, SOFT_HU))


def make_cylinder_ct(spacing_ijk_mm, direction=np.eye(3), axis_lps=(0.0, 0.0, 1.0), half_mm: float = 30.0,
                     r_canal_mm: float = 8.0, r_ring_mm: float = 13.0, noise_hu: float = 8.0,
                     supersample: int = 6, seed: int = 3) -> ImageVolume:
    """A synthetic CT (HU, int16) of a straight canal: CSF (15 HU) inside radius ``r_canal_mm`` of the
    line through the LPS origin along ``axis_lps``, a bone ring (1000 HU) out to ``r_ring_mm``, soft
    tissue (40 HU) beyond. Each voxel holds the average over ``supersample``^3 points of its cube
    (the partial-volume effect of a CT detector, computed independently of the planner's plane
    model), plus Gaussian noise. The grid (``spacing_ijk_mm``, ``direction`` columns = i, j, k) is
    centred on the origin and spans ``2 * half_mm`` along each of its axes."""
    sp = np.asarray(spacing_ijk_mm, float)
    d = np.asarray(direction, float)
    axis = np.asarray(axis_lps, float) / np.linalg.norm(axis_lps)
    n = np.ceil(2 * half_mm / sp).astype(int) + 1
    origin = -d @ (sp * (n - 1) / 2.0)
    m = d * sp[None, :]
    kk, jj, ii = np.meshgrid(np.arange(n[2]), np.arange(n[1]), np.arange(n[0]), indexing="ij")
    ijk = np.stack([ii.ravel(), jj.ravel(), kk.ravel()], axis=1).astype(float)
    centres = ijk @ m.T + origin
    hu = _cylinder_hu(centres, axis, r_canal_mm, r_ring_mm)
    radial = np.linalg.norm(centres - np.outer(centres @ axis, axis), axis=1)
    reach = 0.5 * np.linalg.norm(sp) + 1e-6
    near = (np.abs(radial - r_canal_mm) < reach) | (np.abs(radial - r_ring_mm) < reach)
    u = (np.arange(supersample) + 0.5) / supersample - 0.5
    a, b, c = np.meshgrid(u, u, u, indexing="ij")
    offsets = np.stack([a.ravel(), b.ravel(), c.ravel()], axis=1) @ m.T
    idx = np.flatnonzero(near)
    for chunk in np.array_split(idx, max(1, len(idx) // 4000)):
        pts = (centres[chunk][:, None, :] + offsets[None]).reshape(-1, 3)
        hu[chunk] = _cylinder_hu(pts, axis, r_canal_mm, r_ring_mm).reshape(len(chunk), -1).mean(axis=1)
    rng = np.random.default_rng(seed)
    hu = hu + rng.normal(0.0, noise_hu, hu.shape)
    arr = np.round(hu).astype(np.int16).reshape(n[2], n[1], n[0])
    return ImageVolume(arr, tuple(sp), tuple(origin), d)
