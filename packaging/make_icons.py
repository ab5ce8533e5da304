"""Draw the application icon: a stylised lumbar vertebra (axial view) with an ablation needle.

Writes ``resources/icons/spine-planner.svg`` (drawn here by hand, no external artwork), PNGs of
16-256 px rendered from it with Qt's SVG renderer, a Windows ``.ico`` and a macOS ``.icns`` (both
containers simply hold the PNGs, which Windows Vista+ and macOS 10.7+ read). Run from the project
root: ``python packaging/make_icons.py``. The outputs are committed; the build does not redraw them.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "icons"
PNG_SIZES_PX = (16, 24, 32, 48, 64, 128, 256)

# View box 256 x 256. Anterior is up, as on an axial CT slice shown radiologically: body at the top,
# canal below it, the posterior arch with transverse and spinous processes, and a needle entering
# through the right pedicle (image right) with the predicted ablation zone glowing around its tip.
SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="256" height="256" viewBox="0 0 256 256">
  <title>Spine Ablation Planner</title>
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#2a3a5a"/>
      <stop offset="1" stop-color="#111a2b"/>
    </linearGradient>
    <radialGradient id="zone" cx="0.5" cy="0.5" r="0.5">
      <stop offset="0" stop-color="#ffb347" stop-opacity="0.95"/>
      <stop offset="0.6" stop-color="#ff7a1a" stop-opacity="0.6"/>
      <stop offset="1" stop-color="#ff5a00" stop-opacity="0"/>
    </radialGradient>
  </defs>
  <rect x="8" y="8" width="240" height="240" rx="48" ry="48" fill="url(#bg)"/>
  <path d="M 86 112 L 72 138 L 30 142 L 30 166 L 80 168 L 100 200 L 116 236 L 140 236
           L 156 200 L 176 168 L 226 166 L 226 142 L 184 138 L 170 112 Z"
        fill="#e9dfc8" stroke="#b8a57c" stroke-width="5" stroke-linejoin="round"/>
  <ellipse cx="128" cy="84" rx="66" ry="50" fill="#f1e9d6" stroke="#b8a57c" stroke-width="5"/>
  <ellipse cx="128" cy="84" rx="44" ry="31" fill="#e2d5b6"/>
  <ellipse cx="128" cy="158" rx="25" ry="21" fill="#3f7fd0" stroke="#b8a57c" stroke-width="4"/>
  <ellipse cx="150" cy="92" rx="34" ry="27" fill="url(#zone)"/>
  <line x1="232" y1="232" x2="154" y2="96" stroke="#1b2230" stroke-width="12" stroke-linecap="round"/>
  <line x1="232" y1="232" x2="154" y2="96" stroke="#d9e0ea" stroke-width="7" stroke-linecap="round"/>
  <line x1="236" y1="220" x2="216" y2="232" stroke="#5fb0ff" stroke-width="12" stroke-linecap="round"/>
</svg>
"""


def write_svg() -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "spine-planner.svg"
    path.write_text(SVG, encoding="utf-8")
    return path


def render_pngs(svg_path: Path) -> dict[int, bytes]:
    """Render the SVG at each size with QSvgRenderer + QPainter (antialiased); return PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0], "-platform", "offscreen"])
    renderer = QSvgRenderer(str(svg_path))
    if not renderer.isValid():
        raise SystemExit(f"Qt could not read {svg_path}")
    out = {}
    for size in PNG_SIZES_PX:
        image = QImage(size, size, QImage.Format_ARGB32_Premultiplied)
        image.fill(Qt.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setRenderHint(QPainter.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        out[size] = bytes(data)
        (OUT / f"spine-planner-{size}.png").write_bytes(out[size])
    del app
    return out


def write_ico(pngs: dict[int, bytes]) -> Path:
    """ICO with PNG-compressed entries: ICONDIR, one ICONDIRENTRY per size, then the PNG data."""
    sizes = [s for s in sorted(pngs) if s <= 256]
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = b"", b""
    for s in sizes:
        data = pngs[s]
        dim = 0 if s == 256 else s  # 0 means 256 in the ICO directory
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset + len(blobs))
        blobs += data
    path = OUT / "spine-planner.ico"
    path.write_bytes(header + entries + blobs)
    return path


def write_icns(pngs: dict[int, bytes]) -> Path:
    """ICNS with PNG payloads (icp4 16, icp5 32, icp6 64, ic07 128, ic08 256)."""
    types = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08"}
    body = b"".join(t + struct.pack(">I", 8 + len(pngs[s])) + pngs[s] for s, t in types.items())
    path = OUT / "spine-planner.icns"
    path.write_bytes(b"icns" + struct.pack(">I", 8 + len(body)) + body)
    return path


def main() -> int:
    svg = write_svg()
    pngs = render_pngs(svg)
    for p in (svg, write_ico(pngs), write_icns(pngs)):
        print(f"wrote {p.relative_to(ROOT)}")
    print(f"wrote {len(pngs)} PNGs: {', '.join(map(str, sorted(pngs)))} px")
    return 0


if __name__ == "__main__":
    sys.exit(main())
