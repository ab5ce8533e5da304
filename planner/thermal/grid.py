"""The thermal grid: an LPS-aligned box of isotropic voxels around the applicators.

Array order is ``[k, j, i]`` like every volume in the planner (:mod:`planner.core.frames`); voxel
``(i, j, k)`` has its centre at ``origin_lps + spacing_mm * (i, j, k)``. The region is chosen from the
predicted zones plus a margin (the conduction length sqrt(4 alpha t) of DOMAIN.md is about 11-13 mm
after 5 min), and refused before any allocation when it would need more memory than allowed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from planner.core.errors import OutOfRangeError
from planner.core.frames import affine_ijk_to_lps, apply_affine

# Bytes per voxel while a simulation runs (planner/thermal/solver.py, kernel.py): two float32
# temperature buffers, float32 dose, peak and lowest temperature, uint8 label, the float32 zero and
# combined source maps, the kernel's float32 tables (three face conductances, 1/(rho c), perfusion,
# 1/(rho c) in the freezing band for cryo), plus one float32 source map per applicator.
_BYTES_PER_VOXEL_BASE = 4 + 4 + 4 + 4 + 4 + 1 + 4 + 4 + 3 * 4 + 4 + 4 + 4
_BYTES_PER_SOURCE = 4
DEFAULT_MEMORY_LIMIT_BYTES = 2 * 1024 ** 3


@dataclass(frozen=True)
class ThermalGrid:
    origin_lps: tuple[float, float, float]
    spacing_mm: float
    shape_kji: tuple[int, int, int]

    @property
    def ijk_to_lps(self) -> np.ndarray:
        return affine_ijk_to_lps(self.origin_lps, (self.spacing_mm,) * 3, np.eye(3))

    @property
    def n_voxels(self) -> int:
        return int(np.prod(self.shape_kji))

    @property
    def voxel_volume_m3(self) -> float:
        return (self.spacing_mm * 1e-3) ** 3

    def points_lps(self) -> np.ndarray:
        """LPS centres of all voxels, shape (nk, nj, ni, 3)."""
        nk, nj, ni = self.shape_kji
        h = self.spacing_mm
        o = np.asarray(self.origin_lps)
        z, y, x = np.meshgrid(o[2] + h * np.arange(nk), o[1] + h * np.arange(nj), o[0] + h * np.arange(ni),
                              indexing="ij")
        return np.stack([x, y, z], axis=-1)

    def to_ijk(self, lps) -> np.ndarray:
        return apply_affine(np.linalg.inv(self.ijk_to_lps), lps)


def memory_needed_bytes(n_voxels: int, n_sources: int) -> int:
    return int(n_voxels) * (_BYTES_PER_VOXEL_BASE + _BYTES_PER_SOURCE * int(n_sources))


def memory_limit_bytes() -> int:
    """The smaller of 2 GiB and half the memory the system reports available (Linux/macOS sysconf)."""
    limit = DEFAULT_MEMORY_LIMIT_BYTES
    try:
        avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        if avail > 0:
            limit = min(limit, avail // 2)
    except (ValueError, OSError, AttributeError):
        pass
    return int(limit)


def grid_around(lo_lps, hi_lps, spacing_mm: float = 1.0, n_sources: int = 1,
                limit_bytes: int | None = None) -> ThermalGrid:
    """The grid covering the LPS box [lo, hi] (one extra boundary voxel each side).

    Raises OutOfRangeError before allocating anything when the spacing is above 1 mm or the grid
    would need more than ``limit_bytes`` (default :func:`memory_limit_bytes`), naming the size.
    """
    if not (np.isfinite(spacing_mm) and 0.05 <= spacing_mm <= 1.0):
        raise OutOfRangeError(f"thermal grid spacing {spacing_mm:g} mm is outside 0.05-1 mm.")
    lo = np.asarray(lo_lps, dtype=float) - spacing_mm
    hi = np.asarray(hi_lps, dtype=float) + spacing_mm
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)) and np.all(hi > lo)):
        raise OutOfRangeError("the thermal region is empty or not finite.")
    n = np.ceil((hi - lo) / spacing_mm).astype(np.int64) + 1
    n_vox = int(np.prod(n))
    need = memory_needed_bytes(n_vox, n_sources)
    limit = memory_limit_bytes() if limit_bytes is None else int(limit_bytes)
    if need > limit:
        ext = (hi - lo)
        raise OutOfRangeError(
            f"the thermal region ({ext[0]:.0f} x {ext[1]:.0f} x {ext[2]:.0f} mm at {spacing_mm:g} mm, "
            f"{n_vox:,} voxels) would need {need / 1024 ** 3:.2f} GiB; at most {limit / 1024 ** 3:.2f} GiB "
            f"is allowed. Use fewer or closer applicators, or a coarser grid (<= 1 mm).")
    return ThermalGrid(tuple(float(v) for v in lo), float(spacing_mm), (int(n[2]), int(n[1]), int(n[0])))
