"""The T12 body of the shared T11-T12 scan, from TotalSegmentator's machine-made label map.

The 20-slice scan (``../shared/data/ct-t11-t12-jpeg2000``) is too short for the automatic spine
search, so the T12 training task measures its vertebra from ``totalsegmentator_fast_labels.nii.gz``
(SOURCE.txt: label 32 = vertebra T12; an automatic segmentation, NOT ground truth). The label covers
the whole vertebra (body, pedicles, posterior arch); its **body part** is, on each axial slice, the
label's voxels anterior of the spinal canal's anterior edge on that slice: the posterior wall of the
body is the front of the canal (Gray's Anatomy), and the pedicles leave the body behind it.

Qt-free and VTK-free; used by :mod:`planner.training.real_tasks` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planner.anatomy.levels_centre import body_centre_uvw
from planner.core.frames import kji_to_ijk, spacing_kji
from planner.core.lazy import lazy_module

ndimage = lazy_module("scipy.ndimage")

#: TotalSegmentator's label for vertebra T12 (../shared/data/ct-t11-t12-jpeg2000/SOURCE.txt).
T12_LABEL = 32
LABEL_FILE = "totalsegmentator_fast_labels.nii.gz"


@dataclass(frozen=True)
class BodyPart:
    """The body part of a vertebra label on the CT grid: ``mask`` [k, j, i], its centroid (LPS mm) and
    its measured depth (AP) and width (LR) in mm."""

    mask: np.ndarray
    centre_lps: np.ndarray
    depth_mm: float
    width_mm: float


def label_on_grid(volume, labels, label: int) -> np.ndarray:
    """The voxels of ``volume`` whose centre falls in a voxel of ``labels`` (an ImageVolume of label
    ids, any grid, e.g. a NIfTI with flipped rows) holding ``label``: nearest-voxel lookup via LPS."""
    kji = np.argwhere(labels.hu == label)
    out = np.zeros(volume.hu.shape, dtype=bool)
    if kji.size == 0:
        return out
    # the label's box on the CT grid, then each CT voxel there looked up in the label grid
    corners = volume.to_ijk(labels.to_lps(kji_to_ijk(np.array([kji.min(0) - 1, kji.max(0) + 1])).astype(float)))
    lo = np.clip(np.floor(corners.min(0)).astype(int), 0, None)
    hi = np.minimum(np.ceil(corners.max(0)).astype(int) + 1, volume.shape_ijk)
    ii, jj, kk = np.meshgrid(*(np.arange(a, b) for a, b in zip(lo, hi)), indexing="ij")
    ijk = np.stack([ii.ravel(), jj.ravel(), kk.ravel()], -1)
    src = np.round(labels.to_ijk(volume.to_lps(ijk.astype(float)))).astype(int)
    ok = np.all((src >= 0) & (src < np.array(labels.shape_ijk)), axis=1)
    hit = np.zeros(len(ijk), bool)
    hit[ok] = labels.hu[src[ok, 2], src[ok, 1], src[ok, 0]] == label
    out[ijk[hit, 2], ijk[hit, 1], ijk[hit, 0]] = True
    return out


def _y_mm(volume, k: int) -> np.ndarray:
    """LPS y (posterior) of every voxel centre of axial slice ``k``, shape (nj, ni)."""
    nj, ni = volume.hu.shape[1:]
    jj, ii = np.mgrid[0:nj, 0:ni]
    ijk = np.stack([ii.ravel(), jj.ravel(), np.full(ii.size, k)], -1).astype(float)
    return volume.to_lps(ijk)[:, 1].reshape(nj, ni)


def body_part(volume, vertebra_mask: np.ndarray, canal_mask: np.ndarray) -> np.ndarray:
    """Per axial slice, the voxels of ``vertebra_mask`` anterior of the most anterior canal voxel
    (smaller LPS y); slices without canal keep nothing (no wall to cut at)."""
    out = np.zeros_like(vertebra_mask, dtype=bool)
    for k in np.flatnonzero(vertebra_mask.any(axis=(1, 2)) & canal_mask.any(axis=(1, 2))):
        y = _y_mm(volume, int(k))
        out[k] = vertebra_mask[k] & (y < y[canal_mask[k]].min())
    return out


def _extent_mm(coord: np.ndarray, spacing: float) -> float:
    return float(coord.max() - coord.min() + spacing) if coord.size else 0.0


def _front_run(column: np.ndarray) -> int:
    """Length (voxels) of the first run of True from the front (index 0) of a 1-D mask."""
    idx = np.flatnonzero(column)
    if idx.size == 0:
        return 0
    gaps = np.flatnonzero(~column[idx[0]:])
    return int(gaps[0]) if gaps.size else int(column.size - idx[0])


def _full_section_slices(mask: np.ndarray, sp, band_mm: float = 3.0) -> np.ndarray:
    """The slices where the body's midline (the middle of its left-right extent, +-``band_mm``) crosses it
    from the anterior wall over at least half the longest such run: the endplates are concave, so on the
    slices of an endplate's rim the midline meets the disc within a few millimetres (the T12 label's
    k 0-3 and 14-15 on the T11-T12 scan); the endplates' centres bound the body's height."""
    ks = np.flatnonzero(mask.any(axis=(1, 2)))
    ii = np.nonzero(mask)[2]
    mid = int(round(0.5 * (ii.min() + ii.max())))
    half = max(int(round(band_mm / sp[2])), 0)
    runs = np.array([_front_run(mask[k, :, max(mid - half, 0):mid + half + 1].any(axis=1)) for k in ks])
    return ks[runs >= 0.5 * runs.max()]


def body_centre_lps(volume, mask: np.ndarray) -> np.ndarray:
    """The body's centre by the rule of the automatic vertebrae (:mod:`planner.anatomy.levels_centre`):
    middle of the section (of its left-right extent, and between the anterior and posterior wall in the
    mid-sagittal band) over the slices of its full section, mid-height between its first and last such
    slice (:func:`_full_section_slices`; the endplates; flat planes: the label is axial on this scan, HFS, ImageOrientationPatient
    [1,0,0,0,1,0], so index axes are the body's left-right, anterior-posterior and cranio-caudal). The
    label's voxel mean lay 3 mm left of the midline (TotalSegmentator's fast label takes in more of the
    right pedicle's base than the left) and took in the endplate rims above and below the body."""
    sp = spacing_kji(volume.spacing_mm)
    w_mm, v_mm, u_mm = (np.arange(n) * s for n, s in zip(mask.shape, sp))
    full = _full_section_slices(mask, sp)
    top_w, bottom_w = w_mm[full.max()] + 0.5 * sp[0], w_mm[full.min()] - 0.5 * sp[0]
    uvw = body_centre_uvw(mask, u_mm, v_mm, w_mm, np.array([0.0, 0.0, top_w]), np.array([0.0, 0.0, bottom_w]))
    return volume.to_lps(uvw / np.array([sp[2], sp[1], sp[0]]))


def measure_body(volume, mask: np.ndarray) -> BodyPart:
    """Centre (:func:`body_centre_lps`), and the median over slices of the AP extent through the centre's
    column and of the LR extent through its row (mm, voxel edges to edges)."""
    kji = np.argwhere(mask)
    if kji.size == 0:
        raise ValueError("the vertebral body part is empty")
    centre = body_centre_lps(volume, mask)
    ci, cj, _ = np.round(volume.to_ijk(centre)).astype(int)
    sp = spacing_kji(volume.spacing_mm)
    depths = [_extent_mm(np.flatnonzero(mask[k, :, ci]) * sp[1], sp[1]) for k in np.unique(kji[:, 0])]
    widths = [_extent_mm(np.flatnonzero(mask[k, cj, :]) * sp[2], sp[2]) for k in np.unique(kji[:, 0])]
    return BodyPart(mask, centre, float(np.median([d for d in depths if d] or [0.0])),
                    float(np.median([w for w in widths if w] or [0.0])))


def signed_distance_mm(mask: np.ndarray, spacing_kji_mm) -> np.ndarray:
    """Distance (mm) from each voxel centre to the mask's boundary: positive inside, negative outside
    (Euclidean distance transforms of the mask and of its complement; the array's edge is not a
    boundary, so a body cut by the scan's end is not "surface" there)."""
    sp = tuple(float(s) for s in spacing_kji_mm)
    return ndimage.distance_transform_edt(mask, sampling=sp) - ndimage.distance_transform_edt(~mask, sampling=sp)


def t12_body(volume, canal_mask: np.ndarray, data_dir: Path) -> BodyPart:
    """The T12 body part of the scan in ``data_dir`` (its label file beside ``dicom/``), measured."""
    from planner.imaging import load_path

    labels = load_path(Path(data_dir) / LABEL_FILE)
    return measure_body(volume, body_part(volume, label_on_grid(volume, labels, T12_LABEL), canal_mask))


def pedicle_isthmus(volume, canal_mask: np.ndarray, centre_lps, side: str, data_dir: Path,
                    label: int = T12_LABEL) -> np.ndarray:
    """The centre (LPS mm) of a pedicle's isthmus in the label map: the label's voxels beside the canal
    (from 2 mm inside its lateral edge to 15 mm out, within its AP range, on the slices within 6 mm
    of ``centre_lps``) in 3 mm steps along the AP axis; the step with the fewest voxels (the
    narrowest part of the pedicle) gives the centroid."""
    from planner.core.errors import PlannerError
    from planner.imaging import load_path

    labels = load_path(Path(data_dir) / LABEL_FILE)
    kji = np.argwhere(labels.hu == label)
    lps = labels.to_lps(kji_to_ijk(kji).astype(float))
    k, j, i = np.nonzero(canal_mask)
    canal = volume.to_lps(np.stack([i, j, k], -1).astype(float))
    canal = canal[np.abs(canal[:, 2] - float(centre_lps[2])) < 6.0]
    sign = 1.0 if side == "left" else -1.0
    edge = canal[:, 0].max() if sign > 0 else canal[:, 0].min()
    beside = lps[(sign * (lps[:, 0] - edge) > -2.0) & (sign * (lps[:, 0] - edge) < 15.0)
                 & (lps[:, 1] > canal[:, 1].min()) & (lps[:, 1] < canal[:, 1].max())]
    if len(beside) < 10:
        raise PlannerError(f"No {side} pedicle beside the canal in the label map {LABEL_FILE}.")
    bins = np.floor((beside[:, 1] - beside[:, 1].min()) / 3.0).astype(int)
    counts = np.bincount(bins)
    narrow = int(np.argmin(np.where(counts > 0, counts, counts.max() + 1)))
    return beside[bins == narrow].mean(axis=0)


__all__ = ["pedicle_isthmus", "BodyPart", "T12_LABEL", "body_part", "label_on_grid", "measure_body", "signed_distance_mm", "t12_body"]
