"""``python -m planner analyze SERIES_DIR [--plan PLAN.json] --json [--save-canal FILE]``

Loads the series, segments the spinal canal, evaluates the plan (if given) and prints one JSON object:
``series`` (geometry as loaded: origin = LPS centre of voxel (0,0,0); direction = 3x3 with the i, j, k
unit vectors as columns), ``canal``, ``zones``, ``overlap_canal_ml``, ``min_distance_to_canal_mm``
(negative when a zone penetrates the canal), ``target_coverage_pct``, ``thermocouples``, ``needles``
(each with its ``level`` and ``depth_from_skin_mm`` measured to the body mask's skin), ``levels`` (the
vertebrae found automatically), ``plan_levels``, ``spine`` and ``findings``. Non-finite values (no
zone, no target) are printed as null. Every key: docs/headless-analyze.md.
"""

from __future__ import annotations

import importlib
import json
import math
import sys
from typing import TYPE_CHECKING

import numpy as np

from planner.core.errors import PlannerError
from planner.headless import error_exit

if TYPE_CHECKING:
    from planner.session.session import PlanningSession

# Imported where they are used, not here (issue 13, analyze speed): the CLI imports this module to build
# its parser, and :func:`run_analysis` reads the series before it imports the session's ~100 modules
# (planner.headless.case) while the series' anatomy-cache key is hashed in a second thread.


def _num(value, digits: int = 4):
    if value is None:
        return None
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


def _vec(values, digits: int = 4) -> list:
    return [_num(v, digits) for v in np.asarray(values, dtype=float).reshape(-1)]


def analysis_report(session: PlanningSession) -> dict:
    """The JSON-ready report of the session's volume, canal and latest evaluation."""
    volume = session.volume
    voxel_ml = float(np.prod(volume.spacing_mm)) / 1000.0
    out = {
        "series": {
            "series_instance_uid": volume.info.series_instance_uid,
            "shape_ijk": list(volume.shape_ijk),
            "spacing_mm": _vec(volume.spacing_mm, 6),
            "origin_lps": _vec(volume.origin_lps, 6),
            "direction": [_vec(row, 6) for row in volume.direction],
            "warnings": list(volume.warnings),
        },
        "canal": {"volume_ml": _num(session.canal_mask.sum() * voxel_ml) if session.canal_mask is not None else None},
    }
    ev = session.evaluation
    a = ev.analysis if ev is not None else None
    zones = []
    for zr in ev.zones if ev is not None else ():
        if zr.zone is None:
            continue
        e = zr.zone.ellipsoid
        semi = sorted(e.semi_axes_mm, reverse=True)
        zones.append({"id": f"zone-{zr.antenna_id}", "antenna": zr.antenna_id, "long_axis_mm": _num(2 * semi[0]),
                      "short_axis_mm": _num(2 * semi[-1]), "volume_ml": _num(e.volume_ml),
                      "center_lps": _vec(e.centre_lps)})
    out["zones"] = zones
    out["overlap_canal_ml"] = _num(a.canal_overlap_ml) if a is not None else None
    out["min_distance_to_canal_mm"] = _num(a.canal_signed_distance_mm) if a is not None and zones else None
    out["target_coverage_pct"] = _num(a.coverage_percent) if a is not None else None
    out["thermocouples"] = [{"id": t.item_id, "distance_to_zone_mm": _num(t.distance_to_zone_mm),
                             "predicted_temp_c": _num(t.predicted_temperature_c)}
                            for t in (a.thermocouples if a is not None else ())]
    needles = []
    for needle in session.plan.needles:
        report = ev.corridors.get(needle.id) if ev is not None else None
        breaches = [] if report is None else [
            {"direction": b.direction, "across_gap": b.across_gap, "depth_mm": _num(b.max_breach_mm), "grade": b.grade,
             "from_mm": _num(b.start_depth_mm), "to_mm": _num(b.end_depth_mm)} for b in report.breaches]
        needles.append({"id": needle.id, "name": needle.name, "level": session.needle_level(needle) or None,
                        "breaches": breaches,
                        "enters_canal": bool(report.enters_canal) if report is not None else None,
                        "length_in_bone_mm": _num(report.length_in_bone_mm) if report is not None else None,
                        "depth_from_skin_mm": _num(report.depth_from_skin_mm) if report is not None else None})
    out["needles"] = needles
    out.update(levels_report(session))
    out["findings"] = [{"severity": f.severity.value, "code": f.code, "message": f.message, "item": f.item_id}
                       for f in (ev.findings if ev is not None else ())]
    _add_anatomy(out, session, ev)
    return out


