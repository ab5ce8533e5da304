"""``python -m planner scenario FILE|FOLDER [...] [--json]``

Runs QA scenario files (docs/scenarios.md) headless, on the planning session without any window, and
prints a readable report per scenario (or one JSON object with ``--json``). Exits 0 when every
scenario passed, 1 when a step failed, an expectation did not hold or a file could not be used.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from planner.core.errors import PlannerError


def _expand(paths: list[str]) -> list[Path]:
    from planner.scenarios.model import ScenarioError, scenario_files

    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = scenario_files(p)
            if not found:
                raise ScenarioError(f"{p}: no scenario files (.json, .yaml, .yml) in this folder")
            out += found
        else:
            out.append(p)
    return out


def main(args) -> int:
    from planner.scenarios import CaseCache, load_scenario, result_dict, result_text, run_scenario

    cache = CaseCache()
    reports, all_passed, texts = [], True, []
    try:
        files = _expand(args.files)
    except PlannerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in files:
        try:
            result = run_scenario(load_scenario(path), cache)
        except PlannerError as exc:
            all_passed = False
            texts.append(f"Scenario file {path}: ERROR {exc}")
            reports.append({"file": str(path), "passed": False, "error": str(exc)})
            continue
        all_passed &= result.passed
        texts.append(result_text(result))
        reports.append(result_dict(result))
    if args.json:
        print(json.dumps({"passed": all_passed, "scenarios": reports}, indent=2, ensure_ascii=False))
    else:
        print("\n\n".join(texts))
        n_pass = sum(1 for r in reports if r.get("passed"))
        print(f"\n{n_pass} passed, {len(reports) - n_pass} failed")
    return 0 if all_passed else 1


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("scenario", help="run QA scenario files headless and report",
                              description=__doc__.split("\n\n")[1])
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario files (.json/.yaml) or folders of them")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the text report")
    p.set_defaults(func=main)
