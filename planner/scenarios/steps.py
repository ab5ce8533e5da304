"""Running a scenario's steps: the bookkeeping shared by the headless runner and the GUI driver.

A subclass says how each step is *done* (plan commands headless; mouse and keyboard events in the
GUI driver); this base keeps the labels (scenario label -> plan item id), the undo history counted
in scenario steps, the outcome of each step and the expectation checks.

``undo: N`` undoes the last N plan-changing steps of the scenario, however many commands each took
(in the app an antenna with a typed power is two commands); ``redo: N`` redoes them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from planner.core.errors import PlannerError
from planner.scenarios.expect import Check, check_expectations
from planner.scenarios.model import Scenario, ScenarioError, Step
from planner.scenarios.step_types import PLAN_CHANGING

_MAX_COMMANDS_PER_STEP = 50


@dataclass
class StepOutcome:
    step: Step
    ok: bool
    message: str = ""
    checks: list[Check] = field(default_factory=list)


@dataclass
class ScenarioResult:
    scenario: Scenario
    outcomes: list[StepOutcome] = field(default_factory=list)
    error: str = ""
    mode: str = "headless"
    seconds: float = 0.0

    @property
    def checks(self) -> list[Check]:
        return [c for o in self.outcomes for c in o.checks]

    @property
    def failed_checks(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    @property
    def passed(self) -> bool:
        return not self.error and all(o.ok for o in self.outcomes) and not self.failed_checks and bool(
            self.outcomes)


class StepRunner(ABC):
    """Walks the steps; subclasses implement ``open_series`` and ``do_<kind>(args)`` for each step kind
    except undo, redo and expect (done here through ``undo_once``/``redo_once``)."""

    mode = "headless"

    def __init__(self):
        self.labels: dict[str, str] = {}
        self._done: list[tuple[int, int]] = []
        self._undone: list[tuple[int, int]] = []

    # --- to implement -----------------------------------------------------------------------------
    @property
    @abstractmethod
    def session(self):
        """The PlanningSession the scenario acts on."""

    @abstractmethod
    def open_series(self, scenario: Scenario) -> None:
        """Open the scenario's series."""

    @abstractmethod
    def undo_once(self) -> None:
        """Undo one plan command."""

    @abstractmethod
    def redo_once(self) -> None:
        """Redo one plan command."""

    def before_checks(self) -> None:
        """Make sure the evaluation is current before expectations are read."""

    # --- shared -----------------------------------------------------------------------------------
    def item_id(self, label: str) -> str:
        try:
            item_id = self.labels[label]
        except KeyError:
            raise ScenarioError(f"no earlier step created an item labelled '{label}'") from None
        if item_id not in self.session.plan:
            raise ScenarioError(f"the item labelled '{label}' is not in the plan now (deleted or undone)")
        return item_id

    def new_label(self, label: str, item_id: str | None) -> None:
        if item_id is None:
            raise ScenarioError(f"the item '{label}' was not created")
        self.labels[label] = item_id

    def run(self, scenario: Scenario) -> ScenarioResult:
        import time

        start = time.perf_counter()
        result = ScenarioResult(scenario, mode=self.mode)
        try:
            self.open_series(scenario)
        except PlannerError as exc:
            result.error = f"could not open the series: {exc}"
            result.seconds = time.perf_counter() - start
            return result
        for step in scenario.steps:
            outcome = self.run_step(step)
            result.outcomes.append(outcome)
            if not outcome.ok:
                break
        result.seconds = time.perf_counter() - start
        return result

    def run_step(self, step: Step) -> StepOutcome:
        try:
            if step.kind == "expect":
                self.before_checks()
                checks = check_expectations(step, self.session, self.labels)
                return StepOutcome(step, True, checks=checks)
            if step.kind in ("undo", "redo"):
                self._history(step.kind, step.args["count"])
                return StepOutcome(step, True)
            before = self.session.stack.index
            message = getattr(self, f"do_{step.kind}")(step.args) or ""
            if step.kind in PLAN_CHANGING:
                after = self.session.stack.index
                if after == before:
                    raise ScenarioError("the step did not change the plan")
                self._done.append((before, after))
                self._undone.clear()
            return StepOutcome(step, True, message)
        except PlannerError as exc:
            return StepOutcome(step, False, str(exc))

    def _history(self, kind: str, count: int) -> None:
        source, target = (self._done, self._undone) if kind == "undo" else (self._undone, self._done)
        if count > len(source):
            raise ScenarioError(f"cannot {kind} {count} step(s): only {len(source)} can be {kind}ne")
        stack = self.session.stack
        for _ in range(count):
            before, after = source.pop()
            goal = before if kind == "undo" else after
            for _ in range(_MAX_COMMANDS_PER_STEP):
                if stack.index == goal:
                    break
                (self.undo_once if kind == "undo" else self.redo_once)()
            if stack.index != goal:
                raise ScenarioError(f"{kind} did not bring the plan back to the expected state")
            target.append((before, after))