def _add_anatomy(out: dict, session: PlanningSession, ev) -> None:
    """Issue 13: ``foramina[]`` and per zone ``outside_vertebra_ml`` / ``outside_directions``
    (docs/anatomy-figures.md), read from the evaluation; their findings are already in ``findings``
    (the rule table's ``foramen`` and ``beyond_vertebra`` rules)."""
    from planner.analysis.anatomy_report import beyond_json, foramina_json

    out["foramina"] = foramina_json(ev.foramina, ev.foramen_distances) if ev is not None else []
    for zone in out["zones"]:
        zone.update(beyond_json(ev.beyond.get(zone["antenna"]) if ev is not None else None))


def levels_report(session: PlanningSession) -> dict:
    """``levels`` (automatic, feet to head; ``name`` null when not named), ``plan_levels`` and
    ``spine`` (what the automatic search found, in words)."""
    anatomy = session.anatomy
    spine = anatomy.spine() if anatomy is not None else None
    present = anatomy.sectors_present(session.canal_mask) if spine is not None and spine.vertebrae else []
    levels = [] if spine is None else [
        {"name": v.name or None, "body_centre_lps": _vec(v.body_centre_lps), "confidence": _num(v.confidence, 3),
         "height_mm": _num(v.height_mm, 2), "complete": bool(v.complete), "sectors_present": sectors}
        for v, sectors in zip(spine.vertebrae, present)]
    plan_levels = [{"name": lv.name, "body_centre_lps": _vec(lv.body_centre_lps)} for lv in session.plan.levels]
    body = anatomy.body() if anatomy is not None else None
    return {"levels": levels, "plan_levels": plan_levels,
            "spine": {"named": bool(spine.named) if spine else False, "message": spine.message if spine else "",
                      "landmarks": list(spine.landmarks) if spine else []},
            "body": {"volume_ml": _num(body.volume_ml, 1) if body is not None else None,
                     "error": anatomy.body_error if anatomy is not None else ""}}


def run_analysis(series_dir, plan_path=None, save_canal=None, use_cache: bool | None = None) -> dict:
    """The report of ``series_dir`` (and the plan). The automatic anatomy goes through the on-disk cache
    (planner/anatomy/cache.py) unless ``use_cache`` is False or ``SPINE_PLANNER_NO_CACHE`` is set."""
    volume = _read_then_import(series_dir, use_cache)
    from planner.headless.case import open_case

    session, _ = open_case(series_dir, canal=False, use_cache=use_cache, volume=volume)
    volume = session.volume
    canal_error = _canal_beside_vertebrae(session)
    for message in session.anatomy.cache_messages:
        print(message, file=sys.stderr)
    if plan_path is not None:
        from planner.plan.io import read_plan

        session.open_plan(read_plan(plan_path))
        if session.plan_identity_note:
            print(session.plan_identity_note, file=sys.stderr)
        _corridors_side_by_side(session)
    session.evaluate(corridors=True)
    if save_canal:
        if session.canal_mask is None:
            raise PlannerError(f"No canal to save to {save_canal}: {canal_error}")
        from planner.imaging.mask_io import write_mask

        write_mask(session.canal_mask, volume, save_canal)
    report = analysis_report(session)
    report["canal"]["error"] = canal_error
    return report


def _read_then_import(series_dir, use_cache: bool | None):
    """The volume of ``series_dir``, read before the session's modules are imported; when the anatomy
    cache is on, the volume's cache key (SHA-256 of the voxels, ~0.07 s of CPU on the lumbar scan) is
    hashed in a second thread meanwhile: hashlib releases the GIL on the voxel buffer while this
    thread imports (Python, holding the GIL). The hashing thread imports nothing (no import-lock
    interplay): the code digest the key includes is computed here first."""
    from concurrent.futures import ThreadPoolExecutor

    from planner.anatomy.cache import cache_enabled, code_digest, volume_key
    from planner.imaging import load_path

    volume = load_path(series_dir)
    if not (cache_enabled() if use_cache is None else use_cache):
        return volume
    code_digest()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="analyze-key") as pool:
        hashing = pool.submit(volume_key, volume)
        importlib.import_module("planner.headless.case")  # the session's modules, while the key is hashed
        hashing.result()
    return volume


