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
- **T11-T12 scan, T12** (20 slices at 2 mm): too short for the automatic count, so the vertebra is
  measured from the machine-made TotalSegmentator T12 label (label 32, SOURCE.txt): its body part
  (the label anterior of the canal's front, :mod:`planner.training.t12_anatomy`) gives the level's
  centre (centroid) and depth; the mid-sagittal plane runs through the canal's centre. Right
  transpedicular: the line runs through the centre of the pedicle's isthmus in the label, along the
  level's AP axis (about 0 degrees at T12, DOMAIN.md) turned medially by the smallest angle of
  ``T12_MEDIAL_CHOICES_DEG`` that puts the tip ``TIP_INSIDE_MM`` (5 mm) inside the body part, the tip
  2-6 mm anterior of the body centre, the pivot within 2 mm of the isthmus' height
  (``PIVOT_SHIFTS_MM``); the first such line with no critical finding and no breach above grade 2 in
  the safety panel's evaluation is the reference.

The entry is where that line, walked back from the pedicle, leaves the body at the skin of the back
(:func:`planner.planning.access.body_mask`: the CT table is not body). The reference needle must itself
pass its task: no cortical breach above the task's grade (L2: 1; T12: 2, see above), no canal entry and no
critical finding in the safety panel's evaluation (tests/training/test_t12_reference.py checks T12).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from planner.core.errors import PlannerError
from planner.plan.document import PlanDocument
from planner.plan.items import Level, Needle
from planner.training.tasks import CASE_FORMAT, PassThresholds, TrainingTask, save_task

#: Body targets tried, most medial first (mm to the needle's side of the body centre).
LATERAL_CHOICES_MM = (4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0)
TARGET_ANTERIOR_MM = 6.0
#: Walked back from the pedicle: the skin of the back is 60-100 mm behind it on these scans (DOMAIN.md: skin
#: to lamina 40-60 mm); further out the line would reach the CT table.
MAX_PATH_MM = 120.0
#: The T12 reference tip lies at least this far inside the label's body part (mm): clear of the cortex.
TIP_INSIDE_MM = 5.0
#: Medial turns of the measured pedicle axis tried for T12, smallest first (degrees; DOMAIN.md gives
#: about 0 degrees at T12, so only small turns that keep the line through the pedicle's centre).
T12_MEDIAL_CHOICES_DEG = (0.0, 2.0, 4.0, 5.0, 6.0, 7.0, 8.0)
#: How far anterior of the body centre the T12 tip is tried, most anterior first (mm): the anterior
#: half of the body (the task's instruction), yet TIP_INSIDE_MM behind its anterior cortex.
TIP_ANTERIOR_CHOICES_MM = (6.0, 5.0, 4.0, 3.0, 2.0)
#: Heights of the pivot tried about the isthmus centre (mm, cranial positive). The T12 pedicle spans
#: axial slices 3.5-12.5 at the isthmus (HU profile along z: foramen below k3 and above k13, cortex at
#: k4-5 and k12), about 18 mm: 2 mm from its centre the 13G needle (1.2 mm radius) still has 5 mm of
#: pedicle above and below. Needed because the corridor check on this scan reports grade 2-3 breaches
#: on most lines (a dark spot of 55-80 HU in the posterior body, under the marrow threshold).
PIVOT_SHIFTS_MM = (0.0, 1.0, -1.0, 2.0, -2.0)

#: The rule a real-scan task is scored by, stated in its instructions (docs/training.md).
RULE_TEXT = ("Scored against a hidden expert needle: tip within {tip:g} mm of it, skin entry within {entry:g} mm "
             "of its line, direction within {angle:g}°; passing needs all three and the safety panel's "
             "corridor check with no cortical breach of Gertzbein-Robbins grade 2 or more (2 mm) and no entry "
             "into the spinal canal.")

#: On the 20-slice T11-T12 scan T12's marrow reads 100-190 HU (planner/analysis/marrow.py): the corridor
#: check's cancellous threshold adapts to it, yet its grade 1-2 breaches remain on good lines through the
#: pedicle, the reference's own included (two superior grade 2 breaches where the line meets the cortex,
#: no critical finding; tests/training/test_t12_reference.py): breaches are shown, not scored.
RULE_TEXT_T12 = ("Scored against a hidden expert needle: tip within {tip:g} mm of it, skin entry within {entry:g} mm "
                 "of its line, direction within {angle:g}°, and no entry into the spinal canal. This T12's marrow "
                 "is of low density, and on this 20-slice scan the corridor check reports cortical breaches of "
                 "grade 1 or 2 even along the expert's line through the pedicle: every breach is listed in the "
                 "feedback exactly as in the safety panel, but breaches do not count toward passing.")


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
    #: None: the body target is chosen from LATERAL_CHOICES_MM; a tuple: the needle runs through the pedicle's
    #: centre along the pedicle's measured axis turned medially by the first of these angles (degrees, about
    #: the level's cranio-caudal axis) whose tip lies TIP_INSIDE_MM inside the body and whose path passes.
    medial_choices_deg: tuple[float, ...] | None = None
    #: The reference itself must have no breach above this grade (None: the task's ``max_breach_grade``).
    reference_max_grade: int | None = None
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
                 "T12", "right", replace(_TH, max_breach_grade=3), T12_MEDIAL_CHOICES_DEG, 2, RULE_TEXT_T12),
)


