"""Tissue labels on the thermal grid from the CT (HU) and the anatomy masks the session has.

HU bands (DOMAIN.md "Access geometry": fat -120 to -90, CSF about 15, cancellous bone 300-400,
cortical bone 500-1900, lytic metastasis about -30 to 80, osteoblastic 654 +/- 176):

- air < -400; fat -400 to -30; soft tissue -30 to 150 (muscle; disc from 70 HU outside bone, an
  estimate: discs read about 70-110 HU, muscle 40-60 HU); bone >= 150: cancellous below 500,
  cortical from 500.
- marrow: voxels below 150 HU inside the bone's outline (holes of the bone mask filled per axial
  slice), the fatty or cellular marrow of the body.
- canal mask: CSF, or fat below -30 HU (epidural fat); cord = the canal's core, voxels at least
  ``cord_core_mm`` (3.5 mm, estimate: a cord of about 8 mm in a 15-17 mm canal, Kang 2012) from the
  canal's edge in the axial plane, unless a cord mask is given.
- lesion mask: lytic lesion, or blastic lesion at >= 500 HU.
Outside the scan the outermost voxels are repeated (a warning says by how much).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.core.frames import array_shape_to_ijk, ijk_to_kji
from planner.core.lazy import lazy_module
from planner.thermal.grid import ThermalGrid
from planner.thermal.tissues import TissueTable

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

AIR_MAX_HU = -400.0
FAT_MAX_HU = -30.0
BONE_MIN_HU = 150.0
CORTICAL_MIN_HU = 500.0
DISC_MIN_HU = 70.0
BLASTIC_MIN_HU = 500.0
CORD_CORE_MM = 3.5


@dataclass
class TissueMap:
    labels: np.ndarray          # uint8 (nk, nj, ni)
    hu: np.ndarray              # float32 HU sampled on the grid
    canal: np.ndarray           # bool
    cord: np.ndarray            # bool
    lesion: np.ndarray | None   # bool
    warnings: list[str]


def sample_on_grid(grid: ThermalGrid, volume, array, order: int, cval: float | None = None) -> np.ndarray:
    """Sample a volume-shaped array at the thermal grid's voxel centres (``order`` 0 or 1)."""
    pts = grid.points_lps().reshape(-1, 3)
    ijk = volume.to_ijk(pts)
    coords = ijk_to_kji(ijk).T  # (k, j, i)
    mode = "nearest" if cval is None else "constant"
    out = ndimage.map_coordinates(array, coords, order=order, mode=mode, cval=0.0 if cval is None else cval,
                                  prefilter=False)
    return out.reshape(grid.shape_kji)


def outside_scan_mm(grid: ThermalGrid, volume) -> float:
    """How far (mm) the grid reaches beyond the scan's voxel centres."""
    lo, hi = volume.bounds_lps
    g_lo = np.asarray(grid.origin_lps)
    g_hi = g_lo + grid.spacing_mm * (np.array(array_shape_to_ijk(grid.shape_kji)) - 1)
    return float(max(0.0, np.max(lo - g_lo), np.max(g_hi - hi)))


def tissue_map(grid: ThermalGrid, volume, tissues: TissueTable, canal_mask=None, lesion_mask=None,
               cord_mask=None) -> TissueMap:
    warnings: list[str] = []
    hu = sample_on_grid(grid, volume, volume.hu.astype(np.float32), order=1).astype(np.float32)
    beyond = outside_scan_mm(grid, volume)
    if beyond > 0.5 * grid.spacing_mm:
        warnings.append(f"The thermal region reaches {beyond:.0f} mm beyond the scan; the outermost "
                        f"slices were repeated there.")
    L = tissues.label
    labels = np.full(grid.shape_kji, L("muscle"), dtype=np.uint8)
    labels[hu < FAT_MAX_HU] = L("fat")
    labels[hu < AIR_MAX_HU] = L("air")
    bone = hu >= BONE_MIN_HU
    outline = np.zeros_like(bone)
    for k in range(bone.shape[0]):
        outline[k] = ndimage.binary_fill_holes(bone[k])
    soft = (hu >= FAT_MAX_HU) & ~bone
    labels[soft & (hu >= DISC_MIN_HU) & ~outline] = L("disc")
    labels[outline & ~bone & (hu >= AIR_MAX_HU)] = L("marrow")
    labels[bone] = L("cancellous_bone")
    labels[hu >= CORTICAL_MIN_HU] = L("cortical_bone")
    canal = np.zeros(grid.shape_kji, dtype=bool)
    cord = np.zeros(grid.shape_kji, dtype=bool)
    if canal_mask is not None:
        canal = sample_on_grid(grid, volume, canal_mask.astype(np.uint8), order=0, cval=0).astype(bool)
        labels[canal] = L("csf")
        labels[canal & (hu < FAT_MAX_HU)] = L("fat")
        if cord_mask is not None:
            cord = sample_on_grid(grid, volume, cord_mask.astype(np.uint8), order=0, cval=0).astype(bool)
        else:
            for k in range(canal.shape[0]):
                if canal[k].any():
                    dist = ndimage.distance_transform_edt(canal[k], sampling=grid.spacing_mm)
                    cord[k] = dist >= CORD_CORE_MM
            if canal.any() and not cord.any():
                warnings.append("The canal is too narrow here for a cord core; the canal stands for the cord.")
                cord = canal.copy()
        labels[cord] = L("cord")
    elif cord_mask is not None:
        cord = sample_on_grid(grid, volume, cord_mask.astype(np.uint8), order=0, cval=0).astype(bool)
        labels[cord] = L("cord")
    lesion = None
    if lesion_mask is not None:
        lesion = sample_on_grid(grid, volume, lesion_mask.astype(np.uint8), order=0, cval=0).astype(bool)
        lesion &= ~canal
        labels[lesion] = L("lytic_lesion")
        labels[lesion & (hu >= BLASTIC_MIN_HU)] = L("blastic_lesion")
    return TissueMap(labels, hu, canal, cord, lesion, warnings)
