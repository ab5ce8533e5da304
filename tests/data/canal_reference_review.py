"""Review images of a canal reference (the recipe of the PNGs looked at by eye; PNGs not committed).

    cd <worktree> && QT_QPA_PLATFORM=offscreen python3 tests/data/canal_reference_review.py \\
        tests/data/tcia_lumbar_canal_reference OUT_DIR [--auto] [--slices A-B] [--zoom]

Axial montages: 16 tiles per PNG, each a 56 x 56 voxel crop centred on that slice's hand-placed
region, zoomed 5x, window -250..1000 HU, voxel indices i (bottom) and j (right) every 10 voxels
(ticks every 5); the hand-placed region in green, the reference outline in red and, with
``--auto``, the outline of ``planner.anatomy.canal.segment_canal`` in cyan; the label says
"open" for slices listed as open-ring in the ROI file. ``--zoom``: 36 x 36 voxel crops at 8x with a
faint one-voxel grid (used on the sacral and open-ring slices to read voxel indices). Reformats: a curved sagittal image (column i
of each slice = its region's centre) and a curved coronal image (row j = the region's centre),
slices stretched to their true spacing, head up (4 px per pixel, 8 for scans under 150 mm). The scan is found by the ROI file's
``scan_folder`` under ``../shared/data``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import QLineF
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPen

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's planner, not the installed one
CROP, ZOOM, LO, HI = 56, 5, -250.0, 1000.0


def _gray(a: np.ndarray) -> QImage:
    u = np.clip((a - LO) / (HI - LO) * 255, 0, 255).astype(np.uint8)
    rgba = np.ascontiguousarray(np.repeat(u[:, :, None], 4, axis=2))
    rgba[:, :, 3] = 255
    h, w = u.shape
    return QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


def _outline(p: QPainter, m: np.ndarray, ox: float, oy: float, zx: float, zy: float, colour: str) -> None:
    """Draw the pixel edges between inside and outside of boolean image ``m`` ([row, col])."""
    p.setPen(QPen(QColor(colour), 1.5))
    pad = np.pad(m, 1)
    lines = []
    for r, c in np.argwhere(pad[1:, 1:-1] != pad[:-1, 1:-1]):  # horizontal edges at top of row r
        lines.append(QLineF(ox + c * zx, oy + r * zy, ox + (c + 1) * zx, oy + r * zy))
    for r, c in np.argwhere(pad[1:-1, 1:] != pad[1:-1, :-1]):
        lines.append(QLineF(ox + c * zx, oy + r * zy, ox + c * zx, oy + (r + 1) * zy))
    p.drawLines(lines)


def _centres_px(volume, rois) -> dict[int, tuple[int, int]]:
    from planner.anatomy.canal_reference import roi_in_slice, rois_per_slice

    out = {}
    for k, roi in rois_per_slice(rois).items():
        jj, ii = np.nonzero(roi_in_slice(volume, k, roi))
        out[k] = (int(round(ii.mean())), int(round(jj.mean())))
    return out


def _grid(p: QPainter, ox: int, oy: int, tile: int, zoom: int) -> None:
    p.setPen(QPen(QColor(0, 160, 160, 70), 1))
    p.drawLines([QLineF(ox + g, oy, ox + g, oy + tile) for g in range(0, tile, zoom)]
                + [QLineF(ox, oy + g, ox + tile, oy + g) for g in range(0, tile, zoom)])


def axial_montage(volume, ks, centres, layers, open_ks, out: Path, crop: int = CROP, zoom: int = ZOOM) -> None:
    """16 axial tiles; with ``zoom`` >= 7 a faint one-voxel grid is drawn for reading indices."""
    tile = crop * zoom
    image = QImage(4 * tile, ((len(ks) + 3) // 4) * tile, QImage.Format.Format_RGB32)
    image.fill(QColor("black"))
    p = QPainter(image)
    for n, k in enumerate(ks):
        ox, oy = (n % 4) * tile, (n // 4) * tile
        ci, cj = centres.get(k, (volume.hu.shape[2] // 2, volume.hu.shape[1] // 2))
        i0, j0 = ci - crop // 2, cj - crop // 2
        p.drawImage(ox, oy, _gray(np.kron(volume.hu[k, j0:j0 + crop, i0:i0 + crop].astype(float),
                                          np.ones((zoom, zoom)))))
        if zoom >= 7:
            _grid(p, ox, oy, tile, zoom)
        p.setFont(QFont("Sans", 7))
        p.setPen(QColor(140, 140, 255))
        for g in range((i0 // 5 + 1) * 5, i0 + crop, 5):
            x = ox + (g - i0) * zoom
            p.drawLine(x, oy + tile - 4, x, oy + tile)
            if g % 10 == 0:
                p.drawText(x - 8, oy + tile - 6, str(g))
        for g in range((j0 // 5 + 1) * 5, j0 + crop, 5):
            y = oy + (g - j0) * zoom
            p.drawLine(ox + tile - 4, y, ox + tile, y)
            if g % 10 == 0:
                p.drawText(ox + tile - 24, y + 3, str(g))
        for mask, colour in layers:
            _outline(p, mask[k, j0:j0 + crop, i0:i0 + crop], ox, oy, zoom, zoom, colour)
        p.setPen(QColor("yellow"))
        p.setFont(QFont("Sans", 9))
        p.drawText(ox + 3, oy + 12, f"k={k}" + (" open" if k in open_ks else ""))
    p.end()
    image.save(str(out))


def reformats(volume, centres, layers, out: Path) -> None:
    """Curved sagittal (left) and coronal (right) images along the regions' centres, head up."""
    nk = volume.hu.shape[0]
    ks = sorted(centres)
    ci = np.interp(np.arange(nk), ks, [centres[k][0] for k in ks]).round().astype(int)
    cj = np.interp(np.arange(nk), ks, [centres[k][1] for k in ks]).round().astype(int)
    half = 60
    zx = 4.0 if nk * volume.spacing_mm[2] >= 150.0 else 8.0  # short scans drawn larger
    zy = zx * volume.spacing_mm[2] / volume.spacing_mm[0]
    jc, ic = int(np.median(cj)), int(np.median(ci))
    rows = np.arange(nk)[::-1]
    sag = np.stack([volume.hu[k, jc - half:jc + half, ci[k]] for k in rows])
    cor = np.stack([volume.hu[k, cj[k], ic - half:ic + half] for k in rows])
    w, h = int(2 * half * zx), int(nk * zy)
    image = QImage(2 * w + 10, h + 20, QImage.Format.Format_RGB32)
    image.fill(QColor("black"))
    p = QPainter(image)
    for n, (img, pick) in enumerate([(sag, lambda m: np.stack([m[k, jc - half:jc + half, ci[k]] for k in rows])),
                                     (cor, lambda m: np.stack([m[k, cj[k], ic - half:ic + half] for k in rows]))]):
        ox = n * (w + 10)
        big = np.repeat(np.repeat(img.astype(float), int(round(zy)), axis=0), int(zx), axis=1)
        p.drawImage(ox, 0, _gray(big))
        zy_used = float(int(round(zy)))
        for mask, colour in layers:
            _outline(p, pick(mask), ox, 0, zx, zy_used, colour)
        p.setPen(QColor("yellow"))
        p.setFont(QFont("Sans", 9))
        for r, k in enumerate(rows):
            if k % 10 == 0:
                p.drawText(ox + 2, int(r * zy_used + zy_used), f"k={k}")
        p.drawText(ox + 2, h + 15, "sagittal (anterior left)" if n == 0 else "coronal (patient right left)")
    p.end()
    image.save(str(out))


