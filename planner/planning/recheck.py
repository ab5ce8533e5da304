"""The full corridor check of a proposed needle, exactly as the session's safety analysis runs it.

The search (:mod:`planner.planning.access`) checks each line once with a narrower window
(:data:`~planner.planning.access.SEARCH_CORRIDOR`) for speed, counting bone with the same thresholds,
body mask and "inside the vertebra" rule as this check (:func:`~planner.planning.access.search_corridor`),
read conservatively (:mod:`planner.planning.search_check`: on the T11-T12 scan's T12 every tip it allows
passes this check). That reading bounds, but does not prove, the agreement (a breach's direction can
change with where the stack of cross-sections ends), so before an option is offered each of its needles
is checked again, from its entry to its tip, with
what the session's check of that needle will read once the option is added (:class:`CorridorInputs`:
the parameters with the cancellous threshold adapted to the vertebra's marrow, the body mask and the
linked vertebra, given by the session layer, :mod:`planner.session.proposal_inputs`; the planner's
default :class:`~planner.analysis.corridor.CorridorParams` when none are given), and the same canal,
foramina and lesion. A needle passes when that check finds no entry into the canal
or a foramen and no medial breach of grade 2 or more (>= 2 mm: the critical findings of
:mod:`planner.analysis.rules.corridor`). Results are cached per (entry, tip): the bipedicular
candidates reuse the unipedicular needles' checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from planner.analysis.corridor import CorridorParams, CorridorReport, check_corridor
from planner.analysis.vertebra_rule import inside_vertebra

#: The critical findings of the session's corridor rules (planner.analysis.rules.corridor).
MEDIAL_CRITICAL_GRADE = 2


@dataclass(frozen=True)
class CorridorInputs:
    """What the session's corridor check reads besides the needle and the masks
    (``PlanningSession.corridor_job``): ``params`` with the marrow-adapted cancellous threshold
    (:func:`planner.analysis.marrow.params_for_vertebra`), the patient's ``body`` mask (a
    :class:`~planner.anatomy.body.BodyMask`, or None) and the linked ``vertebra`` (a
    :class:`~planner.anatomy.levels.LevelGeometry`, or None: bone destroyed by the lesion counts inside
    it, :func:`planner.analysis.vertebra_rule.inside_vertebra`)."""

    params: CorridorParams = CorridorParams()
    body: object = None
    vertebra: object = None


@dataclass(eq=False)
class FullCheck:
    """Full corridor checks of needles (cached), with the inputs the session's analysis uses."""

    volume: object
    axes: np.ndarray
    canal_mask: np.ndarray | None
    foramen_mask: np.ndarray | None
    outer_diameter_mm: float
    lesion_inside: object = None
    inputs: CorridorInputs = field(default_factory=CorridorInputs)
    cache: dict = field(default_factory=dict)

    @staticmethod
    def _key(side, entry_lps, tip_lps) -> tuple:
        return (side, tuple(np.round(entry_lps, 4)), tuple(np.round(tip_lps, 4)))

    def known(self, side: str, entry_lps, tip_lps) -> bool:
        """True when this needle was checked already (no new check needed)."""
        return self._key(side, entry_lps, tip_lps) in self.cache

    def report(self, side: str, entry_lps, tip_lps) -> CorridorReport:
        key = self._key(side, entry_lps, tip_lps)
        if key not in self.cache:
            self.cache[key] = check_corridor(self.volume, np.asarray(entry_lps, float), np.asarray(tip_lps, float),
                                             self.outer_diameter_mm, side=side, axes=self.axes,
                                             canal_mask=self.canal_mask, foramen_mask=self.foramen_mask,
                                             params=self.inputs.params, body=self.inputs.body,
                                             lesion_inside=inside_vertebra(self.inputs.vertebra, self.lesion_inside))
        return self.cache[key]

    def failure(self, side: str, entry_lps, tip_lps) -> str:
        """"" when the needle passes, else the critical finding in words."""
        rep = self.report(side, entry_lps, tip_lps)
        if rep.enters_canal:
            return f"{side} needle enters the canal {rep.canal_entry_depth_mm:.1f} mm from the entry"
        if rep.enters_foramen:
            return f"{side} needle enters a foramen {rep.foramen_entry_depth_mm:.1f} mm from the entry"
        medial = [b for b in rep.breaches if b.direction == "medial" and b.grade >= MEDIAL_CRITICAL_GRADE]
        if medial:
            return f"{side} needle: medial breach {max(b.max_breach_mm for b in medial):.1f} mm (>= 2 mm)"
        return ""

    def grade(self, side: str, entry_lps, tip_lps) -> int:
        return int(self.report(side, entry_lps, tip_lps).grade)
