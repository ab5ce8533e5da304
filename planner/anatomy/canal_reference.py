"""Reference (validation) spinal canal masks built from hand-placed regions of interest.

This is *not* a segmentation method for the planner: it regenerates a reference mask that a person
drew, so that :func:`planner.anatomy.canal.segment_canal` can be scored against something that does
not depend on it (``tests/data/tcia_lumbar_canal_reference/``, ``tests/data/t11_t12_canal_reference/``;
docs/canal-validation.md). Nothing here calls the automatic canal code.

The person places, while looking at axial crops of the scan, an ellipse around the bony canal on
key slices (centre and semi-axes in LPS mm, axis-aligned in the axial plane); the ellipse of every
slice in between is interpolated linearly from the two nearest key slices. An ellipse may have a
shorter posterior half (``posterior_mm``) to stop at the line between the laminae on an open
interlaminar slice. Where an ellipse does not
fit the canal (the flat, triangular sacral canal; an open ring whose edge is not elliptical) a
polygon drawn on that one slice (vertices in LPS mm) replaces the ellipse there. Per slice the canal
is:

1. the HU image smoothed lightly in plane (Gaussian, ``sigma_mm``) so that the one-voxel cortex of
   laminae and pedicles does not break up;
2. the voxels below ``bone_hu`` (not bone: cancellous bone is 300-400 HU and cortex 500-1900 HU,
   CSF about 15 HU and epidural fat about -100 HU, DOMAIN.md) inside the ellipse;
3. of those, the 4-connected component holding most of the voxels of the inner half of the ellipse
   (the canal lumen), with holes filled;
4. plus its partial-volume rim: in-plane 4-neighbours inside the ellipse whose (unsmoothed) value is
   below ``rim_hu``, i.e. voxels that are more canal than bone (the half-maximum edge of the blurred
   CSF-to-bone step). ``rim_hu`` is measured on each scan by :func:`half_way_rim_hu`: half-way
   between the canal's median HU and the median peak HU of its wall (thin cortices blurred by the
   scanner peak well below the 500-1900 HU of cortex, so the half-way value is scan-specific;
   320 HU on the TCIA lumbar scan, 198 HU on the T11-T12 scan). ``rim_hu`` = None leaves the
   conservative step-3 mask.

The open-ring slices (disc levels, foramina, gaps between laminae) are recorded in the ROI file
after looking; :func:`open_ring_by_rule` suggests them. :func:`band_dice` scores a mask per band
(level regions, closed-ring and open-ring slices).

Where the bony ring is closed the ellipse is drawn generously and the bone bounds the canal; where
it is open (disc levels, gaps between laminae) the ellipse is drawn tight and is the boundary there.

Run ``python -m planner.anatomy.canal_reference ROIS.json SCAN_DIR OUT.npz`` to regenerate a mask.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from planner.core.lazy import lazy_module
from planner.core.errors import LoadError, PlannerError
from planner.core.volume import ImageVolume

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

__all__ = ["EllipseROI", "PolygonROI", "ReferenceRois", "load_rois", "rois_per_slice", "reference_mask",
           "save_mask_npz", "load_mask_npz", "roi_in_slice", "open_ring_by_rule", "half_way_rim_hu",
           "dice", "band_slices", "band_dice"]


@dataclass(frozen=True)
class EllipseROI:
    """An axis-aligned ellipse in an axial slice: centre (x, y) and semi-axes (along x, along y), LPS mm.

    ``posterior_mm``, when given, is the semi-axis on the posterior side (y above the centre; LPS y
    points to the back), so that the region can stop at the line between the laminae on an open
    interlaminar slice while reaching the disc margin in front (two half-ellipses)."""

    centre_xy_mm: tuple[float, float]
    semi_axes_mm: tuple[float, float]
    posterior_mm: float | None = None

    def contains(self, x_mm: np.ndarray, y_mm: np.ndarray) -> np.ndarray:
        dx = (x_mm - self.centre_xy_mm[0]) / self.semi_axes_mm[0]
        ay = np.where(y_mm > self.centre_xy_mm[1], self.posterior_mm or self.semi_axes_mm[1], self.semi_axes_mm[1])
        dy = (y_mm - self.centre_xy_mm[1]) / ay
        return dx * dx + dy * dy <= 1.0

    def shrunk(self, factor: float) -> "EllipseROI":
        return EllipseROI(self.centre_xy_mm, (self.semi_axes_mm[0] * factor, self.semi_axes_mm[1] * factor),
                          None if self.posterior_mm is None else self.posterior_mm * factor)


@dataclass(frozen=True)
class PolygonROI:
    """A closed polygon in an axial slice, vertices (x, y) in LPS mm (even-odd rule inside)."""

    vertices_xy_mm: tuple[tuple[float, float], ...]

    def contains(self, x_mm: np.ndarray, y_mm: np.ndarray) -> np.ndarray:
        v = np.asarray(self.vertices_xy_mm, dtype=float)
        inside = np.zeros(np.shape(x_mm), dtype=bool)
        for (x0, y0), (x1, y1) in zip(v, np.roll(v, -1, axis=0)):
            if y0 == y1:
                continue
            crosses = (y0 > y_mm) != (y1 > y_mm)
            x_cross = x0 + (y_mm - y0) * (x1 - x0) / (y1 - y0)
            inside ^= crosses & (x_mm < x_cross)
        return inside

    def shrunk(self, factor: float) -> "PolygonROI":
        v = np.asarray(self.vertices_xy_mm, dtype=float)
        c = v.mean(axis=0)
        return PolygonROI(tuple(map(tuple, c + (v - c) * factor)))


@dataclass(frozen=True)
class ReferenceRois:
    """Key-slice ellipses (slice index k -> ellipse), covered slice range and thresholds."""

    keyframes: dict[int, EllipseROI]
    first_slice: int
    last_slice: int
    bone_hu: float = 150.0
    sigma_mm: float = 0.7
    rim_hu: float | None = 500.0
    regions: dict[str, tuple[int, int]] | None = None
    polygons: dict[int, PolygonROI] | None = None
    open_ring_slices: tuple[int, ...] = ()


def _slice_list(spec) -> tuple[int, ...]:
    """``["10-12", 15]`` -> ``(10, 11, 12, 15)``."""
    out: list[int] = []
    for item in spec:
        a, _, b = str(item).partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return tuple(sorted(set(out)))


def load_rois(path) -> ReferenceRois:
    """Read the ROI file (JSON, see ``tests/data/tcia_lumbar_canal_reference/README.md``)."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        keys = {int(k): EllipseROI(tuple(map(float, v["centre_xy_mm"])), tuple(map(float, v["semi_axes_mm"])),
                                   None if v.get("posterior_mm") is None else float(v["posterior_mm"]))
                for k, v in doc["keyframes"].items()}
        regions = {name: (int(a), int(b)) for name, (a, b) in doc.get("regions", {}).items()}
        polygons = {int(k): PolygonROI(tuple((float(x), float(y)) for x, y in v))
                    for k, v in doc.get("polygons", {}).items()}
        return ReferenceRois(dict(sorted(keys.items())), int(doc["first_slice"]), int(doc["last_slice"]),
                             float(doc.get("bone_hu", 150.0)), float(doc.get("sigma_mm", 0.7)),
                             None if doc.get("rim_hu") is None else float(doc["rim_hu"]), regions or None,
                             dict(sorted(polygons.items())) or None, _slice_list(doc.get("open_ring_slices", [])))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LoadError(f"The reference canal outline file '{path}' could not be read: {exc}", (str(path),)) from exc


