"""``python -m planner.phantom --out sample_dicom``: regenerate the bundled synthetic sample case."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from planner.core.errors import PlannerError
from planner.phantom.config import PhantomConfig
from planner.phantom.generate import build_phantom
from planner.phantom.ground_truth import write_sample_case


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m planner.phantom", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="folder to write (e.g. sample_dicom)")
    parser.add_argument("--small", action="store_true", help="coarse fast grid (for trying things out)")
    parser.add_argument("--seed", type=int, default=PhantomConfig().seed, help="random seed (noise, lesion)")
    args = parser.parse_args(argv)
    cfg = PhantomConfig.small(args.seed) if args.small else PhantomConfig(seed=args.seed)
    t0 = time.perf_counter()
    try:
        written = write_sample_case(build_phantom(cfg), args.out)
    except (PlannerError, OSError) as err:
        print(f"Could not write the sample case: {err}", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for paths in written.values() for p in paths)
    print(f"wrote {len(written['dicom'])} DICOM files and the ground truth to {args.out} "
          f"({size / 1e6:.2f} MB) in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
