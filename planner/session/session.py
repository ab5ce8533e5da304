"""``PlanningSession``: the loaded volume, the plan, and everything derived from them.

Data flows one way (ARCHITECTURE.md): a command changes the plan, the plan says what changed, the
session re-evaluates and publishes an :class:`~planner.session.evaluation.Evaluation` with
``evaluated``. Dragging is cheap: while ``interactive`` is set, only zones and the fast safety analysis
run; corridor checks (about a second per needle) run when the drag ends, and each needle's report is
cached by its geometry, so only needles that moved are checked again.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
from psygnal import Signal

from planner.ablation.devices import DeviceLibrary, load_library
from planner.ablation.zones import planned_zone
from planner.analysis.analyze import analyze
from planner.anatomy.lesion import LesionParams, segment_lesion
from planner.analysis.corridor import CorridorReport, check_corridor
from planner.analysis.corridor_findings import corridor_findings
from planner.analysis.overlap import PreparedCanal
from planner.analysis.thresholds import Finding, SafetyThresholds, Severity
from planner.core.errors import PlanError, PlannerError
from planner.core.volume import ImageVolume
from planner.geometry.raster import VoxelGrid
from planner.geometry.shapes import Ellipsoid
from planner.plan.commands import CommandStack
from planner.plan.document import PlanDocument
from planner.plan.items import Needle, SeriesRef, Target
from planner.session.evaluation import Evaluation, ZoneResult
from planner.analysis.vertebra_rule import inside_vertebra
from planner.session.anatomy_state import SessionAnatomy


def target_shape(target: Target) -> Ellipsoid | None:
    """A sphere or ellipsoid target as an :class:`Ellipsoid` (mask targets are set separately)."""
    if target.kind not in ("sphere", "ellipsoid"):
        return None
    return Ellipsoid(np.asarray(target.centre_lps), np.asarray(target.axes), np.asarray(target.semi_axes_mm))


class PlanningSession:
    """Volume + plan + derived results. Qt-free; the UI and the headless commands both drive it."""

    evaluated = Signal(object)  # Evaluation
    volume_changed = Signal()
    canal_changed = Signal()
    corridors_needed = Signal()  # with defer_corridors: some needle's corridor must be computed

    def __init__(self, devices: DeviceLibrary | None = None, thresholds: SafetyThresholds | None = None):
        self.devices = devices if devices is not None else load_library()
        self.thresholds = thresholds or SafetyThresholds()
        self.volume: ImageVolume | None = None
        self.grid: VoxelGrid | None = None
        self.plan = PlanDocument()
        self.stack = CommandStack(self.plan)
        self.canal_mask: np.ndarray | None = None
        self._canal: PreparedCanal | None = None
        self._canal_version = 0
        self.target_mask: np.ndarray | None = None
        self.evaluation: Evaluation | None = None
        self.interactive = False
        self.auto_evaluate = True
        self.defer_corridors = False  # True in the app: corridor checks run in a worker thread
        self._request_id = 0
        self._corridor_cache: dict[str, tuple[tuple, CorridorReport]] = {}
        self._lesion_cache: dict[str, tuple] = {}
        self.anatomy: SessionAnatomy | None = None  # body mask + automatic vertebrae (issue 13)
        self.auto_anatomy = True  # False: corridor checks without body mask or automatic vertebrae
        self._connect_plan()

    # --- inputs ----------------------------------------------------------------------------------
    def _connect_plan(self) -> None:
        for signal in (self.plan.item_added, self.plan.item_removed, self.plan.item_changed, self.plan.reset):
            signal.connect(self._on_plan_changed)

    def set_volume(self, volume: ImageVolume) -> None:
        """A new case: the plan is emptied and bound to this series; derived results are dropped."""
        self.volume = volume
        self.grid = VoxelGrid.of(volume)
        self.canal_mask, self._canal, self.target_mask = None, None, None
        self.anatomy = SessionAnatomy(volume)
        self._corridor_cache.clear()
        self._lesion_cache.clear()
        self.evaluation = None
        with self._quiet():
            self.plan.assign(PlanDocument(series=SeriesRef.from_series_info(volume.info)))
        self.stack.clear()
        self.volume_changed.emit()
        self._on_plan_changed()

    def open_plan(self, document: PlanDocument, allow_mismatch: bool = False) -> None:
        """Take over a plan read from a file. Refused (PlanError naming the reason) when it was made
        on another patient or frame of reference, unless ``allow_mismatch`` (the user confirmed)."""
        if self.volume is None:
            raise PlanError("Open the plan's CT series first.")
        reason = document.series.mismatch_with(self.volume.info)
        if reason and not allow_mismatch:
            raise PlanError(reason)
        self._corridor_cache.clear()
        with self._quiet():
            self.plan.assign(document)
        self.stack.clear()
        self._on_plan_changed()

    @contextmanager
    def _quiet(self):
        """Hold automatic evaluation while several plan events fire for one change."""
        previous, self.auto_evaluate = self.auto_evaluate, False
        try:
            yield
        finally:
            self.auto_evaluate = previous

    def set_canal(self, mask: np.ndarray | None) -> None:
        """The spinal canal on the volume's grid (automatic, seeded or corrected)."""
        if mask is not None and (self.volume is None or mask.shape != self.volume.hu.shape):
            raise PlannerError("The canal mask does not match the loaded volume's grid.")
        self.canal_mask = None if mask is None else np.asarray(mask, dtype=bool)
        self._canal = None if mask is None else PreparedCanal.build(self.grid, self.canal_mask)
        self._canal_version += 1
        self._corridor_cache.clear()
        self.canal_changed.emit()
        self._on_plan_changed()

    def set_target_mask(self, mask: np.ndarray | None) -> None:
        self.target_mask = None if mask is None else np.asarray(mask, dtype=bool)
        self._on_plan_changed()

    def begin_interaction(self) -> None:
        """A drag started: evaluate cheaply until :meth:`end_interaction`."""
        self.interactive = True

    def end_interaction(self) -> None:
        """The drag ended: merge its commands into one undo step and run the full evaluation."""
        self.interactive = False
        self.stack.end_merge()
        self._on_plan_changed()

    def _on_plan_changed(self, *args) -> None:
        if self.auto_evaluate and self.volume is not None:
            self.evaluate(corridors=not self.interactive)

    # --- derived results -------------------------------------------------------------------------
    def zone_results(self) -> list[ZoneResult]:
        out = []
        for antenna in self.plan.antennas:
            needle = self.plan.get(antenna.needle_id)
            try:
                device = self.devices.get(antenna.device_id)
                zone = planned_zone(antenna.tip_lps(needle), needle.direction, device, antenna.power_w,
                                    antenna.time_s, item_id=antenna.id)
                out.append(ZoneResult(antenna.id, needle.id, zone))
            except PlannerError as exc:
                out.append(ZoneResult(antenna.id, needle.id, None, str(exc)))
        return out

    def _corridor_key(self, needle: Needle) -> tuple:
        return (needle.entry_lps, needle.tip_lps, needle.gauge, needle.side, needle.level, self._canal_version,
                self._target_key())

    def corridor_job(self, needle: Needle):
        """A function computing this needle's corridor report, safe to run in another thread (it only
        reads the volume, masks and a snapshot of the needle), and the cache key it is valid for."""
        level = self.plan.level_named(needle.level) if needle.level else None
        axes = None if level is None else level.axes
        volume, canal, lesion_inside = self.volume, self.canal_mask, self._lesion_inside()
        anatomy, plan_levels = (self.anatomy if self.auto_anatomy else None), tuple(self.plan.levels)

        def job() -> CorridorReport:
            vertebra = anatomy.vertebra_for(plan_levels, needle) if anatomy is not None else None
            body = anatomy.body() if anatomy is not None else None
            return check_corridor(volume, needle.entry_lps, needle.tip_lps, needle.outer_diameter_mm,
                                  side=needle.side, axes=axes if axes is not None or vertebra is None
                                  else vertebra.axes_lps, canal_mask=canal,
                                  lesion_inside=inside_vertebra(vertebra, lesion_inside), body=body)
        return job, self._corridor_key(needle)

    def needle_level(self, needle: Needle) -> str:
        """The level a needle belongs to: its own, else the vertebra its tip is in once the automatic
        anatomy is known (never computed here: this runs on the GUI thread)."""
        if needle.level or self.anatomy is None or not self.anatomy.ready:
            return needle.level
        return self.anatomy.level_name_for(self.plan.levels, needle)

    def missing_corridors(self) -> list[Needle]:
        """Needles whose corridor report is not cached for their current geometry."""
        return [n for n in self.plan.needles
                if self._corridor_cache.get(n.id, (None,))[0] != self._corridor_key(n)]

    def store_corridor(self, needle_id: str, key: tuple, report: CorridorReport) -> None:
        """Keep a report computed elsewhere; re-evaluate when it is still current."""
        if needle_id in self.plan and key == self._corridor_key(self.plan.get(needle_id)):
            self._corridor_cache[needle_id] = (key, report)
            if self.auto_evaluate and not self.interactive:
                self.evaluate(corridors=True)

    def corridor(self, needle: Needle) -> CorridorReport:
        """The corridor report of one needle, cached by its geometry, the canal and the target."""
        key = self._corridor_key(needle)
        cached = self._corridor_cache.get(needle.id)
        if cached is not None and cached[0] == key:
            return cached[1]
        job, key = self.corridor_job(needle)
        report = job()
        self._corridor_cache[needle.id] = (key, report)
        return report

    def _target_key(self):
        return (id(self.target_mask), tuple(self.plan.targets), self._canal_version)

    def _lesion_inside(self):
        """A function telling which LPS points lie in the target lesion (mask or shapes), or None."""
        lesion = self.lesion_mask()
        if lesion is not None:
            mask, volume = lesion, self.volume

            def inside(points):
                idx = np.round(volume.to_ijk(points)).astype(int)
                shape = np.array(volume.shape_ijk)
                ok = np.all((idx >= 0) & (idx < shape), axis=1)
                out = np.zeros(len(idx), dtype=bool)
                i, j, k = idx[ok].T
                out[ok] = mask[k, j, i]
                return out
            return inside
        shapes = [s for s in (target_shape(t) for t in self.plan.targets) if s is not None]
        if not shapes:
            return None
        return lambda points: np.any([s.contains(points) for s in shapes], axis=0)

    def lesion_mask(self) -> np.ndarray | None:
        """The union of the plan's mask targets (threshold-and-seed recipes) and a set target mask."""
        masks = [self.target_mask] if self.target_mask is not None else []
        for target in self.plan.targets:
            if target.kind == "mask" and target.mask_ref.startswith("threshold:"):
                key = (target.centre_lps, target.mask_ref, self._canal_version)
                if self._lesion_cache.get(target.id, (None,))[0] != key:
                    try:
                        params = LesionParams.from_ref(target.mask_ref)
                        mask = segment_lesion(self.volume, target.centre_lps, params, exclude=self.canal_mask)
                        self._lesion_cache[target.id] = (key, mask, "")
                    except PlannerError as exc:
                        self._lesion_cache[target.id] = (key, None, f"{target.name}: {exc}")
                if self._lesion_cache[target.id][1] is not None:
                    masks.append(self._lesion_cache[target.id][1])
        if not masks:
            return None
        return masks[0] if len(masks) == 1 else np.logical_or.reduce(masks)

    def _targets(self):
        mask = self.lesion_mask()
        if mask is not None:
            return mask
        shapes = [s for s in (target_shape(t) for t in self.plan.targets) if s is not None]
        return shapes or None

    def evaluate(self, corridors: bool = True) -> Evaluation:
        """Recompute everything that depends on the plan; publish and return the evaluation."""
        if self.volume is None:
            raise PlannerError("Open a CT series before evaluating a plan.")
        self._request_id += 1
        zones = self.zone_results()
        planned = [z.zone for z in zones if z.zone is not None]
        tips = {t.id: t.tip_lps for t in self.plan.thermocouples}
        result = analyze(self.grid, self._canal, planned, self._targets(), tips, self.thresholds)
        findings: list[Finding] = list(result.findings)
        findings += [Finding(Severity.WARNING, "zone_unavailable", z.error, z.antenna_id) for z in zones if z.error]
        findings += [Finding(Severity.WARNING, "target_unavailable", entry[2], target_id)
                     for target_id, entry in self._lesion_cache.items() if entry[2] and target_id in self.plan]
        reports: dict[str, CorridorReport] = {}
        for needle in self.plan.needles:
            if needle.exceeds_usable_length:
                findings.append(Finding(
                    Severity.WARNING, "needle_too_short",
                    f"{needle.name}: the path ({needle.length_mm:.0f} mm) is longer than the needle's usable "
                    f"length ({needle.usable_length_mm:.0f} mm).", needle.id))
            cached = self._corridor_cache.get(needle.id)
            if corridors and not self.defer_corridors:
                reports[needle.id] = self.corridor(needle)
            elif corridors and cached is not None and cached[0] == self._corridor_key(needle):
                reports[needle.id] = cached[1]
            elif cached is not None and cached[0][:2] == (needle.entry_lps, needle.tip_lps):
                reports[needle.id] = cached[1]
            if needle.id in reports:
                findings += corridor_findings(reports[needle.id], needle.id, needle.name)
        findings += [Finding(Severity.WARNING, "series_warning", f"Images: {w}") for w in self.volume.warnings]
        findings.sort(key=lambda f: -f.severity.rank)
        complete = corridors and len(reports) == len(self.plan.needles)
        evaluation = Evaluation(self._request_id, tuple(zones), result, reports, tuple(findings),
                                complete=complete)
        self.evaluation = evaluation
        self.evaluated.emit(evaluation)
        if corridors and not complete:
            self.corridors_needed.emit()
        return evaluation
