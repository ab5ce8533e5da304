"""The automatic anatomy of a newly opened case, in one worker behind a status-bar progress bar with a
Cancel button (issues 13 and 19): the window is up and usable while it runs.

Steps, each through the on-disk anatomy cache (:mod:`planner.anatomy.cache`: the same series opened
again takes milliseconds) and through the session's :class:`~planner.session.anatomy_state.SessionAnatomy`
(so a corridor check or the 3D bone surface asking at the same time waits for this result instead of
computing it a second time):

1. the body mask (the table left out);
2. the spinal canal and its sub-voxel boundary, applied as soon as found (the session's canal, the
   crosshair onto the spine, :attr:`CaseLoader.canal_ready`), unless a canal was set meanwhile;
3. the vertebrae, found and named by counting from the sacrum and the last rib, applied when found:
   :attr:`AnatomyJob.vertebrae_ready` (the names in the 2D and 3D views, the toolbar level box), the
   crosshair onto the nearest vertebral body when nobody moved it, and the count in words in the status
   bar (a count that is ambiguous names nothing and says why, as :mod:`planner.anatomy.spine_names`
   decides).

**Cancel** stops the step under way: the worker's cancel flag goes to the library calls as their
``cancel`` callable (:data:`planner.core.progress.Cancel`), checked before the body outline, between the
canal's coarse and fine passes, and before every vertebral-body search of ``find_spine`` (each seed,
each step across a disc: one search apart, about 1.7 s each on the sample on a loaded 2-core machine,
where the whole search takes 5-10 s); they raise
:class:`~planner.core.progress.JobCancelled` and the thread ends. Nothing half-found is kept or cached.
A canal already applied stays (edit or replace it from the Plan menu); the vertebrae are declined
(:meth:`SessionAnatomy.decline`): no level is named automatically, levels are set by hand (V), and
Plan ▸ "Find the vertebrae automatically" runs the search again.
Nothing starts once the window has closed (:attr:`CaseLoader.closed`), and :meth:`shutdown` waits for
the step under way (a ``QThread`` destroyed while it runs aborts the app).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QToolButton

from planner.analysis.overlap import PreparedCanal
from planner.core.errors import LoadCancelled, PlannerError
from planner.core.progress import check_cancel
from planner.ui.level_summary import summary_with_plan_levels
from planner.ui.load_worker import LoadWorker
from planner.ui.spine_status import spine_status_line
from planner.ui.runner_base import RetiringWorkers

#: (share of the bar reached when the step starts, what the bar says) for each step.
STEPS = ((0, "body outline"), (15, "spinal canal"), (40, "vertebrae"))
#: The permanent status-bar text when no level is named automatically: short, so a temporary message
#: beside it keeps its room (issue 19); the reason is its tooltip (:meth:`AnatomyJob._set_summary`).
NOT_NAMED = "Levels: not named"
CANCELLED = ("The automatic search for the vertebrae was cancelled: no level is named automatically. Set the "
             "levels by hand (V), or Plan ▸ Find the vertebrae automatically.")


def level_summary(spine) -> str:
    """The short permanent status-bar text for a spine result ("" while unknown)."""
    if spine is None:
        return ""
    names = [v.name for v in spine.vertebrae if v.name]
    if names:
        return f"Levels {names[-1]}–{names[0]} (auto)" if len(names) > 1 else f"Level {names[0]} (auto)"
    return NOT_NAMED


def summary_tooltip(spine) -> str:
    """The summary's tooltip: the search's message and each automatic name's confidence (the views show
    the names only, issue 19)."""
    from planner.session.anatomy_state import confidence_word

    named = [v for v in spine.vertebrae if v.name]
    words = ", ".join(f"{v.name} {confidence_word(v.confidence)}" for v in named)
    return spine.message + (f"\nConfidence of the automatic names: {words}." if words else "")


class AnatomyJob(RetiringWorkers, QObject):
    """Runs the steps above for the case ``loader.window`` has open (see the module docstring)."""

    vertebrae_ready = Signal(object)  # SpineResult, applied to the session's anatomy (also after a rename)
    busy_changed = Signal(bool)
    done = Signal()  # the job ended: finished, failed or cancelled
    _part = Signal(int, str, object)  # from the worker thread: (job id, "canal" | "canal_failed", payload)

    def __init__(self, window, loader):
        super().__init__(loader)
        self.w = window
        self.loader = loader
        self.worker: LoadWorker | None = None
        self._workers: list[LoadWorker] = []  # every thread not yet ended (cancelled ones too): waited at shutdown
        self._job_id = 0
        self._volume = None
        self._canal_version = -1
        self._expected_cursor = None  # where the crosshair is while nobody has moved it since the load
        self._part.connect(self._on_part)
        self._auto_summary = ("", "")  # what the automatic count says (the label adds the plan's levels)
        self.plan_level_source = lambda: ""  # who named the plan's levels (the training panel sets it)
        self._build_status_widgets()
        plan = window.session.plan
        for signal in (plan.item_added, plan.item_removed, plan.item_changed, plan.reset):
            signal.connect(self._on_plan_changed)

    # --- status bar ------------------------------------------------------------------------------
    def _build_status_widgets(self) -> None:
        bar = self.w.statusBar()
        self.progress = QProgressBar()
        self.progress.setObjectName("anatomy_progress")
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(260)
        self.progress.setToolTip("The automatic anatomy of this scan: body outline, spinal canal, vertebrae")
        self.cancel_button = QToolButton()
        self.cancel_button.setObjectName("anatomy_cancel")
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop the automatic anatomy; set the levels by hand")
        self.cancel_button.clicked.connect(self.cancel)
        self.summary = QLabel("")
        self.summary.setObjectName("auto_levels_label")
        for n, widget in enumerate((self.summary, self.progress, self.cancel_button)):
            bar.insertPermanentWidget(n, widget)
        self._show_busy(False)

    def _on_plan_changed(self, kind: str = "level", *args) -> None:
        if kind == "level":
            self.refresh_summary()

    def refresh_summary(self) -> None:
        """Show the plan's levels again with the last automatic summary (the plan or its source changed)."""
        self._set_summary(*self._auto_summary)

    def _set_summary(self, text: str, tooltip: str = "") -> None:
        """The permanent status-bar text (kept wide enough: a long temporary message must not squeeze it),
        with the plan's own levels first (:mod:`planner.ui.level_summary`)."""
        self._auto_summary = (text, tooltip)
        names = [level.name for level in self.w.session.plan.levels]
        text, tooltip = summary_with_plan_levels(text, tooltip, names, self.plan_level_source())
        self.summary.setText(text)
        self.summary.setToolTip(tooltip)
        self.summary.setMinimumWidth(self.summary.fontMetrics().horizontalAdvance(text) + 8 if text else 0)

    def _show_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self._on_progress(0, len(STEPS))

    def _on_progress(self, done: int, total: int) -> None:
        start, what = STEPS[min(max(int(done), 0), len(STEPS) - 1)]
        self.progress.setValue(start)
        self.progress.setFormat(f"Anatomy: {what}… %p%")

    # --- running ---------------------------------------------------------------------------------
    def is_busy(self) -> bool:
        return self.worker is not None

    def start(self, volume, with_canal: bool = True, cursor_lps=None) -> None:
        """Find the anatomy of ``volume`` (the session's current one); a job under way is cancelled.
        The crosshair is moved onto the spine only while it is still at ``cursor_lps`` (default: where it
        started on the case, ``window.load_cursor_lps``)."""
        if self.loader.closed:
            return
        self._drop_current()
        session = self.w.session
        anatomy = session.anatomy
        if anatomy is None or anatomy.volume is not volume:
            return
        self._job_id += 1
        job_id, grid = self._job_id, session.grid
        self._volume = volume
        self._canal_version = session.canal.version
        start_lps = cursor_lps if cursor_lps is not None else getattr(self.w, "load_cursor_lps", None)
        self._expected_cursor = np.array(start_lps if start_lps is not None else self.w.state.cursor_lps, float)
        anatomy.retry()

        def job(progress, cancel):
            def step(n: int) -> None:
                check_cancel(cancel, "the automatic anatomy")
                progress(n, len(STEPS))
            step(0)
            anatomy.body(cancel)
            if with_canal:
                step(1)
                try:
                    mask = np.asarray(anatomy.canal(cancel).mask, dtype=bool)
                    self._part.emit(job_id, "canal", (mask, PreparedCanal.build(grid, mask, volume.hu)))
                except LoadCancelled:
                    raise
                except PlannerError as exc:
                    self._part.emit(job_id, "canal_failed", str(exc))
            step(2)
            return anatomy.spine(cancel)

        worker = LoadWorker(job, self, min_interval_s=0.0)
        worker.progress.connect(self._on_progress)
        worker.finished.connect(lambda spine, j=job_id: self._on_spine(j, spine))
        worker.failed.connect(lambda message, j=job_id: self._on_failed(j, message))
        worker.cancelled.connect(lambda j=job_id: self._end(j))
        self.worker = worker
        self._keep_until_done(worker)
        self._set_summary("")
        self._show_busy(True)
        self.busy_changed.emit(True)
        worker.start()

    def restart(self) -> None:
        """Plan ▸ Find the vertebrae automatically: run the search again on the open case (the canal is
        found again only when the session has none)."""
        session = self.w.session
        if session.volume is None:
            return
        if session.anatomy is not None:
            session.anatomy.retry()
        self.start(session.volume, with_canal=session.canal_mask is None, cursor_lps=self.w.state.cursor_lps)

    def cancel(self) -> None:
        """Stop the job: the step under way ends at its next check (see the module docstring); nothing
        it found is applied."""
        if self.worker is None:
            return
        anatomy = self.w.session.anatomy
        if anatomy is not None and anatomy.volume is self._volume:
            anatomy.decline(CANCELLED)
        self._drop_current()
        spine = anatomy.ready_spine() if anatomy is not None else None
        self._set_summary(level_summary(spine), CANCELLED)
        self.w.statusBar().showMessage(CANCELLED, 15000)
        if spine is not None:
            self.vertebrae_ready.emit(spine)

    def _drop_current(self) -> None:
        worker, self.worker = self.worker, None
        self._job_id += 1  # whatever the old job still sends is stale now
        if worker is not None:
            worker.cancel()
            self._show_busy(False)
            self.busy_changed.emit(False)
            self.done.emit()

    def shutdown(self) -> None:
        """The window closes: cancel, then wait for every thread (see the module docstring)."""
        self._drop_current()
        self._wait_for_workers()

    # --- results (GUI thread) ----------------------------------------------------------------------
    def _current(self, job_id: int) -> bool:
        return (job_id == self._job_id and not self.loader.closed and self._volume is not None
                and self._volume is self.w.session.volume)

    def _on_part(self, job_id: int, kind: str, payload) -> None:
        if not self._current(job_id):
            return
        untouched = self._cursor_untouched()
        if kind == "canal_failed":
            self.loader.canal_failed(payload)
        elif self.w.session.canal.version == self._canal_version:  # nobody set a canal meanwhile
            self.loader.apply_canal(self._volume, *payload)
        # the canal may have moved the crosshair onto the spine; a crosshair the user moved stays his
        self._expected_cursor = np.array(self.w.state.cursor_lps, float) if untouched else None

    def _cursor_untouched(self) -> bool:
        expected = self._expected_cursor
        return expected is not None and bool(np.allclose(self.w.state.cursor_lps, expected, atol=1e-6))

    def _on_spine(self, job_id: int, spine) -> None:
        if not self._current(job_id):
            return
        self._end(job_id)
        self._focus_on_vertebra(spine)
        self._set_summary(level_summary(spine), summary_tooltip(spine))
        self.w.statusBar().showMessage(spine_status_line(spine), 20000, detail=spine.message)  # issue 19: fits
        self.vertebrae_ready.emit(spine)
        session = self.w.session
        if session.plan.needles:
            session.evaluate_soon()  # the needles' levels and the foramina's names come from these (issue 19:
            #                          the per-zone figures in the window's evaluation worker)

    def _on_failed(self, job_id: int, message: str) -> None:
        if not self._current(job_id):
            return
        self._end(job_id)
        self._set_summary(NOT_NAMED, message)
        self.w.statusBar().showMessage(f"The automatic anatomy failed: {message} Set the levels by hand (V).", 15000)

    def _end(self, job_id: int) -> None:
        if job_id == self._job_id and self.worker is not None:
            self.worker = None
            self._show_busy(False)
            self.busy_changed.emit(False)
            self.done.emit()

    def announce(self) -> None:
        """The vertebrae changed in the session (renamed by one): tell the views and the level box."""
        anatomy = self.w.session.anatomy
        spine = anatomy.ready_spine() if anatomy is not None else None
        if spine is not None:
            self._set_summary(level_summary(spine), spine.message)
            self.vertebrae_ready.emit(spine)

    def _focus_on_vertebra(self, spine) -> None:
        """The crosshair onto the named vertebral body nearest it, unless the user (or a plan) moved it
        since the case opened or the canal put it on the spine (unnamed bodies leave it on the canal)."""
        state, volume = self.w.state, self._volume
        if not self._cursor_untouched():
            return
        bodies = [v for v in spine.vertebrae if v.name]
        if not bodies:
            return
        centres = np.array([v.body_centre_lps for v in bodies], float)
        nearest = centres[int(np.argmin(np.linalg.norm(centres - state.cursor_lps, axis=1)))]
        state.set_cursor(volume.to_lps(np.round(volume.to_ijk(nearest))))
        view3d = getattr(self.w, "view3d", None)
        if view3d is not None:
            view3d.refit()  # the 3D framing follows onto that vertebra, unless the user moved the camera
