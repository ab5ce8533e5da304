"""Write the review montages of the TCIA canal reference (16 axial crops per PNG, not committed).

    cd /work/main && QT_QPA_PLATFORM=offscreen python tests/data/tcia_lumbar_canal_reference/make_montages.py OUT_DIR [--auto]

Each tile: a 64 x 64 voxel crop (about 69 mm) around the slice's ellipse, zoomed 4x, window -200..1000
HU, voxel indices i (bottom) and j (right) every 10 voxels; the ellipse in green, the reference
outline in red and, with ``--auto``, the outline of ``planner.anatomy.canal.segment_canal`` in cyan.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPen

HERE = Path(__file__).resolve().parent
CROP, ZOOM, LO, HI = 64, 4, -200.0, 1000.0


def _gray(a: np.ndarray) -> QImage:
    u = np.clip((a - LO) / (HI - LO) * 255, 0, 255).astype(np.uint8)
    rgba = np.ascontiguousarray(np.repeat(u[:, :, None], 4, axis=2))
    rgba[:, :, 3] = 255
    h, w = u.shape
    return QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


def _outline(p: QPainter, sl: np.ndarray, ox: int, oy: int, colour: str) -> None:
    pad = np.pad(sl, 1)
    edge = sl & ~(pad[:-2, 1:-1] & pad[2:, 1:-1] & pad[1:-1, :-2] & pad[1:-1, 2:])
    p.setPen(QPen(QColor(colour), 1))
    for j, i in np.argwhere(edge):
        p.drawRect(ox + i * ZOOM, oy + j * ZOOM, ZOOM - 1, ZOOM - 1)


def montage(hu, ks, ellipses_px, masks, out: Path) -> None:
    tile = CROP * ZOOM
    image = QImage(4 * tile, ((len(ks) + 3) // 4) * tile, QImage.Format.Format_RGB32)
    image.fill(QColor("black"))
    ci = int(np.mean([ellipses_px[k][0] for k in ks if k in ellipses_px] or [hu.shape[2] / 2]))
    cj = int(np.mean([ellipses_px[k][1] for k in ks if k in ellipses_px] or [hu.shape[1] / 2]))
    i0, j0 = ci - CROP // 2, cj - CROP // 2
    p = QPainter(image)
    for n, k in enumerate(ks):
        ox, oy = (n % 4) * tile, (n // 4) * tile
        p.drawImage(ox, oy, _gray(np.kron(hu[k, j0:j0 + CROP, i0:i0 + CROP].astype(float), np.ones((ZOOM, ZOOM)))))
        p.setFont(QFont("Sans", 7))
        p.setPen(QColor(140, 140, 255))
        for g in range((i0 // 10 + 1) * 10, i0 + CROP, 10):
            p.drawText(ox + (g - i0) * ZOOM - 8, oy + tile - 8, str(g))
        for g in range((j0 // 10 + 1) * 10, j0 + CROP, 10):
            p.drawText(ox + tile - 26, oy + (g - j0) * ZOOM + 3, str(g))
        for mask, colour in masks:
            _outline(p, mask[k, j0:j0 + CROP, i0:i0 + CROP], ox, oy, colour)
        if k in ellipses_px:
            ei, ej, ai, aj = ellipses_px[k]
            p.setPen(QPen(QColor("lime"), 1))
            p.drawEllipse(QPointF(ox + (ei - i0 + 0.5) * ZOOM, oy + (ej - j0 + 0.5) * ZOOM), ai * ZOOM, aj * ZOOM)
        p.setPen(QColor("yellow"))
        p.setFont(QFont("Sans", 9))
        p.drawText(ox + 3, oy + 12, f"k={k}")
    p.end()
    image.save(str(out))


def main(argv: list[str]) -> int:
    from planner.anatomy.canal_reference import load_mask_npz, load_rois, rois_per_slice
    from planner.core.resources import shared_data_dir

    if not argv:
        print(__doc__)
        return 2
    out_dir = Path(argv[0])
    out_dir.mkdir(parents=True, exist_ok=True)
    _app = QGuiApplication.instance() or QGuiApplication([])
    from planner.imaging import load_path

    volume = load_path(shared_data_dir() / "ct-lumbar-tcia" / "dicom")
    reference, _ = load_mask_npz(HERE / "canal_reference.npz")
    rois = load_rois(HERE / "canal_rois.json")
    ellipses_px = {}
    for k, roi in rois_per_slice(rois).items():
        i, j, _k = volume.to_ijk(np.array([*roi.centre_xy_mm, volume.to_lps(np.array([0.0, 0.0, k]))[2]]))
        ellipses_px[k] = (i, j, roi.semi_axes_mm[0] / volume.spacing_mm[0], roi.semi_axes_mm[1] / volume.spacing_mm[1])
    masks = [(reference, "red")]
    if "--auto" in argv:
        from planner.anatomy.canal import segment_canal

        masks.append((segment_canal(volume).mask, "cyan"))
    n = volume.hu.shape[0]
    for start in range(0, n, 16):
        ks = list(range(start, min(start + 16, n)))
        montage(volume.hu, ks, ellipses_px, masks, out_dir / f"canal_reference_{start:03d}.png")
    print(f"{(n + 15) // 16} montages in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
