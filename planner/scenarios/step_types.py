"""The table of scenario step types: what each step takes, how its arguments are checked, and whether
it changes the plan (docs/scenarios.md). A new step is one :class:`StepType` entry here plus its
``do_<kind>`` in the headless runner and the GUI driver.

Arguments are checked by name (:data:`ARGUMENTS`: ``*_lps`` are points, ``power_w`` a positive number...),
then by the step's own rule between arguments (``check``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from planner.analysis.rules.codes import Code
from planner.scenarios.records import FindingSpec, NumberSpec, fail as _fail

COUNT_KINDS = ("needles", "antennas", "thermocouples", "targets", "levels")
NUMBER_KEYS = ("canal_overlap_ml", "canal_distance_mm", "coverage_percent", "min_margin_mm")


def _point(value, where: str) -> tuple[float, float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        raise _fail(where, f"expected [x, y, z] in LPS mm, got {value!r}")
    try:
        out = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        raise _fail(where, f"expected three numbers, got {value!r}") from None
    if not all(math.isfinite(v) for v in out):
        raise _fail(where, "coordinates must be finite numbers")
    return out  # type: ignore[return-value]


def _number(value, where: str, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(where, f"expected a number, got {value!r}")
    if positive and value <= 0:
        raise _fail(where, f"must be greater than 0, got {value!r}")
    return float(value)


def number_spec(value, where: str) -> NumberSpec:
    """A bare number (within 1e-3), ``{min, max}`` or ``{approx, tol}``, each optionally with
    ``source``: where the bound comes from (shown in reports; required by the project's own tests)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        v = _number(value, where)
        return NumberSpec(v - 1e-3, v + 1e-3, f"= {v:g}")
    if not isinstance(value, dict) or not value or set(value) - {"min", "max", "approx", "tol", "source"}:
        raise _fail(where, f"expected a number, {{min, max}} or {{approx, tol}} (and a source), got {value!r}")
    source = value.get("source", "")
    if not isinstance(source, str):
        raise _fail(where, f"source must be text, got {source!r}")
    value = {k: v for k, v in value.items() if k != "source"}
    if not value:
        raise _fail(where, "a source alone is not a bound")
    spec = _bounds(value, where)
    return NumberSpec(spec.minimum, spec.maximum, spec.label, source)


def _bounds(value: dict, where: str) -> NumberSpec:
    if "approx" in value:
        if set(value) - {"approx", "tol"} or "tol" not in value:
            raise _fail(where, "'approx' goes with 'tol' only")
        v, tol = _number(value["approx"], where), _number(value["tol"], where)
        return NumberSpec(v - abs(tol), v + abs(tol), f"within {v:g} ± {abs(tol):g}")
    lo = _number(value["min"], where) if "min" in value else -math.inf
    hi = _number(value["max"], where) if "max" in value else math.inf
    if lo > hi:
        raise _fail(where, f"min {lo:g} is above max {hi:g}")
    return NumberSpec(lo, hi)


def _findings(value, where: str) -> tuple[FindingSpec, ...]:
    if not isinstance(value, list):
        raise _fail(where, "expected a list of finding codes")
    out = []
    for i, entry in enumerate(value):
        code = entry.get("code") if isinstance(entry, dict) else entry
        if isinstance(code, str) and code:
            try:
                code = Code.parse(code).value  # one list of codes (planner/analysis/rules/codes.py)
            except ValueError as exc:
                raise _fail(f"{where}[{i}]", str(exc)) from None
        if isinstance(entry, str) and entry:
            out.append(FindingSpec(code))
        elif isinstance(entry, dict) and isinstance(entry.get("code"), str) and not set(entry) - {
                "code", "item", "severity"}:
            severity = str(entry.get("severity", ""))
            if severity not in ("", "critical", "warning", "info"):
                raise _fail(f"{where}[{i}]", f"severity must be critical, warning or info, got {severity!r}")
            out.append(FindingSpec(code, str(entry.get("item", "")), severity))
        else:
            raise _fail(f"{where}[{i}]", f"expected a code or {{code, item, severity}}, got {entry!r}")
    return tuple(out)


def _expect_args(raw: dict, where: str) -> dict:
    out: dict[str, Any] = {}
    for key in ("findings_present", "findings_absent"):
        if key in raw:
            out[key] = _findings(raw[key], f"{where}.{key}")
    if "items" in raw:
        items = raw["items"]
        if not isinstance(items, dict) or set(items) - set(COUNT_KINDS):
            raise _fail(f"{where}.items", f"expected counts of {', '.join(COUNT_KINDS)}")
        out["items"] = {k: number_spec(v, f"{where}.items.{k}") for k, v in items.items()}
    for key in NUMBER_KEYS:
        if key in raw:
            out[key] = number_spec(raw[key], f"{where}.{key}")
    if "thermocouple_c" in raw:
        tcs = raw["thermocouple_c"]
        if not isinstance(tcs, dict) or not tcs:
            raise _fail(f"{where}.thermocouple_c", "expected {thermocouple label: number spec}")
        out["thermocouple_c"] = {str(k): number_spec(v, f"{where}.thermocouple_c.{k}") for k, v in tcs.items()}
    return out


def _positive(value, where: str) -> float:
    return _number(value, where, positive=True)


def _semi_axes(value, where: str) -> tuple[float, float, float]:
    semi = _point(value, where)
    if min(semi) <= 0:
        raise _fail(where, "semi-axes must be greater than 0")
    return semi


def _text(value, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise _fail(where, "expected a non-empty text")
    return value


def _count(value, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(where, f"the count must be a whole number >= 1, got {value!r}")
    return value


#: argument name -> checker(value, where) returning the clean value.
ARGUMENTS: dict[str, Callable[[Any, str], Any]] = {
    **{key: _point for key in ("entry_lps", "tip_lps", "centre_lps", "cursor_lps")},
    **{key: _positive for key in ("power_w", "time_s", "radius_mm")},
    **{key: _text for key in ("label", "needle", "item", "window")},
    "semi_axes_mm": _semi_axes,
    "slice_z_mm": _number,
    "count": _count,
}


def _ends_apart(args: dict, where: str) -> None:
    if math.dist(args["entry_lps"], args["tip_lps"]) < 1.0:
        raise _fail(where, "entry and tip must be at least 1 mm apart")


def _one_size(args: dict, where: str) -> None:
    if ("radius_mm" in args) == ("semi_axes_mm" in args):
        raise _fail(where, "'add_target' needs either radius_mm or semi_axes_mm")


@dataclass(frozen=True)
class StepType:
    """One kind of scenario step (see the module docstring)."""

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    changes_plan: bool = False
    check: Callable[[dict, str], None] | None = None  # a rule between the checked arguments
    parse_all: Callable[[dict, str], dict] | None = None  # replaces the by-name checks (``expect``)
    defaults: tuple[tuple[str, Any], ...] = ()
    shorthand: str = ""  # a bare whole number stands for this argument (``undo: 2``)

    def parse(self, kind: str, raw, where: str) -> dict:
        """The checked arguments of one step; ScenarioError naming ``where`` and the argument."""
        if self.shorthand and isinstance(raw, int) and not isinstance(raw, bool):
            raw = {self.shorthand: raw}
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise _fail(where, f"the arguments of '{kind}' must be a mapping, got {raw!r}")
        missing = [k for k in self.required if k not in raw]
        unknown = sorted(set(raw) - set(self.required) - set(self.optional))
        if missing:
            raise _fail(where, f"'{kind}' needs {', '.join(missing)}")
        if unknown:
            raise _fail(where, f"'{kind}' does not take {', '.join(unknown)}")
        if self.parse_all is not None:
            return self.parse_all(raw, where)
        args = {**dict(self.defaults), **raw}
        args = {key: ARGUMENTS[key](value, f"{where}.{key}") for key, value in args.items()}
        if self.check is not None:
            self.check(args, where)
        return args


_HISTORY = StepType(optional=("count",), defaults=(("count", 1),), shorthand="count")

#: step kind -> its type, in the order the documentation lists them.
STEP_TYPES: dict[str, StepType] = {
    "view": StepType(optional=("slice_z_mm", "cursor_lps", "window")),
    "add_needle": StepType(("label", "entry_lps", "tip_lps"), changes_plan=True, check=_ends_apart),
    "add_thermocouple": StepType(("label", "entry_lps", "tip_lps"), changes_plan=True),
    "add_antenna": StepType(("needle",), ("power_w", "time_s"), changes_plan=True),
    "set_antenna": StepType(("needle",), ("power_w", "time_s"), changes_plan=True),
    "add_target": StepType(("label", "centre_lps"), ("radius_mm", "semi_axes_mm"), changes_plan=True,
                           check=_one_size),
    "bipedicular": StepType(("needle", "label"), changes_plan=True),
    "delete": StepType(("item",), changes_plan=True),
    "undo": _HISTORY,
    "redo": _HISTORY,
    "analyze": StepType(),
    "expect": StepType(optional=("findings_present", "findings_absent", "items", "thermocouple_c") + NUMBER_KEYS,
                       parse_all=_expect_args),
}

#: The step kinds that must change the plan (checked by the runner).
PLAN_CHANGING: tuple[str, ...] = tuple(kind for kind, t in STEP_TYPES.items() if t.changes_plan)
