"""Checking a scenario's expectations against a session's plan and latest evaluation (Qt-free, so the
headless runner and the GUI driver judge a scenario by the same code)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.scenarios.model import FindingSpec, NumberSpec, ScenarioError, Step


@dataclass(frozen=True)
class Check:
    """One expectation and whether it held; ``actual`` says what was found."""

    step: int
    description: str
    passed: bool
    actual: str


def _fmt(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, float) and math.isinf(value):
        return "no value (no canal or no zone)"
    if isinstance(value, float) and math.isnan(value):
        return "no value (no target or no zone)"
    return f"{value:.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _matches(finding, spec: FindingSpec, labels: dict[str, str]) -> bool:
    if finding.code != spec.code:
        return False
    if spec.severity and finding.severity.value != spec.severity:
        return False
    if spec.item:
        if spec.item not in labels:
            raise ScenarioError(f"expectation names the item '{spec.item}', which no step created")
        return finding.item_id == labels[spec.item]
    return True


def _number_check(step: int, what: str, spec: NumberSpec, value) -> Check:
    v = None if value is None else float(value)
    return Check(step, f"{what} {spec.describe()}", spec.holds(v), _fmt(v))


def check_expectations(step: Step, session, labels: dict[str, str]) -> list[Check]:
    """Judge one ``expect`` step against ``session.plan`` and ``session.evaluation``."""
    args, n = step.args, step.number
    evaluation = session.evaluation
    if evaluation is None:
        raise ScenarioError(f"step {n}: nothing has been analysed yet (open a series and add items first)")
    checks: list[Check] = []
    findings = evaluation.findings
    codes = sorted({f.code for f in findings})
    for spec in args.get("findings_present", ()):
        hit = any(_matches(f, spec, labels) for f in findings)
        checks.append(Check(n, f"finding {spec.describe()} present", hit, ", ".join(codes) or "no findings"))
    for spec in args.get("findings_absent", ()):
        hit = any(_matches(f, spec, labels) for f in findings)
        checks.append(Check(n, f"finding {spec.describe()} absent", not hit, ", ".join(codes) or "no findings"))
    plan = session.plan
    for kind, spec in args.get("items", {}).items():
        checks.append(_number_check(n, f"number of {kind}", spec, float(len(plan.items(kind[:-1])))))
    analysis = evaluation.analysis
    figures = {
        "canal_overlap_ml": ("zone ∩ canal (mL)", None if analysis is None else analysis.canal_overlap_ml),
        "canal_distance_mm": ("zone ↔ canal signed distance (mm)",
                              None if analysis is None else analysis.canal_signed_distance_mm),
        "coverage_percent": ("target coverage (%)", None if analysis is None else analysis.coverage_percent),
        "min_margin_mm": ("smallest target margin (mm)", None if analysis is None else analysis.min_margin_mm),
    }
    for key, (what, value) in figures.items():
        if key in args:
            checks.append(_number_check(n, what, args[key], value))
    results = evaluation.readings if evaluation is not None else {}  # the probe's reading, as the views give it
    for label, spec in args.get("thermocouple_c", {}).items():
        if label not in labels:
            raise ScenarioError(f"step {n}: thermocouple_c names '{label}', which no step created")
        result = results.get(labels[label])
        value = None if result is None else result.temperature_c
        checks.append(_number_check(n, f"predicted temperature at {label} (°C)", spec, value))
    return checks
