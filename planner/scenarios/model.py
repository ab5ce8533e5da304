"""Scenario files: what a QA scenario says, parsed into plain records (docs/scenarios.md).

A scenario is a mapping with ``name``, optional ``description``, ``series`` ("sample" or a path,
relative paths resolved against the scenario file's folder) and ``steps``: a list of one-key
mappings such as ``{"add_needle": {...}}``. Files are JSON (``.json``) or YAML (``.yaml``/``.yml``).
Every problem is a :class:`ScenarioError` naming the file and the step.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.core.errors import PlannerError
from planner.analysis.rules.codes import Code

FORMAT_SUFFIXES = (".json", ".yaml", ".yml")
COUNT_KINDS = ("needles", "antennas", "thermocouples", "targets", "levels")
NUMBER_KEYS = ("canal_overlap_ml", "canal_distance_mm", "coverage_percent", "min_margin_mm")

# step kind -> (required keys, optional keys)
STEP_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "view": ((), ("slice_z_mm", "cursor_lps", "window")),
    "add_needle": (("label", "entry_lps", "tip_lps"), ()),
    "add_thermocouple": (("label", "entry_lps", "tip_lps"), ()),
    "add_antenna": (("needle",), ("power_w", "time_s")),
    "set_antenna": (("needle",), ("power_w", "time_s")),
    "add_target": (("label", "centre_lps"), ("radius_mm", "semi_axes_mm")),
    "bipedicular": (("needle", "label"), ()),
    "delete": (("item",), ()),
    "undo": ((), ("count",)),
    "redo": ((), ("count",)),
    "analyze": ((), ()),
    "expect": ((), ("findings_present", "findings_absent", "items", "thermocouple_c") + NUMBER_KEYS),
}
PLAN_CHANGING = ("add_needle", "add_thermocouple", "add_antenna", "set_antenna", "add_target", "bipedicular",
                 "delete")


class ScenarioError(PlannerError):
    """A scenario file is unreadable or says something the runner cannot do."""


@dataclass(frozen=True)
class NumberSpec:
    """An expected number: within [minimum, maximum], or ``approx`` ± ``tol``."""

    minimum: float = -math.inf
    maximum: float = math.inf
    label: str = ""
    source: str = ""  # where the bound comes from (a closed form, the sample's ground truth, a rule)

    def holds(self, value: float | None) -> bool:
        return value is not None and not math.isnan(value) and self.minimum <= value <= self.maximum

    def describe(self) -> str:
        if self.label:
            return self.label
        if math.isfinite(self.minimum) and math.isfinite(self.maximum):
            return f"between {self.minimum:g} and {self.maximum:g}"
        if math.isfinite(self.minimum):
            return f"at least {self.minimum:g}"
        if math.isfinite(self.maximum):
            return f"at most {self.maximum:g}"
        return "any number"


@dataclass(frozen=True)
class FindingSpec:
    """A finding by stable code, optionally about one labelled item and of one severity."""

    code: str
    item: str = ""
    severity: str = ""

    def describe(self) -> str:
        extra = "".join([f" on {self.item}" if self.item else "", f" ({self.severity})" if self.severity else ""])
        return f"{self.code}{extra}"


@dataclass(frozen=True)
class Step:
    """One step: ``kind`` (a key of STEP_KEYS), its arguments, and its 1-based position."""

    kind: str
    args: dict[str, Any]
    number: int

    def describe(self) -> str:
        shown = ", ".join(f"{k}={_short(v)}" for k, v in self.args.items() if k not in ("findings_present",
                                                                                         "findings_absent"))
        return f"{self.kind}({shown})" if shown else self.kind


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    series: str  # "sample" or an absolute path
    steps: tuple[Step, ...]
    path: Path | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def uses_sample(self) -> bool:
        return self.series == "sample"


def _short(value) -> str:
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float)) for v in value):
        return "[" + ", ".join(f"{v:g}" for v in value) + "]"
    return str(value)


def _fail(where: str, why: str) -> ScenarioError:
    return ScenarioError(f"{where}: {why}")


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


def _step_args(kind: str, raw, where: str) -> dict:
    if kind in ("undo", "redo") and (isinstance(raw, int) and not isinstance(raw, bool)):
        raw = {"count": raw}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise _fail(where, f"the arguments of '{kind}' must be a mapping, got {raw!r}")
    required, optional = STEP_KEYS[kind]
    missing = [k for k in required if k not in raw]
    unknown = sorted(set(raw) - set(required) - set(optional))
    if missing:
        raise _fail(where, f"'{kind}' needs {', '.join(missing)}")
    if unknown:
        raise _fail(where, f"'{kind}' does not take {', '.join(unknown)}")
    if kind == "expect":
        return _expect_args(raw, where)
    args = dict(raw)
    for key in ("entry_lps", "tip_lps", "centre_lps", "cursor_lps"):
        if key in args:
            args[key] = _point(args[key], f"{where}.{key}")
    for key in ("power_w", "time_s", "radius_mm"):
        if key in args:
            args[key] = _number(args[key], f"{where}.{key}", positive=True)
    if "semi_axes_mm" in args:
        semi = _point(args["semi_axes_mm"], f"{where}.semi_axes_mm")
        if min(semi) <= 0:
            raise _fail(f"{where}.semi_axes_mm", "semi-axes must be greater than 0")
        args["semi_axes_mm"] = semi
    if kind == "add_target" and ("radius_mm" in args) == ("semi_axes_mm" in args):
        raise _fail(where, "'add_target' needs either radius_mm or semi_axes_mm")
    if "slice_z_mm" in args:
        args["slice_z_mm"] = _number(args["slice_z_mm"], f"{where}.slice_z_mm")
    if kind in ("undo", "redo"):
        count = args.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise _fail(where, f"'{kind}' count must be a whole number >= 1")
        args["count"] = count
    if kind == "add_needle" and math.dist(args["entry_lps"], args["tip_lps"]) < 1.0:
        raise _fail(where, "entry and tip must be at least 1 mm apart")
    for key in ("label", "needle", "item", "window"):
        if key in args and (not isinstance(args[key], str) or not args[key]):
            raise _fail(f"{where}.{key}", "expected a non-empty text")
    return args


def scenario_from_dict(data, source: str = "scenario", base_dir: Path | None = None) -> Scenario:
    """Check and convert the parsed content of a scenario file."""
    if not isinstance(data, dict):
        raise _fail(source, "a scenario must be a mapping with name, series and steps")
    unknown = sorted(set(data) - {"name", "description", "series", "steps", "tags"})
    if unknown:
        raise _fail(source, f"unknown top-level keys {', '.join(unknown)}")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(source, "'name' must be a non-empty text")
    series = data.get("series", "sample")
    if not isinstance(series, str) or not series:
        raise _fail(source, "'series' must be 'sample' or a path")
    if series != "sample":
        p = Path(series).expanduser()
        series = str(p if p.is_absolute() or base_dir is None else (base_dir / p).resolve())
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise _fail(source, "'steps' must be a non-empty list")
    steps = []
    for n, raw in enumerate(raw_steps, start=1):
        where = f"{source}, step {n}"
        if not isinstance(raw, dict) or len(raw) != 1:
            raise _fail(where, f"each step is a mapping with one key (one of {', '.join(STEP_KEYS)})")
        (kind, args), = raw.items()
        if kind not in STEP_KEYS:
            raise _fail(where, f"unknown step '{kind}' (known: {', '.join(STEP_KEYS)})")
        steps.append(Step(kind, _step_args(kind, args, where), n))
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise _fail(source, "'tags' must be a list of texts")
    return Scenario(name, str(data.get("description", "")), series, tuple(steps), tags=tuple(tags))


def _parse_text(text: str, suffix: str, source: str):
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise _fail(source, f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise _fail(source, f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None


def load_scenario(path) -> Scenario:
    """Read and check one scenario file (.json, .yaml or .yml)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMAT_SUFFIXES:
        raise ScenarioError(f"{path.name}: a scenario file ends in .json, .yaml or .yml")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc})") from None
    data = _parse_text(text, suffix, path.name)
    scenario = scenario_from_dict(data, path.name, path.parent)
    return Scenario(scenario.name, scenario.description, scenario.series, scenario.steps, path.resolve(),
                    scenario.tags)


def scenario_files(folder) -> list[Path]:
    """The scenario files directly in ``folder``, sorted by name."""
    return sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in FORMAT_SUFFIXES and p.is_file())
