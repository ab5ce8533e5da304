"""Independent references for the scenario bounds (tests/safety/test_scenario_sources.py checks the
numbers quoted in the scenario files against these).

- Target coverage: the fraction of the target ellipsoid inside the zones on a 0.1 mm lattice (no
  voxel grid of the CT involved), zones from the device table (planner/ablation, the shipped data).
- Zone ∩ canal: the sample's ground-truth labels (sample_dicom/ground_truth: 30 epidural space,
  31 CSF, 32 cord) counted by voxel centre inside the zones: the truth, not the segmentation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
CANAL_LABELS = (30, 31, 32)


def zone(entry, tip, power_w, time_s, extension_mm=15.0):
    from planner.ablation.devices import load_library
    from planner.ablation.zones import planned_zone
    from planner.plan.items import Antenna, Needle

    n = Needle(tuple(entry), tuple(tip))
    a = Antenna(needle_id=n.id, power_w=power_w, time_s=time_s, extension_mm=extension_mm)
    return planned_zone(a.tip_lps(n), n.direction, load_library().get(a.device_id), power_w, time_s).ellipsoid


def coverage_percent(centre, semi_axes_mm, zones, h_mm=0.1) -> float:
    from planner.geometry.shapes import Ellipsoid

    target = Ellipsoid(np.asarray(centre, float), np.eye(3), np.asarray(semi_axes_mm, float))
    grids = [np.arange(-r, r + h_mm / 2, h_mm) for r in target.semi_axes_mm]
    pts = np.stack(np.meshgrid(*grids, indexing="ij"), -1).reshape(-1, 3) + target.centre_lps
    pts = pts[target.contains(pts)]
    hit = np.zeros(len(pts), bool)
    for z in zones:
        hit |= z.contains(pts)
    return 100.0 * float(hit.mean())


def truth_overlap_ml(zones) -> float:
    from planner.imaging import load_path

    labels = load_path(ROOT / "sample_dicom" / "ground_truth" / "labels.nii.gz")
    canal = np.isin(labels.hu, CANAL_LABELS)
    kji = np.argwhere(canal)
    pts = labels.to_lps(kji[:, ::-1].astype(float))
    inside = np.zeros(len(pts), bool)
    for z in zones:
        inside |= z.contains(pts)
    return float(inside.sum()) * float(np.prod(labels.spacing_mm)) / 1000.0
