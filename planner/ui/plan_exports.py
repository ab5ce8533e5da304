"""The export side of the "Plan file" menu: 3D Slicer markups (export and import), meshes, the PDF
report, DICOM (Encapsulated PDF + Secondary Capture key images), DICOM SEG and RT Structure Set (export,
and import of one that belongs to the loaded CT as lesion, canal or target), the de-identify switch, the SINS
dialog, and screenshots of any view to PNG or the clipboard. The work itself lives in
:mod:`planner.export`, :mod:`planner.report`, :mod:`planner.render` and :mod:`planner.headless.export`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

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
        if self.session.volume is None:
            self.prompts.warn(what, "Open a CT series and a plan first.")
            return False
        if self.session.evaluation is None or not self.session.evaluation.complete:
            self.session.evaluate(corridors=True)
        return True

    def _run(self, title: str, job) -> None:
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            written = job()
        except (PlannerError, OSError) as exc:
            QApplication.restoreOverrideCursor()
            self.prompts.warn(title, f"{title} failed: {exc}")
            return
        QApplication.restoreOverrideCursor()
        self.w.view3d.reset_camera_to_spine()  # issue 19: an export never leaves the 3D view zoomed or offset
        self._status(f"{title}: wrote {len(written)} file(s) to {Path(written[0]).parent if written else '—'}")

    def deidentify(self) -> bool:
        return self.deidentify_action.isChecked()

    def export_markups(self) -> None:
        from planner.export.markups import write_markups
        from planner.headless.export import markups_description

        path = self.prompts.save_file("Export 3D Slicer markups", "plan.mrk.json", "3D Slicer markups (*.mrk.json)")
        if path:
            description = markups_description(self.session, self.deidentify())
            self._run("Markups export", lambda: [write_markups(self.session.plan, path, description)])

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
        from planner.render.mesh_export import export_meshes

        if self._ready("Mesh export"):
            folder = self.prompts.folder(f"Folder for the {fmt.upper()} meshes")
            if folder:
                self._run("Mesh export", lambda: export_meshes(self.session, folder, fmt))

    def export_pdf(self) -> None:
        from planner.headless.export import report_pdf

        if self._ready("PDF report") and (path := self.prompts.save_file("Save the report", "plan-report.pdf",
                                                                         "PDF (*.pdf)")):
            self._run("PDF report", lambda: [_write(path, report_pdf(self.session, self.deidentify())[0])])

    def export_dicom(self) -> None:
        from planner.export.dicom import source_header, write_dicom_exports
        from planner.headless.export import report_pdf

        if self._ready("DICOM export") and (folder := self.prompts.folder("Folder for the DICOM files")):
            written = []

            def job():
                from planner.headless.export import ct_references

                pdf, images = report_pdf(self.session, self.deidentify())
                written[:] = write_dicom_exports(folder, source_header(self.session.volume.info), pdf, images,
                                                 self.deidentify(), ct_references(self.session),
                                                 self.session.plan.created)
                return written
            self._run("DICOM export", job)
            if written and self.prompts.ask("Send to the PACS", f"Send the {len(written)} DICOM file(s) to a PACS now?"):
                self.w.file_actions.pacs_send(written)

    def export_segments(self, to: str) -> None:
        """SEG or RTSTRUCT of the canal, lesion and zones (plus masks other panels registered in
        ``session.export_masks``, a dict name -> mask, when present)."""
        from planner.headless.export import segment_export

        name, title, kind = {"seg": ("segmentation.dcm", "DICOM segmentation", "DICOM (*.dcm)"),
                             "rtstruct": ("structures.dcm", "RT structure set", "DICOM (*.dcm)"),
                             "slicer-seg": ("plan.seg.nrrd", "3D Slicer segmentation",
                                            "3D Slicer segmentation (*.seg.nrrd)")}[to]
        if self._ready(title) and (path := self.prompts.save_file(f"Save the {title}", name, kind)):
            extra = getattr(self.session, "export_masks", None)
            self._run(title, lambda: segment_export(self.session, to, path, self.deidentify(), extra))

    def import_segments(self) -> None:
        """Open a SEG or RTSTRUCT of the loaded CT and use one of its segments as the lesion, canal or target."""
        from planner.export.seg_import import ROLES, apply_segment, read_segments

        if self.session.volume is None:
            self.prompts.warn("Open segmentation", "Open the CT series first: the segments must belong to it.")
            return
        path = self.prompts.open_file("Open a DICOM SEG or RT structure set", "DICOM (*.dcm);;All files (*)")
        if not path:
            return
        try:
            segments = [s for s in read_segments(path, self.session.volume) if s.mask_kji.any()]
            if not segments:
                raise PlannerError("The file holds no segment on the loaded CT.")
            labels = [f"{s.label} ({s.type_meaning or 'no code'})" for s in segments]
            chosen = self.prompts.choose("Open segmentation", "Segment:", labels)
            if not chosen:
                return
            segment = segments[labels.index(chosen)]
            roles = [segment.suggested_role] + [r for r in ROLES if r != segment.suggested_role]
            role = self.prompts.choose("Open segmentation", f"Use {segment.label!r} as:", roles)
            if not role:
                return
            apply_segment(self.session, segment, role)
            self.session.evaluate(corridors=True)
        except PlannerError as exc:
            self.prompts.warn("Open segmentation", str(exc))
            return
        self._status(f"{segment.label} is now the {role}.")

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




def _write(path, data: bytes) -> Path:
    path = Path(path)
    path.write_bytes(data)
    return path
