"""``python -m planner thermal SERIES_DIR --plan PLAN.json --json``: the bioheat model of a plan.

Loads the series, segments the canal, builds the plan's lesion mask, runs the Pennes model
(planner.thermal) through the plan's protocol plus the cooling, and prints one JSON object:
``power_off_s``, ``thermocouples[]``, ``structures[]`` (canal, cord, each foramen given),
``safe_time_s`` and ``safe_power_w`` per antenna id, ``damage``, ``findings[]``, ``grid``,
``warnings`` (docs/thermal.md documents every key). Times never reached are null.
"""

from __future__ import annotations

import json
import time


from planner.core.errors import LoadError, PlannerError
from planner.headless import error_exit
from planner.headless.case import open_case
from planner.plan.io import read_plan
from planner.thermal.findings import thermal_findings
from planner.thermal.protocol import MIN_COOLING_S
from planner.thermal.report import public, thermal_report
from planner.thermal.safe import safe_limits
from planner.thermal.simulate import StructureMask, prepare, run_prepared


def read_structure_mask(spec: str, volume) -> StructureMask:
    """``LEVEL:SIDE:FILE`` (a foramen mask on the volume's grid, .nrrd or .nii.gz)."""
    import SimpleITK as sitk

    try:
        level, side, path = spec.split(":", 2)
    except ValueError:
        raise LoadError(f"--foramen expects LEVEL:SIDE:FILE, got '{spec}'.") from None
    try:
        arr = sitk.GetArrayFromImage(sitk.ReadImage(path))
    except RuntimeError as exc:
        raise LoadError(f"Foramen mask '{path}' could not be read ({str(exc).splitlines()[0]}).", files=[path]) from None
    if arr.shape != volume.hu.shape:
        raise LoadError(f"Foramen mask '{path}' has shape {arr.shape}, not the volume's {volume.hu.shape}.", files=[path])
    return StructureMask(f"foramen {level} {side}", "foramen", arr > 0, level, side)


def run_thermal(series_dir, plan_path, foramina=(), safe: bool = True, cooling_s: float = MIN_COOLING_S,
                spacing_mm: float = 1.0, safe_iterations: int = 3) -> dict:
    t0 = time.perf_counter()
    session, _ = open_case(series_dir)
    volume, canal = session.volume, session.canal_mask
    session.open_plan(read_plan(plan_path))
    structures = [read_structure_mask(s, volume) for s in foramina]
    th = session.thresholds
    prep = prepare(volume, session.plan, session.devices, canal, session.lesion_mask(), structures,
                   spacing_mm=spacing_mm, region_at_max=safe)
    result = run_prepared(prep, cooling_s=cooling_s)
    report = thermal_report(result, session.plan, th)
    report["findings"] = [{"severity": f.severity.value, "code": f.code, "message": f.message, "item": f.item_id}
                          for f in thermal_findings(report, th)]
    limits = safe_limits(prep, session.plan, th, iters=safe_iterations, cooling_s=cooling_s) if safe else {}
    report["safe_time_s"] = {k: v["safe_time_s"] for k, v in limits.items()} if safe else None
    report["safe_power_w"] = {k: v["safe_power_w"] for k, v in limits.items()} if safe else None
    report["elapsed_s"] = round(time.perf_counter() - t0, 2)
    return public(report)


def main(args) -> int:
    try:
        report = run_thermal(args.series, args.plan, args.foramen or (), not args.no_safe_time, args.cooling_s,
                             args.spacing_mm)
    except (PlannerError, OSError) as exc:
        return error_exit(exc)
    if args.json:
        print(json.dumps(report, indent=1, ensure_ascii=False, allow_nan=False))
    else:
        print(human_summary(report))
    return 0


def _dose(cem43_min) -> str:
    """The dose as the safety panel writes it (capped: planner.analysis.rules.thermal.cem43_text)."""
    from planner.analysis.rules.thermal import cem43_text

    return "unknown" if cem43_min is None else cem43_text(cem43_min)


def human_summary(report: dict) -> str:
    lines = [f"Power off at {report['power_off_s']} s; simulated to {report['end_s']} s"]
    for tc in report["thermocouples"]:
        lines.append(f"Thermocouple {tc['name']}: peak {tc['peak_c']} °C at {tc['peak_time_s']} s, "
                     f"alarm at {tc['alarm_time_s']} s, CEM43 {_dose(tc['cem43_min'])}")
    for s in report["structures"]:
        lines.append(f"{s['name']}: peak {s['peak_c']} °C at {s['peak_time_s']} s, CEM43 {_dose(s['cem43_min'])}")
    if report.get("safe_time_s"):
        for k, v in report["safe_time_s"].items():
            lines.append(f"Antenna {k}: safe time {v} s, safe power {report['safe_power_w'][k]} W")
    lines += [f"{f['severity'].upper()}: {f['message']}" for f in report["findings"]]
    return "\n".join(lines)


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("thermal", help="run the bioheat model of a plan headless and print the results",
                              description=__doc__.split("\n\n")[1])
    p.add_argument("series", help="the DICOM folder (or NIfTI/NRRD volume) the plan was made on")
    p.add_argument("--plan", required=True, help="the plan file (.json)")
    p.add_argument("--json", action="store_true", help="print one JSON object (else a short summary)")
    p.add_argument("--foramen", action="append", metavar="LEVEL:SIDE:FILE",
                   help="a neural foramen mask on the volume's grid (repeatable)")
    p.add_argument("--no-safe-time", action="store_true", help="skip the safe time / safe power search (faster)")
    p.add_argument("--cooling-s", type=float, default=MIN_COOLING_S, help="cooling after the power stops (>= 180 s)")
    p.add_argument("--spacing-mm", type=float, default=1.0, help="thermal grid spacing (<= 1 mm)")
    p.set_defaults(func=main)
