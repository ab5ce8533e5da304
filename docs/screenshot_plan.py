"""Write the plan shown in the README's screenshot: a bipedicular L2 plan on the shared real lumbar CT.

The left needle is the hidden reference of the training task ``l2-left-transpedicular``
(``resources/training/lumbar-tcia``, built from the planner's anatomy); the right one is its mirror
image across L2's mid-sagittal plane (as the **B** key does); each carries the generic 2450 MHz antenna
at 30 W for 180 s (DOMAIN.md: 20-40 W, 2-5 min). The plan names the scan's series, so it opens on it
without a question. Usage (docs/readme-screenshot.md):

    python3 docs/screenshot_plan.py ../shared/data/ct-lumbar-tcia/dicom /tmp/readme-plan.json
"""

from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np

from planner.core.resources import resource_path
from planner.imaging import load_path
from planner.plan.document import PlanDocument
from planner.plan.io import read_plan, write_plan
from planner.plan.items import Antenna, SeriesRef


def mirrored(point, plane_point, normal):
    p, c, n = (np.asarray(v, float) for v in (point, plane_point, normal))
    return tuple(np.round(p - 2.0 * ((p - c) @ n) * n, 2))


def main(series_dir: str, out: str) -> None:
    volume = load_path(series_dir)
    ref = read_plan(resource_path("training", "lumbar-tcia", "l2-left-transpedicular.plan.json"))
    level, left = ref.levels[0], ref.needles[0]
    right = replace(left, id="readme-right", name="L2 right needle", side="right",
                    entry_lps=mirrored(left.entry_lps, level.plane_point_lps, level.plane_normal_lps),
                    tip_lps=mirrored(left.tip_lps, level.plane_point_lps, level.plane_normal_lps))
    doc = PlanDocument(series=SeriesRef.from_series_info(volume.info))
    for item in (level, left, right):
        doc.insert(item)
    for needle in (left, right):
        doc.insert(Antenna(needle.id, power_w=30.0, time_s=180.0))  # named by its needle (planner.plan.labels)
    write_plan(doc, out)
    print(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
