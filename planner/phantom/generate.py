"""Compose the phantom: label map, clean HU, CT blur and seeded noise, as an ``ImageVolume``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.core.lazy import lazy_module
from planner.core.volume import ImageVolume, SeriesInfo
from planner.phantom import labels as lab
from planner.phantom.config import PRONE_HFP_DIRECTION, Grid, PhantomConfig
from planner.phantom.lesion import LesionSpec, make_lesion
from planner.phantom.spine import (
    CANAL_SEMI_MM,
    CORTEX_MM,
    VertebraSpec,
    canal_sd,
    cord_sd,
    default_spine,
    disc_box,
    disc_sd,
    frame_at,
    thecal_sac_sd,
    vertebra_box,
    vertebra_sd,
)
from planner.phantom.tissues import TISSUE_HU, soft_tissue_hu

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

#: Gap (mm) kept between the bones of neighbouring vertebrae where they would touch (facet joints).
JOINT_GAP_MM = 1.0
_FAR_MM = 1.0e4
HU_MIN, HU_MAX = -1024, 3071


@dataclass(frozen=True, eq=False)
class PhantomResult:
    """The generated case: CT volume (int16 HU), label map and noise-free reference, same grid."""

    config: PhantomConfig
    volume: ImageVolume
    labels: np.ndarray
    clean_hu: np.ndarray
    spine: tuple[VertebraSpec, ...]
    lesion: LesionSpec


@dataclass
class _Bone:
    """Signed distance to the nearest and second-nearest vertebra, owner label, body flag."""

    d_min: np.ndarray
    d_second: np.ndarray
    owner: np.ndarray
    in_body: np.ndarray


def _accumulate_bone(cfg: PhantomConfig, grid: Grid, spine) -> _Bone:
    shape = grid.shape
    bone = _Bone(np.full(shape, _FAR_MM, np.float32), np.full(shape, _FAR_MM, np.float32),
                 np.zeros(shape, np.uint8), np.zeros(shape, bool))
    for spec in spine:
        box = grid.box(*vertebra_box(cfg, spec))
        d, d_body = vertebra_sd(cfg, spec, *grid.sub(box))
        d = d.astype(np.float32)
        cur_min, cur_second = bone.d_min[box], bone.d_second[box]
        nearer = d < cur_min
        bone.d_second[box] = np.where(nearer, cur_min, np.minimum(cur_second, d))
        bone.d_min[box] = np.where(nearer, d, cur_min)
        bone.owner[box] = np.where(nearer, spec.label, bone.owner[box])
        bone.in_body[box] = np.where(nearer, d_body <= d + 0.5, bone.in_body[box])
    return bone


def bone_distance_mm(bone: _Bone, d_canal: np.ndarray) -> np.ndarray:
    """Signed distance to bone after splitting touching vertebrae and carving out the canal."""
    split = 0.5 * (bone.d_min - bone.d_second) + 0.5 * JOINT_GAP_MM
    return np.maximum(np.maximum(bone.d_min, split), -d_canal)


def _texture(rng: np.random.Generator, cfg: PhantomConfig, sigma_mm: float) -> np.ndarray:
    """Seeded smooth random field with unit standard deviation (trabecular / tumour texture)."""
    field = rng.standard_normal(cfg.shape_kji, dtype=np.float32)
    sig = [sigma_mm / s for s in (cfg.slice_mm, cfg.pixel_mm, cfg.pixel_mm)]
    field = ndimage.gaussian_filter(field, sig, mode="nearest")
    return field / max(float(field.std()), 1e-6)


def _paint_discs(cfg, grid, spine, hu, labels) -> None:
    for upper, lower in zip(spine[:-1], spine[1:]):
        box = grid.box(*disc_box(cfg, upper, lower))
        d, nucleus = disc_sd(cfg, upper, lower, *grid.sub(box))
        inside = np.broadcast_to(d < 0, hu[box].shape)
        hu[box][inside] = TISSUE_HU["disc_annulus"]
        hu[box][inside & (nucleus < 0)] = TISSUE_HU["disc_nucleus"]
        labels[box][inside] = lab.DISC_LABELS[(upper.name, lower.name)]


def _canal_box(cfg: PhantomConfig, grid: Grid) -> tuple[slice, slice, slice]:
    """Array box holding the canal with a 12 mm margin (the canal sd is only needed near it)."""
    yc = cfg.canal_y_mm(grid.z.ravel())
    lo = (-CANAL_SEMI_MM[0] - 12.0, float(yc.min()) - CANAL_SEMI_MM[1] - 12.0, -np.inf)
    hi = (CANAL_SEMI_MM[0] + 12.0, float(yc.max()) + CANAL_SEMI_MM[1] + 12.0, np.inf)
    return grid.box(lo, hi)


def _canal_distance(cfg: PhantomConfig, grid: Grid, box) -> np.ndarray:
    """Signed distance to the canal inside ``box``, a large positive value elsewhere."""
    d = np.full(cfg.shape_kji, _FAR_MM, np.float32)
    sub = d[box]
    sub[...] = canal_sd(cfg, *grid.sub(box))
    return d


def _paint_canal(cfg, grid, hu, labels, d_canal, box) -> None:
    x, y, z = grid.sub(box)
    canal = d_canal[box] < 0
    sac = canal & (thecal_sac_sd(cfg, x, y, z) < 0)
    cord = sac & (cord_sd(cfg, x, y, z) < 0)
    hu_box, lab_box = hu[box], labels[box]
    for mask, tissue, value in ((canal, "epidural_fat", lab.CANAL_EPIDURAL), (sac, "csf", lab.CANAL_CSF),
                                (cord, "cord", lab.CORD)):
        hu_box[mask] = TISSUE_HU[tissue]
        lab_box[mask] = value


def _lesion_mask(cfg, grid, spine, lesion: LesionSpec, may_hold: np.ndarray) -> np.ndarray:
    spec = next(s for s in spine if s.name == lesion.vertebra)
    frame = frame_at(cfg, spec.z_mm)
    centre = frame.to_anatomy(np.asarray(lesion.centre_uvw))
    reach = max(lesion.semi_axes_mm) * (1.0 + lesion.irregularity) + 4.0
    box = grid.box(centre - reach, centre + reach)
    u, v, w = frame.to_local(*grid.sub(box))
    mask = np.zeros(cfg.shape_kji, bool)
    mask[box] = (lesion.sd(u, v, w) < 0) & may_hold[box]
    return mask


def build_phantom(cfg: PhantomConfig = PhantomConfig()) -> PhantomResult:
    """Generate the synthetic lumbar spine CT of ``cfg`` (deterministic for a given config)."""
    rng = np.random.default_rng(cfg.seed)
    lesion = make_lesion(rng)
    spine = default_spine()
    grid = Grid.of(cfg)
    hu = soft_tissue_hu(cfg, grid.x, grid.y, grid.z)
    labels = np.zeros(cfg.shape_kji, np.uint8)
    _paint_discs(cfg, grid, spine, hu, labels)
    canal_box = _canal_box(cfg, grid)
    d_canal = _canal_distance(cfg, grid, canal_box)
    _paint_canal(cfg, grid, hu, labels, d_canal, canal_box)

    bone = _accumulate_bone(cfg, grid, spine)
    d_bone = bone_distance_mm(bone, d_canal)
    is_bone = d_bone < 0
    texture = _texture(rng, cfg, 0.7)
    cancellous = np.where(bone.in_body, TISSUE_HU["cancellous_bone"], TISSUE_HU["posterior_element_bone"])
    hu[is_bone] = (cancellous + 30.0 * texture)[is_bone]
    hu[is_bone & (d_bone > -CORTEX_MM)] = TISSUE_HU["cortical_bone"]
    labels[is_bone] = bone.owner[is_bone]

    l2 = lab.VERTEBRA_LABELS[lesion.vertebra]
    in_lesion = _lesion_mask(cfg, grid, spine, lesion, (is_bone & (bone.owner == l2)) | (d_canal < 0))
    hu[in_lesion] = TISSUE_HU["lesion"] + 8.0 * texture[in_lesion]
    labels[in_lesion] = lab.LESION

    sig = [cfg.blur_sigma_mm / s for s in (cfg.slice_mm, cfg.pixel_mm, cfg.pixel_mm)]
    clean = ndimage.gaussian_filter(hu, sig, mode="nearest")
    noisy = clean + cfg.noise_hu * rng.standard_normal(cfg.shape_kji, dtype=np.float32)
    hu_i16 = np.clip(np.rint(noisy), HU_MIN, HU_MAX).astype(np.int16)
    info = SeriesInfo(patient_id="SYNTH-0001", patient_name="PHANTOM^SYNTHETIC SPINE",
                      study_description="Synthetic lumbar spine CT phantom (not patient data)",
                      series_description="SYNTHETIC L1-L3 lytic L2 lesion, prone", modality="CT")
    volume = ImageVolume(hu_i16, cfg.spacing_mm, cfg.origin_lps, PRONE_HFP_DIRECTION, info)
    return PhantomResult(cfg, volume, labels, clean, spine, lesion)