def _corridors_side_by_side(session: PlanningSession) -> None:
    """Each needle's corridor check (1-3 s of CPU per needle on a real scan: the bone envelope's
    morphology, the body mask and the skin's distance map) on a thread of its own, at most one per
    core, through the session's job API (:meth:`PlanningSession.corridor_job`, which the window's
    corridor worker uses: each job reads only the volume, the masks and a snapshot of its needle); the
    evaluation then finds the reports stored, the same reports it would compute one after the other
    (issue 13, analyze speed)."""
    jobs = [(needle.id, *session.corridor_job(needle)) for needle in session.missing_corridors()]
    if len(jobs) < 2:
        return  # nothing to run side by side: the evaluation checks it
    import os
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1),
                            thread_name_prefix="analyze-corridor") as pool:
        done = [(needle_id, key, pool.submit(job)) for needle_id, job, key in jobs]
        for needle_id, key, future in done:
            session.store_corridor(needle_id, key, future.result())


def _canal_beside_vertebrae(session: PlanningSession) -> str:
    """The automatic canal set on the session (as :func:`planner.headless.case.open_case` sets it)
    while the body mask and the vertebrae are found in a second thread: the two do not depend on each
    other, and the canal's filters release the GIL (issue 13, analyze speed); the neural foramina next
    to the canal on this thread too, through the anatomy cache (the evaluation then finds them known:
    a warm run never imports scipy for them). Returns the canal's
    error message ("" when found): no canal (no spine in the scan) is not an error, the rest is
    still reported."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="analyze-vertebrae") as pool:
        vertebrae = pool.submit(session.anatomy.compute)
        try:
            session.set_canal(session.anatomy.canal().mask)
            canal_error = ""
        except PlannerError as exc:
            canal_error = str(exc)
        else:  # the foramina need only the canal: found (or read from the cache) while the vertebrae are
            session.foramina.compute(session.volume, session.canal_mask, session.canal.version,
                                     find=session.anatomy.foramina)
        vertebrae.result()
    return canal_error


def main(args) -> int:
    try:
        report = run_analysis(args.series, args.plan, args.save_canal,
                              use_cache=False if getattr(args, "no_cache", False) else None)
    except (PlannerError, OSError) as exc:
        return error_exit(exc)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print(human_summary(report))
    return 0


def human_summary(report: dict) -> str:
    s = report["series"]
    lines = [f"Series {s['series_instance_uid'] or '(no UID)'}: {' x '.join(map(str, s['shape_ijk']))} voxels",
             f"Canal volume: {report['canal']['volume_ml']} mL", f"Zones: {len(report['zones'])}",
             f"Zone ∩ canal: {report['overlap_canal_ml']} mL; distance {report['min_distance_to_canal_mm']} mm",
             f"Spine: {report['spine']['message']}"]
    lines += [f"{f['severity'].upper()}: {f['message']}" for f in report["findings"]]
    return "\n".join(lines)


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("analyze", help="analyse a plan on a series headless and print the results",
                              description=__doc__.split("\n\n")[1])
    p.add_argument("series", help="the DICOM folder (or NIfTI/NRRD volume) the plan was made on")
    p.add_argument("--plan", help="the plan file (.json); without it only the series and canal are reported")
    p.add_argument("--json", action="store_true", help="print one JSON object (else a short summary)")
    p.add_argument("--save-canal", metavar="FILE", help="write the canal mask on the volume's grid (.nrrd or .nii.gz)")
    p.add_argument("--no-cache", action="store_true",
                   help="compute the anatomy afresh: neither read nor write the on-disk anatomy cache "
                        "(also: SPINE_PLANNER_NO_CACHE=1)")
    p.set_defaults(func=main)
