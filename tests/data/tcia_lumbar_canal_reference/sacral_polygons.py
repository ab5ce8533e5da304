"""How the sacral polygons (slices k 0-9) of ``canal_rois.json`` were made (re-run to rewrite them).

    cd <worktree> && python3 tests/data/tcia_lumbar_canal_reference/sacral_polygons.py [--write]

The independent re-reading of 2026-12-01 (docs/canal-validation.md, "Sacral band re-read"): on the
S2 and S1 slices the drawn ellipse did not follow the canal (it stopped 2-5 voxels short of the
lamina and took faint S2/S1 bone in front). There a polygon replaces the ellipse, placed on the
reference's own edge rule, the half-maximum of the blurred step (module docstring of
``planner.anatomy.canal_reference``), read on each column of the slice:

- the HU profile along y (row j) of the column, averaged over 3 columns; the canal content is the
  median of the run below 100 HU through the darkest 3 voxels near the canal row ``SEED_J``; the
  wall peaks are the brightest voxel within 8 rows in front (S2/S1 body) and behind (lamina);
- the front and back edges are where the profile crosses half-way between the content and each
  peak, linearly interpolated between voxel centres (a voxel belongs to the canal when its centre
  lies between the two edges, i.e. more than half of it is canal);
- the polygon's front follows the front edge; its back lies half a voxel behind the back edge so
  that the reference's own thresholds (150 HU component, 320 HU rim) decide the last voxel at the
  lamina;
- the lateral limits (``COLUMNS``) were set by eye on soft-tissue (-150..300 HU) and bone
  (-250..1000 HU) crops: the ends of the bony canal (pedicle or the entry of the sacral foramina);
- on the S1 slices (k 6-9) the front is nowhere more anterior than the midline front, so that the
  two lobes that bulge forward beside the S1 body toward the ventral sacral foramina (seen on the
  soft-tissue crops) stay out of the canal, on both sides alike.

Nothing here reads the automatic canal (``planner.anatomy.canal``).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))  # this checkout's planner

# k: (first column i, last column i, canal row j to seed the search, S1 front cap)
COLUMNS = {0: (251, 273, 341, False), 1: (252, 272, 339, False), 2: (252, 272, 336, False),
           3: (254, 271, 334, False), 4: (254, 270, 332, False), 5: (255, 271, 330, False),
           6: (251, 272, 329, True), 7: (250, 273, 328, True), 8: (252, 274, 326, True),
           9: (253, 274, 322, True)}


def _cross(prof: np.ndarray, start: int, step: int, level: float) -> float:
    j = start
    while prof[j + step] < level:
        j += step
    return j + step * (level - prof[j]) / (prof[j + step] - prof[j])


def column_edges(hu_slice: np.ndarray, i: int, seed_j: int) -> tuple[float, float, float, float, float]:
    """(front j, back j, content HU, front peak HU, back peak HU) of column i (half-maximum edges)."""
    prof = hu_slice[:, i - 1:i + 2].astype(float).mean(axis=1)
    smooth = np.convolve(prof, np.ones(3) / 3, "same")
    window = np.arange(seed_j - 5, seed_j + 7)
    seed = int(window[np.argmin(smooth[window])])
    a = b = seed
    while prof[a - 1] < 100:
        a -= 1
    while prof[b + 1] < 100:
        b += 1
    content = float(np.median(prof[a:b + 1]))
    pa = a - 8 + int(np.argmax(prof[a - 8:a]))
    pb = b + 1 + int(np.argmax(prof[b + 1:b + 9]))
    front = _cross(prof, seed, -1, 0.5 * (content + prof[pa]))
    back = _cross(prof, seed, 1, 0.5 * (content + prof[pb]))
    return front, back, content, float(prof[pa]), float(prof[pb])


def polygons(volume) -> tuple[dict[int, list[list[float]]], dict[int, list[tuple]]]:
    """Polygon vertices (LPS mm) per slice and the per-column edges they come from."""
    ox, oy = float(volume.origin_lps[0]), float(volume.origin_lps[1])
    sx, sy = float(volume.spacing_mm[0]), float(volume.spacing_mm[1])
    out, table = {}, {}
    for k, (i0, i1, seed_j, cap) in COLUMNS.items():
        cols = list(range(i0, i1 + 1))
        edges = [column_edges(volume.hu[k], i, seed_j) for i in cols]
        front = np.array([e[0] for e in edges])
        back = np.array([e[1] for e in edges]) + 0.5
        if cap:
            mid = cols.index(int(round(np.mean([i0, i1]))))
            front = np.maximum(front, front[mid - 1:mid + 2].mean())
        x = lambda i: round(ox + i * sx, 2)
        y = lambda j: round(oy + j * sy, 2)
        verts = [[x(i0 - 0.5), y(front[0])]] + [[x(i), y(f)] for i, f in zip(cols, front)]
        verts += [[x(i1 + 0.5), y(front[-1])], [x(i1 + 0.5), y(back[-1])]]
        verts += [[x(i), y(b)] for i, b in zip(cols[::-1], back[::-1])] + [[x(i0 - 0.5), y(back[0])]]
        out[k] = verts
        table[k] = [(i, *e) for i, e in zip(cols, edges)]
    return out, table


def main(argv: list[str]) -> int:
    from planner.core.resources import shared_data_dir
    from planner.imaging import load_path

    volume = load_path(shared_data_dir() / "ct-lumbar-tcia" / "dicom")
    polys, table = polygons(volume)
    for k, rows in table.items():
        mid = rows[len(rows) // 2]
        print(f"k {k}: columns {rows[0][0]}-{rows[-1][0]}; midline i {mid[0]}: front j {mid[1]:.1f} "
              f"back j {mid[2]:.1f} (content {mid[3]:.0f} HU, front peak {mid[4]:.0f}, lamina peak {mid[5]:.0f})")
    if "--write" in argv:
        path = HERE / "canal_rois.json"
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["polygons"] = {str(k): v for k, v in polys.items()}
        head, _, tail = json.dumps(doc, indent=1).partition('"polygons": {')
        tail = re.sub(r"\[\s+(-?[\d.]+),\s+(-?[\d.]+)\s+\]", r"[\1, \2]", tail)  # one vertex a line
        path.write_text(head + '"polygons": {' + tail, encoding="utf-8")
        print(f"polygons for slices {sorted(polys)} written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