def rois_per_slice(rois: ReferenceRois) -> dict[int, EllipseROI | PolygonROI]:
    """The region of every slice in ``first_slice..last_slice``: its polygon when one was drawn on
    that slice, else the ellipse interpolated linearly between the two nearest key slices."""
    polygons = rois.polygons or {}
    need = [k for k in range(rois.first_slice, rois.last_slice + 1) if k not in polygons]
    ks = np.array(sorted(rois.keyframes), dtype=float)
    if need and (ks.size == 0 or need[0] < ks[0] or need[-1] > ks[-1]):
        raise PlannerError("The reference canal outlines must have key slices at both ends of the range.")
    out: dict[int, EllipseROI | PolygonROI] = {}
    if need:
        keys = [rois.keyframes[int(k)] for k in ks]
        table = np.array([[*e.centre_xy_mm, *e.semi_axes_mm,
                           e.semi_axes_mm[1] if e.posterior_mm is None else e.posterior_mm] for e in keys])
        for k in need:
            row = [float(np.interp(k, ks, table[:, c])) for c in range(5)]
            out[k] = EllipseROI((row[0], row[1]), (row[2], row[3]), None if abs(row[4] - row[3]) < 1e-9 else row[4])
    for k, poly in polygons.items():
        if rois.first_slice <= k <= rois.last_slice:
            out[k] = poly
    return dict(sorted(out.items()))