def main(argv: list[str]) -> int:
    from planner.anatomy.canal_reference import load_mask_npz, load_rois, roi_in_slice, rois_per_slice
    from planner.core.resources import shared_data_dir
    from planner.imaging import load_path

    if len(argv) < 2:
        print(__doc__)
        return 2
    ref_dir, out_dir = Path(argv[0]), Path(argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    _app = QGuiApplication.instance() or QGuiApplication([])
    import json

    doc = json.loads((ref_dir / "canal_rois.json").read_text(encoding="utf-8"))
    volume = load_path(shared_data_dir() / doc["scan_folder"] / "dicom")
    reference, _ = load_mask_npz(ref_dir / "canal_reference.npz")
    rois = load_rois(ref_dir / "canal_rois.json")
    per_slice = rois_per_slice(rois)
    region = np.zeros(volume.hu.shape, dtype=bool)
    for k, roi in per_slice.items():
        region[k] = roi_in_slice(volume, k, roi)
    layers = [(region, "lime"), (reference, "red")]
    if "--auto" in argv:
        from planner.anatomy.canal import segment_canal

        layers.append((segment_canal(volume).mask, "cyan"))
    n = volume.hu.shape[0]
    ks_all = list(range(n))
    if "--slices" in argv:
        a, _, b = argv[argv.index("--slices") + 1].partition("-")
        ks_all = list(range(int(a), int(b or a) + 1))
    centres = _centres_px(volume, rois)
    for start in range(0, len(ks_all), 16):
        ks = ks_all[start:start + 16]
        axial_montage(volume, ks, centres, layers, set(rois.open_ring_slices), out_dir / f"axial_{ks[0]:03d}.png",
                      *((36, 8) if "--zoom" in argv else (CROP, ZOOM)))
    reformats(volume, centres, layers, out_dir / "reformats.png")
    print(f"{(len(ks_all) + 15) // 16} axial montages and reformats.png in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
