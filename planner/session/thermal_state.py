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


DAMAGE_EXPORT_NAME = "Predicted damage region (CEM43 >= 240 min)"


def damage_export_provider(session):
    """A function for ``session.extra_export_masks``: the bioheat damage region on the CT grid while the
    result is current for the plan (``(mask, "damage")``), else None. Resampled once per result."""
    cache: dict = {}

    def provide():
        entry = session.thermal.current(session)
        if entry is None or session.volume is None:
            return None
        if cache.get("key") != entry.key:
            from planner.thermal.outline import damage_on_grid

            cache["key"], cache["mask"] = entry.key, damage_on_grid(entry.result, session.volume)
        return None if cache["mask"] is None else (cache["mask"], "damage")

    return provide
