"""The skeleton on CT: the voxels above a bone threshold that belong to bone, not to enhancing soft tissue.

A CT with contrast holds soft tissue above the usual bone threshold of 200 HU: the renal cortex
(about 150-250 HU in the corticomedullary phase), the heart and the large vessels. On the shared TCIA
lumbar scan the two kidneys are whole 26-connected pieces of the >= 200 HU mask (97 and 84 mL) apart
from the spine's, and the 3D bone surface showed them as bone (issue 13).

Rule (vectorised: up to three ``scipy.ndimage.label`` passes and shifted-array morphology):

1. candidates: voxels at or above ``threshold_hu`` (inside the body mask when one is given, so the CT
   table is left out as well: :mod:`planner.anatomy.body`);
2. split into 26-connected pieces (a piece touching bone even at a corner stays with it: no voxel left
   out by this step is next to a kept one, so the bone's own isosurface does not change);
3. a piece is bone when at least ``min_cortical_fraction`` of its voxels reach ``cortical_hu``
   (cortical bone 500-1900 HU, DOMAIN.md "Hounsfield units"; enhancing kidney, heart and vessels
   100-300 HU, the excretory phase aside), and the largest piece is always kept (the spine with the
   ribs and pelvis: a trunk's largest dense piece, also when an osteoporotic spine has little cortex);
4. soft tissue pressed on the bone: the kept pieces are eroded by one voxel (6-connected) and split
   again; a core that fails rule 3 and holds at least ``min_core_ml`` is left out with its one-voxel
   rim (every voxel touching it, corners too; the largest core is kept only when no core passes rule
   3: an osteoporotic spine). On the lumbar scan the contrast-filled aorta (about 200-250 HU) lies on
   the T11-L1 bodies and joined the spine's piece through partial-volume voxels; its eroded core is a
   piece of 45 mL with no voxel at 500 HU. A cancellous core cut off from its cortex by the erosion is
   left out only when it holds ``min_core_ml``; it lies inside the cortex, so the surface seen from
   outside does not change;
5. when step 4 left something out, the rest is split again and rule 3 applied once more: on the lumbar
   scan a branching tree of vessels by the crura at T11-L1 (15 mL, no voxel at 500 HU) hung on the
   aorta and stayed with the spine's piece until then.

The fraction was chosen from the pieces of both shared real scans (``>= 200 HU`` in the body, 26-connected):
bone pieces (the spine, ribs joined to it beyond the scan's edge, the sternum, the humerus) have
0.055-0.78 of their voxels at >= 500 HU, the smallest being a lower rib's cartilage end (0.055 and 0.061);
soft tissue has at most 0.023 (a vessel by the stomach at T12 on the short scan; the heart 0.009, the
kidneys 0.002 and 0.000). ``min_cortical_fraction`` = 0.04 lies between them.

Limits: excreted contrast in the renal pelvis or bladder (above 500 HU) and a calcified aorta count as
bone; an enhancing organ pressed flat on bone over a broad face (more than one voxel's erosion
separates) stays with it; a piece of bone with under 4 % cortex that is not the largest (a
demineralised rib apart from the spine) is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.anatomy.body import head_foot_axis
from planner.anatomy.window_filters import running_or, square_filter
from planner.core.frames import spacing_kji
from planner.core.lazy import lazy_module
from planner.core.volume import ImageVolume

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

__all__ = ["BoneParams", "skeleton_mask", "filled_skeleton_mask", "fill_enclosed"]

_ALL_NEIGHBOURS = np.ones((3, 3, 3), dtype=bool)  # 26-connectivity


@dataclass(frozen=True)
class BoneParams:
    """Tuning of :func:`skeleton_mask` (see the module docstring)."""

    cortical_hu: float = 500.0
    min_cortical_fraction: float = 0.04
    min_core_ml: float = 2.0
    closing_mm: float = 3.0


def _bone_pieces(labels: np.ndarray, count: int, mask: np.ndarray, cortical: np.ndarray, p: BoneParams,
                 largest: str) -> tuple[np.ndarray, np.ndarray]:
    """Per label (0..count) of ``labels`` (the pieces of ``mask``): True for the pieces that are bone by
    the cortical fraction (rule 3 of the module docstring; ``cortical``: the voxels at ``cortical_hu``),
    the largest too when ``largest`` is "always", or "if none" passes; and each piece's voxel count."""
    sizes = np.bincount(labels[mask], minlength=count + 1)
    dense = np.bincount(labels[cortical & mask], minlength=count + 1)
    keep = dense >= p.min_cortical_fraction * sizes
    keep[0] = False
    if largest == "always" or not keep.any():
        biggest = sizes.copy()
        biggest[0] = -1
        keep[np.argmax(biggest)] = True
    return keep, sizes


