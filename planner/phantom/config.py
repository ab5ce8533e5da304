"""Settings and grid geometry of the synthetic spine CT.

The grid follows the procedure's set-up: patient head-first prone, ``ImageOrientationPatient``
(0020,0037) = ``[-1, 0, 0, 0, -1, 0]`` (rows run to the patient's right, columns run anterior),
slices stacked toward the head. Anatomy is modelled in "anatomy coordinates": LPS mm minus
``anchor_lps``, the centre of the spinal canal at mid-height of L2 and the centre of the field of view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.core.frames import affine_ijk_to_lps

#: i axis toward the patient's right, j axis anterior, k axis toward the head (columns = i, j, k).
PRONE_HFP_DIRECTION = np.array([[-1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0]])


@dataclass(frozen=True)
class PhantomConfig:
    """Everything that decides the generated volume; equal configs give identical output.

    ``z_first_mm`` is the anatomy z of the first slice (L2 mid-height is 0). The defaults give the
    bundled sample: 256 x 256 x 104 voxels of 0.78125 x 0.78125 x 1.25 mm, covering L1-L3 with their
    discs and parts of T12 and L4.
    """

    seed: int = 20240917
    matrix: int = 256
    pixel_mm: float = 200.0 / 256.0
    n_slices: int = 104
    slice_mm: float = 1.25
    z_first_mm: float = -67.0
    anchor_lps: tuple[float, float, float] = (0.0, 42.0, -180.0)
    noise_hu: float = 18.0
    blur_sigma_mm: float = 0.6
    lordosis_per_mm: float = 0.00075
    lordosis_apex_mm: float = -45.0

    @classmethod
    def small(cls, seed: int = 20240917) -> "PhantomConfig":
        """A coarse, fast grid (96 x 96 x 48 of 2.0 x 2.0 x 2.5 mm) over the same anatomy, for tests."""
        return cls(seed=seed, matrix=96, pixel_mm=2.0, n_slices=48, slice_mm=2.5, z_first_mm=-60.0)

    @property
    def spacing_mm(self) -> tuple[float, float, float]:
        """Voxel size (si, sj, sk): PixelSpacing (0028,0030) in-plane, then the slice spacing."""
        return (self.pixel_mm, self.pixel_mm, self.slice_mm)

    @property
    def shape_kji(self) -> tuple[int, int, int]:
        """Array shape ``(nk, nj, ni)``."""
        return (self.n_slices, self.matrix, self.matrix)

    @property
    def origin_lps(self) -> tuple[float, float, float]:
        """LPS centre of voxel (0, 0, 0): ImagePositionPatient (0020,0032) of the first slice."""
        half = (self.matrix - 1) / 2.0 * self.pixel_mm
        ax, ay, az = self.anchor_lps
        return (ax + half, ay + half, az + self.z_first_mm)

    @property
    def ijk_to_lps(self) -> np.ndarray:
        """4x4 voxel-to-LPS affine of the grid."""
        return affine_ijk_to_lps(self.origin_lps, self.spacing_mm, PRONE_HFP_DIRECTION)

    def canal_y_mm(self, z_mm):
        """Anatomy y of the canal centre line at anatomy height ``z_mm``: a gentle lumbar lordosis.

        The lumbar spine is convex forward, so L1 sits a few millimetres more posterior than L3.
        Zero at L2 mid-height by construction.
        """
        c, z0 = self.lordosis_per_mm, self.lordosis_apex_mm
        return c * ((np.asarray(z_mm, dtype=float) - z0) ** 2 - z0**2)

    def canal_tilt_rad(self, z_mm: float) -> float:
        """Sagittal tilt of the canal centre line at ``z_mm`` (radians, atan of dy/dz)."""
        return float(np.arctan(2.0 * self.lordosis_per_mm * (z_mm - self.lordosis_apex_mm)))


@dataclass(frozen=True)
class Grid:
    """Anatomy coordinates of the voxel centres, as broadcastable axis arrays.

    Because the direction matrix is diagonal, x depends on i only, y on j only, z on k only.
    ``x`` has shape ``(1, 1, ni)``, ``y`` ``(1, nj, 1)``, ``z`` ``(nk, 1, 1)`` (array order k, j, i).
    """

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray

    @classmethod
    def of(cls, cfg: PhantomConfig) -> "Grid":
        origin = np.asarray(cfg.origin_lps) - np.asarray(cfg.anchor_lps)
        d = PRONE_HFP_DIRECTION
        n = cfg.matrix
        i = np.arange(n, dtype=np.float32)
        k = np.arange(cfg.n_slices, dtype=np.float32)
        x = (origin[0] + d[0, 0] * cfg.pixel_mm * i).astype(np.float32)
        y = (origin[1] + d[1, 1] * cfg.pixel_mm * i).astype(np.float32)
        z = (origin[2] + d[2, 2] * cfg.slice_mm * k).astype(np.float32)
        return cls(x.reshape(1, 1, n), y.reshape(1, n, 1), z.reshape(-1, 1, 1))

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.z.shape[0], self.y.shape[1], self.x.shape[2])

    def box(self, lo_mm, hi_mm) -> tuple[slice, slice, slice]:
        """Array slices ``(k, j, i)`` of the voxels whose centres fall in the anatomy box [lo, hi]."""
        out = []
        for axis, vals in ((2, self.z.ravel()), (1, self.y.ravel()), (0, self.x.ravel())):
            inside = np.nonzero((vals >= lo_mm[axis]) & (vals <= hi_mm[axis]))[0]
            out.append(slice(int(inside[0]), int(inside[-1]) + 1) if inside.size else slice(0, 0))
        return tuple(out)

    def sub(self, box: tuple[slice, slice, slice]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The (x, y, z) axis arrays restricted to ``box``."""
        sk, sj, si = box
        return self.x[:, :, si], self.y[:, sj, :], self.z[sk, :, :]