def _check_axial(volume: ImageVolume) -> None:
    d = np.asarray(volume.direction, dtype=float)
    if not np.allclose(np.abs(d), np.eye(3), atol=1e-3):
        raise PlannerError("Reference canal outlines need an axial scan without tilt or rotation.")


def roi_in_slice(volume: ImageVolume, k: int, roi: EllipseROI | PolygonROI) -> np.ndarray:
    """Boolean [j, i] mask of the pixel centres of slice k inside the region (ellipse or polygon)."""
    _check_axial(volume)  # then x depends on i only and y on j only
    nj, ni = volume.hu.shape[1:]
    x_mm = volume.to_lps(np.stack([np.arange(ni), np.zeros(ni), np.full(ni, k)], axis=1).astype(float))[:, 0]
    y_mm = volume.to_lps(np.stack([np.zeros(nj), np.arange(nj), np.full(nj, k)], axis=1).astype(float))[:, 1]
    return roi.contains(*np.broadcast_arrays(x_mm[None, :], y_mm[:, None]))


def _canal_in_slice(hu_slice: np.ndarray, ellipse: np.ndarray, inner: np.ndarray, bone_hu: float,
                    sigma_px: tuple[float, float], rim_hu: float | None) -> np.ndarray:
    smooth = ndimage.gaussian_filter(hu_slice.astype(np.float32), sigma_px)
    cand = ellipse & (smooth < bone_hu)
    labels, n = ndimage.label(cand)
    if n == 0:
        return np.zeros_like(cand)
    votes = np.bincount(labels[inner & cand], minlength=n + 1)
    votes[0] = 0
    if votes.max() == 0:
        return np.zeros_like(cand)
    canal = ndimage.binary_fill_holes(labels == int(np.argmax(votes)))
    if rim_hu is not None:
        canal |= ndimage.binary_dilation(canal) & ellipse & (hu_slice < rim_hu)
    return canal


def reference_mask(volume: ImageVolume, rois: ReferenceRois) -> np.ndarray:
    """Full-size boolean canal mask ``[k, j, i]`` of ``volume`` from the ROIs (module docstring)."""
    _check_axial(volume)
    if rois.last_slice >= volume.hu.shape[0] or rois.first_slice < 0:
        raise PlannerError("The reference canal outlines cover slices that this scan does not have.")
    sp = np.asarray(volume.spacing_mm, dtype=float)
    sigma_px = (rois.sigma_mm / sp[1], rois.sigma_mm / sp[0])
    mask = np.zeros(volume.hu.shape, dtype=bool)
    for k, roi in rois_per_slice(rois).items():
        region = roi_in_slice(volume, k, roi)
        if not region.any():
            continue
        box = _box(region, pad=10)  # the work is local to the region; results as on the whole slice
        inner = roi_in_slice(volume, k, roi.shrunk(0.5))[box]
        mask[k][box] = _canal_in_slice(volume.hu[k][box], region[box], inner, rois.bone_hu, sigma_px,
                                       rois.rim_hu)
    return mask


def _box(region: np.ndarray, pad: int) -> tuple[slice, slice]:
    rows, cols = np.nonzero(region)
    return (slice(max(rows.min() - pad, 0), rows.max() + 1 + pad),
            slice(max(cols.min() - pad, 0), cols.max() + 1 + pad))


def half_way_rim_hu(volume: ImageVolume, rois: ReferenceRois) -> float:
    """The partial-volume rim threshold for this scan: half-way between the median HU of the canal
    (step-3 mask) and the median peak HU of its wall (largest value within 2 voxels in plane of
    each voxel next to the canal), i.e. the half-maximum edge of the blurred CSF-to-bone step. A
    thin cortex is blurred below its true HU, so its half-maximum is lower than 500 HU."""
    conservative = reference_mask(volume, replace(rois, rim_hu=None))
    disk = ndimage.generate_binary_structure(2, 1)
    peaks = []
    for k in np.flatnonzero(conservative.any(axis=(1, 2))):
        box = _box(conservative[k], pad=4)
        inside = conservative[k][box]
        rim = ndimage.binary_dilation(inside, disk) & ~inside
        peaks.append(ndimage.maximum_filter(volume.hu[k][box].astype(np.float32), size=5)[rim])
    return 0.5 * (float(np.median(volume.hu[conservative])) + float(np.median(np.concatenate(peaks))))