def level_frame(spec: RealTaskSpec, volume, data_dir: Path, canal_mask=None, body=None):
    """The vertebra the task is about, as a :class:`~planner.anatomy.sectors.LevelFrame`: the automatic
    spine search's body on the lumbar scan; on the 20-slice T11-T12 scan (too short for it) the body
    part of the TotalSegmentator T12 label (``body``, :func:`planner.training.t12_anatomy.t12_body`):
    its centre (the automatic vertebrae's rule, :func:`planner.training.t12_anatomy.body_centre_lps`), its
    measured depth, patient axes (ImageOrientationPatient [1,0,0,0,1,0], no tilt,
    SOURCE.txt) and the mid-sagittal plane through the canal's centre on the body's slices."""
    from planner.anatomy.sectors import LevelFrame

    if spec.dataset == "ct-t11-t12-jpeg2000":
        if body is None:
            from planner.training.t12_anatomy import t12_body

            body = t12_body(volume, canal_mask, data_dir)
        centre = np.asarray(body.centre_lps, float)
        k, j, i = np.nonzero(canal_mask & body.mask.any(axis=(1, 2))[:, None, None])
        plane = centre.copy()
        plane[0] = volume.to_lps(np.stack([i, j, k], -1).astype(float))[:, 0].mean()
        return LevelFrame(spec.level, centre, np.eye(3), plane, 26.0, round(body.depth_mm, 1))
    from planner.anatomy.spine import find_spine

    found = find_spine(volume).vertebra_named(spec.level)
    if found is None:
        raise PlannerError(f"The automatic spine search found no {spec.level} on {spec.dataset}.")
    return LevelFrame.of(found)


def pedicle_line(spec: RealTaskSpec, volume, canal_mask, frame, data_dir: Path | None = None):
    """(centre, unit direction toward anterior) of the task's pedicle.

    Lumbar scan: from the pedicle's sector voxels (:func:`planner.planning.access.pedicle_axis`: the
    pedicle's own medial angle, 0-40 degrees). T11-T12 scan: the isthmus of the TotalSegmentator T12
    label beside the canal (:func:`planner.training.t12_anatomy.pedicle_isthmus`; the sector map's
    right pedicle there reaches into the canal's lateral edge, and a line through its centroid enters
    the canal) and the level's AP axis: the sector fit's medial angle is 0 (clipped), and DOMAIN.md
    gives about 0 degrees at T12 (Kaur 2016)."""
    if spec.dataset != "ct-t11-t12-jpeg2000":
        from planner.anatomy.sectors import sector_map
        from planner.planning.access import pedicle_axis

        return pedicle_axis(volume, sector_map(volume, frame, canal_mask), spec.side)
    from planner.training.t12_anatomy import pedicle_isthmus

    centre = pedicle_isthmus(volume, canal_mask, frame.centre_lps, spec.side, data_dir)
    return centre, -np.asarray(frame.axes, float)[1]


def pedicle_point(spec: RealTaskSpec, volume, canal_mask, frame, data_dir: Path | None = None) -> np.ndarray:
    """The centre of the task's pedicle (:func:`pedicle_line`)."""
    return pedicle_line(spec, volume, canal_mask, frame, data_dir)[0]


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
    """The safety panel's evaluation of the needle: its corridor check finds no breach above the task's
    grade and no canal entry, and no finding about it is critical."""
    from planner.analysis.thresholds import Severity

    session.open_plan(doc, allow_mismatch=True)
    evaluation = session.evaluate(corridors=True)
    needle = doc.needles[0]
    report = evaluation.corridors.get(needle.id)
    critical = any(f.severity == Severity.CRITICAL for f in evaluation.findings_for(needle.id))
    limit = spec.thresholds.max_breach_grade if spec.reference_max_grade is None else spec.reference_max_grade
    return report is not None and report.grade <= limit and not report.enters_canal and not critical


