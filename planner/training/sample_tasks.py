"""The sample case's training tasks and their reference plans, built from the sample's ground-truth
landmarks (``sample_dicom/ground_truth/landmarks.json``). ``write_sample_case(folder)`` writes the
files shipped in ``resources/training/sample-l2``; a test checks the shipped files still match.

Expert choices (documented so they can be argued with): needles run down the pedicle axis from 45 mm
behind the pedicle entry (outside the skin line, as the demo plan) to a fraction of the way from the
pedicle entry to the landmark's body target; power and time were chosen by scanning the device table
(20-40 W, 2-5 min, Chen AJNR 2022) for the best lesion coverage whose predicted zone stays at least
2 mm off the segmented canal. The lesion breaks the posterior wall into the epidural space, so no plan
covers it fully without heating the canal; the pass thresholds accept partial coverage.

The thermocouple task puts a thermocouple in the left L2-L3 neural foramen, where the L2 root exits
below its pedicle: 14 mm lateral to the canal centre (the canal's half-width is about 11 mm,
DOMAIN.md interpedicular 22-25 mm) and 14 mm caudal (the pedicle is 14 mm high), reached from
posterolateral in one axial plane. On the sample that point is in the foraminal fat (about -100 HU).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planner.core.resources import sample_dir
from planner.plan.document import PlanDocument
from planner.plan.items import Antenna, Level, Needle, Target, Thermocouple
from planner.training.tasks import CASE_FORMAT, PassThresholds, TrainingTask, save_task

SKIN_MARGIN_MM = 45.0
FORAMEN_OFFSET_MM = (14.0, 0.0, -14.0)  # lateral (toward the lesion side), AP, cranio-caudal from the canal centre
TC_APPROACH_MM = (30.0, 45.0, 0.0)  # entry = tip + this (lateral and posterior), same axial plane
CASE_ID = "sample-l2"


@dataclass(frozen=True)
class SampleTaskSpec:
    id: str
    title: str
    instructions: str
    sides: tuple[str, ...]
    depth_fraction: float  # of the pedicle-entry -> body-target segment
    power_w: float
    time_s: float
    thermocouple: bool
    thresholds: PassThresholds


SAMPLE_TASKS = (
    SampleTaskSpec("l2-unipedicular", "L2 lesion, unipedicular",
                   "Plan a unipedicular (left transpedicular) microwave ablation of the L2 lesion: one needle "
                   "with an antenna, keeping the zone off the spinal canal.",
                   ("left",), 0.9, 35.0, 240.0, False,
                   PassThresholds(min_coverage_percent=40.0, min_canal_distance_mm=0.5)),
    SampleTaskSpec("l2-bipedicular", "L2 lesion, bipedicular",
                   "Plan a bipedicular microwave ablation of the L2 lesion: one needle through each pedicle, "
                   "an antenna in each, zones off the spinal canal.",
                   ("left", "right"), 0.85, 35.0, 180.0, False,
                   PassThresholds(min_coverage_percent=30.0, min_canal_distance_mm=0.5)),
    SampleTaskSpec("l2-foramen-thermocouple", "L2 lesion with a thermocouple by the foramen",
                   "Plan a left transpedicular microwave ablation of the L2 lesion and place a thermocouple in "
                   "the left L2-L3 neural foramen to watch the exiting nerve root.",
                   ("left",), 0.85, 35.0, 180.0, True,
                   PassThresholds(min_coverage_percent=30.0, min_canal_distance_mm=0.5)),
)


def sample_landmarks() -> dict:
    return json.loads((sample_dir() / "ground_truth" / "landmarks.json").read_text(encoding="utf-8"))


def reference_plan(spec: SampleTaskSpec, landmarks: dict, level: str = "L2") -> PlanDocument:
    """The expert plan of one sample task."""
    vertebra, lesion = landmarks["vertebrae"][level], landmarks["lesion"]
    plane = landmarks["mid_sagittal_plane"]
    doc = PlanDocument()
    doc.insert(Level(level, tuple(vertebra["body_centre_lps"]), plane_point_lps=tuple(plane["point_lps"]),
                     plane_normal_lps=tuple(plane["normal_lps"])))
    for side in spec.sides:
        ped = vertebra["pedicles"][side]
        entry, target = np.asarray(ped["entry_lps"], float), np.asarray(ped["target_lps"], float)
        d = (target - entry) / np.linalg.norm(target - entry)
        tip = entry + spec.depth_fraction * (target - entry)
        needle = Needle(tuple(np.round(entry - SKIN_MARGIN_MM * d, 2)), tuple(np.round(tip, 2)),
                        name=f"{level} {side} needle", level=level, side=side)
        doc.insert(needle)
        doc.insert(Antenna(needle.id, power_w=spec.power_w, time_s=spec.time_s))
    if spec.thermocouple:
        sign = 1.0 if lesion["side"] == "left" else -1.0  # LPS x grows to the patient's left
        canal = np.asarray(vertebra["canal_centre_lps"], float)
        tip = canal + np.array(FORAMEN_OFFSET_MM) * [sign, 1.0, 1.0]
        entry = tip + np.array(TC_APPROACH_MM) * [sign, 1.0, 1.0]
        doc.insert(Thermocouple(tuple(np.round(entry, 2)), tuple(np.round(tip, 2)),
                                name=f"{level}-{level[0]}{int(level[1:]) + 1} foramen thermocouple"))
    doc.insert(Target(tuple(lesion["centre_lps"]), kind="ellipsoid", semi_axes_mm=tuple(lesion["semi_axes_mm"]),
                      level=level, name=f"{level} lesion"))
    return doc


def sample_task(spec: SampleTaskSpec, folder: Path) -> TrainingTask:
    return TrainingTask(spec.id, CASE_ID, spec.title, spec.instructions, "L2", folder / f"{spec.id}.plan.json",
                        spec.thresholds, "built from the sample's landmarks (planner.training.sample_tasks)")


def write_sample_case(folder) -> list[TrainingTask]:
    """Write case.json, the task files and the reference plans of the sample case into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    case = {"format": CASE_FORMAT, "id": CASE_ID, "series": "sample",
            "title": "Synthetic lumbar spine: lytic metastasis in the left half of L2"}
    (folder / "case.json").write_text(json.dumps(case, indent=2) + "\n", encoding="utf-8")
    landmarks = sample_landmarks()
    return [save_task(folder, sample_task(spec, folder), reference_plan(spec, landmarks)) for spec in SAMPLE_TASKS]


if __name__ == "__main__":  # python -m planner.training.sample_tasks resources/training/sample-l2
    import sys

    for task in write_sample_case(sys.argv[1]):
        print(task.source_path)
