"""The needle corridor checks of a :class:`~planner.session.session.PlanningSession` (a mixin): each
needle's report cached under every input :func:`~planner.analysis.corridor.check_corridor` reads, a
job safe to run in the corridor worker, and the reports valid for the plan now (issue 15: a stale
report is never shown after a gauge, side, level or target change)."""

from __future__ import annotations

from dataclasses import dataclass

from planner.analysis.corridor import CorridorParams, CorridorReport, check_corridor
from planner.analysis.marrow import params_for_vertebra
from planner.analysis.vertebra_rule import inside_vertebra
from planner.core.errors import PlannerError
from planner.plan.items import Needle

__all__ = ["CorridorFailure", "CorridorsMixin"]


@dataclass(frozen=True)
class CorridorFailure:
    """Why a needle's corridor could not be checked (kept in the cache like a report)."""

    message: str


class CorridorsMixin:
    """Corridor reports of the session's needles (``self._corridor_cache``: needle id -> (key, report))."""

    def _level_axes(self, needle: Needle):
        level = self.plan.level_named(needle.level) if needle.level else None
        return None if level is None else level.axes

    def _corridor_key(self, needle: Needle) -> tuple:
        """Every input :func:`check_corridor` reads: the geometry, the diameter (gauge), the side, the
        vertebra's axes, the canal version, the lesion (mask version and target shapes), and, with the
        automatic anatomy, the plan's levels (the vertebra the needle is linked to is chosen among them
        and sized by them: ``SessionAnatomy.vertebra_for``)."""
        axes = self._level_axes(needle)
        axes = None if axes is None else tuple(tuple(float(v) for v in row) for row in axes)
        levels = (tuple((lv.name, lv.body_centre_lps, lv.axes, lv.plane_point_lps, lv.plane_normal_lps,
                         lv.body_depth_mm) for lv in self.plan.levels) if self.auto_anatomy else None)
        return (needle.entry_lps, needle.tip_lps, needle.gauge, needle.outer_diameter_mm, needle.side, axes,
                self.canal.version, self._target_key(), self._foramina_key(), levels)

    def corridor_job(self, needle: Needle):
        """A function computing this needle's corridor report, safe to run in another thread (it only
        reads the volume, masks and a snapshot of the needle), and the cache key it is valid for."""
        axes = self._level_axes(needle)
        volume, canal, lesion_inside = self.volume, self.canal_mask, self.lesion_inside()
        anatomy, plan_levels = (self.anatomy if self.auto_anatomy else None), tuple(self.plan.levels)
        foramina, canal_version = self.foramina, self.canal.version

        def job() -> CorridorReport | CorridorFailure:
            try:
                vertebra = anatomy.vertebra_for(plan_levels, needle) if anatomy is not None else None
                body = anatomy.body() if anatomy is not None else None
                foramen_mask = (foramina.compute(volume, canal, canal_version).union
                                if anatomy is not None else None)
                return check_corridor(volume, needle.entry_lps, needle.tip_lps, needle.outer_diameter_mm,
                                      side=needle.side, axes=axes if axes is not None or vertebra is None
                                      else vertebra.axes_lps, canal_mask=canal, foramen_mask=foramen_mask,
                                      lesion_inside=inside_vertebra(vertebra, lesion_inside), body=body,
                                      params=params_for_vertebra(CorridorParams(), volume, vertebra, lesion_inside))
            except PlannerError as exc:  # e.g. the needle lies outside the CT: a finding, not a crash
                return CorridorFailure(f"{needle.name}: the path could not be checked: {exc}")
        return job, self._corridor_key(needle)

    def missing_corridors(self) -> list[Needle]:
        """Needles whose corridor report is not cached for their current geometry."""
        return [n for n in self.plan.needles
                if self._corridor_cache.get(n.id, (None,))[0] != self._corridor_key(n)]

    def store_corridor(self, needle_id: str, key: tuple, report: CorridorReport) -> None:
        """Keep a report computed elsewhere; re-evaluate when it is still current."""
        if needle_id in self.plan and key == self._corridor_key(self.plan.get(needle_id)):
            self._corridor_cache[needle_id] = (key, report)
            self.evaluate_soon(analysis_kept=True)  # issue 19: the heavy figures in the worker (evaluate_later.py)

    def corridor(self, needle: Needle) -> CorridorReport | CorridorFailure:
        """The corridor report of one needle, cached by its geometry, the canal and the target."""
        key = self._corridor_key(needle)
        cached = self._corridor_cache.get(needle.id)
        if cached is not None and cached[0] == key:
            return cached[1]
        job, key = self.corridor_job(needle)
        report = job()
        self._corridor_cache[needle.id] = (key, report)
        return report

    def _fresh_corridors(self, corridors: bool) -> dict[str, CorridorReport]:
        """Reports valid for each needle's current inputs (full cache key); computed here unless the
        app defers them to a worker (``defer_corridors``) or a drag is in progress."""
        reports: dict[str, CorridorReport | CorridorFailure] = {}
        for needle in self.plan.needles:
            if corridors and not self.defer_corridors:
                reports[needle.id] = self.corridor(needle)
                continue
            cached = self._corridor_cache.get(needle.id)
            if cached is not None and cached[0] == self._corridor_key(needle):
                reports[needle.id] = cached[1]
        return reports
