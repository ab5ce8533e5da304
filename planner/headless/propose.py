"""``python -m planner propose SERIES_DIR [--level L2] [--target PLAN.json] --json [--write OUT.json [--option N]]``

Segments the canal, finds the level (``--level`` or where the plan's target lies), splits the vertebra
into the ISRC sectors, builds the CTV from the target and proposes ranked access options
(docs/propose.md lists every key). ``--write`` writes the option ranked first (or option N) merged
into the given plan (or a new plan) as a plan file that ``analyze`` reads.
"""

from __future__ import annotations

import json
import math

import numpy as np

from planner.ablation.devices import load_library
from planner.anatomy.sectors import SECTOR_NAMES
from planner.core.errors import PlannerError
from planner.headless import error_exit
from planner.headless.case import open_case
from planner.plan.io import read_plan, write_plan
from planner.planning.propose import ProposeParams, propose
from planner.session.proposal_inputs import proposal_corridor_inputs
from planner.session.whole_target import add_option_command, ctv_case

DEFAULT_DEVICE = "generic-mw-2450-1.6"


def _num(v, digits=3):
    if v is None:
        return None
    v = float(v)
    return round(v, digits) if math.isfinite(v) else None


def _vec(p):
    return None if p is None else [_num(x) for x in np.asarray(p, float).reshape(3)]


def option_json(o) -> dict:
    return {
        "rank": o.rank, "approach": o.approach,
        "needles": [{"side": n.side, "approach": n.approach, "entry_lps": _vec(n.entry_lps), "tip_lps": _vec(n.tip_lps),
                     "length_mm": _num(n.length_mm), "max_breach_grade": n.max_breach_grade} for n in o.needles],
        "antennas": [{"side": n.side, "device": n.device_id, "extension_mm": n.extension_mm, "power_w": n.power_w,
                      "time_s": n.time_s, "cycles": n.cycles} for n in o.needles],
        "thermocouple": None if o.thermocouple_tip_lps is None else {
            "entry_lps": _vec(o.thermocouple_entry_lps), "tip_lps": _vec(o.thermocouple_tip_lps),
            "predicted_peak_c": _num(o.thermocouple_peak_c, 1)},
        "ctv_coverage_pct": _num(o.ctv_coverage_pct, 2), "target_coverage_pct": _num(o.target_coverage_pct, 2),
        "min_canal_distance_mm": _num(o.min_canal_distance_mm, 2), "max_breach_grade": o.max_breach_grade,
        "why": o.why,
    }


def run_propose(series, level=None, target=None, device_id=DEFAULT_DEVICE, params: ProposeParams | None = None):
    """(report dict, session, case, proposal) for the command line and the tests."""
    session, _ = open_case(series)
    volume = session.volume
    if target is not None:
        session.open_plan(read_plan(target), allow_mismatch=True)
    case = ctv_case(session, level)
    device = load_library().get(device_id)
    session.evaluate()  # finds the neural foramina of this canal: the trajectories must avoid them
    proposal = propose(volume, case.sectors, case.ctv, case.gtv, session.canal_mask, device, params,
                       foramen_mask=session.foramen_mask, corridor=proposal_corridor_inputs(session, case.level))
    voxel_ml = float(np.prod(volume.spacing_mm)) / 1000.0
    report = {
        "level": case.level.name,
        "level_measured": case.level_measured,
        "level_source": case.level_source,
        "ctv": {"sectors": sorted(case.choice.sectors),
                "sector_names": [SECTOR_NAMES[s] for s in sorted(case.choice.sectors)],
                "involved_sectors": sorted(case.choice.involved), "why": case.choice.explain(),
                "volume_ml": _num(case.ctv.sum() * voxel_ml), "gtv_ml": _num(case.gtv.sum() * voxel_ml)},
        "options": [option_json(o) for o in proposal.options],
        "notes": list(proposal.notes),
        "caveat": "Zones are predictions from ex vivo device tables (approximations); check every option.",
    }
    return report, session, case, proposal


def write_option(session, case, proposal, out_path, option: int | None = None):
    n = 1 if option is None else int(option)
    chosen = next((o for o in proposal.options if o.rank == n), None)
    if chosen is None:
        raise PlannerError(f"--option {n}: there are {len(proposal.options)} options (1-{len(proposal.options)}).")
    session.stack.push(add_option_command(session, chosen, case))
    return write_plan(session.plan, out_path)


def check_option_args(write, option) -> None:
    """Raise PlannerError, before any work, for an ``--option`` that cannot be honoured (the rank's
    upper end is known only once the options are: :func:`write_option`)."""
    if option is None:
        return
    if not write:
        raise PlannerError(f"--option {option} chooses the option --write writes: give --write OUT.json too.")
    if option < 1:
        raise PlannerError(f"--option {option}: options are ranked from 1.")


def main(args) -> int:
    try:
        check_option_args(args.write, args.option)
        report, session, case, proposal = run_propose(args.series, args.level, args.target, args.device)
        if args.write:
            write_option(session, case, proposal, args.write, args.option)
    except (PlannerError, OSError) as exc:
        return error_exit(exc)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        for o in report["options"]:
            print(f"{o['rank']}. {o['why']}")
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("propose", help="propose ranked access options covering the ISRC CTV of a level",
                              description=__doc__.split("\n\n")[1])
    p.add_argument("series", help="the DICOM folder (or NIfTI/NRRD volume)")
    p.add_argument("--level", help="the level to treat (T1-T12, L1-L5, S1); default: where the target lies")
    p.add_argument("--target", metavar="PLAN.json", help="a plan holding the target (lesion)")
    p.add_argument("--device", default=DEFAULT_DEVICE, help=f"device id (default {DEFAULT_DEVICE})")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--write", metavar="OUT.json", help="write the chosen option merged into the plan")
    p.add_argument("--option", type=int, help="with --write: the option's rank (default 1)")
    p.set_defaults(func=main)
