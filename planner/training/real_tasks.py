"""Training tasks on the shared real scans (``../shared/data``): the reference plans are built from the
planner's own anatomy on each scan and shipped in ``resources/training/<case>/``; a test checks the
shipped files still match this builder (``python -m planner.training.real_tasks``).

Expert choices (documented so they can be argued with):

- **Lumbar scan, L2** (TCIA Pancreatic-CT-CBCT-SEG, 3 mm slices, HFS): the vertebra named L2 by the
  automatic spine search (:func:`planner.anatomy.spine.find_spine`; its centre is on slice 56-57,
  which is L2 by eye). Left transpedicular: the line runs through the centre of the left pedicle
  (:func:`planner.planning.access.pedicle_axis`, the pedicle's sector voxels) to a body target
  a few mm to the needle's side of the body centre (the most medial of ``LATERAL_CHOICES_MM`` whose
  path passes the task's own safety criteria) and ``TARGET_ANTERIOR_MM``
  anterior of the body centre: the anterior half of the body, where a unipedicular cement or
  ablation needle is aimed (a 13G needle, DOMAIN.md "The procedure": Chen AJNR 2022).
- **T11-T12 scan, T12** (20 slices at 2 mm): too short for the automatic count, so the body is
  measured with the one-click tool (:func:`planner.anatomy.levels.detect_level`) seeded inside the
  machine-made TotalSegmentator T12 label (label 32, SOURCE.txt; used only as a click position).
  Right transpedicular, same rule for the target.

The entry is where that line, walked back from the pedicle, leaves the body at the skin of the back
(:func:`planner.planning.access.body_mask`: the CT table is not body). The reference needle must itself
pass its task: no cortical breach of grade 2 or more and no canal entry (a test checks it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from planner.core.errors import PlannerError
from planner.core.frames import kji_to_ijk
from planner.plan.document import PlanDocument
from planner.plan.items import Level, Needle
from planner.training.tasks import CASE_FORMAT, PassThresholds, TrainingTask, save_task

#: Body targets tried, most medial first (mm to the needle's side of the body centre).
LATERAL_CHOICES_MM = (4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0)
TARGET_ANTERIOR_MM = 6.0
#: Walked back from the pedicle: the skin of the back is 60-100 mm behind it on these scans (DOMAIN.md: skin
#: to lamina 40-60 mm); further out the line would reach the CT table.
MAX_PATH_MM = 120.0

#: The rule a real-scan task is scored by, stated in its instructions (docs/training.md).
RULE_TEXT = ("Scored against a hidden expert needle: tip within {tip:g} mm of it, skin entry within {entry:g} mm "
             "of its line, direction within {angle:g}°; passing needs all three and the safety panel's "
             "corridor check with no cortical breach of Gertzbein-Robbins grade 2 or more (2 mm) and no entry "
             "into the spinal canal.")

#: On the 20-slice T11-T12 scan the corridor check reports cortical breaches of 5-12 mm on every line
#: through the T12 pedicle (the vertebra is cut by the scan's end; the same limit makes the proposer's
#: T12 test a strict xfail, tests/planning/test_propose_realdata.py): breaches are shown, not scored.
RULE_TEXT_T12 = ("Scored against a hidden expert needle: tip within {tip:g} mm of it, skin entry within {entry:g} mm "
                 "of its line, direction within {angle:g}°, and no entry into the spinal canal. On this 20-slice "
                 "scan the vertebra is cut by the scan's end and the corridor check reports breaches on every "
                 "path: they are listed in the feedback exactly as in the safety panel but do not count.")


@dataclass(frozen=True)
class RealTaskSpec:
    case_id: str
    dataset: str  # folder in ../shared/data
    case_title: str
    id: str
    title: str
    goal: str
    level: str
    side: str
    thresholds: PassThresholds
    #: None: the body target is chosen from LATERAL_CHOICES_MM; a number: the needle runs at this medial
    #: angle (level axes) from the pedicle point to the target's depth (the pedicle axis from DOMAIN.md).
    medial_deg: float | None = None
    rule_text: str = ""

    def instructions(self) -> str:
        th = self.thresholds
        return f"{self.goal} " + (self.rule_text or RULE_TEXT).format(
            tip=th.tip_error_mm, entry=th.entry_error_mm, angle=th.angle_error_deg)


_TH = PassThresholds(tip_error_mm=5.0, entry_error_mm=10.0, angle_error_deg=10.0, max_breach_grade=1,
                     max_time_s=900.0)
REAL_TASKS = (
    RealTaskSpec("lumbar-tcia", "ct-lumbar-tcia", "Real CT, lumbar spine (TCIA, 3 mm slices, supine)",
                 "l2-left-transpedicular", "L2, left transpedicular to the body (real CT)",
                 "Place one 13G needle through the LEFT pedicle of L2 into the anterior half of the L2 "
                 "vertebral body (L2 is the body on axial slice 57; the spinal canal is segmented).",
                 "L2", "left", _TH),
    RealTaskSpec("t11-t12", "ct-t11-t12-jpeg2000", "Real CT, T11-T12 (TotalSegmentator example, 2 mm slices)",
                 "t12-right-transpedicular", "T12, right transpedicular to the body (real CT)",
                 "Place one 13G needle through the RIGHT pedicle of T12 (the lower of the two vertebrae) into "
                 "the anterior half of the T12 vertebral body; thoracic pedicles are narrow (T12 about 8 mm, "
                 "DOMAIN.md, Kaur 2016).",
                 "T12", "right", replace(_TH, max_breach_grade=3), 0.0, RULE_TEXT_T12),
)


def _t12_label_points(data_dir: Path, label: int) -> np.ndarray:
    from planner.imaging import load_path

    seg = load_path(Path(data_dir) / "totalsegmentator_fast_labels.nii.gz")
    kji = np.argwhere(seg.hu == label)
    return seg.to_lps(kji_to_ijk(kji).astype(float))


def level_frame(spec: RealTaskSpec, volume, data_dir: Path, canal_mask=None):
    """The vertebra the task is about, as a :class:`~planner.anatomy.sectors.LevelFrame`: the automatic
    spine search's body on the lumbar scan; on the 20-slice T11-T12 scan (too short for it, and the
    one-click tool finds the T12 body cut by the scan's end) the anterior part of the TotalSegmentator
    T12 label (label 32, SOURCE.txt), patient axes (ImageOrientationPatient [1,0,0,0,1,0], no tilt)
    and a 30 mm depth (DOMAIN.md: body depth 30-35 mm)."""
    from planner.anatomy.sectors import LevelFrame

    if spec.dataset == "ct-t11-t12-jpeg2000":
        lps = _t12_label_points(data_dir, 32)
        centre = lps[lps[:, 1] < np.percentile(lps[:, 1], 30)].mean(axis=0)  # the anterior part: the body
        return LevelFrame(spec.level, centre, np.eye(3), centre, 26.0, 30.0)
    from planner.anatomy.spine import find_spine

    found = find_spine(volume).vertebra_named(spec.level)
    if found is None:
        raise PlannerError(f"The automatic spine search found no {spec.level} on {spec.dataset}.")
    return LevelFrame.of(found)


def pedicle_point(spec: RealTaskSpec, volume, canal_mask, frame, data_dir: Path) -> np.ndarray:
    """A point on the pedicle the needle goes through: the centre of the pedicle's sector
    (:func:`planner.planning.access.pedicle_axis`) on the lumbar scan; on the T11-T12 scan (whose sectors
    put the right pedicle inside the canal) the isthmus of the T12 label beside the canal: per 3 mm
    step along the AP axis within the canal's AP range, the label voxels lateral to the canal; the
    step with the fewest voxels (the narrowest part) gives the centroid."""
    if spec.dataset != "ct-t11-t12-jpeg2000":
        from planner.anatomy.sectors import sector_map
        from planner.planning.access import pedicle_axis

        return pedicle_axis(volume, sector_map(volume, frame, canal_mask), spec.side)[0]
    lps = _t12_label_points(data_dir, 32)
    k, j, i = np.nonzero(canal_mask)
    canal = volume.to_lps(np.stack([i, j, k], -1).astype(float))
    canal = canal[np.abs(canal[:, 2] - frame.centre_lps[2]) < 6.0]
    sign = 1.0 if spec.side == "left" else -1.0
    edge = canal[:, 0].max() if sign > 0 else canal[:, 0].min()
    beside = lps[(sign * (lps[:, 0] - edge) > -2.0) & (sign * (lps[:, 0] - edge) < 15.0)
                 & (lps[:, 1] > canal[:, 1].min()) & (lps[:, 1] < canal[:, 1].max())]
    if len(beside) < 10:
        raise PlannerError(f"No {spec.side} T12 pedicle beside the canal in the label map.")
    bins = np.floor((beside[:, 1] - beside[:, 1].min()) / 3.0).astype(int)
    counts = np.bincount(bins)
    narrow = int(np.argmin(np.where(counts > 0, counts, counts.max() + 1)))
    return beside[bins == narrow].mean(axis=0)


def candidate_needle(spec: RealTaskSpec, volume, body, pedicle, frame, lateral_mm: float):
    """(entry_lps, tip_lps) for a body target ``lateral_mm`` to the needle's side of the body centre and
    ``TARGET_ANTERIOR_MM`` anterior of it, through ``pedicle``; None without a skin entry."""
    sign = 1.0 if spec.side == "left" else -1.0  # LPS x grows to the patient's left
    axes = np.asarray(frame.axes, float)
    tip = np.asarray(frame.centre_lps, float) + sign * lateral_mm * axes[0] - TARGET_ANTERIOR_MM * axes[1]
    d = (tip - pedicle) / np.linalg.norm(tip - pedicle)
    entry = skin_entry(body, volume, pedicle, d)
    return None if entry is None else (np.round(entry, 2), np.round(tip, 2))


def skin_entry(body, volume, pivot, d, step_mm: float = 0.5, out_mm: float = 10.0):
    """Walking back from ``pivot`` along ``-d``: the last point inside the body before the path stays
    outside it for ``out_mm`` (the skin's partial-volume edge may flicker for a sample or two)."""
    t = np.arange(0.0, MAX_PATH_MM, step_mm)
    pts = pivot[None] - t[:, None] * d[None]
    ijk = np.round(volume.to_ijk(pts)).astype(int)
    ok = np.all((ijk >= 0) & (ijk < np.array(volume.shape_ijk)), axis=1)
    inside = np.zeros(len(t), bool)
    inside[ok] = body[ijk[ok, 2], ijk[ok, 1], ijk[ok, 0]]
    run = int(round(out_mm / step_mm))
    for n in range(1, len(t) - run):
        if inside[n - 1] and not inside[n:n + run].any():
            return pts[n - 1]
    return None


def level_item(spec: RealTaskSpec, frame) -> Level:
    axes = np.asarray(frame.axes, float)
    return Level(spec.level, tuple(np.round(frame.centre_lps, 2)), tuple(tuple(np.round(r, 5)) for r in axes),
                 tuple(np.round(frame.plane_point_lps, 2)), tuple(np.round(axes[0], 5)),
                 body_depth_mm=round(float(frame.depth_mm), 2))


def plan_with(spec: RealTaskSpec, frame, entry, tip) -> PlanDocument:
    doc = PlanDocument()
    doc.insert(level_item(spec, frame))
    doc.insert(Needle(tuple(map(float, entry)), tuple(map(float, tip)), name=f"{spec.level} {spec.side} needle",
                      level=spec.level, side=spec.side))
    return doc


def passes_own_task(spec: RealTaskSpec, session, doc: PlanDocument) -> bool:
    """The corridor check (the safety panel's rule) finds no breach above the task's grade and no canal entry."""
    session.open_plan(doc, allow_mismatch=True)
    report = session.evaluate(corridors=True).corridors.get(doc.needles[0].id)
    return report is not None and report.grade <= spec.thresholds.max_breach_grade and not report.enters_canal


def _lateral_choices(spec: RealTaskSpec, pedicle, frame) -> tuple[float, ...]:
    """The body targets to try; with ``medial_deg`` the one target on that pedicle axis."""
    if spec.medial_deg is None:
        return LATERAL_CHOICES_MM
    axes = np.asarray(frame.axes, float)
    sign = 1.0 if spec.side == "left" else -1.0
    rel = (np.asarray(pedicle) - np.asarray(frame.centre_lps)) @ axes.T  # (left, posterior, head) mm
    depth = rel[1] + TARGET_ANTERIOR_MM  # from the pedicle point forward to the target's AP level
    return (float(sign * rel[0] - depth * np.tan(np.radians(spec.medial_deg))),)


def reference_plan(spec: RealTaskSpec, volume, canal_mask, frame, data_dir: Path) -> PlanDocument:
    """The expert plan: the most medial body target of ``LATERAL_CHOICES_MM`` whose line through the
    pedicle passes the task's own safety criteria (so an ordinary transpedicular angle when the pedicle
    allows it)."""
    from planner.planning.access import body_mask
    from planner.session.session import PlanningSession

    pedicle = pedicle_point(spec, volume, canal_mask, frame, data_dir)
    body = body_mask(volume)
    session = PlanningSession()
    session.auto_evaluate = False
    session.defer_corridors = False
    session.set_volume(volume)
    session.set_canal(canal_mask)
    for lateral_mm in _lateral_choices(spec, pedicle, frame):
        found = candidate_needle(spec, volume, body, pedicle, frame, lateral_mm)
        if found is not None and passes_own_task(spec, session, plan_with(spec, frame, *found)):
            return plan_with(spec, frame, *found)
    raise PlannerError(f"No safe transpedicular reference for {spec.id}: every target of {LATERAL_CHOICES_MM} mm "
                       "breaches or enters the canal.")


def real_task(spec: RealTaskSpec, folder: Path) -> TrainingTask:
    return TrainingTask(spec.id, spec.case_id, spec.title, spec.instructions(), spec.level,
                        folder / f"{spec.id}.plan.json", spec.thresholds,
                        "built from the planner's anatomy on the real scan (planner.training.real_tasks)")


def build_reference(spec: RealTaskSpec, data_root: Path) -> PlanDocument:
    """Load the scan, segment the canal, measure the level and build the reference plan."""
    from planner.anatomy.canal import segment_canal
    from planner.imaging import load_path

    data_dir = Path(data_root) / spec.dataset
    volume = load_path(data_dir / "dicom")
    canal = segment_canal(volume).mask
    return reference_plan(spec, volume, canal, level_frame(spec, volume, data_dir, canal), data_dir)


def write_real_case(spec: RealTaskSpec, folder, reference: PlanDocument) -> TrainingTask:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    case = {"format": CASE_FORMAT, "id": spec.case_id, "series": f"shared:{spec.dataset}", "title": spec.case_title}
    (folder / "case.json").write_text(json.dumps(case, indent=2) + "\n", encoding="utf-8")
    return save_task(folder, real_task(spec, folder), reference)


if __name__ == "__main__":  # python -m planner.training.real_tasks resources/training
    import sys

    from planner.training.shared_data import shared_data_root

    root = shared_data_root()
    if root is None:
        sys.exit("../shared/data not found (or set SPINE_PLANNER_SHARED_DATA)")
    for spec in REAL_TASKS:
        task = write_real_case(spec, Path(sys.argv[1]) / spec.case_id, build_reference(spec, root))
        print(task.source_path)
