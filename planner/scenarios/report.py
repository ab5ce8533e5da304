"""Readable (text) and machine-readable (dict) reports of scenario results."""

from __future__ import annotations

from planner.scenarios.steps import ScenarioResult


def result_lines(result: ScenarioResult) -> list[str]:
    """A short report: one line per step, one per expectation, then PASS/FAIL."""
    sc = result.scenario
    source = sc.path.name if sc.path is not None else sc.name
    lines = [f"Scenario: {sc.name}  [{source}, {result.mode}]"]
    if result.error:
        lines.append(f"  ERROR {result.error}")
    for outcome in result.outcomes:
        step = outcome.step
        mark = "ok " if outcome.ok else "FAILED"
        detail = f" -> {outcome.message}" if outcome.message else ""
        if step.kind != "expect":
            lines.append(f"  {step.number:>2}. {mark} {step.describe()}{detail}")
            continue
        lines.append(f"  {step.number:>2}. expect")
        for check in outcome.checks:
            lines.append(f"        {'ok  ' if check.passed else 'FAIL'} {check.description} (found: {check.actual})")
    skipped = len(sc.steps) - len(result.outcomes)
    if skipped > 0 and not result.error:
        lines.append(f"  ({skipped} later step(s) not run)")
    verdict = "PASS" if result.passed else "FAIL"
    n_checks, n_failed = len(result.checks), len(result.failed_checks)
    lines.append(f"  {verdict}: {n_checks - n_failed}/{n_checks} expectations held, {result.seconds:.1f} s")
    return lines


def result_text(result: ScenarioResult) -> str:
    return "\n".join(result_lines(result))


def result_dict(result: ScenarioResult) -> dict:
    sc = result.scenario
    return {
        "name": sc.name,
        "file": str(sc.path) if sc.path is not None else None,
        "mode": result.mode,
        "passed": result.passed,
        "error": result.error or None,
        "seconds": round(result.seconds, 3),
        "steps": [{"number": o.step.number, "kind": o.step.kind, "ok": o.ok, "message": o.message,
                   "checks": [{"expectation": c.description, "passed": c.passed, "found": c.actual}
                              for c in o.checks]} for o in result.outcomes],
    }