def axis_tip(spec: RealTaskSpec, frame, pedicle, direction, medial_deg: float,
             anterior_mm: float = TARGET_ANTERIOR_MM) -> np.ndarray:
    """The point on the line from ``pedicle`` along ``direction`` turned ``medial_deg`` toward the
    midline (about the level's cranio-caudal axis) at the AP level ``anterior_mm`` anterior of the
    body centre."""
    axes = np.asarray(frame.axes, float)
    sign = 1.0 if spec.side == "left" else -1.0  # medial is toward -x on the left, +x on the right
    u, v, w = axes @ np.asarray(direction, float)
    a = np.radians(medial_deg) * sign
    u, v = u * np.cos(a) + v * np.sin(a), -u * np.sin(a) + v * np.cos(a)  # toward +u (left) for a right needle
    d = np.array([u, v, w]) @ axes
    d /= np.linalg.norm(d)
    depth = ((np.asarray(pedicle) - np.asarray(frame.centre_lps)) @ axes[1]) + anterior_mm
    return np.asarray(pedicle, float) + d * depth / max(-(d @ axes[1]), 1e-6)


def _candidates(spec: RealTaskSpec, volume, body, canal_mask, frame, body_part, data_dir=None):
    """(entry, tip) pairs to try, in order of preference."""
    if spec.medial_choices_deg is None:
        pedicle = pedicle_point(spec, volume, canal_mask, frame)
        for lateral_mm in LATERAL_CHOICES_MM:
            yield candidate_needle(spec, volume, body, pedicle, frame, lateral_mm)
        return
    from planner.training.t12_anatomy import signed_distance_mm
    from planner.core.frames import spacing_kji

    pedicle, direction = pedicle_line(spec, volume, canal_mask, frame, data_dir)
    inside = signed_distance_mm(body_part.mask, spacing_kji(volume.spacing_mm))
    head = np.asarray(frame.axes, float)[2]
    for medial_deg in spec.medial_choices_deg:
        for anterior_mm in TIP_ANTERIOR_CHOICES_MM:
            for shift_mm in PIVOT_SHIFTS_MM:
                pivot = np.asarray(pedicle, float) + shift_mm * head
                tip = axis_tip(spec, frame, pivot, direction, medial_deg, anterior_mm)
                i, j, k = np.round(volume.to_ijk(tip)).astype(int)
                if inside[k, j, i] < TIP_INSIDE_MM:
                    continue
                d = (tip - pivot) / np.linalg.norm(tip - pivot)
                entry = skin_entry(body, volume, pivot, d)
                yield None if entry is None else (np.round(entry, 2), np.round(tip, 2))


def reference_plan(spec: RealTaskSpec, volume, canal_mask, frame, data_dir: Path, body_part=None) -> PlanDocument:
    """The expert plan: the first candidate (:func:`_candidates`: the most medial body target of
    ``LATERAL_CHOICES_MM``, or the smallest medial turn of the pedicle's axis in ``medial_choices_deg``
    with the tip ``TIP_INSIDE_MM`` inside the body part) whose path passes the task's own safety
    criteria (:func:`passes_own_task`)."""
    from planner.planning.access import body_mask
    from planner.session.session import PlanningSession

    body = body_mask(volume)
    session = PlanningSession()
    session.auto_evaluate = False
    session.defer_corridors = False
    session.set_volume(volume)
    session.set_canal(np.array(canal_mask, dtype=bool, copy=True))
    for found in _candidates(spec, volume, body, canal_mask, frame, body_part, data_dir):
        if found is not None and passes_own_task(spec, session, plan_with(spec, frame, *found)):
            return plan_with(spec, frame, *found)
    raise PlannerError(f"No safe transpedicular reference for {spec.id}: every candidate breaches, enters the "
                       "canal or has a critical finding.")


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
    body_part = None
    if spec.medial_choices_deg is not None:
        from planner.training.t12_anatomy import t12_body

        body_part = t12_body(volume, canal, data_dir)
    frame = level_frame(spec, volume, data_dir, canal, body_part)
    return reference_plan(spec, volume, canal, frame, data_dir, body_part)


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