def open_ring_by_rule(volume: ImageVolume, rois: ReferenceRois, reference: np.ndarray,
                      margin_mm: float = 8.0) -> list[int]:
    """Slices whose canal is not enclosed by bone: the non-bone voxels (smoothed HU below ``bone_hu``)
    connected in plane to the reference canal reach ``margin_mm`` beyond the hand-placed region
    (through a disc, a foramen or a gap between laminae). A suggestion for the person, who records
    the open-ring slices after looking (``open_ring_slices`` in the ROI file)."""
    sp = np.asarray(volume.spacing_mm, dtype=float)
    sigma_px = (rois.sigma_mm / sp[1], rois.sigma_mm / sp[0])
    grow = int(np.ceil(margin_mm / min(sp[0], sp[1])))
    disk = ndimage.generate_binary_structure(2, 1)
    out = []
    for k, roi in rois_per_slice(rois).items():
        region = roi_in_slice(volume, k, roi)
        box = _box(region, pad=grow + 2)
        grown = ndimage.binary_dilation(region[box], disk, iterations=grow)
        smooth = ndimage.gaussian_filter(volume.hu[k][box].astype(np.float32), sigma_px)
        labels, _ = ndimage.label(grown & (smooth < rois.bone_hu))
        seeds = np.unique(labels[reference[k][box] & (labels > 0)])
        lumen = np.isin(labels, seeds[seeds > 0])
        edge = grown & ~ndimage.binary_erosion(grown, disk)
        if (lumen & edge).any():
            out.append(k)
    return out


def dice(a: np.ndarray, b: np.ndarray) -> float:
    """Dice = 2|A & B| / (|A| + |B|) over voxels (1.0 when both are empty)."""
    total = int(a.sum()) + int(b.sum())
    return 1.0 if total == 0 else 2.0 * int((a & b).sum()) / total


def band_slices(rois: ReferenceRois) -> dict[str, np.ndarray]:
    """Slice indices of each band scored: ``overall`` (the covered range), each level region of the
    ROI file, and ``closed_ring`` / ``open_ring`` (the ``open_ring_slices`` recorded by eye)."""
    everything = np.arange(rois.first_slice, rois.last_slice + 1)
    bands = {"overall": everything}
    for name, (lo, hi) in (rois.regions or {}).items():
        bands[name] = np.arange(lo, hi + 1)
    is_open = np.isin(everything, rois.open_ring_slices)
    bands["closed_ring"] = everything[~is_open]
    bands["open_ring"] = everything[is_open]
    return bands


def band_dice(mask: np.ndarray, reference: np.ndarray, rois: ReferenceRois) -> dict[str, tuple[float, float]]:
    """Per band (:func:`band_slices`): (Dice of ``mask`` against ``reference``, volume ratio
    mask / reference) on those slices."""
    out = {}
    for name, ks in band_slices(rois).items():
        ref_n = int(reference[ks].sum())
        out[name] = (dice(mask[ks], reference[ks]), int(mask[ks].sum()) / ref_n if ref_n else float("nan"))
    return out


def save_mask_npz(path, mask: np.ndarray, volume: ImageVolume) -> None:
    """Store the mask as its bounding box (packed bits) + offset + the scan geometry, compressed."""
    idx = np.argwhere(mask)
    lo, hi = idx.min(axis=0), idx.max(axis=0) + 1
    box = mask[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
    np.savez_compressed(path, bits=np.packbits(box.ravel()), box_shape=np.array(box.shape),
                        offset_kji=lo, full_shape_kji=np.array(mask.shape),
                        origin_lps=np.asarray(volume.origin_lps, dtype=float),
                        spacing_mm=np.asarray(volume.spacing_mm, dtype=float),
                        direction=np.asarray(volume.direction, dtype=float))


def load_mask_npz(path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Inverse of :func:`save_mask_npz`: the full-size mask and the stored geometry."""
    with np.load(path) as z:
        shape = tuple(int(s) for s in z["box_shape"])
        box = np.unpackbits(z["bits"])[:int(np.prod(shape))].reshape(shape).astype(bool)
        mask = np.zeros(tuple(int(s) for s in z["full_shape_kji"]), dtype=bool)
        o = [int(v) for v in z["offset_kji"]]
        mask[o[0]:o[0] + shape[0], o[1]:o[1] + shape[1], o[2]:o[2] + shape[2]] = box
        geometry = {name: np.array(z[name]) for name in ("origin_lps", "spacing_mm", "direction")}
    return mask, geometry


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m planner.anatomy.canal_reference ROIS.json SCAN_DIR OUT.npz")
        return 2
    from planner.imaging import load_path

    volume = load_path(argv[1])
    mask = reference_mask(volume, load_rois(argv[0]))
    save_mask_npz(argv[2], mask, volume)
    print(f"{int(mask.sum())} voxels on {int(mask.any(axis=(1, 2)).sum())} slices -> {argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
