"""Target lesion from a click: threshold-and-seed region growing.

A lytic metastasis has soft-tissue density (about -30 to 80 HU, DOMAIN.md "Hounsfield units"),
inside cancellous bone of 300-400 HU. From the clicked seed the region of voxels within
[``low_hu``, ``high_hu``] connected to it is kept, limited to a ball of ``max_radius_mm`` and
excluding a given mask (the spinal canal, so a lesion that has broken the posterior wall does not
leak into the CSF, which has a similar density). A small opening cuts one-voxel bridges first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.core.lazy import lazy_module
from planner.core.frames import ijk_to_kji, spacing_kji
from planner.core.errors import PlannerError
from planner.core.volume import ImageVolume

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

LYTIC_RANGE_HU = (-30.0, 80.0)  # DOMAIN.md: lytic metastasis, soft-tissue density


@dataclass(frozen=True)
class LesionParams:
    low_hu: float = LYTIC_RANGE_HU[0] - 20.0  # margin for noise (~15-20 HU SD on CT)
    high_hu: float = LYTIC_RANGE_HU[1] + 70.0  # partial volume with the surrounding bone
    max_radius_mm: float = 30.0
    smooth_sigma_mm: float = 0.8

    def to_ref(self) -> str:
        """A text that records how the mask was made (stored in the plan so it can be recomputed)."""
        return f"threshold:{self.low_hu:g},{self.high_hu:g};radius:{self.max_radius_mm:g}"

    @classmethod
    def from_ref(cls, ref: str) -> "LesionParams":
        try:
            thr, rad = ref.split(";")
            low, high = thr.split(":")[1].split(",")
            return cls(float(low), float(high), float(rad.split(":")[1]))
        except (ValueError, IndexError):
            raise PlannerError(f"Cannot read the lesion recipe {ref!r}.") from None


def segment_lesion(volume: ImageVolume, seed_lps, params: LesionParams = LesionParams(),
                   exclude: np.ndarray | None = None) -> np.ndarray:
    """Full-size boolean mask [k, j, i] of the lesion grown from ``seed_lps``."""
    seed = np.round(volume.to_ijk(np.asarray(seed_lps, float))).astype(int)
    if not volume.contains_ijk(seed):
        raise PlannerError("The lesion seed lies outside the image.")
    spacing = np.asarray(volume.spacing_mm)
    half = np.ceil(params.max_radius_mm / spacing).astype(int)
    lo = np.maximum(seed - half, 0)
    hi = np.minimum(seed + half + 1, np.array(volume.shape_ijk))
    box = tuple(slice(lo[a], hi[a]) for a in (2, 1, 0))
    crop = volume.hu[box].astype(np.float32)
    sigma = params.smooth_sigma_mm / spacing_kji(spacing)
    crop = ndimage.gaussian_filter(crop, sigma)
    kk, jj, ii = np.ogrid[lo[2]:hi[2], lo[1]:hi[1], lo[0]:hi[0]]
    d2 = ((ii - seed[0]) * spacing[0]) ** 2 + ((jj - seed[1]) * spacing[1]) ** 2 + ((kk - seed[2]) * spacing[2]) ** 2
    candidate = (crop >= params.low_hu) & (crop <= params.high_hu) & (d2 <= params.max_radius_mm**2)
    if exclude is not None:
        candidate &= ~exclude[box]
    local_seed = tuple(int(v) for v in ijk_to_kji(seed - lo))
    if not candidate[local_seed]:
        raise PlannerError(
            f"The clicked point ({volume.hu[tuple(ijk_to_kji(seed))]} HU) is not lesion-like: lytic lesions are "
            f"between {params.low_hu:g} and {params.high_hu:g} HU here. Click inside the lesion.")
    opened = ndimage.binary_opening(candidate, iterations=1)
    if opened[local_seed]:
        candidate = opened
    labels, _ = ndimage.label(candidate)
    region = labels == labels[local_seed]
    region = ndimage.binary_fill_holes(region)
    out = np.zeros(volume.hu.shape, dtype=bool)
    out[box] = region
    return out
