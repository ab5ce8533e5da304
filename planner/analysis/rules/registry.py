"""The rule table: every safety rule is one module of this package declaring ``RULES`` (its codes with
their default severity, thresholds and source) and ``check(inputs) -> list[Finding]``.

Adding a rule is adding one file here (plus its code in :mod:`codes`): modules are found by
:func:`pkgutil.iter_modules`, so nothing else needs editing. ``docs/safety-rules.md`` is generated from
this table (:func:`rules_markdown`) and a test keeps the two equal.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from types import ModuleType
from typing import Callable, Mapping

from planner.analysis.rules.codes import Code
from planner.analysis.thresholds import Finding, SafetyThresholds, Severity

_NOT_RULES = {"codes", "registry"}


@dataclass(frozen=True)
class RuleSpec:
    """One finding a rule can raise. ``thresholds`` names the settings it compares with (fields of
    :class:`SafetyThresholds`, or of a plan item such as ``Thermocouple.alarm_c``); ``display`` is the
    state a view shows for the item (``ok`` / ``prealarm`` / ``alarm``, "" when none)."""

    code: Code
    severity: Severity
    summary: str
    source: str
    thresholds: tuple[str, ...] = ()
    display: str = ""

    def finding(self, message: str, item_id: str = "", severity: Severity | None = None) -> Finding:
        return Finding(severity or self.severity, self.code, message, item_id)


@dataclass(frozen=True)
class RuleInputs:
    """Everything a rule may read, all results already computed (rules do arithmetic, no imaging).

    - ``analysis``: the :class:`~planner.analysis.analyze.AnalysisResult` figures (None before zones).
    - ``corridors``: needle id -> :class:`~planner.analysis.corridor.CorridorReport` (fresh ones only).
    - ``needles``: needle-like objects (``id``, ``name``, ``length_mm``, ``usable_length_mm``).
    - ``zone_errors`` / ``lesion_errors``: item id -> why there is no zone / no lesion mask.
    - ``series_warnings``: the loaded series' warnings (in words).
    - ``corridor_errors``: needle id -> why its path could not be checked (e.g. outside the CT).
    - ``thermal_findings``: the bioheat model's findings (:func:`planner.thermal.findings.thermal_findings`)
      for the current plan, () when no current thermal result exists (the model runs in the background).
    - ``thermal_current``: True when such a result exists; the thermocouples are then judged by it, and the
      distance-rule estimate of the analysis is shown as information only (one number governs).
    - ``bioheat_c`` / ``bioheat_cold``: that result's peak (lowest, under cryo) at each thermocouple's tip
      (:func:`planner.analysis.probe_reading.bioheat_values_c`); the probe's reading when present.
    - ``foramen_distances``: ``(Foramen, signed distance mm)`` from the zones' union to each neural
      foramen (:func:`planner.analysis.foramen_rules.foramen_distance_mm`), named by level and side.
    - ``beyond``: antenna id -> :class:`~planner.analysis.beyond_vertebra.BeyondVertebra` of its zone.
    """

    thresholds: SafetyThresholds = field(default_factory=SafetyThresholds)
    analysis: object | None = None
    corridors: Mapping[str, object] = field(default_factory=dict)
    needles: tuple = ()
    zone_errors: Mapping[str, str] = field(default_factory=dict)
    lesion_errors: Mapping[str, str] = field(default_factory=dict)
    series_warnings: tuple[str, ...] = ()
    corridor_errors: Mapping[str, str] = field(default_factory=dict)
    thermal_findings: tuple = ()
    thermal_current: bool = False  # a bioheat result for exactly this plan exists (its findings may be none)
    bioheat_c: Mapping[str, float] = field(default_factory=dict)  # thermocouple id -> its bioheat peak (°C)
    bioheat_cold: bool = False  # that result is a cryo run: bioheat_c holds each tip's lowest value
    foramen_distances: tuple = ()
    beyond: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    module: str
    specs: tuple[RuleSpec, ...]
    check: Callable[[RuleInputs], list[Finding]]
    doc: str


def _load(module: ModuleType) -> Rule:
    specs = tuple(getattr(module, "RULES", ()))
    check = getattr(module, "check", None)
    if not specs or check is None:
        raise TypeError(f"rule module {module.__name__} must define RULES and check(inputs)")
    return Rule(module.__name__.rsplit(".", 1)[-1], specs, check, (module.__doc__ or "").strip())


def _discover() -> tuple[Rule, ...]:
    import planner.analysis.rules as package

    out = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name in _NOT_RULES or info.name.startswith("_"):
            continue
        out.append(_load(importlib.import_module(f"{package.__name__}.{info.name}")))
    return tuple(out)


_RULES: tuple[Rule, ...] | None = None


def all_rules() -> tuple[Rule, ...]:
    """Every registered rule module, by module name."""
    global _RULES
    if _RULES is None:
        rules = _discover()
        seen: dict[Code, str] = {}
        for rule in rules:
            for spec in rule.specs:
                if spec.code in seen:
                    raise TypeError(f"code {spec.code} is declared by both {seen[spec.code]} and {rule.module}")
                seen[spec.code] = rule.module
        _RULES = rules
    return _RULES


def spec_for(code) -> RuleSpec | None:
    """The table entry of ``code`` (a :class:`Code` or its text), None when unknown."""
    for rule in all_rules():
        for spec in rule.specs:
            if spec.code == code:
                return spec
    return None


def run_rules(inputs: RuleInputs, only: tuple[str, ...] | None = None) -> list[Finding]:
    """All findings for ``inputs``, worst first (stable within a severity). ``only``: module names."""
    findings: list[Finding] = []
    for rule in all_rules():
        if only is None or rule.module in only:
            findings += rule.check(inputs)
    findings.sort(key=lambda f: -f.severity.rank)
    return findings


def display_state(findings, item_id: str) -> str:
    """The strongest display state (``alarm`` > ``prealarm`` > ``ok``) of ``item_id``'s findings, or "".
    A finding shown as information only (e.g. an estimate another model overrules) colours as ``ok``."""
    order = ("", "ok", "prealarm", "alarm")
    best = ""
    for f in findings:
        if f.item_id != item_id:
            continue
        spec = spec_for(f.code)
        state = spec.display if spec is not None else ""
        if state in ("alarm", "prealarm") and f.severity == Severity.INFO:
            state = "ok"
        if order.index(state) > order.index(best):
            best = state
    return best


def rules_markdown() -> str:
    """docs/safety-rules.md, generated from the table."""
    lines = ["# Safety rules", "",
             "Generated from `planner/analysis/rules` by `python3 -m planner.analysis.rules` "
             "(a test checks this file is current). One module per rule; each code has a default severity, the",
             "thresholds it compares with and its source.", "",
             "To add a rule: add its code(s) to `planner/analysis/rules/codes.py`, then drop one module into "
             "`planner/analysis/rules/` defining `RULES` (a tuple of `RuleSpec`) and `check(inputs: RuleInputs) -> "
             "list[Finding]`; it is found automatically. Regenerate this file; `tests/safety/test_rule_table.py` "
             "checks every code has one rule with a source.", ""]
    for rule in all_rules():
        lines += [f"## `{rule.module}`", "", rule.doc.splitlines()[0] if rule.doc else "", "",
                  "| code | default severity | thresholds | what | source |", "|---|---|---|---|---|"]
        for s in rule.specs:
            th = ", ".join(f"`{t}`" for t in s.thresholds) or "–"
            lines.append(f"| `{s.code.value}` | {s.severity.value} | {th} | {s.summary} | {s.source} |")
        lines.append("")
    return "\n".join(lines)
