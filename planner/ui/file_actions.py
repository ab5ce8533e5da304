"""The File menu: open a folder, a volume file, a recent folder, the sample; then the plan's own
section (New / Open / Save / Save As / Export, from :mod:`planner.ui.plan_files`: one File menu, as in
3D Slicer and the PACS viewers, issue 19); the PACS; screenshots; Quit."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from planner.core.errors import PlannerError
from planner.core.resources import sample_series_dir
from planner.ui.case_loader import recent_folders


class FileActions:
    """Builds the File menu on ``host`` (an :class:`~planner.ui.action_host.ActionHost`; ``view3d`` for the
    3D snapshot)."""

    def __init__(self, host, plan_section=None):
        """``plan_section(menu)`` adds the plan's entries after the scan's (None: no plan section)."""
        self.w = host
        window = host
        menu = window.add_menu("&File")
        self.menu = menu
        window.add_action(menu, "&Open DICOM folder…", self.choose_folder, QKeySequence.Open)
        window.add_action(menu, "Open &volume file (NIfTI, NRRD)…", self.choose_file)
        self.recent_menu = menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        window.add_action(menu, "Open &sample case", lambda: window.open_path(sample_series_dir()))
        menu.addSeparator()
        if plan_section is not None:
            plan_section(menu)
            menu.addSeparator()
        pacs = menu.addMenu("&PACS")
        window.add_action(pacs, "&Query / retrieve…", self.pacs_browser)
        window.add_action(pacs, "Se&nd DICOM files (report, key images)…", self.pacs_send_dialog)
        window.add_action(pacs, "&Settings…", self.pacs_settings)
        menu.addSeparator()
        window.add_action(menu, "Save 3D view as &PNG…", self.save_3d_png)
        window.add_action(menu, "Save &window screenshot…", self.save_window_png)
        menu.addSeparator()
        window.add_action(menu, "&Quit", lambda: window.widget().close(), QKeySequence.Quit)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.w.widget(), "Open a DICOM folder")
        if folder:
            self.w.open_path(folder)

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.w.widget(), "Open a volume", "",
                                              "Volumes (*.nii *.nii.gz *.nrrd *.nhdr *.dcm)")
        if path:
            self.w.open_path(path)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        folders = recent_folders()
        for folder in folders:
            self.recent_menu.addAction(folder, lambda f=folder: self.w.open_path(f))
        if not folders:
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    def _pacs_settings(self):
        from planner.pacs.settings import SettingsStore

        store = SettingsStore()
        try:
            return store, store.load()
        except PlannerError as exc:
            QMessageBox.warning(self.w.widget(), "PACS settings", str(exc))
            return store, None

    def pacs_settings(self) -> None:
        from planner.ui.pacs_dialog import PacsSettingsDialog

        store, _settings = self._pacs_settings()
        PacsSettingsDialog(store, self.w.widget()).exec()

    def _settings_with_nodes(self):
        """The PACS settings when at least one node is configured; else say so and return None."""
        _store, settings = self._pacs_settings()
        if settings is not None and not settings.nodes:
            QMessageBox.information(self.w.widget(), "PACS", "Add a PACS node first (File ▸ PACS ▸ Settings).")
            return None
        return settings

    def pacs_browser(self) -> None:
        from planner.ui.pacs_dialog import PacsBrowserDialog

        settings = self._settings_with_nodes()
        if settings is None:
            return
        dialog = PacsBrowserDialog(settings, self.w.widget())
        dialog.seriesRetrieved.connect(self.w.open_path)
        dialog.exec()

    def pacs_send_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self.w.widget(), "DICOM files to send", "", "DICOM (*.dcm);;All files (*)")
        if paths:
            self.pacs_send(paths)

    def pacs_send(self, paths) -> None:
        """Send files to a PACS node with C-STORE (the dialog picks the node and shows progress)."""
        from planner.ui.pacs_dialog import PacsSendDialog

        settings = self._settings_with_nodes()
        if settings is None:
            return
        PacsSendDialog(settings, [str(p) for p in paths], self.w.widget()).exec()

    def save_3d_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.w.widget(), "Save 3D view", "view3d.png", "PNG image (*.png)")
        if path:
            self.w.view3d.save_png(path)
            self.w.show_status(f"Saved {path}", 5000)

    def save_window_png(self) -> None:
        from planner.ui.screenshot import save_window_png

        path, _ = QFileDialog.getSaveFileName(self.w.widget(), "Save window", "planner.png", "PNG image (*.png)")
        if path:
            save_window_png(self.w.widget(), Path(path))
            self.w.show_status(f"Saved {path}", 5000)
