"""The canal's prepared form (:class:`~planner.analysis.overlap.PreparedCanal`: boundary points and the
sub-voxel boundary band) built elsewhere after an edit, and never used stale (issue 19).

Preparing the canal of a real scan takes 0.5-2 s; a brush stroke, its undo or redo rebuilt it on the
GUI thread. With a ``canal_preparer`` set (the window's worker), :meth:`PlanningSession.set_canal`
hands a copy of the new mask to it and returns at once; until the prepared canal for *that* version
of the mask comes back (:meth:`CanalPrepMixin.adopt_prepared_canal`), the canal is *stale* and no
automatic evaluation runs, so the evaluation the views and the findings show is the one from before
the edit (the window marks it "rechecking") and no figure is ever computed from a prepared canal of
another version. An explicit :meth:`~PlanningSession.evaluate` (an export, a headless command) that
finds the canal stale prepares it there and then, on the calling thread.

Without a preparer (headless, tests) the canal is prepared when it is first used (:attr:`_canal`), so a
case analysed without a zone (``analyze`` of a series alone, a plan with needles only) never spends the
second it costs on a real scan (issue 13: ``analyze`` end to end within twice the time of reading the
series). A canal prepared elsewhere (the load worker) on the session's own grid is taken as it is.

The same rule covers in-place edits during a stroke (:meth:`VersionedMask.touch` changes the version):
the prepared canal no longer matches the mask, so nothing is evaluated from it until the stroke ends.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from planner.analysis.overlap import PreparedCanal

#: ``preparer(volume, grid, mask, version)``: build ``PreparedCanal.build(grid, mask, volume.hu)`` for
#: that canal version elsewhere and hand it to :meth:`CanalPrepMixin.adopt_prepared_canal`.
CanalPreparer = Callable[[object, object, np.ndarray, int], None]


class CanalPrepMixin:
    """Mixin for :class:`~planner.session.session.PlanningSession` (``canal``, ``grid``, ``volume``,
    ``_canal``, ``canal_changed`` and ``_on_plan_changed``)."""

    canal_preparer: CanalPreparer | None = None  # None: the canal is prepared on first use, on this thread
    _canal_built_for: int | None = None  # the canal version ``_canal`` was prepared from
    _canal_value: PreparedCanal | None = None

    @property
    def _canal(self) -> PreparedCanal | None:
        """The prepared canal of the current mask; built now when there is no preparer and it is stale
        (never built for a case that does not use it); None while a preparer builds it."""
        if self.canal_preparer is None:
            self._ensure_canal_prepared()
        return self._canal_value

    @_canal.setter
    def _canal(self, prepared: PreparedCanal | None) -> None:
        self._canal_value = prepared

    def _take_canal(self, mask: np.ndarray | None, prepared: PreparedCanal | None) -> bool:
        """After :meth:`VersionedMask.set`: use ``prepared`` when it was built on this grid, else hand the
        mask to the preparer (True: deferred) or leave it to be prepared on first use."""
        if mask is None or (prepared is not None and prepared.grid is self.grid):
            self._canal_prepared(None if mask is None else prepared)
            return False
        if self.canal_preparer is not None:
            self._defer_canal(mask)
            return True
        self._canal = None  # stale: built by ``_canal`` when an analysis first reads it
        return False

    def _drop_canal(self) -> None:
        """A new case: no prepared canal."""
        self._canal, self._canal_built_for = None, None

    @property
    def canal_stale(self) -> bool:
        """True while the prepared canal is not the one of the current mask version (an edit whose
        prepared canal is still being built, or a stroke under way)."""
        return self.canal.mask is not None and self._canal_built_for != self.canal.version

    @property
    def canal_waiting(self) -> bool:
        """True while automatic evaluation waits for the preparer (stale, and a preparer is set;
        without one an evaluation prepares the canal itself)."""
        return self.canal_preparer is not None and self.canal_stale

    def _canal_prepared(self, prepared: PreparedCanal | None) -> None:
        """``prepared`` (or None without a canal) is the current mask's prepared canal."""
        self._canal = prepared
        self._canal_built_for = self.canal.version

    def _defer_canal(self, mask: np.ndarray) -> None:
        """Hand the new mask (a copy: the brush edits the array in place meanwhile) to the preparer;
        the evaluation waits for :meth:`adopt_prepared_canal`."""
        self._canal = None
        self.canal_changed.emit()
        self.canal_preparer(self.volume, self.grid, mask.copy(), self.canal.version)

    def adopt_prepared_canal(self, prepared: PreparedCanal, version: int) -> bool:
        """Use ``prepared`` when it was built for the current canal version on this session's grid
        (then evaluate); a stale one (the canal changed again, another case) is dropped: False."""
        if (self.canal.mask is None or version != self.canal.version or prepared.grid is not self.grid
                or not self.canal_stale):
            return False
        self._canal_prepared(prepared)
        if self.figures_runner is not None and not self.interactive:
            self.evaluate_soon()  # issue 19: the zones' figures for the new canal in the window's worker
        else:
            self._on_plan_changed()
        return True

    def _ensure_canal_prepared(self) -> None:
        """Prepare the canal here when it is stale (an explicit evaluation with zones wants figures now)."""
        if self.canal_stale:
            self._canal_prepared(PreparedCanal.build(self.grid, self.canal.mask, self.volume.hu))
