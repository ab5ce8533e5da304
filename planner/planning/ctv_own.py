"""A vertebra's own arch: its sectors without the neighbouring vertebrae's parts (issue 17).

The sector map (:mod:`planner.anatomy.sectors`) labels the bone of a slab around the level that is
connected to the body. In the thoracic spine the slab also holds parts of the vertebra above: its
long spinous process points down behind the level's laminae, and its inferior articular processes
and laminae overlap the level's upper half (Gray's Anatomy, thoracic vertebrae). They touch the
level's own arch only across the facet joints and the interlaminar and interspinous spaces, so they
are connected to it in a thresholded bone mask. On the T11-T12 scan, TotalSegmentator (machine-made,
Wasserthal 2023) put 2258 voxels of the T12 arch sectors in T11 (its label 33): 19 % of the arch, most
of the spinous process sector.

Method: a marker watershed (image foresting transform, :func:`scipy.ndimage.watershed_ift`) on the
smoothed CT, inside the bone of a box around the sectors padded ``pad_mm`` cranio-caudally. Two
markers compete: the level's own body core (the body sector, ``core_inset_mm`` inside the slab's
end planes) and the bone beyond the level, i.e. more than ``beyond_mm`` above the slab's upper end
plane (the vertebra above, its arch included), or below the lower one in front of the posterior
wall (the body below; the level's own spinous process and laminae point down, so no marker is
set behind the wall below). At a lumbar level the spinous sector inside the same inset slab is a core
marker too: lumbar spinous processes point straight back at the level of their own body (Gray's
Anatomy), and on the TCIA lumbar scan (3 mm slices) the vertebra above's inferior articular processes
and laminae, seeded above the slab, reached L2's laminae and spinous process through brighter bone
than its pedicles (the spinous sector 1495 voxels before the cut, 0 after; 1462 with this marker). Each bone voxel joins the marker reached through the brightest path
(the path whose darkest voxel is brightest): the boundary falls on the darkest seam between the two
bones, the joint spaces, not across solid bone. Bone is the smoothed HU above the sectors'
threshold (the arch's marrow-adapted one behind the posterior wall, :func:`~planner.anatomy.sectors.params_for_marrow`),
or any labelled voxel (the hull-filled marrow).

Only the arch sectors (2-6) are restricted; the body (1) stays bounded by the level's end planes
(its slab), as before.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from planner.anatomy.sectors import BODY, SPINOUS, SectorMap
from planner.core.lazy import lazy_module

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

_OWN, _OTHER = 1, 2
#: Smoothing of the CT before the watershed, as the sectors' bone mask (SectorParams.smooth_sigma_mm).
SMOOTH_SIGMA_MM = 0.7


def _box(labels: np.ndarray, spacing_kji, pad_mm: float, pad_inplane_mm: float = 5.0):
    ks, js, is_ = (np.nonzero(labels.any(axis=a))[0] for a in ((1, 2), (0, 2), (0, 1)))
    out = []
    for idx, n, step, pad in zip((ks, js, is_), labels.shape, spacing_kji, (pad_mm, pad_inplane_mm, pad_inplane_mm)):
        p = int(np.ceil(pad / step))
        out.append(slice(max(int(idx[0]) - p, 0), min(int(idx[-1]) + 1 + p, n)))
    return tuple(out)


def own_arch_mask(volume, sectors: SectorMap, canal_mask: np.ndarray | None = None, pad_mm: float = 12.0,
                  beyond_mm: float = 3.0, core_inset_mm: float = 2.0) -> np.ndarray:
    """Boolean mask (CT grid) of the voxels the level's own body reaches first (the module's method);
    all False when the sector map is empty."""
    labels = sectors.labels
    out = np.zeros(labels.shape, bool)
    if not np.any(labels == BODY):
        return out
    frame = sectors.frame
    lf, p = frame.level, frame.params
    sp = (volume.spacing_mm[2], volume.spacing_mm[1], volume.spacing_mm[0])
    box = _box(labels, sp, pad_mm)
    hu = ndimage.gaussian_filter(volume.hu[box].astype(np.float32), sigma=[SMOOTH_SIGMA_MM / s for s in sp])
    kk, jj, ii = np.meshgrid(*(np.arange(s.start, s.stop) for s in box), indexing="ij")
    uvw = lf.local(volume.to_lps(np.stack([ii, jj, kk], -1).reshape(-1, 3).astype(float)))
    v, w = uvw[:, 1].reshape(hu.shape), uvw[:, 2].reshape(hu.shape)
    lab = labels[box]
    arch_hu = p.posterior_bone_hu if p.posterior_bone_hu is not None else p.bone_hu
    front = v < frame.v_wall
    bone = np.where(front, hu > p.bone_hu, hu > min(arch_hu, p.bone_hu)) | (lab > 0)
    if canal_mask is not None:
        bone &= ~np.asarray(canal_mask, bool)[box]
    core = (lab == BODY) & (np.abs(w) <= frame.slab_half_mm - core_inset_mm)
    if not core.any():
        core = lab == BODY
    if lf.name.startswith("L"):  # lumbar: the spinous process points back at the level of its own body
        core = core | ((lab == SPINOUS) & (np.abs(w) <= frame.slab_half_mm - core_inset_mm))
    end = frame.slab_half_mm + beyond_mm
    other = bone & ((w > end) | ((w < -end) & front)) & ~core
    markers = np.zeros(hu.shape, np.int16)
    markers[other] = _OTHER
    markers[core] = _OWN
    # cost: low in bright bone, highest outside the bone (the floods cross soft tissue last)
    cost = np.clip(3000.0 - hu, 0.0, 6000.0).astype(np.uint16)
    cost[~bone] = np.iinfo(np.uint16).max
    flooded = ndimage.watershed_ift(cost, markers)
    out[box] = (flooded == _OWN) & bone
    return out


def restrict_to_own_arch(volume, sectors: SectorMap, canal_mask: np.ndarray | None = None, **kw) -> SectorMap:
    """The sector map with the arch sectors (2-6) cut to the level's own bone (:func:`own_arch_mask`);
    the body sector is kept as it is."""
    own = own_arch_mask(volume, sectors, canal_mask, **kw)
    labels = sectors.labels.copy()
    labels[(labels > BODY) & ~own] = 0
    return replace(sectors, labels=labels)
