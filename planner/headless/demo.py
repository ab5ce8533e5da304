"""An example plan on the bundled sample: a bipedicular L2 microwave ablation with a thermocouple by
the canal, built from the sample's ground-truth landmarks (reference pedicle trajectories)."""

from __future__ import annotations

import json

import numpy as np

from planner.core.resources import sample_dir
from planner.plan.document import PlanDocument
from planner.plan.items import Antenna, Needle, SeriesRef, Target, Thermocouple

SKIN_MARGIN_MM = 45.0  # the needle starts this far behind the pedicle entry, outside the skin line


def sample_landmarks() -> dict:
    return json.loads((sample_dir() / "ground_truth" / "landmarks.json").read_text(encoding="utf-8"))


def demo_plan(series: SeriesRef | None = None, level: str = "L2", power_w: float = 30.0,
              time_s: float = 240.0) -> PlanDocument:
    """Needles down both pedicles of ``level`` to the reference targets, an antenna in each, a
    thermocouple 6 mm lateral to the canal centre, and the lesion as a spherical target."""
    lm = sample_landmarks()
    doc = PlanDocument(series=series)
    lesion = lm["lesion"]
    for side in ("left", "right"):
        ped = lm["vertebrae"][level]["pedicles"][side]
        entry, target = np.asarray(ped["entry_lps"]), np.asarray(ped["target_lps"])
        d = (target - entry) / np.linalg.norm(target - entry)
        if side == lesion["side"]:  # the needle on the lesion's side stops at the lesion's depth
            target = entry + d * float(np.dot(np.asarray(lesion["centre_lps"]) - entry, d))
        needle = Needle(tuple(entry - SKIN_MARGIN_MM * d), tuple(target), name=f"{level} {side}", level=level,
                        side=side)
        doc.insert(needle)
        doc.insert(Antenna(needle.id, power_w=power_w, time_s=time_s))
    canal = np.asarray(lm["vertebrae"][level]["canal_centre_lps"])
    doc.insert(Thermocouple(tuple(canal + [30.0, 45.0, 0.0]), tuple(canal + [7.0, 2.0, 0.0]),
                            name="Epidural thermocouple"))
    doc.insert(Target(tuple(lesion["centre_lps"]), kind="ellipsoid", semi_axes_mm=tuple(lesion["semi_axes_mm"]),
                      level=level, name=f"{level} lesion (approximate ellipsoid)"))
    return doc
