"""Where the sacral canal's edges lie by the image, against the lumbar reference and the automatic canal.

    cd <worktree> && python3 benchmarks/sacral_edges.py

On each slice of the sacral band of ``../shared/data/ct-lumbar-tcia`` (reference region "sacrum",
tests/data/tcia_lumbar_canal_reference), along the canal's midline (the median column of reference
and automatic masks, HU averaged over 3 columns), the anterior and posterior edges of the canal are
placed at the half-maximum between the canal's content (median HU of the profile inside either mask)
and the wall's peak (the brightest value within 8 voxels beyond the masks), linearly interpolated
between voxel centres: the same half-way rule the reference uses for its rim (docs/canal-validation.md),
applied to the profile, independent of both masks' outlines. Prints per slice the half-maximum edges
and the outer faces of the reference's and the automatic mask's end voxels on that column (row index
j), then the mean distance of each to the half-maximum edges. The posterior wall (lamina cortex,
500-900 HU) gives a sharp edge; the anterior one (faint S1/S2 cancellous bone, 150-450 HU) does not,
so its half-maximum can sit several voxels inside the bone.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's planner, not an installed one
REF = ROOT / "tests/data/tcia_lumbar_canal_reference"


def _crossing(prof: np.ndarray, start: int, stop: int, step: int, level: float) -> float:
    j = start
    while j != stop and prof[j + step] < level:
        j += step
    if j == stop:
        return float("nan")
    return j + step * (level - prof[j]) / (prof[j + step] - prof[j])


def main() -> int:
    from planner.anatomy.canal import segment_canal
    from planner.anatomy.canal_reference import load_mask_npz, load_rois
    from planner.core.resources import shared_data_dir
    from planner.imaging import load_path

    root = shared_data_dir()
    if root is None:
        print("../shared/data not found: the real scans are needed")
        return 2
    volume = load_path(root / "ct-lumbar-tcia" / "dicom")
    ref, _ = load_mask_npz(REF / "canal_reference.npz")
    k0, k1 = load_rois(REF / "canal_rois.json").regions["sacrum"]
    auto = segment_canal(volume).mask
    dist = {"reference": [], "automatic": []}
    print(" k    i | half-max anterior posterior | reference ant post | automatic ant post")
    for k in range(k0, k1 + 1):
        both = ref[k] | auto[k]
        i = int(round(np.median(np.nonzero(both)[1])))
        prof = volume.hu[k, :, i - 1:i + 2].astype(float).mean(axis=1)
        rows = np.flatnonzero(both[:, i])
        content = float(np.median(prof[rows]))
        front, back = int(rows.min()), int(rows.max())
        ant_peak = front - 8 + int(np.argmax(prof[front - 8:front + 1]))
        post_peak = back + int(np.argmax(prof[back:back + 9]))
        centre = int(round(np.median(rows)))
        ea = _crossing(prof, centre, ant_peak, -1, 0.5 * (content + prof[ant_peak]))
        ep = _crossing(prof, centre, post_peak, 1, 0.5 * (content + prof[post_peak]))
        line = f"{k:2d} {i:4d} | {ea:8.1f} {ep:9.1f}"
        for name, m in (("reference", ref), ("automatic", auto)):
            r = np.flatnonzero(m[k][:, i])
            a, p = r.min() - 0.5, r.max() + 0.5
            dist[name].append((abs(a - ea), abs(p - ep)))
            line += f" | {a:7.1f} {p:6.1f}"
        print(line)
    for name, d in dist.items():
        d = np.asarray(d)
        print(f"{name}: mean distance to the half-maximum edge, anterior {np.nanmean(d[:, 0]):.2f} voxels, "
              f"posterior {np.nanmean(d[:, 1]):.2f} voxels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
