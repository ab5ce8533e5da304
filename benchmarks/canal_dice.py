"""Per-band Dice of the automatic canal (planner.anatomy.canal.segment_canal) on both shared real
scans, against the eye-checked references in tests/data/*_canal_reference (docs/canal-validation.md).

    cd <worktree> && python3 benchmarks/canal_dice.py [--markdown] [--sensitivity]

Prints, per scan and band (level regions, closed-ring and open-ring slices): Dice, the volume ratio
automatic / reference and the number of slices; and the time segment_canal took. The target of
issue 13 is Dice >= 0.85 overall on each scan and on the sacral band of the lumbar scan.
``--sensitivity`` also regenerates each reference with every ellipse 1 mm smaller / larger, without
the partial-volume rim and with a 500 HU rim, and prints how the figures move (the reference's doubt).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's planner, not an installed one

REFERENCES = {"ct-lumbar-tcia": ROOT / "tests/data/tcia_lumbar_canal_reference",
              "ct-t11-t12-jpeg2000": ROOT / "tests/data/t11_t12_canal_reference"}
TARGET = 0.85


def main(argv: list[str]) -> int:
    from planner.anatomy.canal import segment_canal
    from planner.anatomy.canal_reference import band_dice, band_slices, load_mask_npz, load_rois
    from planner.core.resources import shared_data_dir
    from planner.imaging import load_path

    root = shared_data_dir()
    if root is None:
        print("../shared/data not found: the real scans are needed")
        return 2
    markdown = "--markdown" in argv
    for scan, ref_dir in REFERENCES.items():
        volume = load_path(root / scan / "dicom")
        reference, _ = load_mask_npz(ref_dir / "canal_reference.npz")
        rois = load_rois(ref_dir / "canal_rois.json")
        t0 = time.perf_counter()
        mask = segment_canal(volume).mask
        seconds = time.perf_counter() - t0
        bands = band_slices(rois)
        print(f"\n{scan}: segment_canal {seconds:.2f} s")
        if markdown:
            print("\n| Band (slices) | n | Dice | auto / reference volume |\n|---|---|---|---|")
        for name, (d, ratio) in band_dice(mask, reference, rois).items():
            ks = bands[name]
            span = f"{ks[0]}-{ks[-1]}" if len(ks) and name not in ("closed_ring", "open_ring") else "listed"
            flag = "" if name != "overall" and not name.startswith("sacrum") else \
                ("  (target >= 0.85 met)" if d >= TARGET else "  (target >= 0.85 NOT met)")
            if markdown:
                print(f"| {name} ({span}) | {len(ks)} | {d:.3f} | {ratio:.2f} |")
            else:
                print(f"  {name:18s} {span:>8s} n={len(ks):3d}  Dice {d:.3f}  volume ratio {ratio:.2f}{flag}")
        if "--sensitivity" in argv:
            _sensitivity(volume, reference, rois, mask)
    return 0


def _sensitivity(volume, reference, rois, mask) -> None:
    from dataclasses import replace

    from planner.anatomy.canal_reference import EllipseROI, band_dice, dice, reference_mask

    def grown(d_mm):
        return {k: EllipseROI(e.centre_xy_mm, (e.semi_axes_mm[0] + d_mm, e.semi_axes_mm[1] + d_mm),
                              None if e.posterior_mm is None else e.posterior_mm + d_mm)
                for k, e in rois.keyframes.items()}

    for label, changed in [("ellipses -1 mm", replace(rois, keyframes=grown(-1.0))),
                           ("ellipses +1 mm", replace(rois, keyframes=grown(1.0))),
                           ("no rim", replace(rois, rim_hu=None)), ("rim 500 HU", replace(rois, rim_hu=500.0))]:
        ref = reference_mask(volume, changed)
        scores = ", ".join(f"{name} {d:.3f}" for name, (d, _) in band_dice(mask, ref, rois).items())
        print(f"  {label:15s} reference vs stored Dice {dice(ref, reference):.3f}, volume "
              f"{ref.sum() / reference.sum():.2f}; {scores}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
