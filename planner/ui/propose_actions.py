"""Plan ▸ Propose access… and Plan ▸ CTV sectors…: the whole-target planning of issue 17 in the window.

"Propose access…" runs :func:`planner.session.whole_target.ctv_case` and
:func:`planner.planning.propose.propose` for the selected (or the target's) level in a worker, shows the
ranked options with their ``why`` (:class:`~planner.ui.propose_dialog.ProposeDialog`) and adds the chosen
one with :func:`~planner.session.whole_target.add_option_command` (one undo step). The CTV is drawn in
the 2D views (outline, ``palette.CTV``) and in 3D. "CTV sectors…" toggles the ISRC sectors of the level
(``Level.ctv_sectors``) through a plan command and redraws the CTV.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QProgressDialog

from planner.core import palette
from planner.core.errors import PlannerError
from planner.geometry.raster import VoxelGrid
from planner.headless.propose import DEFAULT_DEVICE
from planner.plan.commands import set_fields
from planner.plan.commands_base import AddItem, MacroCommand
from planner.plan.items import Level
from planner.planning.propose import propose
from planner.session.proposal_inputs import proposal_corridor_inputs
from planner.session.whole_target import add_option_command, ctv_case, with_sectors
from planner.ui.load_worker import LoadWorker
from planner.ui.plan_overlays import MaskOverlay
from planner.ui.propose_dialog import ProposeDialog, SectorDialog
from planner.ui.qt_links import connect_while_alive


def selected_level_name(host) -> str | None:
    """The level of the selected item (a level, a needle, a target), else None (the lesion's level)."""
    item_id = host.selection.item_id
    plan = host.session.plan
    if item_id is None or item_id not in plan:
        return None
    item = plan.get(item_id)
    if item.KIND == "level":
        return item.name
    if item.KIND == "antenna":
        item = plan.get(item.needle_id)
    return getattr(item, "level", None) or None


CTV_EXPORT_NAME = "Clinical target volume (ISRC)"


class ProposeActions(QObject):
    """The two actions, the CTV overlay (2D) and surface (3D); ``views``: the 2D views to draw in."""

    def __init__(self, host, plan_menu, views=(), view3d=None, device_id: str | None = None):
        super().__init__(host.widget())
        self.host = host
        self.session = host.session
        self.view3d = view3d
        self.device_id = device_id or DEFAULT_DEVICE
        self.case = None
        self._case_key = None
        self.worker: LoadWorker | None = None
        self.progress: QProgressDialog | None = None
        self.dialog = None
        self.training = False  # a training task runs: Propose access is off (set_training)
        self.surface = None
        self.overlay = MaskOverlay(self.session, self.ctv_mask, QColor(*palette.CTV), show_overlap=False)
        for view in views:
            view.overlays.append(self.overlay)
        plan_menu.addSeparator()
        self.propose_action = host.add_action(plan_menu, "Propose access…", self.propose)
        self.sectors_action = host.add_action(plan_menu, "CTV sectors…", self.edit_sectors)
        connect_while_alive(self.session.volume_changed, self, lambda: self.set_case(None))

    def set_training(self, running: bool) -> None:
        """Propose access is off while a training task runs (screenshot round of issue 17: a trainee could
        ask the planner for the answer); starting a task also stops a running search and closes a dialog
        left open on the case before (its options would have been added to the trainee's attempt)."""
        self.training = bool(running)  # a search's result arriving after Start is dropped (_show_proposal)
        self.propose_action.setEnabled(not running)
        self.propose_action.setStatusTip("Off during a training task: submit the attempt first." if running else "")
        if not running:
            return
        if self.worker is not None:
            self.worker.cancel()
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.reject()

    # --- the CTV ----------------------------------------------------------------------------------
    def _inputs_key(self) -> tuple:
        s = self.session
        return (id(s.volume), s.canal.version, s.lesion.version, tuple(s.plan.targets))

    def ctv_mask(self):
        """The CTV on the CT grid while the lesion, canal and volume it came from are unchanged."""
        if self.case is None or self._case_key != self._inputs_key():
            return None
        return self.case.ctv

    def set_case(self, case) -> None:
        self.case = case
        self._case_key = self._inputs_key() if case is not None else None
        # the exports (DICOM SEG / RTSTRUCT, Slicer, meshes, key images) carry the CTV while it is current
        self.session.extra_export_masks[CTV_EXPORT_NAME] = self._ctv_for_export
        if self.view3d is not None and (case is not None or self.surface is not None):
            if self.surface is None:
                from planner.render.mask_surfaces import MaskSurface

                self.surface = MaskSurface(self.view3d.scene.renderer, rgb=palette.unit(palette.CTV), opacity=0.3)
                scene = getattr(self.host, "scene_plan", None)
                if scene is not None:  # the CTV lies in the vertebra: drawn through the bone like a zone
                    scene.see_through_extra.append(lambda: [(self.surface.actor, "zone")])
                    scene.legend_extra.append(lambda: [("CTV (ISRC)", palette.unit(palette.CTV), self.surface.actor)])
            ctv = None if case is None or not case.ctv.any() else case.ctv
            builds = getattr(getattr(self.host, "scene_plan", None), "surfaces", None)  # issue 19: in a worker
            if builds is not None:
                builds.request(self.surface, ctv, VoxelGrid.of(self.session.volume), copy=False, then=self.view3d.render)
            else:
                self.surface.set_mask(ctv, grid=VoxelGrid.of(self.session.volume))
                self.view3d.render()
        self.host.update_views()

    def _ctv_for_export(self):
        mask = self.ctv_mask()
        return None if mask is None or not mask.any() else (mask, "ctv")

    # --- running in the background ------------------------------------------------------------------
    def is_busy(self) -> bool:
        return self.worker is not None

    def _start(self, title: str, job, then, stages: tuple[str, ...] = ()) -> None:
        """Run ``job`` in a worker behind a progress box with Cancel; ``stages``: what the box says at each
        progress value (screenshot round of issue 19: "computing… 33%" for most of the wait)."""
        if self.session.volume is None:
            self.host.warn(title, "Open a CT series first.")
            return
        if self.worker is not None:
            self.host.show_status("Still working on the previous request…")
            return
        worker = LoadWorker(job, self)
        self.progress = QProgressDialog(f"{title}: computing…", "Cancel", 0, 0, self.host.widget())
        self.progress.setObjectName("propose_progress")
        self.progress.setMinimumDuration(300)
        self.progress.canceled.connect(worker.cancel)
        worker.progress.connect(lambda done, total: self._progress(title, stages, done, total))
        worker.finished.connect(lambda out: self._done(out, then))
        worker.failed.connect(lambda message: self._failed(title, message))
        worker.cancelled.connect(lambda: self._failed(title, ""))
        self.worker = worker
        worker.start()

    def _progress(self, title: str, stages: tuple[str, ...], done: int, total: int) -> None:
        if self.progress is None:
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        if done < len(stages):
            self.progress.setLabelText(f"{title}: {stages[done]}…")

    def _stop(self) -> None:
        """Forget the worker and close the progress (a cancelled job emits ``cancelled``, not ``finished``)."""
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.wait(1000)
        if self.progress is not None:
            self.progress.reset()
            self.progress.deleteLater()
            self.progress = None

    def _done(self, out, then) -> None:
        self._stop()
        then(*out)

    def _failed(self, title: str, message: str) -> None:
        self._stop()
        if message:
            self.host.warn(title, message)
        else:
            self.host.show_status(f"{title}: cancelled")

    # --- Propose access… --------------------------------------------------------------------------
    def propose(self) -> None:
        s, level = self.session, selected_level_name(self.host)
        device = s.devices.get(self.device_id)
        volume, canal, foramina = s.volume, s.canal_mask, s.foramen_mask  # trajectories avoid the foramina

        def job(progress, cancel):
            progress(0, 3)
            case = ctv_case(s, level, cancel=cancel)
            progress(1, 3)
            if cancel():
                return case, None
            return case, propose(volume, case.sectors, case.ctv, case.gtv, canal, device, foramen_mask=foramina,
                                 corridor=proposal_corridor_inputs(s, case.level), cancel=cancel)

        self._start("Propose access", job, self._show_proposal,
                    stages=("finding the level and its CTV", "searching trajectories, extensions and protocols"))

    def _show_proposal(self, case, proposal) -> None:
        if self.training:  # finished as a training task started: not shown to the trainee
            return
        self.set_case(case)
        if proposal is None:
            return
        self.dialog = ProposeDialog(case, proposal, self.host.widget())
        self.dialog.accepted.connect(lambda: self.add_option(self.dialog.chosen(), case))
        self.dialog.open()

    def add_option(self, option, case) -> None:
        """Add one proposed option to the plan (one undo step)."""
        if option is None:
            return
        self.session.stack.push(add_option_command(self.session, option, case))
        self.host.show_status(f"Added option {option.rank} ({option.approach}) at {case.level.name}: Undo removes it.")

    # --- CTV sectors… -----------------------------------------------------------------------------
    def edit_sectors(self) -> None:
        case = self.case if self.ctv_mask() is not None else None
        if case is not None and (selected_level_name(self.host) in (None, case.level.name)):
            self._show_sectors(case)
            return
        s, level = self.session, selected_level_name(self.host)
        self._start("CTV sectors", lambda progress, cancel: (ctv_case(s, level, cancel=cancel),), self._show_sectors)

    def _show_sectors(self, case) -> None:
        self.set_case(case)
        self.dialog = SectorDialog(case.level.name, case.choice.sectors, case.choice.involved, self.host.widget())
        self.dialog.finished.connect(lambda code: self._sectors_chosen(code, case))
        self.dialog.open()

    def _sectors_chosen(self, code: int, case) -> None:
        if code == 0:
            return
        sectors = None if code == 2 else self.dialog.sectors()
        try:
            self.set_sectors(case, sectors)
        except PlannerError as exc:
            self.host.warn("CTV sectors", str(exc))

    def set_sectors(self, case, sectors) -> None:
        """``Level.ctv_sectors`` = ``sectors`` (None: the rules) as one plan command; the CTV redrawn."""
        if sectors is not None and not sectors:
            raise PlannerError("Keep at least one sector in the CTV (or press 'Use the rules').")
        value = None if sectors is None else tuple(sorted(int(x) for x in sectors))
        new = with_sectors(case, value)  # the CTV as ctv_case builds it (the level's own arch)
        level = self.session.plan.level_named(case.level.name)
        if level is not None:
            command = set_fields(level.id, text=f"CTV sectors of {level.name}", ctv_sectors=value)
        else:
            lf = case.level
            command = MacroCommand(f"CTV sectors of {lf.name}", [AddItem(Level(
                lf.name, tuple(lf.centre_lps), axes=tuple(map(tuple, lf.axes)), plane_point_lps=tuple(lf.plane_point_lps),
                body_depth_mm=lf.depth_mm, ctv_sectors=value))])
        self.session.stack.push(command)
        self.set_case(new)
        said = "the ISRC rules" if value is None else "sectors " + ", ".join(str(x) for x in value)
        ml = new.ctv.sum() * math.prod(self.session.volume.spacing_mm) / 1000.0
        self.host.show_status(f"CTV of {case.level.name}: {said} ({ml:.1f} mL); Undo restores the previous choice.")

    def shutdown(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait(60000)