def skeleton_mask(volume: ImageVolume, threshold_hu: float, inside: np.ndarray | None = None,
                  params: BoneParams | None = None) -> np.ndarray:
    """The voxels at or above ``threshold_hu`` (within ``inside``, a ``[k, j, i]`` mask such as the body,
    when given) in the pieces that are bone, less the soft-tissue cores pressed on them (module
    docstring), as a ``[k, j, i]`` boolean array."""
    p = params or BoneParams()
    candidates = volume.hu >= threshold_hu
    if inside is not None:
        if inside.shape != volume.hu.shape:
            raise ValueError(f"the body mask {inside.shape} does not match the CT grid {volume.hu.shape}")
        candidates &= inside
    labels, count = ndimage.label(candidates, structure=_ALL_NEIGHBOURS)
    if count == 0:
        return candidates
    cortical = volume.hu >= p.cortical_hu
    keep, _sizes = _bone_pieces(labels, count, candidates, cortical, p, "always")
    bone = keep[labels]
    del labels
    # step 4: soft tissue joined to the bone by a layer of one voxel (partial volume)
    cores = _erode6(bone)
    labels, count = ndimage.label(cores, structure=_ALL_NEIGHBOURS)
    if count > 1:
        keep, sizes = _bone_pieces(labels, count, cores, cortical, p, "if none")
        soft = ~keep & (sizes * float(np.prod(volume.spacing_mm)) / 1000.0 >= p.min_core_ml)
        soft[0] = False
        if soft.any():
            bone &= ~_dilate_cube(soft[labels])
            del labels
            # step 5: what hung on the soft tissue left out (vessels branching off the aorta) is split
            # off from the bone now: rule 3 once more
            labels, count = ndimage.label(bone, structure=_ALL_NEIGHBOURS)
            bone = _bone_pieces(labels, count, bone, cortical, p, "always")[0][labels]
    return bone


def filled_skeleton_mask(volume: ImageVolume, threshold_hu: float, inside: np.ndarray | None = None,
                         params: BoneParams | None = None) -> np.ndarray:
    """:func:`skeleton_mask` with what the bone encloses filled (:func:`fill_enclosed`): the bone, not
    only its voxels above the threshold."""
    p = params or BoneParams()
    return fill_enclosed(volume, skeleton_mask(volume, threshold_hu, inside, p), p.closing_mm)


def fill_enclosed(volume: ImageVolume, bone: np.ndarray, closing_mm: float = BoneParams.closing_mm) -> np.ndarray:
    """``bone`` (a ``[k, j, i]`` mask of ``volume``'s grid) with what it encloses filled: a vertebral
    body's cancellous core under the threshold, a rib's marrow. The bone is first closed in each slice
    across the head-foot axis by a square of about ``closing_mm`` half-width (a thin or porous cortex
    leaves gaps under the threshold: the T12 body of the shared T11-T12 scan, 154 HU at its centre, has
    them at the front); a hole is then a 6-connected part of what the closed bone leaves that does not
    reach the grid's border, in 3-D: the spinal canal, open at the scan's ends, is no hole (filling
    slice by slice would fill it wherever the ring is closed). Of the closing's own voxels only those
    touching a hole are added (a notch of the marrow, a gap in the cortex), not those it adds outside.
    Limit: a body cut by the scan's first or last slice is open there and stays unfilled (the T11-T12
    scan's T12)."""
    axis = head_foot_axis(volume.direction)
    order = (axis,) + tuple(a for a in (0, 1, 2) if a != axis)
    b = np.transpose(np.asarray(bone, dtype=bool), order)
    spacing = spacing_kji(volume.spacing_mm)[list(order)]  # (k, j, i) spacing, permuted
    r = max(1, int(round(closing_mm / float(min(spacing[1], spacing[2])))))
    closed = _square(_square(b, r, grow=True), r, grow=False)
    labels, n = ndimage.label(~closed)
    outside = np.zeros(n + 1, dtype=bool)
    for face in (labels[0], labels[-1], labels[:, 0], labels[:, -1], labels[:, :, 0], labels[:, :, -1]):
        outside[face] = True
    outside[0] = True  # label 0: the closed bone itself
    holes = ~outside[labels]
    filled = b | holes | (closed & _dilate_cube(holes))  # with the closing's voxels that touch a hole
    return np.ascontiguousarray(np.transpose(filled, np.argsort(order)))


def _erode6(mask: np.ndarray) -> np.ndarray:
    """``scipy.ndimage.binary_erosion`` with the 6-connected cross (outside the grid counts as empty),
    from six shifted ANDs (several times faster)."""
    out = mask.copy()
    for axis in range(3):
        a = np.moveaxis(out, axis, 0)
        m = np.moveaxis(mask, axis, 0)
        a[1:] &= m[:-1]
        a[:-1] &= m[1:]
        a[0] = a[-1] = False
    return out


def _dilate_cube(mask: np.ndarray) -> np.ndarray:
    """``scipy.ndimage.binary_dilation`` with the 3 x 3 x 3 cube (every voxel next to the mask, corners
    too: the one-voxel rim an erosion with the cross takes off a round shape, all of it), from three
    1-D maximum filters over the mask's bounding box."""
    out = np.zeros_like(mask)
    nz = np.argwhere(mask)
    if nz.size == 0:
        return out
    lo, hi = np.maximum(nz.min(axis=0) - 1, 0), nz.max(axis=0) + 2
    box = tuple(slice(a, b) for a, b in zip(lo, hi))
    grown = mask[box]
    for axis in range(3):  # scipy's maximum_filter1d (mode "constant"): the same as a running OR
        grown = running_or(grown, 3, axis)
    out[box] = grown
    return out


def _square(mask: np.ndarray, r: int, grow: bool) -> np.ndarray:
    """In-plane dilation (``grow``) or erosion of a slices-first mask by a (2r+1)^2 square (separable
    1-D maximum/minimum filters)."""
    return square_filter(mask, r, grow)  # = scipy's 1-D filters, mode "nearest" (window_filters.py)
