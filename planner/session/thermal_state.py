"""The bioheat model's latest result, held by the session as an optional input of the evaluation.

The model (planner.thermal, tens of seconds) runs in the background; its result is valid only for the
inputs it read: the antennas, needles and thermocouples, the canal and the lesion. :func:`thermal_key`
names those inputs; :class:`ThermalState` keeps one result with its key and hands its findings to the
rule table only while the key still matches the session, so a result of an older plan is never shown
(it is dropped at the first evaluation after the change).
"""

from __future__ import annotations

from dataclasses import dataclass


def thermal_key(session) -> tuple:
    """Everything :func:`planner.thermal.simulate.simulate_plan` reads from the session (items are
    immutable values, masks are versioned)."""
    plan = session.plan
    return (tuple(plan.needles), tuple(plan.antennas), tuple(plan.thermocouples), tuple(plan.targets),
            session.canal.version, session.lesion.version, id(session.volume))


@dataclass(frozen=True, eq=False)
class ThermalEntry:
    key: tuple
    report: dict
    findings: tuple
    result: object  # planner.thermal.simulate.ThermalResult


class ThermalState:
    """At most one thermal result; :meth:`current` drops it when the session no longer matches."""

    def __init__(self):
        self.entry: ThermalEntry | None = None

    def store(self, key: tuple, report: dict, findings, result) -> None:
        self.entry = ThermalEntry(key, report, tuple(findings), result)

    def clear(self) -> None:
        self.entry = None

    def current(self, session) -> ThermalEntry | None:
        """The result when it was computed for the session's present inputs; else None (and dropped)."""
        if self.entry is not None and self.entry.key != thermal_key(session):
            self.entry = None
        return self.entry

    def findings(self, session) -> tuple:
        entry = self.current(session)
        return () if entry is None else entry.findings
