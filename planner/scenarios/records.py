"""The plain records a scenario file is parsed into (docs/scenarios.md), and its error type."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.core.errors import PlannerError


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
    """One step: ``kind`` (a key of :data:`planner.scenarios.step_types.STEP_TYPES`), its arguments, and its 1-based position."""

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


def fail(where: str, why: str) -> ScenarioError:
    return ScenarioError(f"{where}: {why}")
