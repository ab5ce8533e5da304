"""Evaluations asked for by a worker's result, with their heavy figures computed in a worker (issue 19).

A corridor report, a bioheat result, the foramina of a new canal, a prepared canal or an imported
segment arrives on the GUI thread; the full evaluation it calls for spent 0.4 s (idle) to 3.8 s (loaded
2-core machine) there, nearly all of it in the per-zone figures of :mod:`planner.session.zone_anatomy`
(beyond the vertebra, about 0.1-0.3 s a zone; the zone-to-foramen distances). With a ``figures_runner``
set (the window's :class:`planner.ui.evaluation_worker.EvaluationRunner`), :meth:`evaluate_soon` hands
those figures to a worker (:meth:`figures_job`: a job reading only immutable inputs) and returns at once;
the previous evaluation stays published (the findings panel greys it, "Rechecking…"). On the GUI thread
:meth:`adopt_figures` keeps the figures still wanted (same zone shape, vertebra, canal and foramen: a
result for a plan edited meanwhile is dropped, :meth:`ZoneAnatomyCache.adopt`), and the runner asks
again: when nothing heavy is left, the figures are merged into the evaluation published without them
(:meth:`merge_into_evaluation`, issue 15: a release runs exactly one full evaluation; a corridor report or
a bioheat result is merged the same way), or, when the plan changed meanwhile, the evaluation runs from
the caches (milliseconds) and is published.

A plan edit in the window (a needle's release, Undo, a plan opened: :meth:`PlanningSession.evaluate`'s
``figures_later``) takes the same way: the evaluation is published at once from the figures kept (not
complete, so the findings are rechecking; the old beyond/foramen findings stay greyed), and the worker
computes the rest; before, those figures held the GUI thread 0.15-0.8 s per edit on the lumbar scan
(benchmarks/bench_edit_responsive.py).

Without a runner (headless, tests of the session alone) :meth:`evaluate_soon` evaluates there and then,
as before.
"""

from __future__ import annotations

from collections.abc import Callable

from planner.session.zone_anatomy import ZoneAnatomyCache, vertebra_lookup

__all__ = ["EvaluateLaterMixin"]


class EvaluateLaterMixin:
    """Mixin for :class:`~planner.session.session.PlanningSession` (``evaluate``, ``_zone_anatomy``,
    ``zone_results``, ``named_foramina``, ``lesion_inside``, ``canal_waiting``)."""

    #: ``runner()``: compute :meth:`figures_job` in a worker, then :meth:`adopt_figures` and call
    #: :meth:`evaluate_soon` again (``analysis_kept``); None: :meth:`evaluate_soon` evaluates on the
    #: calling thread.
    figures_runner: Callable[[], None] | None = None
    #: bumped by every change of what the safety analysis may read (a plan or mask edit:
    #: ``_on_plan_changed``; a worker's result other than ``analysis_kept``: :meth:`evaluate_soon`);
    #: ``_published_inputs``: its value when the published evaluation was made
    _inputs_version = 0
    _published_inputs = -1
    merges = 0  # evaluations published by merge_into_evaluation (tests, the benchmark)

    def evaluate_soon(self, analysis_kept: bool = False) -> None:
        """A worker's result changed what the evaluation reads: evaluate (full) when automatic evaluation
        is on and no drag is under way; the heavy figures go to the ``figures_runner`` when one is set.
        While the canal's prepared form is built elsewhere nothing runs: its arrival evaluates.

        ``analysis_kept`` (a corridor report, a bioheat result, the worker's figures: none is read by
        the safety analysis): when nothing the analysis reads changed since the evaluation published,
        the result is merged into it (:meth:`merge_into_evaluation`) instead of a full evaluation."""
        if not analysis_kept:
            self._inputs_version += 1
        if not (self.auto_evaluate and self.volume is not None) or self.interactive or self.canal_waiting:
            return
        if self.figures_runner is not None and self.figures_job() is not None:
            self.figures_runner()
            return
        if not self.merge_into_evaluation():
            self.evaluate(corridors=True)  # nothing heavy left: from the caches

    def held_evaluation(self):
        """A context in which plan and mask changes evaluate nothing (one :meth:`evaluate_soon` after)."""
        return self._quiet()

    def _figure_inputs(self):
        zones = self.zone_results()
        return zones, self.named_foramina(), vertebra_lookup(self)

    def figures_job(self):
        """None when a full evaluation now computes no per-zone figure; else ``job(cancel)`` computing
        them (:meth:`ZoneAnatomyCache.compute_pending`), safe to run in another thread."""
        if self.volume is None:
            return None
        zones, foramina, lookup = self._figure_inputs()
        beyond, distances = self._zone_anatomy.pending(zones, foramina, lookup)
        if not beyond and not distances:
            return None
        volume, grid = self.volume, self.grid
        inside = self.lesion_inside() if beyond else None

        def job(cancel=lambda: False):
            return (volume, *ZoneAnatomyCache.compute_pending(volume, grid, beyond, distances, inside, cancel))
        return job

    def adopt_figures(self, figures) -> int:
        """Keep a worker's figures (``job()``'s result: the volume they were computed on, then
        :meth:`ZoneAnatomyCache.compute_pending`'s two lists) that the plan still wants; how many were kept."""
        volume, beyond, distances = figures
        if self.volume is None or volume is not self.volume:  # another case opened meanwhile
            return 0
        zones, foramina, lookup = self._figure_inputs()
        return self._zone_anatomy.adopt(beyond, distances, zones, foramina, lookup)

    def merge_into_evaluation(self) -> bool:
        """Issue 15, a release runs exactly one full evaluation: the worker's figures (or a corridor
        report, a bioheat result) join the evaluation published, when nothing the safety analysis read
        has changed since (no plan or mask edit, the very same zone objects): its zones and analysis are
        kept; the corridor reports, the per-zone figures (from the cache) and the rules run again
        (:meth:`PlanningSession._publish`, the same code that ends a full evaluation, so the result is
        the full evaluation's) and the evaluation is published. False when that is not so (nothing
        done): the caller evaluates in full."""
        evaluation = self.evaluation
        if evaluation is None or evaluation.analysis is None or self._published_inputs != self._inputs_version:
            return False
        if self.figures_job() is not None:  # some figure is still missing: not a merge
            return False
        zones = self.zone_results()  # kept per zone: the very objects the evaluation holds when unchanged
        if len(zones) != len(evaluation.zones) or any(a is not b for a, b in zip(zones, evaluation.zones)):
            return False
        self._request_id += 1
        self.merges += 1
        self._publish(zones, evaluation.analysis, corridors=True, later=False)
        return True
