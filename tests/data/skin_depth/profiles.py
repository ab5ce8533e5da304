"""Recipe for the depth-from-skin references: HU profiles along each needle, sampled independently
of the planner (SimpleITK reads the series and interpolates), plotted for reading by eye.

    python3 tests/data/skin_depth/profiles.py ../shared/data OUTDIR

writes OUTDIR/<scan>_<n>.png (not committed) and prints the needles' lengths. Read on each plot the
distance from the entry of the last rise from air/foam to soft tissue before the tip (the middle of
the rise) and write it into needles.json as skin_depth_from_entry_mm.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import SimpleITK as sitk


def read(folder: Path) -> sitk.Image:
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(folder)))
    return reader.Execute()


def profile(img: sitk.Image, entry, tip, step_mm: float = 0.25):
    entry, tip = np.asarray(entry, float), np.asarray(tip, float)
    length = float(np.linalg.norm(tip - entry))
    t = np.arange(0.0, length, step_mm)
    values = []
    for s in t:
        p = tuple(entry + s * (tip - entry) / length)
        idx = img.TransformPhysicalPointToContinuousIndex(p)
        inside = all(-0.5 <= c <= n - 0.5 for c, n in zip(idx, img.GetSize()))
        values.append(img.EvaluateAtContinuousIndex(idx, sitk.sitkLinear) if inside else -1000.0)
    return t, np.array(values), length


def main(argv) -> int:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data, out = Path(argv[1]), Path(argv[2])
    out.mkdir(parents=True, exist_ok=True)
    spec = json.loads((Path(__file__).parent / "needles.json").read_text())
    for scan in ("ct-lumbar-tcia", "ct-t11-t12-jpeg2000"):
        img = read(data / scan / "dicom")
        for n, needle in enumerate(spec[scan]):
            t, hu, length = profile(img, needle["entry_lps"], needle["tip_lps"])
            fig, ax = plt.subplots(figsize=(14, 4))
            ax.plot(t, hu, lw=0.8)
            ax.set_xticks(np.arange(0, length, 5.0))
            ax.set_xticks(np.arange(0, length, 1.0), minor=True)
            ax.grid(which="both", alpha=0.3)
            ax.set_ylim(-1050, 600)
            ax.set_xlabel("mm from the entry")
            ax.set_title(f"{scan} needle {n}: length {length:.1f} mm")
            fig.tight_layout()
            fig.savefig(out / f"{scan}_{n}.png", dpi=80)
            plt.close(fig)
            print(scan, n, f"{length:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
