"""The osteolytic lesion: an irregular ellipsoid in the L2 body breaking through its posterior wall."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.phantom.shapes import ellipsoid_sd


@dataclass(frozen=True)
class LesionSpec:
    """Lesion in the local frame of its vertebra (u left, v posterior, w up), mm.

    The posterior semi-axis reaches past the body's posterior wall (v = -5.5 mm) into the anterior
    epidural space, so the cortex there is destroyed. ``bumps`` are random low-frequency directional
    perturbations (from the phantom's seed) that make the surface irregular by about
    ``irregularity`` times the mean radius.
    """

    vertebra: str
    centre_uvw: tuple[float, float, float]
    semi_axes_mm: tuple[float, float, float]
    irregularity: float
    bumps: tuple[tuple[float, float, float, float, float], ...]

    def sd(self, u, v, w):
        """Signed distance (mm, approximate) to the lesion surface at local (u, v, w)."""
        a = u - self.centre_uvw[0]
        b = v - self.centre_uvw[1]
        c = w - self.centre_uvw[2]
        d = ellipsoid_sd(a, b, c, self.semi_axes_mm)
        norm = np.sqrt(a * a + b * b + c * c) + 1e-6
        wobble = np.zeros(np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(c)), dtype=np.float32)
        for nx, ny, nz, freq, phase in self.bumps:
            wobble += np.sin(freq * np.pi * (a * nx + b * ny + c * nz) / norm + phase)
        mean_r = float(np.mean(self.semi_axes_mm))
        return d - self.irregularity * mean_r * wobble / len(self.bumps)


def make_lesion(rng: np.random.Generator) -> LesionSpec:
    """The sample's lesion: about 18 x 15 x 16 mm, left posterior L2 body, with seeded bumps."""
    bumps = []
    for _ in range(6):
        n = rng.normal(size=3)
        n /= np.linalg.norm(n)
        bumps.append((float(n[0]), float(n[1]), float(n[2]), float(rng.uniform(1.5, 3.0)),
                      float(rng.uniform(0.0, 2.0 * np.pi))))
    return LesionSpec("L2", (8.5, -9.5, 1.0), (9.0, 7.5, 8.0), 0.25, tuple(bumps))
