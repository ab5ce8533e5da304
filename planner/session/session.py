"""``PlanningSession``: the loaded volume, the plan, and everything derived from them.

Data flows one way (ARCHITECTURE.md): a command changes the plan, the plan says what changed, the
session re-evaluates and publishes an :class:`~planner.session.evaluation.Evaluation` with
``evaluated``. Dragging is cheap: while ``interactive`` is set, only zones and the fast safety analysis
run; corridor checks (about a second per needle) run when the drag ends, and each needle's report is
cached by its geometry, so only needles that moved are checked again.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

import numpy as np
from psygnal import Signal

from planner.ablation.devices import DeviceLibrary
from planner.analysis.analyze import analyze
from planner.anatomy.lesion import LesionParams, segment_lesion
from planner.analysis.corridor import CorridorReport
from planner.analysis.overlap import PreparedCanal
from planner.analysis.point_tests import lesion_test
from planner.analysis.probe_reading import bioheat_values_c, probe_readings
from planner.analysis.zone_distance import CanalDistanceCache
from planner.analysis.rules.registry import RuleInputs, run_rules
from planner.analysis.thresholds import SafetyThresholds
from planner.core.errors import PlanError, PlannerError
from planner.core.volume import ImageVolume
from planner.geometry.raster import VoxelGrid
from planner.plan.commands import CommandStack
from planner.plan.document import PlanDocument
from planner.plan.identity import series_fingerprint
from planner.plan.items import Needle, SeriesRef
from planner.session.evaluation import Evaluation, ZoneResult
from planner.session.anatomy_state import SessionAnatomy
from planner.session.canal_prep import CanalPrepMixin
from planner.session.corridors_state import CorridorFailure, CorridorsMixin
from planner.session.devices_state import DevicesMixin
from planner.session.drag_zones import ZoneCache
from planner.session.evaluate_later import EvaluateLaterMixin
from planner.session.masks import VersionedMask
from planner.session.thermal_state import DAMAGE_EXPORT_NAME, ThermalState, damage_export_provider, thermal_key
from planner.session.foramina_state import ForaminaMixin, SessionForamina
from planner.session.targets import target_shape
from planner.session.zone_anatomy import ZoneAnatomyCache, vertebra_lookup


class PlanningSession(CorridorsMixin, ForaminaMixin, CanalPrepMixin, DevicesMixin, EvaluateLaterMixin):
    """Volume + plan + derived results. Qt-free; the UI and the headless commands both drive it."""

    evaluated = Signal(object)  # Evaluation
    volume_changed = Signal()
    canal_changed = Signal()
    corridors_needed = Signal()  # with defer_corridors: some needle's corridor must be computed

    def __init__(self, devices: DeviceLibrary | None = None, thresholds: SafetyThresholds | None = None):
        self.devices = devices  # None: the shipped library, read on first use (DevicesMixin)
        self.thresholds = thresholds or SafetyThresholds()
        self.volume: ImageVolume | None = None
        self.grid: VoxelGrid | None = None
        self.plan = PlanDocument()
        self.stack = CommandStack(self.plan)
        self.canal = VersionedMask("spinal canal")
        self.lesion = VersionedMask("lesion")
        self.evaluation: Evaluation | None = None
        self.plan_identity_note: str | None = None  # why the open plan cannot be checked against the images
        self.interactive = False
        self.schedule = None  # callable(fn): run fn later, once per frame (the UI's frame timer); None = now
        self._drag_pending = False
        self.auto_evaluate = True
        self.defer_corridors = False  # True in the app: corridor checks run in a worker thread
        self._request_id = 0
        self._corridor_cache: dict[str, tuple[tuple, CorridorReport]] = {}
        self._lesion_cache: dict[str, tuple] = {}
        self._lesion_test: tuple = (None, None)
        self.anatomy: SessionAnatomy | None = None  # body mask + automatic vertebrae (issue 13)
        self.auto_anatomy = True  # False: corridor checks without body mask or automatic vertebrae
        self.thermal = ThermalState()  # the bioheat model's result, run in the background (issue 16)
        self.foramina = SessionForamina()  # neural foramina per canal version (issue 13)
        self._zone_anatomy = ZoneAnatomyCache()  # beyond-the-vertebra figures per zone
        self._zones = ZoneCache()  # each antenna's zone, computed again only when its inputs change
        self._canal_distances = CanalDistanceCache()  # each zone's canal distance, per zone shape and canal
        self.extra_export_masks: dict = {}  # name -> mask or (mask, kind) from other providers (CTV, ...)
        self.extra_export_masks[DAMAGE_EXPORT_NAME] = damage_export_provider(self)  # bioheat damage region
        self._connect_plan()

    # --- inputs ----------------------------------------------------------------------------------
    def _connect_plan(self) -> None:
        for signal in (self.plan.item_added, self.plan.item_removed, self.plan.item_changed, self.plan.reset):
            signal.connect(self._on_plan_changed)

    def set_volume(self, volume: ImageVolume) -> None:
        """A new case: the plan is emptied and bound to this series; derived results are dropped."""
        self.volume = volume
        self.grid = VoxelGrid.of(volume)
        self.canal.set(None, None)
        self.lesion.set(None, None)
        self._drop_canal()
        self.anatomy = SessionAnatomy(volume)
        self._corridor_cache.clear()
        self._lesion_cache.clear()
        self._lesion_test = (None, None)
        self.thermal.clear()
        self.foramina.clear()
        self.forget_figures()
        self._zone_anatomy.clear()
        self.evaluation = None
        with self._quiet():
            self.plan.assign(PlanDocument(series=SeriesRef.from_series_info(volume.info, series_fingerprint(volume))))
        self.stack.clear()
        self.volume_changed.emit()
        self._on_plan_changed()

    def open_plan(self, document: PlanDocument, allow_mismatch: bool = False) -> None:
        """Take over a plan read from a file. Refused (PlanError naming the reason) when it was made
        on another patient or frame of reference, unless ``allow_mismatch`` (the user confirmed)."""
        if self.volume is None:
            raise PlanError("Open the plan's CT series first.")
        fingerprint = series_fingerprint(self.volume)
        reason = document.series.mismatch_with(self.volume.info, fingerprint)
        if reason and not allow_mismatch:
            raise PlanError(reason)
        self.plan_identity_note = document.series.unverified_with(self.volume.info)  # words, or None
        self._corridor_cache.clear()
        with self._quiet():
            self.plan.assign(document)
            if not reason and not document.series.geometry_fingerprint:  # an older plan: saving records the series
                self.plan.record_series_fingerprint(fingerprint)
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

    @property
    def canal_mask(self) -> np.ndarray | None:
        """The spinal canal mask (owned by ``self.canal``, versioned)."""
        return self.canal.mask

    @property
    def target_mask(self) -> np.ndarray | None:
        """A lesion mask set directly (owned by ``self.lesion``, versioned)."""
        return self.lesion.mask

    @property
    def _canal_version(self) -> int:
        return self.canal.version

    def _shape(self):
        return None if self.volume is None else self.volume.hu.shape

    def set_canal(self, mask: np.ndarray | None, prepared: PreparedCanal | None = None) -> None:
        """The spinal canal on the volume's grid (a new version even for the same array edited in place);
        ``prepared``: the mask already prepared on this grid (a worker's; else see canal_prep.py)."""
        try:
            mask = self.canal.set(mask, self._shape())
        except ValueError as exc:
            raise PlannerError(str(exc)) from None
        if self._take_canal(mask, prepared):
            return  # issue 19: prepared in a worker (canal_prep.py), which emits canal_changed
        self.canal_changed.emit()
        self._on_plan_changed()

    def set_target_mask(self, mask: np.ndarray | None) -> None:
        """A lesion mask on the volume's grid; a new version even when it is the same array."""
        try:
            self.lesion.set(mask, self._shape())
        except ValueError as exc:
            raise PlannerError(str(exc)) from None
        self._on_plan_changed()

    def forget_figures(self) -> None:
        """Drop the per-zone figures kept between evaluations (zones, canal and foramen distances, beyond
        the vertebra): the next evaluation computes all afresh (the benchmark's full re-analysis, tests)."""
        self._zones.clear()
        self._canal_distances = CanalDistanceCache()
        self._zone_anatomy.forget_zones()

    def begin_interaction(self) -> None:
        """A drag started: evaluate cheaply (zones and fast numbers, no corridor check) until
        :meth:`end_interaction`, at most once per frame when a ``schedule`` is set."""
        self.interactive = True

    def end_interaction(self) -> None:
        """The drag ended: merge its commands into one undo step and run exactly one full evaluation
        (a fast one still pending for the last move is dropped: the full one supersedes it)."""
        self.interactive = False
        self._drag_pending = False
        self.stack.end_merge()
        self._on_plan_changed()

    def _on_plan_changed(self, *args) -> None:
        self._inputs_version += 1  # what an evaluation reads changed (evaluate_later.py)
        if not (self.auto_evaluate and self.volume is not None) or self.canal_waiting:
            return  # the evaluation waits for the canal's prepared form (canal_prep.py)
        if self.interactive and self.schedule is not None:
            if not self._drag_pending:  # coalesce: many moves in one frame give one evaluation
                self._drag_pending = True
                self.schedule(self._run_pending_drag)
            return
        # issue 19: an edit's per-zone figures go to the figures_runner's worker (evaluate_later.py)
        self.evaluate(corridors=not self.interactive, figures_later=self.figures_runner is not None)

    def _run_pending_drag(self) -> None:
        if self._drag_pending and self.interactive and self.volume is not None:
            self._drag_pending = False
            self.evaluate(corridors=False)

    # --- derived results -------------------------------------------------------------------------
    def zone_results(self) -> list[ZoneResult]:
        """Every antenna's predicted zone; only those whose inputs changed are computed (drag_zones.py)."""
        return self._zones.results(self.plan, lambda: self.devices)

    def needle_level(self, needle: Needle) -> str:
        """The level a needle belongs to: its own, else the vertebra its tip is in once the automatic
        anatomy is known (never computed here: this runs on the GUI thread)."""
        if needle.level or self.anatomy is None or not self.anatomy.ready:
            return needle.level
        return self.anatomy.level_name_for(self.plan.levels, needle)

    def _target_key(self):
        return (self.lesion.version, tuple(self.plan.targets), self.canal.version)

    def lesion_inside(self):
        """The "inside the target lesion" test for LPS points (mask or shapes), or None: the bounded test
        of :func:`planner.analysis.point_tests.lesion_test` (points outside the lesion's box are not
        looked up, and the corridor check's cross-sections far from it are skipped), kept while the
        lesion's inputs are unchanged (finding the mask's box scans the whole grid)."""
        key = self._target_key()  # the lesion's version, the targets and the canal's version (the mask excludes it)
        if self._lesion_test[0] != key:
            shapes = [target_shape(t) for t in self.plan.targets]
            self._lesion_test = (key, lesion_test(self.volume, self.lesion_mask(), shapes))
        return self._lesion_test[1]

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

    def rule_inputs(self, zones, result, reports) -> RuleInputs:
        """What the rule table reads for this plan (figures already computed)."""
        lesion_errors = {tid: entry[2] for tid, entry in self._lesion_cache.items() if entry[2] and tid in self.plan}
        good = {k: r for k, r in reports.items() if not isinstance(r, CorridorFailure)}
        failed = {k: r.message for k, r in reports.items() if isinstance(r, CorridorFailure)}
        entry = self.thermal.current(self)
        bioheat_c, cold = bioheat_values_c(entry.report if entry is not None else None)
        return RuleInputs(self.thresholds, result, good, tuple(self.plan.needles),
                          {z.antenna_id: z.error for z in zones if z.error}, lesion_errors,
                          tuple(self.volume.warnings), failed, self.thermal.findings(self),
                          entry is not None, bioheat_c=bioheat_c, bioheat_cold=cold)

    def thermal_key(self) -> tuple:
        """The inputs a bioheat result is valid for (:func:`planner.session.thermal_state.thermal_key`)."""
        return thermal_key(self)

    def store_thermal(self, key: tuple, report: dict, findings, result) -> None:
        """Keep a bioheat result computed elsewhere; its findings join the evaluation while ``key`` is
        current (re-evaluates when it is: :meth:`evaluate_soon`)."""
        if key != self.thermal_key():
            return
        self.thermal.store(key, report, findings, result)
        self.evaluate_soon(analysis_kept=True)  # issue 19: the heavy figures in the window's worker (evaluate_later.py)

    def evaluate(self, corridors: bool = True, figures_later: bool = False) -> Evaluation:
        """Recompute everything that depends on the plan; publish and return the evaluation.

        The evaluation is ``complete`` only when every needle has a corridor report valid for all of
        its current inputs; otherwise ``corridors_needed`` asks for the missing ones. ``figures_later``
        (a plan edit in the window, issue 19): the per-zone figures still missing (beyond the vertebra,
        the far foramina's distances) are left to the ``figures_runner``'s worker, as during a drag, and
        the evaluation is published incomplete; the worker's figures publish the complete one
        (:mod:`planner.session.evaluate_later`)."""
        if self.volume is None:
            raise PlannerError("Open a CT series before evaluating a plan.")
        self._request_id += 1
        later = figures_later and corridors and self.figures_runner is not None and self.figures_job() is not None
        zones = self.zone_results()
        planned = [z.zone for z in zones if z.zone is not None]
        if planned:
            self._ensure_canal_prepared()
        tips = {t.id: t.tip_lps for t in self.plan.thermocouples}
        limits = {t.id: (t.alarm_c, t.prealarm_c) for t in self.plan.thermocouples}
        canal = self._canal if planned else None  # no zone: the canal is not used (rules/canal.py), not prepared
        result = analyze(self.grid, canal, planned, self._targets(), tips, self.thresholds, thermocouple_limits=limits,
                         distances=self._canal_distances)
        return self._publish(zones, result, corridors, later)

    def _publish(self, zones, result, corridors: bool, later: bool) -> Evaluation:
        """The part of :meth:`evaluate` after the safety analysis (``result`` for ``zones``): corridor
        reports, per-zone figures, rules; publishes. :meth:`merge_into_evaluation` starts here too (issue 15)."""
        reports = self._fresh_corridors(corridors)
        if corridors and not self.defer_corridors and self.auto_anatomy:
            self.foramina.compute(self.volume, self.canal_mask, self.canal.version)
        foramina = self.named_foramina()
        extra = self._zone_anatomy.figures(self.volume, self.grid, zones, foramina, full=corridors, compute=not later,
                                            near_mm=self.thresholds.warn_distance_mm,
                                            vertebra_of=vertebra_lookup(self), lesion_inside=self.lesion_inside())
        inputs = replace(self.rule_inputs(zones, result, reports), foramen_distances=extra.foramen_distances,
                         beyond=extra.beyond)
        findings = run_rules(inputs)
        foramina_pending = self.auto_anatomy and self.canal_mask is not None and self.foramen_set() is None
        complete = corridors and len(reports) == len(self.plan.needles) and not foramina_pending and not later
        good = {k: r for k, r in reports.items() if not isinstance(r, CorridorFailure)}
        evaluation = Evaluation(self._request_id, tuple(zones), result, good, tuple(findings),
                                complete=complete, foramina=foramina, foramen_distances=extra.foramen_distances,
                                beyond=extra.beyond,
                                readings=probe_readings(result, inputs.bioheat_c, inputs.bioheat_cold))
        self.evaluation = evaluation
        self._published_inputs = self._inputs_version  # evaluate_later.merge_into_evaluation
        self.evaluated.emit(evaluation)
        if corridors and not complete:
            self.corridors_needed.emit()
        if later:
            self.figures_runner()
        return evaluation
