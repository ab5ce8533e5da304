"""The export side of the "Plan file" menu: 3D Slicer markups (export and import), meshes, the PDF
report, DICOM (Encapsulated PDF + Secondary Capture key images), DICOM SEG and RT Structure Set (export,
and import of one that belongs to the loaded CT as lesion, canal or target), the de-identify switch, the SINS
dialog, and screenshots of any view to PNG or the clipboard. The work itself lives in
:mod:`planner.export`, :mod:`planner.report`, :mod:`planner.render` and :mod:`planner.headless.export`.

Every export runs as an :class:`~planner.headless.export_steps.ExportJob` on a snapshot of the session
(:class:`~planner.session.snapshot.SessionSnapshot`, taken here on the GUI thread) in an
:class:`~planner.ui.export_worker.ExportRunner`: a progress dialog with Cancel, the window stays
responsive, and a cancelled or failed export leaves no file behind. Every successful export ends in
:meth:`PlanExports._export_finished`. An export asked for while the safety checks run in their workers
waits for them (:class:`~planner.ui.export_gate.ChecksGate`) instead of re-evaluating on the GUI thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QGuiApplication, QImage

from planner.core.errors import PlannerError
from planner.plan.commands import add_item
from planner.plan.items import Level


class PlanExports:
    """Export, import, SINS and screenshot actions for a :class:`~planner.ui.plan_files.PlanFileActions`."""

    def __init__(self, files):
        self.files = files
        self.w = files.w
        self.session = files.session
        self.prompts = files.prompts
        self.settings = files.settings
        from planner.ui.export_worker import ExportRunner

        self.runner = ExportRunner(self.w)
        self.runner.done.connect(self._on_done)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        from planner.ui.export_gate import ChecksGate

        self.gate = ChecksGate(self.session, self._check_runners, self.w, self._status)

    def _check_runners(self) -> list:
        """The window's background checks an export waits for: the corridors (and foramina), the canal's
        preparation, the evaluation's figures after a result (issue 19)."""
        return [getattr(self.w, "corridors", None), getattr(self.w, "canal_prep", None),
                getattr(self.w, "evaluations", None)]

    def build_menu(self, menu) -> None:
        w, add = self.w, self.w._add_action
        menu.addSeparator()
        add(menu, "&Import 3D Slicer markups…", self.import_markups)
        add(menu, "Open a DICOM SE&G or RT structure set…", self.import_segments)
        export = menu.addMenu("&Export")
        add(export, "3D &Slicer markups (.mrk.json)…", self.export_markups)
        for fmt in ("stl", "obj", "vtp"):
            add(export, f"&Meshes as {fmt.upper()}…", lambda _=False, f=fmt: self.export_meshes(f))
        add(export, "&PDF report…", self.export_pdf)
        add(export, "&DICOM (report + key images)…", self.export_dicom)
        add(export, "DICOM se&gmentation (SEG)…", lambda: self.export_segments("seg"))
        add(export, "&RT structure set (RTSTRUCT)…", lambda: self.export_segments("rtstruct"))
        add(export, "3D Slicer segmentation (.seg.nrrd)…", lambda: self.export_segments("slicer-seg"))
        export.addSeparator()
        self.deidentify_action = QAction("De-&identify exports (PS3.15 basic profile)", w)
        self.deidentify_action.setCheckable(True)
        self.deidentify_action.setChecked(self.settings.value("export/deidentify", False, type=bool))
        self.deidentify_action.toggled.connect(lambda on: self.settings.setValue("export/deidentify", on))
        export.addAction(self.deidentify_action)
        menu.addSeparator()
        add(menu, "S&INS score of a level…", self.edit_sins)
        shots = menu.addMenu("Scree&nshots")
        add(shots, "Copy &window to clipboard", self.copy_window)
        add(shots, "Copy &3D view to clipboard", lambda: self.copy_image(self._image_3d()))
        for view in w.all_2d_views():
            title = view.source.title
            add(shots, f"Save {title} view as PNG…", lambda _=False, v=view: self.save_view_png(v))
            add(shots, f"Copy {title} view to clipboard", lambda _=False, v=view: self.copy_image(v.grab().toImage()))

    def _status(self, text: str) -> None:
        self.w.statusBar().showMessage(text, 8000)

    # --- exports -------------------------------------------------------------------------------
    def _ready(self, what: str) -> bool:
        """A CT is open (said in words when not). The evaluation is not redone here: an export starts
        through :attr:`gate`, once the checks under way have published theirs (issue 19)."""
        if self.session.volume is None:
            self.prompts.warn(what, "Open a CT series and a plan first.")
            return False
        return True

    def _run(self, job, target=None, folder: bool = False) -> bool:
        """Start an export job in the background (progress dialog with Cancel); False when another
        export is still running or the target's folder cannot be written (said at once, in words)."""
        from planner.export.atomic import check_target_folder

        if target is not None:
            try:
                check_target_folder(Path(target) if folder else Path(target).parent)
            except PlannerError as exc:
                self.prompts.warn(job.title, f"{job.title} failed: {exc}")
                return False
        if not self.runner.start(job):
            self.prompts.warn(job.title, "Another export is still running: wait for it or cancel it first.")
            return False
        return True

    def _snapshot(self):
        """What the export reads, copied now on the GUI thread (the user may go on editing meanwhile)."""
        from planner.session.snapshot import SessionSnapshot

        snapshot = SessionSnapshot(self.session)
        prefs = getattr(self.w, "view_prefs", None)  # issue 19: the report's positions follow the display frame
        snapshot.position_frame = prefs.position_frame if prefs is not None else "LPS"
        return snapshot

    def _window_bone_surface(self):
        """The 3D view's bone surface when it is finished, on this CT and at the report's 200 HU (the
        3D key image then skips its own ~10 s build); else None. A shallow copy: a polydata of its
        own sharing the view's point and cell arrays, which both threads only read (the view never
        edits them in place: a new surface comes as a new polydata, :meth:`Scene3D.set_bone_surface`).
        The export's worker cuts it into new pieces while the view goes on drawing or replacing its
        own. Not a deep copy: 20-120 ms of memory copy on the GUI thread for a lumbar surface (issue 19)."""
        from vtkmodules.vtkCommonDataModel import vtkPolyData

        from planner.render.surfaces import DEFAULT_BONE_THRESHOLD_HU

        view = getattr(self.w, "view3d", None)
        actor = getattr(getattr(view, "scene", None), "bone_actor", None)
        building = view is not None and view.is_surface_busy()  # a rebuild under way
        if (actor is None or building or view.volume is not self.session.volume
                or abs(view.threshold.value() - DEFAULT_BONE_THRESHOLD_HU) > 1e-6):
            return None
        poly = actor.GetMapper().GetInput()
        if poly is None or poly.GetNumberOfPolys() == 0:
            return None
        copy = vtkPolyData()
        copy.ShallowCopy(poly)
        return copy

    def _on_done(self, title: str, written: list) -> None:
        self._export_finished(title, written)

    def _export_finished(self, title: str, written: list) -> None:
        """Export finished (every export ends here, once its files are in place)."""
        view3d = getattr(self.w, "view3d", None)
        # issue 19: an export never leaves the 3D view zoomed or offset, nor moves a camera left as reset
        moved = view3d is not None and view3d.reset_camera_after_export()
        self._status(f"{title}: wrote {len(written)} file(s) to {Path(written[0]).parent if written else '—'}"
                     + ("; the 3D view is back to its spine view" if moved else ""))
        if title == "DICOM export" and written and self.prompts.ask(
                "Send to the PACS", f"Send the {len(written)} DICOM file(s) to a PACS now?"):
            self.w.file_actions.pacs_send(written)

    def _on_failed(self, title: str, message: str) -> None:
        self.prompts.warn(title, message if message.startswith(title) else f"{title} failed: {message}")

    def _on_cancelled(self, title: str) -> None:
        self._status(f"{title} cancelled; nothing was written (files already there are unchanged).")

    def shutdown(self) -> None:
        """The window is closing: stop the export under way (its files are discarded)."""
        self.gate.shutdown()
        self.runner.shutdown()
        if getattr(self, "segment_import", None) is not None:
            self.segment_import.shutdown()  # a segmentation being read (issue 19)

    def deidentify(self) -> bool:
        return self.deidentify_action.isChecked()

    def export_markups(self) -> None:
        from planner.headless.export import markups_description
        from planner.headless.export_steps import markups_job

        path = self.prompts.save_file("Export 3D Slicer markups", "plan.mrk.json", "3D Slicer markups (*.mrk.json)")
        if path:
            description = markups_description(self.session, self.deidentify())
            if self.session.volume is None:  # markups need no CT: a plan-only snapshot
                from types import SimpleNamespace

                from planner.plan.document import PlanDocument

                plan = PlanDocument()
                plan.assign(self.session.plan)
                self._run(markups_job(SimpleNamespace(plan=plan), path, description), path)
            else:
                self._run(markups_job(self._snapshot(), path, description), path)

    def import_markups(self) -> None:
        from planner.export.markups import read_markups

        if self.session.volume is None:
            self.prompts.warn("Import markups", "Open the CT series first: markups are coordinates on it.")
            return
        path = self.prompts.open_file("Import 3D Slicer markups", "3D Slicer markups (*.mrk.json *.json)")
        if not path:
            return
        try:
            imported = read_markups(path)
            with self.session.stack.macro("Import markups"):
                for item in imported.items:
                    self.session.stack.push(add_item(item))
        except PlannerError as exc:
            self.prompts.warn("Import markups", str(exc))
            return
        skipped = f"; skipped: {'; '.join(imported.skipped)}" if imported.skipped else ""
        self._status(f"Imported {len(imported.needles)} needle(s), {len(imported.thermocouples)} thermocouple(s), "
                     f"{len(imported.targets)} target(s){skipped}")

    def export_meshes(self, fmt: str) -> None:
        from planner.headless.export_steps import meshes_job

        if self._ready("Mesh export"):
            folder = self.prompts.folder(f"Folder for the {fmt.upper()} meshes")
            if folder:
                self.gate.when_checked("Mesh export", lambda: self._run(meshes_job(self._snapshot(), folder, fmt),
                                                                        folder, folder=True))

    def export_pdf(self) -> None:
        from planner.headless.export_steps import pdf_job

        if self._ready("PDF report") and (path := self.prompts.save_file("Save the report", "plan-report.pdf",
                                                                         "PDF (*.pdf)")):
            self.gate.when_checked("PDF report", lambda: self._run(
                pdf_job(self._snapshot(), path, self.deidentify(), self._window_bone_surface()), path))

    def export_dicom(self) -> None:
        from planner.headless.export_steps import dicom_job

        if self._ready("DICOM export") and (folder := self.prompts.folder("Folder for the DICOM files")):
            self.gate.when_checked("DICOM export", lambda: self._run(
                dicom_job(self._snapshot(), folder, self.deidentify(), self._window_bone_surface()), folder,
                folder=True))

    def export_segments(self, to: str) -> None:
        """SEG, RTSTRUCT or 3D Slicer segmentation of the canal, lesion and zones (plus the masks other
        panels registered in ``session.export_masks``, a dict name -> mask, when present)."""
        from planner.headless.export_steps import SEGMENT_TITLES, segments_job

        name, kind = {"seg": ("segmentation.dcm", "DICOM (*.dcm)"), "rtstruct": ("structures.dcm", "DICOM (*.dcm)"),
                      "slicer-seg": ("plan.seg.nrrd", "3D Slicer segmentation (*.seg.nrrd)")}[to]
        title = SEGMENT_TITLES[to]
        if self._ready(title) and (path := self.prompts.save_file(f"Save the {title}", name, kind)):
            self.gate.when_checked(title, lambda: self._run(
                segments_job(self._snapshot(), to, path, self.deidentify()), path))

    def import_segments(self) -> None:
        """Open a SEG or RTSTRUCT of the loaded CT and use one of its segments as the lesion, canal or target
        (read in a worker, then asked and applied: planner/ui/segment_import.py, issue 19)."""
        from planner.ui.segment_import import TITLE, SegmentImport

        if self.session.volume is None:
            self.prompts.warn(TITLE, "Open the CT series first: the segments must belong to it.")
            return
        path = self.prompts.open_file("Open a DICOM SEG or RT structure set", "DICOM (*.dcm);;All files (*)")
        if not path:
            return
        if getattr(self, "segment_import", None) is None:
            self.segment_import = SegmentImport(self.session, lambda: self.prompts, self._status, self.w)
        self.segment_import.open(path)

    # --- SINS ----------------------------------------------------------------------------------
    def edit_sins(self) -> None:
        from planner.ui.sins_dialog import SinsDialog, apply_sins

        level = self._level_for_sins()
        if level is None:
            return
        dialog = SinsDialog(level, self.w)
        if dialog.exec():
            apply_sins(self.session, level.id, dialog.values())

    def _level_for_sins(self):
        plan = self.session.plan
        selected = self.w.selection.item_id
        if selected in plan and plan.get(selected).KIND == "level":
            return plan.get(selected)
        names = [lv.name for lv in plan.levels] + sorted({n.level for n in plan.needles if n.level} -
                                                         {lv.name for lv in plan.levels})
        if not names:
            self.prompts.warn("SINS", "Define a level first (or give a needle its level).")
            return None
        name = names[0] if len(names) == 1 else self.prompts.choose("SINS", "Level:", names)
        if not name:
            return None
        if plan.level_named(name) is None:  # a level named only by its needles: create it at their tips
            tips = [n.tip_lps for n in plan.needles if n.level == name]
            centre = tuple(sum(t[i] for t in tips) / len(tips) for i in range(3))
            self.session.stack.push(add_item(Level(name, centre)))
        return plan.level_named(name)

    # --- screenshots ---------------------------------------------------------------------------
    def _image_3d(self) -> QImage:
        arr = self.w.view3d.image_array()
        h, w, _ = arr.shape
        return QImage(arr.data, w, h, 3 * w, QImage.Format_RGB888).copy()

    def copy_image(self, image: QImage) -> None:
        QGuiApplication.clipboard().setImage(image)
        self._status("Copied to the clipboard")

    def copy_window(self) -> None:
        from planner.ui.screenshot import save_window_png

        path = self.files.recovery_dir.parent / "clipboard-window.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        save_window_png(self.w, path)
        self.copy_image(QImage(str(path)))
        path.unlink(missing_ok=True)

    def save_view_png(self, view) -> None:
        path = self.prompts.save_file("Save view", f"{view.source.kind}.png", "PNG image (*.png)")
        if path:
            if view.grab().save(path, "PNG"):
                self._status(f"Saved {path}")
            else:
                self.prompts.warn("Screenshot", f"Could not write {path}.")
