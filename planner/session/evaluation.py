"""What one evaluation of a plan produced: zones, the safety analysis, corridor reports, findings.

Results only: an :class:`Evaluation` is never changed after it is published, and publishing it never
triggers a recomputation (ARCHITECTURE.md habit 3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.ablation.zones import PlannedZone
from planner.analysis.analyze import AnalysisResult
from planner.analysis.corridor import CorridorReport
from planner.analysis.probe_reading import ProbeReading
from planner.analysis.rules.registry import display_state
from planner.analysis.thresholds import Finding, Severity, worst


@dataclass(frozen=True)
class ZoneResult:
    """The predicted zone of one antenna, or why there is none (e.g. power outside the table)."""

    antenna_id: str
    needle_id: str
    zone: PlannedZone | None
    error: str = ""


@dataclass(frozen=True)
class Evaluation:
    """One evaluation. ``corridors`` holds a report per needle id when they were computed
    (``complete``), else the reports still valid from earlier (needles that did not move)."""

    request_id: int
    zones: tuple[ZoneResult, ...]
    analysis: AnalysisResult | None
    corridors: dict[str, CorridorReport] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    complete: bool = True
    foramina: tuple = ()  # the neural foramina (named Foramen objects) of the canal, when found (issue 13)
    foramen_distances: tuple = ()  # (Foramen, mm) from the zones' union to each foramen
    beyond: dict = field(default_factory=dict)  # antenna id -> BeyondVertebra of its zone
    readings: dict = field(default_factory=dict)  # thermocouple id -> ProbeReading (planner.analysis.probe_reading)

    @property
    def severity(self) -> Severity:
        return worst(self.findings)

    def findings_for(self, item_id: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.item_id == item_id)

    def tc_state(self, item_id: str) -> str:
        """``alarm`` / ``prealarm`` / ``ok`` for a thermocouple, from its findings via the rule table
        ("" when it has none): the 2D and 3D views colour by this, not by a rule of their own."""
        return display_state(self.findings, item_id)

    def reading(self, item_id: str) -> ProbeReading | None:
        """The thermocouple's reading (bioheat peak of this plan, else the screening estimate): the number
        the 2D label, the findings, the 3D colour (via the findings), the report and training give."""
        return self.readings.get(item_id)

    def zone_for(self, antenna_id: str) -> ZoneResult | None:
        return next((z for z in self.zones if z.antenna_id == antenna_id), None)

    @property
    def planned_zones(self) -> list[PlannedZone]:
        return [z.zone for z in self.zones if z.zone is not None]
